// Queries of what the heartbeat rules remember and are tuned by: where terminals belong, each terminal's
// streaks and card windows (read and written once per heartbeat batch), link drops for the flapping
// rule, per-model thresholds and per-merchant trading thresholds.
import { sql, type Kysely } from 'kysely';
import { onPostgres } from '../db/database.ts';
import type { Database, DiagnosticStateTable } from '../db/schema.ts';
import { batches, insertInBatches, selectInBatches } from '../db/batches.ts';
import { fixed, prepared } from '../db/prepared.ts';

/** Rule state rows per upsert statement (the rest of a larger write in more statements, one transaction). */
const STATE_ROWS_PER_STATEMENT = 100;

export class RuleStateRepository {
  /** PostgreSQL: the batch's state is read by one statement for any number of terminals (an array), prepared by name. */
  private readonly postgres: boolean;

  constructor(private readonly db: Kysely<Database>) {
    this.postgres = onPostgres(db);
  }

  /** Where terminals belong: what the heartbeat path keeps in memory for a while. */
  async terminalContext(terminalIds: string[]) {
    return selectInBatches(terminalIds, (ids) => this.db.selectFrom('terminals').leftJoin('sites', 'sites.id', 'terminals.site_id')
      .leftJoin('merchants', 'merchants.id', 'sites.merchant_id')
      .select(['terminals.id', 'terminals.model_id', 'terminals.site_id', 'sites.merchant_id', 'sites.opening_hours', 'sites.time_zone', 'merchants.time_zone as merchant_time_zone'])
      .where('terminals.id', 'in', ids).execute());
  }

  /**
   * What the rules of a heartbeat batch start from, in one round trip: the terminals' streaks and card
   * windows as last written (by any node), and their open (or acknowledged) incidents (read here, beside
   * the state, to keep the batch at one round trip).
   */
  async batchState(terminalIds: string[]) {
    const states: { terminal_id: string; seq: number; streaks: string; cards: string }[] = [];
    const open: { id: string; terminal_id: string; rule: string }[] = [];
    const rows = this.postgres ? (await this.db.executeQuery(this.stateOfTerminalsPg(terminalIds))).rows
      : await selectInBatches(terminalIds, async (batch) => (await this.stateOfTerminals.run(this.db, batch)).rows);
    for (const r of rows) {
      if (r.kind === 's') states.push({ terminal_id: r.terminal_id, seq: Number(r.a), streaks: r.b, cards: r.c ?? '{}' });
      else open.push({ id: r.a, terminal_id: r.terminal_id, rule: r.b });
    }
    return { states, open };
  }

  // Every heartbeat batch asks it: built once (src/db/prepared.ts). Each id is bound twice.
  private readonly stateOfTerminals = prepared((batch: string[]) => {
    const ids = sql.join(batch);
    const query = sql<{ terminal_id: string; kind: string; a: string; b: string; c: string | null }>`
        select terminal_id, 's' as kind, cast(seq as text) as a, streaks as b, cards as c from diagnostic_state where terminal_id in (${ids})
        union all
        select terminal_id, 'i' as kind, id as a, rule as b, null as c from incidents where terminal_id in (${ids}) and open_key is not null`;
    return { compile: () => query.compile(this.db) };
  });

  private readonly stateOfTerminalsPg = fixed<{ terminal_id: string; kind: string; a: string; b: string; c: string | null }>(`
    select terminal_id, 's' as kind, cast(seq as text) as a, streaks as b, cards as c from diagnostic_state where terminal_id = any($1::text[])
    union all
    select terminal_id, 'i' as kind, id as a, rule as b, null as c from incidents where terminal_id = any($1::text[]) and open_key is not null`);

  /** One write per heartbeat batch; a row already holding a newer heartbeat (another node's) is kept. */
  async saveDiagnosticStates(rows: DiagnosticStateTable[]) {
    if (this.postgres) {
      if (!rows.length) return;
      // Every row in one prepared statement (five arrays): planned once per connection, not once per write.
      await this.db.executeQuery(this.upsertStatesPg(rows.map((r) => r.terminal_id), rows.map((r) => r.seq), rows.map((r) => r.streaks),
        rows.map((r) => r.cards), rows.map((r) => r.updated_at)));
      return;
    }
    if (rows.length <= STATE_ROWS_PER_STATEMENT) return void await this.upsertStates.run(this.db, rows);
    await this.db.transaction().execute(async (trx) => {
      for (const batch of batches(rows, STATE_ROWS_PER_STATEMENT)) await this.upsertStates.run(trx, batch);
    });
  }

