// Terminal-protocol queries: credentials, enrolment codes, heartbeat batches, commands.
import { randomUUID } from 'node:crypto';
import type { Insertable, Kysely, Selectable } from 'kysely';
import type { Database, HeartbeatTable, TerminalCommandTable, TerminalHealthTable, VersionChangeTable } from '../db/schema.ts';
import { parseJson } from '../shared/json.ts';
import { groupBy } from '../shared/group-by.ts';
import { addDays, dayOf } from '../history/partition-days.ts';
import { insertInBatches, selectInBatches } from '../db/batches.ts';
import { fixed, prepared } from '../db/prepared.ts';
import { onPostgres, type Executor } from '../db/database.ts';
import { TtlCache } from '../shared/ttl-cache.ts';
import type { Command, PendingCommand } from './device.schemas.ts';
import type { CredentialOwner } from './credential-lookups.ts';
import { heartbeatKey, type StoredHeartbeat, type WrittenBatch } from './heartbeat-batch.ts';

/** Versions a terminal reports; a kind left out was not reported. */
interface VersionReport {
  terminalId: string;
  at: string;
  versions: { application?: string; firmware?: string };
}

const versionKey = (app: string | null, firmware: string | null) => `${app ?? ''}\u0000${firmware ?? ''}`;

/** Terminals whose versions this process remembers (a forgotten one costs a query in its next batch). */
const KNOWN_VERSIONS_MAX = 200_000;

export class DeviceRepository {
  /** PostgreSQL: the heartbeat path runs statements written once for any number of rows (arrays), prepared by name. */
  private readonly postgres: boolean;

  constructor(private readonly db: Kysely<Database>) {
    this.postgres = onPostgres(db);
  }

  // The heartbeat path's statements, built once (src/db/prepared.ts): credentials looked up, a batch written.
  private readonly credentials = prepared((tokenHashes: string[]) => this.db
    .selectFrom('terminal_credentials')
    .innerJoin('terminals', 'terminals.id', 'terminal_credentials.terminal_id')
    .select(['terminal_credentials.token_hash', 'terminal_credentials.terminal_id', 'terminal_credentials.hardware_fingerprint'])
    .where('terminal_credentials.token_hash', 'in', tokenHashes)
    .where('terminal_credentials.revoked_at', 'is', null)
    .where('terminals.deleted_at', 'is', null));

  private readonly credentialsPg = fixed<{ token_hash: string; terminal_id: string; hardware_fingerprint: string | null }>(`
    select c.token_hash, c.terminal_id, c.hardware_fingerprint from terminal_credentials c join terminals t on t.id = c.terminal_id
    where c.token_hash = any($1::text[]) and c.revoked_at is null and t.deleted_at is null`);

  private readonly insertHistory = prepared((rows: Insertable<HeartbeatTable>[]) => this.db
    .insertInto('heartbeats')
    .values(rows)
    .onConflict((oc) => oc.doNothing())
    .returning(['terminal_id', 'seq']));

  private readonly upsertLatest = prepared((rows: Insertable<TerminalHealthTable>[]) => this.db
    .insertInto('terminal_health')
    .values(rows)
    .onConflict((oc) => oc.column('terminal_id').doUpdateSet((eb) => ({
      seq: eb.ref('excluded.seq'),
      last_seen_at: eb.ref('excluded.last_seen_at'),
      reported_at: eb.ref('excluded.reported_at'),
      online: 1,
      offline_since: null,
      report: eb.ref('excluded.report'),
    })).where('terminal_health.seq', '<', (eb) => eb.ref('excluded.seq'))));

  private readonly commandsToHandOut = prepared((terminalIds: string[]) => this.db.selectFrom('terminal_commands').selectAll()
    .where('terminal_id', 'in', terminalIds).where('status', 'in', ['pending', 'delivered']).orderBy('created_at'));

  /** The terminals live credentials belong to, with the hardware fingerprint bound to each, by credential hash (one query). */
  async terminalsForCredentials(tokenHashes: string[]): Promise<Map<string, CredentialOwner>> {
    const rows = this.postgres ? (await this.db.executeQuery(this.credentialsPg(tokenHashes))).rows
      : await selectInBatches(tokenHashes, async (hashes) => (await this.credentials.run(this.db, hashes)).rows);
    return new Map(rows.map((r) => [r.token_hash, { terminal_id: r.terminal_id, hardware_fingerprint: r.hardware_fingerprint }]));
  }

