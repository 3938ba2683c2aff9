// Saved views' storage: one user's named filters per list page.
import type { Kysely, Selectable } from 'kysely';
import type { Database, SavedViewTable } from '../db/schema.ts';
import type { SavedViewPage } from './saved-views.rules.ts';

export type SavedViewRow = Selectable<SavedViewTable>;

export class SavedViewsRepository {
  constructor(private readonly db: Kysely<Database>) {}

  list(userId: string, page: SavedViewPage): Promise<SavedViewRow[]> {
    return this.db.selectFrom('saved_views').selectAll().where('user_id', '=', userId).where('page', '=', page).orderBy('name').execute();
  }

  async count(userId: string, page: SavedViewPage): Promise<number> {
    const row = await this.db.selectFrom('saved_views').select((eb) => eb.fn.countAll<number | string>().as('n')).where('user_id', '=', userId).where('page', '=', page).executeTakeFirst();
    return Number(row?.n ?? 0);
  }

  /** Stores the view unless the user has one of that name on that page already; whether it was stored. */
  async add(row: SavedViewRow): Promise<boolean> {
    const done = await this.db.insertInto('saved_views').values(row).onConflict((oc) => oc.columns(['user_id', 'page', 'name']).doNothing()).executeTakeFirst();
    return Number(done.numInsertedOrUpdatedRows ?? 0) > 0;
  }

  /** Removes one of the user's own views; whether there was one. */
  async remove(userId: string, id: string): Promise<boolean> {
    const done = await this.db.deleteFrom('saved_views').where('id', '=', id).where('user_id', '=', userId).executeTakeFirst();
    return Number(done.numDeletedRows) > 0;
  }
}