  // Written every second under load: built once per number of rows (src/db/prepared.ts), at most
  // STATE_ROWS_PER_STATEMENT, so the shapes kept stay few and small.
  private readonly upsertStates = prepared((rows: DiagnosticStateTable[]) => this.db.insertInto('diagnostic_state').values(rows)
    .onConflict((oc) => oc.column('terminal_id').doUpdateSet((eb) => ({
      seq: eb.ref('excluded.seq'), streaks: eb.ref('excluded.streaks'), cards: eb.ref('excluded.cards'), updated_at: eb.ref('excluded.updated_at'),
    })).where('diagnostic_state.seq', '<', (eb) => eb.ref('excluded.seq'))));

  // One row per terminal (the observer keeps them by terminal), as one statement may not update a row twice.
  private readonly upsertStatesPg = fixed(`
    insert into diagnostic_state (terminal_id, seq, streaks, cards, updated_at)
    select * from unnest($1::text[], $2::bigint[], $3::text[], $4::text[], $5::text[])
    on conflict (terminal_id) do update set seq = excluded.seq, streaks = excluded.streaks, cards = excluded.cards, updated_at = excluded.updated_at
    where diagnostic_state.seq < excluded.seq`);

  // ---- link drops (flapping)
  /** Records that these terminals' links were found gone at `at` (a repeat by another node changes nothing). */
  async recordLinkDrops(terminalIds: string[], at: string) {
    await insertInBatches(terminalIds.map((terminal_id) => ({ terminal_id, dropped_at: at })), (rows) => this.db.insertInto('link_drops').values(rows)
      .onConflict((oc) => oc.columns(['terminal_id', 'dropped_at']).doNothing()).execute());
  }

  /** Link drops of these terminals at or after `since`. */
  async linkDropsSince(terminalIds: string[], since: string) {
    return selectInBatches(terminalIds, (ids) => this.db.selectFrom('link_drops').select(['terminal_id', 'dropped_at']).where('terminal_id', 'in', ids).where('dropped_at', '>=', since).execute());
  }

  async pruneLinkDrops(before: string) {
    await this.db.deleteFrom('link_drops').where('dropped_at', '<', before).execute();
  }

  async modelsOf(terminalIds: string[]) {
    const rows = await selectInBatches(terminalIds, (ids) => this.db.selectFrom('terminals').select(['id', 'model_id']).where('id', 'in', ids).execute());
    return new Map(rows.map((r) => [r.id, r.model_id]));
  }

  async thresholdsOf(modelIds: string[]) {
    return selectInBatches(modelIds, (ids) => this.db.selectFrom('diagnostic_thresholds').select(['model_id', 'settings']).where('model_id', 'in', ids).execute());
  }

  async saveThresholds(modelId: string, settings: string, now: string, by: string) {
    await this.db.insertInto('diagnostic_thresholds').values({ model_id: modelId, settings, updated_at: now, updated_by: by })
      .onConflict((oc) => oc.column('model_id').doUpdateSet({ settings, updated_at: now, updated_by: by })).execute();
  }

  async merchantTradingOf(merchantIds: string[]) {
    return selectInBatches(merchantIds, (ids) => this.db.selectFrom('merchant_trading_thresholds').select(['merchant_id', 'settings', 'updated_at', 'updated_by']).where('merchant_id', 'in', ids).execute());
  }

  async saveMerchantTrading(merchantId: string, settings: string, now: string, by: string) {
    await this.db.insertInto('merchant_trading_thresholds').values({ merchant_id: merchantId, settings, updated_at: now, updated_by: by })
      .onConflict((oc) => oc.column('merchant_id').doUpdateSet({ settings, updated_at: now, updated_by: by })).execute();
  }
}