  /** The fingerprint bound to the terminal's live credentials (null: none yet). */
  async boundFingerprint(terminalId: string): Promise<string | null> {
    const row = await this.db.selectFrom('terminal_credentials').select('hardware_fingerprint').where('terminal_id', '=', terminalId)
      .where('revoked_at', 'is', null).where('hardware_fingerprint', 'is not', null).executeTakeFirst();
    return row?.hardware_fingerprint ?? null;
  }

  /** A terminal enrolled before fingerprints binds the first one it reports (once: a bound one stays); false when none was bound here. */
  async bindFingerprint(terminalId: string, fingerprint: string): Promise<boolean> {
    const result = await this.db.updateTable('terminal_credentials').set({ hardware_fingerprint: fingerprint })
      .where('terminal_id', '=', terminalId).where('revoked_at', 'is', null).where('hardware_fingerprint', 'is', null).executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  /**
   * Writes one group commit: history rows (a retried seq is skipped by the primary key), the latest
   * state per terminal (never overwritten by an older seq), changed versions, and the commands to hand out.
   */
  async writeHeartbeats(batch: StoredHeartbeat[]): Promise<WrittenBatch> {
    if (this.postgres) return this.writeHeartbeatsInOneStatement(batch);
    const { outcome, versions } = await this.db.transaction().execute(async (trx) => {
      const items = await notStoredBefore(trx, batch);
      const inserted = !items.length ? [] : (await this.insertHistory.run(trx,
        items.map((h) => ({ terminal_id: h.terminalId, seq: h.seq, received_at: h.receivedAt, received_day: h.receivedAt.slice(0, 10), report: h.json })))).rows;
      const stored = new Set(inserted.map((r) => heartbeatKey(r.terminal_id, Number(r.seq))));
      const latest = newestStored(items, stored);
      const terminalIds = [...new Set(batch.map((b) => b.terminalId))];
      let versions: [string, string][] = [];
      if (latest.size) {
        await this.upsertLatest.run(trx, [...latest.values()].map((h) => ({
          terminal_id: h.terminalId, seq: h.seq, last_seen_at: h.receivedAt, reported_at: h.sentAt,
          online: 1, offline_since: null, report: h.json,
        })));
        versions = await this.recordVersionChanges(trx, [...latest.values()]);
      }
      const commandsByTerminal = await this.deliverCommands(trx, terminalIds, batch[0]?.receivedAt ?? new Date().toISOString());
      return { outcome: { stored, commandsByTerminal } as WrittenBatch, versions };
    });
    // Remembered only once committed: a rolled-back batch must be looked at again.
    const now = Date.now();
    for (const [terminalId, version] of versions) this.knownVersions.set(terminalId, version, now);
    return outcome;
  }

  /**
   * PostgreSQL: the group commit as one statement (one round trip, its own transaction; no BEGIN and
   * COMMIT of their own): the history rows, the latest state, the commands handed out, and the recorded
   * versions of the terminals this process does not know them of. Only a version that changed is written
   * afterwards, in a transaction of its own: a crash between the two leaves the version to the terminal's
   * next heartbeat (its version is not remembered until it is written).
   */
  private async writeHeartbeatsInOneStatement(batch: StoredHeartbeat[]): Promise<WrittenBatch> {
    const items = await notStoredBefore(this.db, batch);
    const now = Date.now();
    const unknownVersions = [...new Set(items.filter((h) => this.knownVersions.get(h.terminalId, now) !== versionKey(h.appVersion, h.firmwareVersion)).map((h) => h.terminalId))];
    const { rows } = await this.db.executeQuery(this.writeBatch(
      items.map((h) => h.terminalId), items.map((h) => h.seq), items.map((h) => h.receivedAt), items.map((h) => h.sentAt), items.map((h) => h.json),
      [...new Set(batch.map((b) => b.terminalId))], batch[0]?.receivedAt ?? new Date().toISOString(), unknownVersions,
    ));
    const stored = new Set<string>();
    const commandsByTerminal = new Map<string, PendingCommand[]>();
    const recorded = new Map<string, { app: string | null; firmware: string | null }>();
    for (const r of rows) {
      if (r.kind === 's') stored.add(heartbeatKey(r.terminal_id, Number(r.seq)));
      else if (r.kind === 'v') recorded.set(r.terminal_id, { app: r.a, firmware: r.b });
      else {
        const command: PendingCommand = { id: r.a!, type: r.b!, payload: parseJson(r.c, {}), createdAt: r.created_at! };
        const list = commandsByTerminal.get(r.terminal_id);
        if (list) list.push(command);
        else commandsByTerminal.set(r.terminal_id, [command]);
      }
    }
    // The versions of the newest stored heartbeat per terminal, against what is recorded.
    const changed: StoredHeartbeat[] = [];
    for (const h of newestStored(items, stored).values()) {
      const known = recorded.get(h.terminalId);
      if (!known) continue; // known to this process already, or no such terminal
      if (known.app === h.appVersion && known.firmware === h.firmwareVersion) this.knownVersions.set(h.terminalId, versionKey(h.appVersion, h.firmwareVersion), now);
      else changed.push(h);
    }
    if (changed.length) {
      const versions = await this.db.transaction().execute((trx) => this.recordVersionChanges(trx, changed));
      for (const [terminalId, version] of versions) this.knownVersions.set(terminalId, version, Date.now());
    }
    return { stored, commandsByTerminal };
  }

  // Rows of kind s (a stored heartbeat: terminal_id, seq), c (a command to hand out: a = id, b = type, c = payload)
  // and v (a terminal's recorded versions: a = application, b = firmware).
  private readonly writeBatch = fixed<{ kind: 's' | 'c' | 'v'; terminal_id: string; seq: number | null; a: string | null; b: string | null; c: string | null; created_at: string | null }>(`
    with batch as (
      select * from unnest($1::text[], $2::bigint[], $3::text[], $4::text[], $5::text[]) as b(terminal_id, seq, received_at, sent_at, report)
    ), stored as (
      insert into heartbeats (terminal_id, seq, received_at, received_day, report)
      select terminal_id, seq, received_at, left(received_at, 10), report from batch
      on conflict do nothing
      returning terminal_id, seq
    ), latest as (
      select distinct on (b.terminal_id) b.* from batch b join stored s on s.terminal_id = b.terminal_id and s.seq = b.seq
      order by b.terminal_id, b.seq desc
    ), health as (
      insert into terminal_health (terminal_id, seq, last_seen_at, reported_at, online, offline_since, report)
      select terminal_id, seq, received_at, sent_at, 1, null, report from latest
      on conflict (terminal_id) do update set seq = excluded.seq, last_seen_at = excluded.last_seen_at, reported_at = excluded.reported_at,
        online = 1, offline_since = null, report = excluded.report
      where terminal_health.seq < excluded.seq
    ), commands as (
      select id, terminal_id, type, payload, status, created_at from terminal_commands
      where terminal_id = any($6::text[]) and status in ('pending', 'delivered')
    ), delivered as (
      update terminal_commands set status = 'delivered', delivered_at = $7 where id in (select id from commands where status = 'pending')
    )
    select 's' as kind, terminal_id, seq, null as a, null as b, null as c, null as created_at from stored
    union all
    select 'c', terminal_id, null, id, type, payload, created_at from commands
    union all
    select 'v', id, null, app_version, firmware_version, null, null from terminals where id = any($8::text[])
    order by created_at`);

  /**
   * Versions this process last saw recorded per terminal, so an unchanged one costs no query. Entries
   * are trusted for a few minutes only: an operator may edit the record meanwhile, and then the
   * terminal's report puts it right again.
   */
  private knownVersions = new TtlCache<string, string>(KNOWN_VERSIONS_MAX, 5 * 60_000);

  /** Heartbeats keep installed versions true; an unchanged one (the usual case) costs no query. */
  private async recordVersionChanges(trx: Kysely<Database>, latest: StoredHeartbeat[]): Promise<[string, string][]> {
    const now = Date.now();
    const changed = latest.filter((h) => this.knownVersions.get(h.terminalId, now) !== versionKey(h.appVersion, h.firmwareVersion));
    if (!changed.length) return [];
    const written = await this.writeVersions(trx, changed.map((h) => ({
      terminalId: h.terminalId, at: h.receivedAt, versions: { application: h.appVersion, firmware: h.firmwareVersion },
    })));
    return written.map((w) => [w.terminalId, versionKey(w.application, w.firmware)]);
  }

  /**
   * An install a terminal confirmed without a heartbeat (a hawkBit device): written exactly as a
   * heartbeat reporting that version would be, in the caller's transaction.
   */
  async recordInstalled(trx: Executor, terminalId: string, kind: 'application' | 'firmware', version: string, at: string): Promise<void> {
    await this.writeVersions(trx, [{ terminalId, at, versions: { [kind]: version } }]);
    // What this process remembered of the terminal's versions is out of date now.
    this.forgetVersions(terminalId);
  }

  forgetVersions(terminalId: string): void {
    this.knownVersions.delete(terminalId);
  }

  /**
   * The one way installed versions are written: on the terminal record, and each change kept in
   * version_changes (so rollouts can tell installs of their own from versions flashed outside PosFleet).
   * A kind left out is not reported and stays as it is. Answers every known terminal's versions after.
   */
  private async writeVersions(trx: Kysely<Database>, reports: VersionReport[]) {
    const current = await trx.selectFrom('terminals').select(['id', 'app_version', 'firmware_version']).where('id', 'in', reports.map((r) => r.terminalId)).execute();
    const byId = new Map(current.map((t) => [t.id, t]));
    const seen: { terminalId: string; application: string | null; firmware: string | null }[] = [];
    const updates = new Map<string, { application: string | null; firmware: string | null; at: string }>();
    const rows: Insertable<VersionChangeTable>[] = [];
    for (const r of reports) {
      const t = byId.get(r.terminalId);
      if (!t) continue;
      const application = r.versions.application === undefined ? t.app_version : r.versions.application;
      const firmware = r.versions.firmware === undefined ? t.firmware_version : r.versions.firmware;
      const changes = [['application', t.app_version, application], ['firmware', t.firmware_version, firmware]] as const;
      const changeRows = changes.flatMap(([kind, from, to]) => (to !== null && from !== to ? [{
        id: randomUUID(), terminal_id: r.terminalId, kind, from_version: from, to_version: to, at: r.at,
      }] : []));
      if (changeRows.length) {
        updates.set(r.terminalId, { application, firmware, at: r.at });
        rows.push(...changeRows);
        byId.set(r.terminalId, { ...t, app_version: application, firmware_version: firmware });
      }
      seen.push({ terminalId: r.terminalId, application, firmware });
    }
    // Every terminal's change in one statement each (a terminal's first heartbeat records its versions).
    if (this.postgres && updates.size) {
      const list = [...updates];
      await trx.executeQuery(this.updateVersions(list.map(([id]) => id), list.map(([, u]) => u.application), list.map(([, u]) => u.firmware), list.map(([, u]) => u.at)));
    } else {
      for (const [id, u] of updates) await trx.updateTable('terminals').set({ app_version: u.application, firmware_version: u.firmware, updated_at: u.at }).where('id', '=', id).execute();
    }
    await insertInBatches(rows, (batch) => trx.insertInto('version_changes').values(batch).execute());
    return seen;
  }

  private readonly updateVersions = fixed(`
    update terminals t set app_version = v.app_version, firmware_version = v.firmware_version, updated_at = v.at
    from unnest($1::text[], $2::text[], $3::text[], $4::text[]) as v(id, app_version, firmware_version, at) where t.id = v.id`);

  private async deliverCommands(trx: Kysely<Database>, terminalIds: string[], now: string) {
    const rows = (await this.commandsToHandOut.run(trx, terminalIds)).rows;
    const byTerminal = new Map([...groupBy(rows, (r) => r.terminal_id)].map(([terminalId, commands]) => [
      terminalId, commands.map((c): PendingCommand => ({ id: c.id, type: c.type, payload: parseJson(c.payload, {}), createdAt: c.created_at })),
    ]));
    const fresh = rows.filter((r) => r.status === 'pending').map((r) => r.id);
    if (fresh.length) await trx.updateTable('terminal_commands').set({ status: 'delivered', delivered_at: now }).where('id', 'in', fresh).execute();
    return byTerminal;
  }

  async lastSeq(terminalId: string): Promise<number> {
    const row = await this.db.selectFrom('terminal_health').select('seq').where('terminal_id', '=', terminalId).executeTakeFirst();
    return row ? Number(row.seq) : 0;
  }

  async health(terminalId: string) {
    return this.db.selectFrom('terminal_health').selectAll().where('terminal_id', '=', terminalId).executeTakeFirst();
  }

  async history(terminalId: string, query: { limit: number; beforeSeq?: number | undefined; from?: string | undefined; to?: string | undefined }) {
    let q = this.db.selectFrom('heartbeats').select(['seq', 'received_at', 'report']).where('terminal_id', '=', terminalId);
    if (query.beforeSeq !== undefined) q = q.where('seq', '<', query.beforeSeq);
    if (query.from) q = q.where('received_at', '>=', query.from);
    if (query.to) q = q.where('received_at', '<', query.to);
    const rows = await q.orderBy('seq', 'desc').limit(query.limit + 1).execute();
    return rows.map((r) => ({ seq: Number(r.seq), receivedAt: r.received_at, report: parseJson<unknown>(r.report, null) }));
  }

  /** Marks terminals silent since `before` offline; returns the ones that just went offline. */
  async markOffline(before: string, now: string): Promise<string[]> {
    const rows = await this.db.updateTable('terminal_health').set({ online: 0, offline_since: now })
      .where('online', '=', 1).where('last_seen_at', '<', before).returning('terminal_id').execute();
    return rows.map((r) => r.terminal_id);
  }

  async findCommand(id: string) {
    return this.db.selectFrom('terminal_commands').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /** The command of this type and payload still waiting for the terminal to fetch it, if any. */
  async findPendingCommand(terminalId: string, type: string, payload: string) {
    return this.db.selectFrom('terminal_commands').selectAll().where('terminal_id', '=', terminalId).where('type', '=', type)
      .where('payload', '=', payload).where('status', '=', 'pending').orderBy('created_at').executeTakeFirst();
  }

  async insertCommand(row: TerminalCommandTable) {
    await this.db.insertInto('terminal_commands').values(row).execute();
  }

  async completeCommand(id: string, status: 'succeeded' | 'failed', result: string, now: string): Promise<boolean> {
    const r = await this.db.updateTable('terminal_commands').set({ status, result, completed_at: now })
      .where('id', '=', id).where('status', 'in', ['pending', 'delivered']).executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  async listCommands(terminalId: string): Promise<Command[]> {
    const rows = await this.db.selectFrom('terminal_commands').selectAll().where('terminal_id', '=', terminalId).orderBy('created_at', 'desc').limit(200).execute();
    return rows.map(toCommand);
  }
}

export function toCommand(row: Selectable<TerminalCommandTable>): Command {
  return {
    id: row.id, terminalId: row.terminal_id, type: row.type, payload: parseJson(row.payload, {}), status: row.status,
    createdAt: row.created_at, createdBy: row.created_by, deliveredAt: row.delivered_at, completedAt: row.completed_at,
    result: parseJson<unknown>(row.result, null),
  };
}

/** How long after midnight a heartbeat may be a retry of one stored the day before (retries come within seconds). */
const RETRY_WINDOW_MS = 15 * 60_000;

/** The batch's heartbeats once each (a retry may come twice in one batch), without those stored the day before. */
async function notStoredBefore(executor: Kysely<Database>, batch: StoredHeartbeat[]): Promise<StoredHeartbeat[]> {
  const unique = new Map<string, StoredHeartbeat>();
  for (const item of batch) unique.set(heartbeatKey(item.terminalId, item.seq), item);
  // History is partitioned by day on PostgreSQL, and its key holds within a day: see src/history.
  for (const key of await storedTheDayBefore(executor, [...unique.values()])) unique.delete(key);
  return [...unique.values()];
}

/** Each terminal's newest heartbeat among those this batch stored: what its latest state and versions become. */
function newestStored(items: StoredHeartbeat[], stored: Set<string>): Map<string, StoredHeartbeat> {
  const latest = new Map<string, StoredHeartbeat>();
  for (const item of items) {
    if (!stored.has(heartbeatKey(item.terminalId, item.seq))) continue;
    const current = latest.get(item.terminalId);
    if (!current || current.seq < item.seq) latest.set(item.terminalId, item);
  }
  return latest;
}

/**
 * Of these heartbeats, the ones received just after midnight that were already stored the day before
 * (a retry whose answer was lost): the primary key only holds within a day. No query the rest of the day.
 */
async function storedTheDayBefore(executor: Kysely<Database>, items: { terminalId: string; seq: number; receivedAt: string }[]): Promise<Set<string>> {
  const early = items.filter((h) => Date.parse(h.receivedAt) - Date.parse(`${dayOf(h.receivedAt)}T00:00:00Z`) < RETRY_WINDOW_MS);
  if (!early.length) return new Set();
  const byDay = new Map<string, typeof early>();
  for (const h of early) {
    const day = addDays(dayOf(h.receivedAt), -1);
    byDay.set(day, [...(byDay.get(day) ?? []), h]);
  }
  const found = new Set<string>();
  for (const [day, list] of byDay) {
    const rows = await selectInBatches([...new Set(list.map((h) => h.terminalId))], (ids) => executor.selectFrom('heartbeats')
      .select(['terminal_id', 'seq']).where('received_day', '=', day).where('terminal_id', 'in', ids).where('seq', 'in', [...new Set(list.map((h) => h.seq))]).execute());
    const stored = new Set(rows.map((r) => heartbeatKey(r.terminal_id, Number(r.seq))));
    for (const h of list) if (stored.has(heartbeatKey(h.terminalId, h.seq))) found.add(heartbeatKey(h.terminalId, h.seq));
  }
  return found;
}
