// Rollout queries: keys, packages, campaigns, waves, actions and their feedback, and the heartbeats a
// wave is judged by.
import type { Insertable, Kysely, Selectable, Transaction } from 'kysely';
import { onPostgres } from '../db/database.ts';
import { eachBatch, insertInBatches, selectInBatches } from '../db/batches.ts';
import { fixed, prepared } from '../db/prepared.ts';
import type { ActionFeedbackTable, CampaignTable, CampaignWaveTable, Database, PackageTable, PublisherKeyTable, RolloutActionTable } from '../db/schema.ts';
import { CONFIGURATION_KEY_ID } from '../shared/configuration-package.ts';
import { decodeSeqCursor, decodeTimeIdCursor } from '../shared/paging.ts';
import type { JobState } from '../shared/job-states.ts';
import type { ActionState } from './action-states.ts';
import type { CampaignState, PackageKind, WaveState } from './rollouts.schemas.ts';

type Executor = Kysely<Database> | Transaction<Database>;
export type PackageRow = Selectable<PackageTable>;
export type KeyRow = Selectable<PublisherKeyTable>;
export type CampaignRow = Selectable<CampaignTable>;
export type WaveRow = Selectable<CampaignWaveTable>;
export type ActionRow = Selectable<RolloutActionTable>;

export class RolloutsRepository {
  /** PostgreSQL: the heartbeat path's read is a statement written once for any number of terminals (an array), prepared by name. */
  private readonly postgres: boolean;

  constructor(readonly db: Kysely<Database>) {
    this.postgres = onPostgres(db);
  }

  transaction<T>(work: (trx: Transaction<Database>) => Promise<T>): Promise<T> {
    return this.db.transaction().execute(work);
  }

  // ---- keys
  insertKey(row: KeyRow) {
    return this.db.insertInto('publisher_keys').values(row).execute();
  }
  key(id: string) {
    return this.db.selectFrom('publisher_keys').selectAll().where('id', '=', id).executeTakeFirst();
  }
  /** Publishers' keys (not the stand-in key of configuration campaigns). */
  keys() {
    return this.db.selectFrom('publisher_keys').selectAll().where('id', '!=', CONFIGURATION_KEY_ID).orderBy('created_at').execute();
  }
  /** The stand-in key configuration campaigns' package rows name, made the first time one is needed. */
  async ensureKey(row: KeyRow): Promise<void> {
    await this.db.insertInto('publisher_keys').values(row).onConflict((oc) => oc.column('id').doNothing()).execute();
  }
  async ensurePackage(row: PackageRow): Promise<void> {
    await this.db.insertInto('packages').values(row).onConflict((oc) => oc.column('id').doNothing()).execute();
  }
  revokeKey(id: string, at: string) {
    return this.db.updateTable('publisher_keys').set({ revoked_at: at }).where('id', '=', id).where('revoked_at', 'is', null).execute();
  }

  // ---- packages
  insertPackage(row: PackageRow) {
    return this.db.insertInto('packages').values(row).execute();
  }
  package(id: string, executor: Executor = this.db) {
    return executor.selectFrom('packages').selectAll().where('id', '=', id).executeTakeFirst();
  }
  packageByVersion(kind: PackageKind, name: string, version: string) {
    return this.db.selectFrom('packages').selectAll().where('kind', '=', kind).where('name', '=', name).where('version', '=', version).executeTakeFirst();
  }
  async markUploaded(id: string, hashes: { sha1: string; md5: string }, at: string): Promise<boolean> {
    const result = await this.db.updateTable('packages').set({ ...hashes, uploaded_at: at }).where('id', '=', id).where('uploaded_at', 'is', null).executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }
  /** Newest first, keyset-paged by (created_at, id). */
  listPackages(query: { kind?: PackageKind | undefined; name?: string | undefined; limit: number; cursor?: string | undefined }) {
    const before = decodeTimeIdCursor(query.cursor);
    return this.db.selectFrom('packages').selectAll().where('key_id', '!=', CONFIGURATION_KEY_ID)
      .$if(!!query.kind, (q) => q.where('kind', '=', query.kind!))
      .$if(!!query.name, (q) => q.where('name', '=', query.name!))
      .$if(!!before, (q) => q.where((eb) => eb.or([eb('created_at', '<', before!.at), eb.and([eb('created_at', '=', before!.at), eb('id', '<', before!.id)])])))
      .orderBy('created_at', 'desc').orderBy('id', 'desc').limit(query.limit + 1).execute();
  }
  readyPackages() {
    return this.db.selectFrom('packages').selectAll().where('uploaded_at', 'is not', null).execute();
  }

