// Saved views: each user names the filters of a list page they open every day (the terminals out of
// paper at their sites, the high incidents older than a day) and opens them again from any device.
// A view belongs to its user alone: nobody else lists, opens or removes it.
import { randomUUID } from 'node:crypto';
import type { Clock } from '../shared/time.ts';
import { fromCatalogue, notFound } from '../shared/errors.ts';
import type { SavedViewsRepository, SavedViewRow } from './saved-views.repository.ts';
import { MAX_VIEWS_PER_PAGE, normaliseQuery, type SavedViewPage } from './saved-views.rules.ts';
import type { SavedView, SavedViewInput } from './saved-views.schemas.ts';

const view = (row: SavedViewRow): SavedView => ({ id: row.id, page: row.page, name: row.name, query: row.query, createdAt: row.created_at });

export class SavedViewsService {
  constructor(private readonly repo: SavedViewsRepository, private readonly clock: Clock) {}

  async list(userId: string, page: SavedViewPage): Promise<SavedView[]> {
    return (await this.repo.list(userId, page)).map(view);
  }

  async save(userId: string, input: SavedViewInput): Promise<SavedView> {
    const name = input.name.trim();
    if (!name) throw fromCatalogue('validation_error', 'view.name_required', {}, { field: 'name' });
    const normal = normaliseQuery(input.page, input.query);
    if ('problem' in normal) {
      throw normal.problem.reason === 'empty'
        ? fromCatalogue('validation_error', 'view.no_filter', {}, { field: 'query' })
        : fromCatalogue('validation_error', 'view.unknown_filter', { key: normal.problem.key, page: input.page }, { field: 'query' });
    }
    if (await this.repo.count(userId, input.page) >= MAX_VIEWS_PER_PAGE) throw fromCatalogue('conflict', 'view.too_many', { max: MAX_VIEWS_PER_PAGE });
    const row: SavedViewRow = { id: randomUUID(), user_id: userId, page: input.page, name, query: normal.query, created_at: this.clock().toISOString() };
    if (!(await this.repo.add(row))) throw fromCatalogue('conflict', 'view.name_taken', { name }, { field: 'name' });
    return view(row);
  }

  async remove(userId: string, id: string): Promise<void> {
    if (!(await this.repo.remove(userId, id))) throw notFound('saved view', id);
  }
}
