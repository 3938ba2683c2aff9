// Saved groups of terminals (a filter: merchant, site, model, tag): a configuration level of their own
// between the site and the terminal, and what a baseline's configuration version is counted on.
import { randomUUID } from 'node:crypto';
import { refused } from '../shared/errors.ts';
import { parseJson } from '../shared/json.ts';
import type { Clock } from '../shared/time.ts';
import { toGroup, type ConfigurationStore } from './configuration-store.ts';
import type { ConfigurationRepository } from './configuration.repository.ts';
import type { GroupInput } from './configuration.schemas.ts';
import type { GroupFilter } from './effective-cache.ts';

export class SavedGroups {
  constructor(
    private readonly repo: ConfigurationRepository,
    private readonly store: ConfigurationStore,
    private readonly clock: Clock,
  ) {}

  async createGroup(input: GroupInput, actor: string) {
    if (await this.repo.groupByName(input.name)) throw refused('configuration.group_name_taken', { name: input.name }, { field: 'name', retryable: false });
    const row = { id: randomUUID(), name: input.name, filter: JSON.stringify(input.filter), created_by: actor, created_at: this.clock().toISOString() };
    await this.repo.insertGroup(row);
    this.store.cache.setGroups((await this.repo.groups()).map(toGroup));
    return { id: row.id, name: row.name, filter: input.filter, createdAt: row.created_at };
  }

  /** The saved group with exactly this filter, and its level's newest version (0: no values yet). */
  async groupVersion(filter: GroupFilter): Promise<{ groupId: string; version: number } | undefined> {
    const same = (a: GroupFilter, b: GroupFilter) => a.merchantId === b.merchantId && a.siteId === b.siteId && a.modelId === b.modelId && a.tag === b.tag;
    const group = this.store.cache.groupList().find((g) => same(g.filter, filter));
    if (!group) return undefined;
    return { groupId: group.id, version: (await this.repo.latestVersion('group', group.id))?.version ?? 0 };
  }

  async listGroups() {
    return (await this.repo.groups()).map((g) => ({ id: g.id, name: g.name, filter: parseJson<GroupFilter>(g.filter, {}), createdAt: g.created_at }));
  }
}