  // ---- campaigns
  async insertCampaign(trx: Executor, campaign: CampaignRow, waves: WaveRow[], actions: Insertable<RolloutActionTable>[]): Promise<void> {
    await trx.insertInto('campaigns').values(campaign).execute();
    await trx.insertInto('campaign_waves').values(waves).execute();
    await insertInBatches(actions, (batch) => trx.insertInto('rollout_actions').values(batch).execute());
  }
  campaign(id: string, executor: Executor = this.db) {
    return executor.selectFrom('campaigns').selectAll().where('id', '=', id).executeTakeFirst();
  }
  /** The newest rollback campaign of a campaign, if any. */
  rollbackOf(id: string) {
    return this.db.selectFrom('campaigns').selectAll().where('rollback_of', '=', id).orderBy('created_at', 'desc').limit(1).executeTakeFirst();
  }
  campaignsInState(state: CampaignState) {
    return this.db.selectFrom('campaigns').selectAll().where('state', '=', state).orderBy('created_at').execute();
  }
  /** Campaigns in one of `states` that still have actions in `open` states: the only ones a tick must settle. */
  campaignsWithOpenActions(states: readonly CampaignState[], open: readonly ActionState[]) {
    return this.db.selectFrom('campaigns').selectAll().where('state', 'in', states)
      .where((eb) => eb.exists(eb.selectFrom('rollout_actions').select('rollout_actions.id').whereRef('rollout_actions.campaign_id', '=', 'campaigns.id').where('rollout_actions.state', 'in', open)))
      .orderBy('created_at').execute();
  }
  /** Newest first, keyset-paged by (created_at, id). */
  listCampaigns(query: { state?: CampaignState | undefined; limit: number; cursor?: string | undefined }) {
    const before = decodeTimeIdCursor(query.cursor);
    return this.db.selectFrom('campaigns').selectAll()
      .$if(!!query.state, (q) => q.where('state', '=', query.state!))
      .$if(!!before, (q) => q.where((eb) => eb.or([eb('created_at', '<', before!.at), eb.and([eb('created_at', '=', before!.at), eb('id', '<', before!.id)])])))
      .orderBy('created_at', 'desc').orderBy('id', 'desc').limit(query.limit + 1).execute();
  }
  /** The newest campaigns in these states. */
  campaignsIn(states: readonly CampaignState[], limit: number) {
    return this.db.selectFrom('campaigns').selectAll().where('state', 'in', states).orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limit).execute();
  }
  /** Moves a campaign only from the state it was read in, so two nodes never both move it. */
  async moveCampaign(executor: Executor, id: string, from: CampaignState, changes: Partial<CampaignRow>): Promise<boolean> {
    const result = await executor.updateTable('campaigns').set(changes).where('id', '=', id).where('state', '=', from).executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }
  /**
   * True while the campaign is running, and holds its row until the transaction ends (a no-op update
   * locks it on PostgreSQL; SQLite has one writer anyway): a pause or cancel waits for the transaction.
   */
  async holdRunning(trx: Transaction<Database>, id: string): Promise<boolean> {
    const result = await trx.updateTable('campaigns').set({ state: 'running' }).where('id', '=', id).where('state', '=', 'running').executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }
  updateCampaign(executor: Executor, id: string, changes: Partial<CampaignRow>) {
    return executor.updateTable('campaigns').set(changes).where('id', '=', id).execute();
  }
  waves(campaignId: string) {
    return this.db.selectFrom('campaign_waves').selectAll().where('campaign_id', '=', campaignId).orderBy('wave').execute();
  }
  async moveWave(executor: Executor, campaignId: string, wave: number, from: readonly WaveState[], changes: Partial<WaveRow>): Promise<boolean> {
    const result = await executor.updateTable('campaign_waves').set(changes).where('campaign_id', '=', campaignId).where('wave', '=', wave).where('state', 'in', from).executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }
  /** Actions per (wave, state). */
  async tally(campaignId: string) {
    const rows = await this.db.selectFrom('rollout_actions').select(['wave', 'state', (eb) => eb.fn.countAll<number>().as('n')])
      .where('campaign_id', '=', campaignId).groupBy(['wave', 'state']).execute();
    return rows.map((r) => ({ wave: r.wave, state: r.state, n: Number(r.n) }));
  }

  // ---- actions
  action(id: number, executor: Executor = this.db) {
    return executor.selectFrom('rollout_actions').selectAll().where('id', '=', id).executeTakeFirst();
  }
  actionsOf(campaignId: string, filter: { wave?: number | undefined; states?: readonly ActionState[] | undefined }) {
    return this.db.selectFrom('rollout_actions').selectAll().where('campaign_id', '=', campaignId)
      .$if(filter.wave !== undefined, (q) => q.where('wave', '=', filter.wave!))
      .$if(!!filter.states, (q) => q.where('state', 'in', filter.states!))
      .orderBy('id').execute();
  }
  listActions(campaignId: string, query: { wave?: number | undefined; state?: ActionState | undefined; limit: number; cursor?: string | undefined }) {
    const after = decodeSeqCursor(query.cursor);
    return this.db.selectFrom('rollout_actions').innerJoin('terminals', 'terminals.id', 'rollout_actions.terminal_id')
      .leftJoin('maintenance_jobs', 'maintenance_jobs.id', 'rollout_actions.maintenance_job_id')
      .selectAll('rollout_actions').select(['terminals.serial_number', 'maintenance_jobs.state as job_state', 'maintenance_jobs.waiting_reason', 'maintenance_jobs.waiting_code'])
      .where('campaign_id', '=', campaignId)
      .$if(query.wave !== undefined, (q) => q.where('wave', '=', query.wave!))
      .$if(!!query.state, (q) => q.where('rollout_actions.state', '=', query.state!))
      .$if(after !== undefined, (q) => q.where('rollout_actions.id', '>', after!))
      .orderBy('rollout_actions.id').limit(query.limit + 1).execute();
  }
  /** The terminals' actions that are in one of `states`, with the state of their maintenance job. */
  async actionsOfTerminals(terminalIds: string[], states: readonly ActionState[]) {
    if (!terminalIds.length) return [];
    if (this.postgres) return (await this.db.executeQuery(this.offeredToTerminalsPg(terminalIds, states))).rows;
    return (await this.offeredToTerminals.run(this.db, terminalIds, states)).rows;
  }

  // Every heartbeat batch asks it (its terminals' deployments): built once (src/db/prepared.ts).
  private readonly offeredToTerminals = prepared((terminalIds: string[], states: readonly ActionState[]) => this.db.selectFrom('rollout_actions')
    .leftJoin('maintenance_jobs', 'maintenance_jobs.id', 'rollout_actions.maintenance_job_id')
    .selectAll('rollout_actions').select('maintenance_jobs.state as job_state')
    .where('rollout_actions.terminal_id', 'in', terminalIds).where('rollout_actions.state', 'in', states));

  private readonly offeredToTerminalsPg = fixed<ActionRow & { job_state: JobState | null }>(`
    select a.*, j.state as job_state from rollout_actions a left join maintenance_jobs j on j.id = a.maintenance_job_id
    where a.terminal_id = any($1::text[]) and a.state = any($2::text[])`);
  /** The campaigns whose actions these maintenance jobs are, by job id. */
  campaignsOfJobs(jobIds: string[]) {
    return selectInBatches(jobIds, (batch) => this.db.selectFrom('rollout_actions').innerJoin('campaigns', 'campaigns.id', 'rollout_actions.campaign_id')
      .select(['rollout_actions.maintenance_job_id as jobId', 'campaigns.name', 'campaigns.settings'])
      .where('rollout_actions.maintenance_job_id', 'in', batch).execute() as Promise<{ jobId: string; name: string; settings: string }[]>);
  }
  /** Offered actions whose maintenance job has ended or gone, for the tick to settle. */
  offeredWithJobs(campaignId: string, states: readonly ActionState[]) {
    return this.db.selectFrom('rollout_actions').leftJoin('maintenance_jobs', 'maintenance_jobs.id', 'rollout_actions.maintenance_job_id')
      .select(['rollout_actions.id', 'rollout_actions.state', 'rollout_actions.maintenance_job_id', 'maintenance_jobs.state as job_state'])
      .where('rollout_actions.campaign_id', '=', campaignId).where('rollout_actions.state', 'in', states).execute();
  }
  /** A wave's offered actions' maintenance jobs (planned start, waiting reason, site and its time zone): why the wave waits. */
  waitingJobsOf(campaignId: string, wave: number, states: readonly ActionState[]) {
    return this.db.selectFrom('rollout_actions')
      .innerJoin('maintenance_jobs', 'maintenance_jobs.id', 'rollout_actions.maintenance_job_id')
      .leftJoin('sites', 'sites.id', 'maintenance_jobs.site_id')
      .leftJoin('merchants', 'merchants.id', 'sites.merchant_id')
      .select(['maintenance_jobs.state as jobState', 'maintenance_jobs.planned_start as plannedStart', 'maintenance_jobs.waiting_reason as waitingReason', 'maintenance_jobs.waiting_code as waitingCode',
        'maintenance_jobs.site_id as siteId', 'sites.name as siteName', 'sites.time_zone as siteZone', 'merchants.time_zone as merchantZone'])
      .where('rollout_actions.campaign_id', '=', campaignId).where('rollout_actions.wave', '=', wave).where('rollout_actions.state', 'in', states)
      .where('maintenance_jobs.state', 'in', ['scheduled', 'announced'])
      .execute();
  }
  /** The reasons a wave's queued actions wait with (no room yet, another open job). */
  async queuedReasonsOf(campaignId: string, wave: number): Promise<(string | null)[]> {
    const rows = await this.db.selectFrom('rollout_actions').select('reason').where('campaign_id', '=', campaignId).where('wave', '=', wave).where('state', '=', 'queued').execute();
    return rows.map((r) => r.reason);
  }
  /** Moves an action only from the state it was read in: a concurrent report cannot be overwritten. */
  async moveAction(executor: Executor, id: number, from: ActionState, changes: Partial<Omit<ActionRow, 'id'>>): Promise<boolean> {
    const result = await executor.updateTable('rollout_actions').set(withReason(changes)).where('id', '=', id).where('state', '=', from).executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }
  updateActions(executor: Executor, ids: number[], changes: Partial<Omit<ActionRow, 'id'>>) {
    return eachBatch(ids, (batch) => executor.updateTable('rollout_actions').set(withReason(changes)).where('id', 'in', batch).execute());
  }
  /** Terminals already taking part in another campaign that is not over. */
  async busyTerminals(terminalIds: string[], openStates: readonly ActionState[]): Promise<Set<string>> {
    const rows = await selectInBatches(terminalIds, (batch) => this.db.selectFrom('rollout_actions').innerJoin('campaigns', 'campaigns.id', 'rollout_actions.campaign_id')
      .select('rollout_actions.terminal_id').where('rollout_actions.terminal_id', 'in', batch)
      .where('rollout_actions.state', 'in', openStates).where('campaigns.state', 'in', ['running', 'paused', 'halted']).execute());
    return new Set(rows.map((r) => r.terminal_id));
  }
  /** The version last installed by a campaign, for kinds the heartbeat does not report (configuration, parameters). */
  async lastInstalled(kind: PackageKind, name: string): Promise<Map<string, string>> {
    const rows = await this.db.selectFrom('rollout_actions').innerJoin('packages', 'packages.id', 'rollout_actions.package_id')
      .select(['rollout_actions.terminal_id', 'packages.version', 'rollout_actions.finished_at'])
      .where('packages.kind', '=', kind).where('packages.name', '=', name).where('rollout_actions.state', '=', 'succeeded')
      .orderBy('rollout_actions.finished_at').execute();
    return new Map(rows.map((r) => [r.terminal_id, r.version]));
  }

  // ---- feedback
  /** False when this report id was already stored for the action (a retry, even a concurrent one). */
  async insertFeedback(executor: Executor, row: Insertable<ActionFeedbackTable>): Promise<boolean> {
    const inserted = await executor.insertInto('action_feedback').values(row)
      .onConflict((oc) => oc.columns(['action_id', 'report_id']).doNothing()).executeTakeFirst();
    return Number(inserted.numInsertedOrUpdatedRows ?? 0) === 1;
  }
  feedbackOf(actionId: number) {
    return this.db.selectFrom('action_feedback').selectAll().where('action_id', '=', actionId).orderBy('id').execute();
  }

  // ---- judging a wave
  /** The terminals' heartbeats in (from, to], each terminal's in order: its baseline and its figures after the update in one read. */
  heartbeatsOf(terminalIds: string[], from: string, to: string) {
    if (!terminalIds.length) return Promise.resolve([]);
    return this.db.selectFrom('heartbeats').select(['terminal_id', 'seq', 'received_at', 'report'])
      .where('terminal_id', 'in', terminalIds).where('received_at', '>', from).where('received_at', '<=', to)
      .orderBy('terminal_id').orderBy('seq').execute();
  }
  /**
   * Up to `limit` random terminals of these models that are not on `version`, were not updated by the
   * campaign, and were not out of service for any maintenance job since `since` (an install of another
   * campaign, a repair: its refusals and restarts are no comparison).
   */
  comparableTerminals(modelIds: string[], column: 'app_version' | 'firmware_version' | null, version: string, campaignId: string, since: string, limit: number) {
    if (!modelIds.length) return Promise.resolve([]);
    return this.db.selectFrom('terminals').select('id')
      .where('model_id', 'in', modelIds).where('deleted_at', 'is', null).where('status', '=', 'active')
      .$if(column !== null, (q) => q.where((eb) => eb.or([eb(column!, 'is', null), eb(column!, '!=', version)])))
      .where((eb) => eb.not(eb.exists(eb.selectFrom('rollout_actions').select('rollout_actions.id')
        .whereRef('rollout_actions.terminal_id', '=', 'terminals.id').where('rollout_actions.campaign_id', '=', campaignId)
        .where('rollout_actions.state', 'in', ['installing', 'installed', 'succeeded']))))
      .where((eb) => eb.not(eb.exists(eb.selectFrom('maintenance_jobs').select('maintenance_jobs.id')
        .whereRef('maintenance_jobs.terminal_id', '=', 'terminals.id').where('maintenance_jobs.started_at', 'is not', null)
        .where((j) => j.or([j('maintenance_jobs.ended_at', 'is', null), j('maintenance_jobs.ended_at', '>', since)])))))
      .orderBy((eb) => eb.fn('random')).limit(limit).execute();
  }

  // ---- fleet view
  versionsPerModel() {
    return this.db.selectFrom('terminals').select(['model_id', 'app_version', 'firmware_version', (eb) => eb.fn.countAll<number>().as('n')])
      .where('deleted_at', 'is', null).groupBy(['model_id', 'app_version', 'firmware_version']).execute();
  }
  /** Offered actions unchanged since `before`, except those whose maintenance job still waits for a start not yet overdue. */
  stuckActions(before: string, states: readonly ActionState[], waitingJob: readonly JobState[]) {
    return this.db.selectFrom('rollout_actions').innerJoin('campaigns', 'campaigns.id', 'rollout_actions.campaign_id')
      .leftJoin('maintenance_jobs', 'maintenance_jobs.id', 'rollout_actions.maintenance_job_id')
      .select(['rollout_actions.id', 'rollout_actions.campaign_id', 'rollout_actions.terminal_id', 'rollout_actions.state', 'rollout_actions.updated_at'])
      .where('rollout_actions.state', 'in', states).where('rollout_actions.updated_at', '<', before).where('campaigns.state', '=', 'running')
      // Waiting for tonight's (or next week's) window is not being stuck.
      .where((eb) => eb.or([eb('maintenance_jobs.state', 'is', null), eb('maintenance_jobs.state', 'not in', waitingJob), eb('maintenance_jobs.planned_start', '<', before)]))
      .orderBy('rollout_actions.updated_at').limit(200).execute();
  }
  /** One terminal's version changes, newest first, each with the campaign whose install explains it (if any). */
  versionChangesOf(terminalId: string, limit: number) {
    return this.db.selectFrom('version_changes').select(['kind', 'from_version', 'to_version', 'at'])
      .select((eb) => eb.selectFrom('rollout_actions').innerJoin('packages', 'packages.id', 'rollout_actions.package_id').select('rollout_actions.campaign_id')
        .whereRef('rollout_actions.terminal_id', '=', 'version_changes.terminal_id')
        .whereRef('packages.kind', '=', 'version_changes.kind').whereRef('packages.version', '=', 'version_changes.to_version')
        .where('rollout_actions.state', 'in', ['installing', 'installed', 'succeeded']).orderBy('rollout_actions.id', 'desc').limit(1).as('campaign_id'))
      .where('terminal_id', '=', terminalId).orderBy('at', 'desc').limit(limit).execute();
  }
  /** Version changes no campaign explains: no action of this terminal installed a package of that kind and version. */
  installedOutside(since: string) {
    return this.db.selectFrom('version_changes').selectAll()
      .where('at', '>=', since)
      // A terminal's first report of a version (from none known) is how it introduces itself, not an install.
      .where('from_version', 'is not', null)
      .where((eb) => eb.not(eb.exists(eb.selectFrom('rollout_actions').innerJoin('packages', 'packages.id', 'rollout_actions.package_id')
        .select('rollout_actions.id').whereRef('rollout_actions.terminal_id', '=', 'version_changes.terminal_id')
        .whereRef('packages.kind', '=', 'version_changes.kind').whereRef('packages.version', '=', 'version_changes.to_version')
        .where('rollout_actions.state', 'in', ['installing', 'installed', 'succeeded']))))
      .orderBy('at', 'desc').limit(200).execute();
  }
}

/** A new English reason without its catalogue sentence drops the old sentence: the two always say the same thing. */
function withReason<T extends { reason?: string | null; reason_key?: string | null }>(changes: T): T {
  return 'reason' in changes && !('reason_key' in changes) ? { ...changes, reason_key: null, reason_params: null } : changes;
}
