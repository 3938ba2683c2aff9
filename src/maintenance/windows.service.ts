// Maintenance windows as a use case: operators define when planned work may run (per merchant, site,
// terminal or filter), plan jobs inside the next window so that each can finish before it closes, and
// ask when a site's window should be. The maintenance tick consults startGate() so that a planned job
// never starts outside its window, nor when it could no longer finish in it. The rules themselves are
// the pure functions of ./windows/; this file wires them to the estate, the jobs and the heartbeats.
import { randomInt, randomUUID } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import type { Scope } from '../access/roles.ts';
import type { Database } from '../db/schema.ts';
import type { EstateService } from '../estate/estate.service.ts';
import type { Terminal } from '../estate/estate.schemas.ts';
import { AppError, conflict, invalid, orNotFound } from '../shared/errors.ts';
import { parseJson } from '../shared/json.ts';
import { toPage } from '../shared/paging.ts';
import type { Clock } from '../shared/time.ts';
import { DEFAULT_CURRENCY } from './figures.ts';
import { OPEN, WAITING, WORK_KINDS, type WorkKind } from './job-states.ts';
import type { JobRow } from './maintenance.repository.ts';
import type { MaintenanceService, StartGate } from './maintenance.service.ts';
import {
  WEEKDAYS, buildDurationTable, canStartWithin, conflicts, expectedDuration, formatLocal, nextOccurrence, occurrences, spreadStarts,
  suggestWindow, validateWindow, windowAt,
  type AggregatedHistory, type DurationBasis, type DurationSample, type Occurrence, type SpreadJob, type TargetWindow, type WindowConflict,
  type WindowDef, type WindowProblem,
} from './windows/index.ts';
import { DAY_MS, MINUTE_MS, toWall, wallParts } from './windows/time-zone.ts';
import { checkTradingBuckets, parseTradingCsv, type TradingBucket, type TradingProblem } from './windows/trading-history.ts';
import { WindowsRepository, type WindowListQuery, type WindowRow } from './windows.repository.ts';
import type {
  PlanInput, PlanView, SuggestedWindowQuery, SuggestedWindowView, TradingImportView, WindowInput, WindowPatch, WindowSchedule, WindowTarget, WindowView,
} from './windows.schemas.ts';

export interface WindowSettings {
  /** A planned job's lease ends at most this long after its window closes: the terminal trades again by then. */
  leaseGraceMinutes: number;
  /** Planning keeps this much of a window's end free of starts, so that a start a tick late still fits. */
  startSlackMinutes: number;
  /** The span a terminal's first heartbeat in the history is taken to cover. */
  heartbeatIntervalSeconds: number;
  /** At most this many heartbeats are read for a suggested window; fewer weeks are read beyond it. */
  maxHeartbeatRows: number;
}

export const DEFAULT_WINDOW_SETTINGS: WindowSettings = { leaseGraceMinutes: 5, startSlackMinutes: 2, heartbeatIntervalSeconds: 60, maxHeartbeatRows: 200_000 };

/** How far ahead windows of one target are compared, longest first (a range with too many occurrences is shortened). */
const CONFLICT_HORIZONS_DAYS = [366, 62, 8, 1];
const DURATION_HISTORY_JOBS = 5000;
const SLOT_MS = 15 * MINUTE_MS;
const WEEK_SLOTS = 7 * 96;
/** A heartbeat reports the trade since the previous one; a longer silence is not spread further back than this. */
const MAX_HEARTBEAT_GAP_MS = DAY_MS;

export interface PlanOptions {
  /**
   * Called in the transaction that creates the jobs, before each job: the caller ties the job to its own
   * record there (a campaign's action). False: that job is not created (its `jobId` stays null), so a
   * record that changed meanwhile never leaves a job behind that nothing points to.
   */
  claim?: (trx: Transaction<Database>, terminalId: string, jobId: string) => Promise<boolean>;
}

type Target =
  | { kind: 'merchant' | 'site' | 'terminal'; id: string; filter: null; timeZone: string | null }
  | { kind: 'filter'; id: string | null; filter: { tag?: string; modelId?: string }; timeZone: string | null };

export class WindowsService {
  readonly repo: WindowsRepository;
  private readonly settings: WindowSettings;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
    private readonly estate: EstateService,
    private readonly maintenance: MaintenanceService,
    settings: Partial<WindowSettings> = {},
  ) {
    this.repo = new WindowsRepository(db);
    this.settings = { ...DEFAULT_WINDOW_SETTINGS, ...settings };
  }

  // ---- windows
  async create(input: WindowInput, scope: Scope, actorName: string): Promise<WindowView> {
    const now = this.clock();
    const target = await this.resolveTarget(input.target, scope);
    const timeZone = input.timeZone ?? target.timeZone;
    if (!timeZone) throw invalid('timeZone', 'give the time zone: the target (a filter across merchants, or a terminal without a site) has none of its own');
    const def = checkedDefinition(input.schedule, timeZone, now);
    const id = randomUUID();
    const key = targetKey(target);
    await this.assertNoConflict(key, id, def, now);
    const at = now.toISOString();
    const row: WindowRow = {
      id, name: input.name, target_kind: target.kind, target_id: target.id, target_filter: target.filter ? JSON.stringify(target.filter) : null,
      target_key: key, ...scheduleColumns(def), time_zone: timeZone, created_by: actorName, created_at: at, updated_at: at,
    };
    await this.repo.insert(row);
    return windowView(row, now);
  }

  async get(id: string, scope: Scope): Promise<WindowView> {
    return windowView(await this.require(id, scope), this.clock());
  }

  async list(query: WindowListQuery, scope: Scope) {
    const now = this.clock();
    const page = toPage(await this.repo.list(query, scope), query.limit, (w) => w.id);
    return { items: page.items.map((w) => windowView(w, now)), nextCursor: page.nextCursor };
  }

  /** Changes name, schedule or time zone; jobs already planned in the window follow its new times at their start. */
  async update(id: string, patch: WindowPatch, scope: Scope): Promise<WindowView> {
    const now = this.clock();
    const row = await this.require(id, scope);
    const current = definitionOf(row);
    const schedule: WindowSchedule = patch.schedule ?? {
      kind: current.kind, durationMinutes: current.durationMinutes,
      ...(current.kind === 'once' ? { start: current.start } : current.kind === 'rrule' ? { rrule: current.rrule } : { cron: current.cron }),
    };
    const timeZone = patch.timeZone ?? row.time_zone;
    const def = patch.schedule || patch.timeZone ? checkedDefinition(schedule, timeZone, now) : current;
    if (patch.schedule || patch.timeZone) await this.assertNoConflict(row.target_key, row.id, def, now);
    const changes: Partial<WindowRow> = { ...(patch.name !== undefined && { name: patch.name }), ...scheduleColumns(def), time_zone: timeZone, updated_at: now.toISOString() };
    await this.repo.update(id, changes);
    return windowView({ ...row, ...changes }, now);
  }

  /** Deleting a window that open planned jobs still wait for would strand them: abort them first. */
  async remove(id: string, scope: Scope): Promise<void> {
    await this.require(id, scope);
    const waiting = await this.repo.delete(id, OPEN);
    if (waiting > 0) throw conflict(`maintenance window ${id} still has ${waiting} open planned job(s); abort them or let them finish first`).says('maintenance.window_has_jobs', { count: waiting }, false);
  }

  async occurrences(id: string, range: { from?: string | undefined; to?: string | undefined }, scope: Scope) {
    const row = await this.require(id, scope);
    const from = range.from ? new Date(range.from) : this.clock();
    const to = range.to ? new Date(range.to) : new Date(from.getTime() + 14 * DAY_MS);
    if (!(to.getTime() > from.getTime())) throw invalid('to', 'must be after from');
    let items: Occurrence[];
    try {
      items = occurrences(definitionOf(row), from, to);
    } catch (error) {
      if (error instanceof RangeError) throw invalid('to', error.message);
      throw error;
    }
    return { windowId: row.id, timeZone: row.time_zone, items: items.map((o) => occurrenceView(o, row.time_zone)) };
  }

  private async require(id: string, scope: Scope): Promise<WindowRow> {
    // Outside the caller's scope a window does not exist: the same answer as for an unknown id.
    return (await this.repo.find(id, scope)) ?? orNotFound('maintenance window', id);
  }

  private async resolveTarget(target: WindowTarget, scope: Scope): Promise<Target> {
    const given = (['merchantId', 'siteId', 'terminalId', 'filter'] as const).filter((k) => target[k] !== undefined);
    if (given.length !== 1) throw invalid('target', 'give exactly one of merchantId, siteId, terminalId or filter');
    if (target.merchantId !== undefined) {
      const merchant = await this.estate.getMerchant(target.merchantId, scope);
      return { kind: 'merchant', id: merchant.id, filter: null, timeZone: merchant.timeZone };
    }
    if (target.siteId !== undefined) {
      const site = await this.estate.getSite(target.siteId, scope);
      return { kind: 'site', id: site.id, filter: null, timeZone: site.timeZone };
    }
    if (target.terminalId !== undefined) {
      const terminal = await this.estate.getTerminal(target.terminalId, scope);
      if (terminal.deletedAt) throw invalid('target.terminalId', `terminal ${terminal.id} is deleted`);
      const site = terminal.siteId ? await this.estate.getSite(terminal.siteId, scope) : null;
      return { kind: 'terminal', id: terminal.id, filter: null, timeZone: site?.timeZone ?? null };
    }
    const filter = target.filter!;
    if (filter.tag === undefined && filter.modelId === undefined) throw invalid('target.filter', 'give a tag, a modelId or both');
    if (filter.modelId !== undefined && !(await this.estate.repo.findModel(filter.modelId))) {
      throw invalid('target.filter.modelId', `terminal model ${filter.modelId} does not exist`);
    }
    const merchant = filter.merchantId !== undefined ? await this.estate.getMerchant(filter.merchantId, scope) : null;
    return {
      kind: 'filter', id: merchant?.id ?? null, timeZone: merchant?.timeZone ?? null,
      filter: { ...(filter.tag !== undefined && { tag: filter.tag }), ...(filter.modelId !== undefined && { modelId: filter.modelId }) },
    };
  }

  /** 409 when the window would overlap, or read its times in another zone than, a window of the same target. */
  private async assertNoConflict(key: string, id: string, def: WindowDef, now: Date): Promise<void> {
    const others = (await this.repo.ofTarget(key)).filter((w) => w.id !== id);
    if (!others.length) return;
    const list: TargetWindow[] = [...others.map((w) => ({ id: w.id, target: key, def: definitionOf(w) })), { id, target: key, def }];
    const found = conflictsAhead(list, now).filter((c) => c.ids.includes(id));
    const first = found[0];
    if (!first) return;
    const other = others.find((w) => first.ids.includes(w.id))!;
    const message = first.kind === 'overlap'
      ? `the window overlaps maintenance window "${other.name}" (${other.id}) of the same target ${first.count} time(s) in the next year, first from ${first.first.start.toISOString()} to ${first.first.end.toISOString()}`
      : `maintenance window "${other.name}" (${other.id}) of the same target reads its times in ${other.time_zone}, this one in ${def.timeZone}`;
    // What a person reads: the other window's name and the first clash in the target's wall-clock time (no ids).
    const zone = def.timeZone ?? other.time_zone;
    const said: Record<string, string | number> = first.kind === 'overlap'
      ? { other: other.name, count: first.count, first: `${new Intl.DateTimeFormat('sv-SE', { timeZone: zone, dateStyle: 'short', timeStyle: 'short' }).format(first.first.start)} (${zone})` }
      : { other: other.name, zone: other.time_zone, ours: zone };
    throw new AppError('conflict', message, first.kind === 'overlap' ? 'schedule' : 'timeZone', {
      conflicts: found.map((c) => ({ kind: c.kind, windowId: c.ids.find((x) => x !== id) })),
    }).says(first.kind === 'overlap' ? 'maintenance.window_overlaps' : 'maintenance.window_zone_differs', said, false);
  }

  // ---- planning work inside windows
  /**
   * Plans one job per targeted terminal inside the next occurrence of the window that applies to it
   * (terminal, else site, else merchant, else a matching filter: the most specific level with a window
   * wins, and among its windows the one that opens first), so that the job's budget — the p90 of past
   * durations for the terminal's model and the work, unless given — fits before the window ends. Starts
   * are spread over the windows (seeded) under per-site and fleet-wide limits; jobs that do not fit are
   * reported and not created.
   */
  async plan(input: PlanInput, scope: Scope, actorName: string, options: PlanOptions = {}): Promise<PlanView> {
    const now = this.clock();
    const from = input.notBefore && Date.parse(input.notBefore) > now.getTime() ? new Date(input.notBefore) : now;
    const work = input.work.filter((k): k is WorkKind => (WORK_KINDS as readonly string[]).includes(k));
    if (input.expectedMinutes !== undefined && input.maxMinutes !== undefined && input.maxMinutes < input.expectedMinutes) {
      throw invalid('maxMinutes', 'must not be shorter than expectedMinutes');
    }
    const terminals = await this.targetTerminals(input, scope);
    const ids = terminals.map((t) => t.id);
    const [windows, finished, openJobs, locks] = await Promise.all([
      this.repo.candidates(ids, unique(terminals.map((t) => t.siteId)), unique(terminals.map((t) => t.merchantId))),
      this.repo.finishedJobs(DURATION_HISTORY_JOBS),
      this.maintenance.repo.jobsInStates(OPEN, ids),
      input.reachableOnly ? this.maintenance.repo.activeLocks(ids) : [],
    ]);
    const lockOf = new Map(locks.map((l) => [l.terminal_id, l]));
    const durations = buildDurationTable(finished.flatMap(toSample));
    const busy = new Map(openJobs.map((j) => [j.terminal_id, j]));
    const slack = this.settings.startSlackMinutes;

    type Entry = { terminal: Terminal; window: WindowRow; occurrence: Occurrence; budget: number; expected: number; basis: PlanView['planned'][number]['durationBasis'] };
    const entries = new Map<string, Entry>();
    const notFitting: PlanView['notFitting'] = [];
    const skip = (t: Terminal, reason: PlanView['notFitting'][number]['reason'], message: string) =>
      notFitting.push({ terminalId: t.id, serialNumber: t.serialNumber, siteId: t.siteId, reason, message });
    const spread: SpreadJob[] = [];
    for (const terminal of terminals) {
      const lock = lockOf.get(terminal.id);
      if (lock) {
        skip(terminal, 'locked', `terminal ${terminal.serialNumber} is locked (${lock.reason}, since ${lock.locked_at}); its job could not start until an operator lifts the lock`);
        continue;
      }
      // One never heard from is left in: a device just set up (a hawkBit client polls first when it starts) may still come up.
      if (input.reachableOnly && !terminal.online && terminal.lastSeenAt) {
        skip(terminal, 'offline', `terminal ${terminal.serialNumber} is offline (last heard from at ${terminal.lastSeenAt}); its job could not start`);
        continue;
      }
      const open = busy.get(terminal.id);
      if (open) {
        skip(terminal, 'open_job', `terminal ${terminal.serialNumber} already has maintenance job ${open.id} (${open.state})`);
        continue;
      }
      const applicable = applicableWindows(terminal, windows);
      if (!applicable.length) {
        skip(terminal, 'no_window', `no maintenance window applies to terminal ${terminal.serialNumber} (none for it, its site, its merchant or a filter it matches)`);
        continue;
      }
      const estimate = input.expectedMinutes !== undefined
        ? { median: input.expectedMinutes, p90: input.expectedMinutes, basis: 'given' as const }
        : estimateOf(expectedDuration(durations, terminal.modelId, work));
      const budget = Math.ceil(estimate.p90);
      const fits = applicable
        .map((w) => ({ window: w, occurrence: fittingOccurrence(definitionOf(w), from, budget + slack) }))
        .filter((x): x is { window: WindowRow; occurrence: Occurrence } => x.occurrence !== null)
        .sort((a, b) => a.occurrence.start.getTime() - b.occurrence.start.getTime() || a.window.id.localeCompare(b.window.id));
      const chosen = fits[0];
      if (!chosen) {
        const longest = Math.max(...applicable.map((w) => w.duration_minutes));
        skip(terminal, 'longer_than_window', `terminal ${terminal.serialNumber} needs ${budget} minutes (+${slack} spare), more than its maintenance window${applicable.length > 1 ? 's' : ''} of at most ${longest} minutes`);
        continue;
      }
      entries.set(terminal.id, { terminal, ...chosen, budget, expected: Math.ceil(estimate.median), basis: estimate.basis });
      spread.push({ id: terminal.id, siteId: terminal.siteId ?? `terminal:${terminal.id}`, expectedMinutes: budget + slack, window: chosen.occurrence });
    }

    const seed = input.seed ?? randomInt(2 ** 32);
    const result = spreadStarts(spread, { seed, fleetLimit: input.fleetLimit ?? 100, perSiteLimit: input.perSiteLimit ?? 1, now: from, packed: !!input.packed });
    for (const miss of result.notFitting) {
      const entry = entries.get(miss.jobId)!;
      skip(entry.terminal, miss.reason, miss.message.replace(`job ${miss.jobId}`, `the job of terminal ${entry.terminal.serialNumber}`));
    }
    const planned = result.assigned.map((a) => {
      const e = entries.get(a.jobId)!;
      return {
        jobId: null as string | null, terminalId: e.terminal.id, serialNumber: e.terminal.serialNumber, siteId: e.terminal.siteId,
        plannedStart: a.start.toISOString(), expectedEnd: new Date(a.start.getTime() + e.expected * MINUTE_MS).toISOString(),
        expectedMinutes: input.expectedMinutes ?? e.expected, budgetMinutes: e.budget, durationBasis: e.basis,
        window: { id: e.window.id, name: e.window.name, ...occurrenceView(e.occurrence, e.window.time_zone) },
      };
    });
    if (!input.dryRun && planned.length) {
      await this.createPlannedJobs(planned, input, actorName, now, options.claim);
      // A window open now may have given some jobs a start of now.
      await this.maintenance.startDueJobs();
    }
    return { dryRun: !!input.dryRun, seed, planned, notFitting, peakConcurrency: result.peakConcurrency };
  }

  private async createPlannedJobs(planned: (PlanView['planned'][number])[], input: PlanInput, actorName: string, now: Date, claim: PlanOptions['claim']): Promise<void> {
    const at = now.toISOString();
    await this.db.transaction().execute(async (trx) => {
      for (const p of planned) {
        const open = await this.maintenance.repo.openJobOfTerminal(p.terminalId, OPEN, trx);
        if (open) throw conflict(`terminal ${p.serialNumber} already has maintenance job ${open.id} (${open.state})`, 'terminalIds');
        const id = randomUUID();
        // The caller's own record moves first, in the same transaction; no job without it.
        if (claim && !(await claim(trx, p.terminalId, id))) continue;
        const expected = p.expectedMinutes;
        const max = input.maxMinutes ?? Math.max(p.budgetMinutes, expected * 2, expected + 15);
        await this.maintenance.repo.insertJob(trx, {
          id, terminal_id: p.terminalId, site_id: p.siteId, work: JSON.stringify(input.work), reason: input.reason, state: 'scheduled',
          planned_start: p.plannedStart, expected_minutes: expected, max_minutes: Math.max(max, expected), started_at: null, lease_until: null, ended_at: null,
          waiting_reason: null, override_reason: null, self_tests: null, refused_transactions: 0, created_by: actorName, created_at: at, updated_at: at,
        });
        await this.maintenance.repo.recordTransition(trx, {
          job_id: id, from_state: null, to_state: 'scheduled', at, actor: 'operator', actor_name: actorName,
          note: `${input.reason} (planned in maintenance window "${p.window.name}", ${p.window.localStart} to ${p.window.localEnd})`,
        });
        await this.repo.link(trx, { job_id: id, window_id: p.window.id, budget_minutes: p.budgetMinutes });
        p.jobId = id;
      }
    });
  }

  private async targetTerminals(input: PlanInput, scope: Scope): Promise<Terminal[]> {
    const given = [input.terminalIds, input.siteId, input.filter].filter((x) => x !== undefined).length;
    if (given !== 1) throw invalid('terminalIds', 'give exactly one of terminalIds, siteId or filter');
    if (input.terminalIds) return Promise.all(input.terminalIds.map((id) => this.estate.getTerminal(id, scope)));
    if (input.siteId) await this.estate.getSite(input.siteId, scope);
    const page = await this.estate.listTerminals({ ...(input.siteId ? { siteId: input.siteId } : input.filter), status: 'active', limit: 10_000 }, scope);
    if (page.nextCursor) throw invalid('filter', 'matches more than 10,000 terminals; narrow it');
    if (!page.items.length) throw invalid('terminalIds', 'no terminal matches');
    return page.items;
  }

  // ---- the tick's part
  /** For MaintenanceService.useStartGate: see checkDue. */
  startGate(): StartGate {
    return { check: (due, now) => this.checkDue(due, now) };
  }

  /**
   * Of the due jobs, those planned inside a window may start only while one of its occurrences is open
   * and their budget still fits before it ends; their lease is capped at the window's end plus a small
   * grace. The others are held: moved to the next occurrence where they fit (keeping their place in the
   * window, so a spread plan stays spread), with the reason as waiting reason and transition note.
   */
  async checkDue(due: JobRow[], now: Date): Promise<{ held: Set<string>; leaseCap: Map<string, Date> }> {
    const held = new Set<string>();
    const leaseCap = new Map<string, Date>();
    const links = new Map((await this.repo.linksOf(due.map((j) => j.id))).map((l) => [l.job_id, l]));
    if (!links.size) return { held, leaseCap };
    const windows = new Map((await this.repo.findMany(unique([...links.values()].map((l) => l.window_id)))).map((w) => [w.id, w]));
    const openNow = new Map<string, Occurrence | null>();
    const graceMs = this.settings.leaseGraceMinutes * MINUTE_MS;
    for (const job of due) {
      const link = links.get(job.id);
      if (!link) continue;
      const row = windows.get(link.window_id);
      if (!row) {
        held.add(job.id);
        await this.wait(job, `its maintenance window ${link.window_id} no longer exists; abort the job or plan it again`, now);
        continue;
      }
      const def = definitionOf(row);
      if (!openNow.has(row.id)) openNow.set(row.id, windowAt(def, now));
      const open = openNow.get(row.id) ?? null;
      const check = open ? canStartWithin(open, now, link.budget_minutes) : null;
      if (open && check?.ok) {
        leaseCap.set(job.id, new Date(open.end.getTime() + graceMs));
        continue;
      }
      held.add(job.id);
      const why = check && !check.ok ? check.message : `maintenance window "${row.name}" is not open at ${now.toISOString()}`;
      const next = fittingOccurrence(def, open ? open.end : now, link.budget_minutes);
      if (!next) {
        // No time in the reason: it is recorded once, not at every tick.
        await this.wait(job, `no occurrence of maintenance window "${row.name}" from now on fits ${link.budget_minutes} minutes of work: abort the job or plan it again`, now);
        continue;
      }
      const to = new Date(next.start.getTime() + placeInWindow(def, job.planned_start, next, link.budget_minutes + this.settings.startSlackMinutes)).toISOString();
      await this.move(job, to, `${why}; moved to the next maintenance window: ${formatLocal(Date.parse(to), row.time_zone)} (${to})`, now);
    }
    return { held, leaseCap };
  }

  private async wait(job: JobRow, reason: string, now: Date): Promise<void> {
    if (job.waiting_reason === reason) return;
    await this.maintenance.repo.updateJob(job.id, { waiting_reason: reason });
    await this.maintenance.repo.recordTransition(this.db, {
      job_id: job.id, from_state: job.state, to_state: job.state, at: now.toISOString(), actor: 'server', actor_name: null, note: reason,
    });
  }

  private async move(job: JobRow, to: string, reason: string, now: Date): Promise<void> {
    const at = now.toISOString();
    await this.db.transaction().execute(async (trx) => {
      if (!(await this.repo.movePlannedStart(trx, job.id, job.planned_start, to, reason, at, WAITING))) return;
      await this.maintenance.repo.recordTransition(trx, { job_id: job.id, from_state: job.state, to_state: job.state, at, actor: 'server', actor_name: null, note: reason });
    });
  }

  // ---- a site's past trade, imported
  /**
   * Stores a site's past trade per 15 minutes, from JSON `{ currency?, buckets: [{ start, transactions,
   * amountMinor? }] }` or CSV (`start,transactions[,amountMinor]`). Every row is checked first: one bad
   * row refuses the import, naming it. Importing the same buckets again replaces them (idempotent).
   */
  async importTrading(siteId: string, body: unknown, query: { currency?: string | undefined }, scope: Scope): Promise<TradingImportView> {
    const site = await this.estate.getSite(siteId, scope);
    const now = this.clock();
    let currency = query.currency ?? null;
    let checked: TradingBucket[] | TradingProblem;
    if (typeof body === 'string') checked = parseTradingCsv(body, now);
    else if (body !== null && typeof body === 'object' && !Array.isArray(body)) {
      const input = body as Record<string, unknown>;
      const stray = Object.keys(input).find((key) => key !== 'buckets' && key !== 'currency');
      if (stray) throw invalid(stray, 'is not a known field (known: currency, buckets)');
      if (input.currency !== undefined) {
        if (typeof input.currency !== 'string' || !/^[A-Z]{3}$/.test(input.currency)) throw invalid('currency', 'must be an ISO 4217 code such as CNY');
        currency = input.currency;
      }
      if (!Array.isArray(input.buckets)) throw invalid('buckets', 'must be a list of { start, transactions, amountMinor? }');
      const rows = input.buckets as unknown[];
      const notObject = rows.findIndex((row) => row === null || typeof row !== 'object' || Array.isArray(row));
      if (notObject >= 0) throw invalid(`buckets.${notObject}`, 'must be an object { start, transactions, amountMinor? }');
      checked = checkTradingBuckets(rows as { start: unknown; transactions: unknown; amountMinor?: unknown }[], now, (i, field) => `buckets.${i}.${field}`);
    } else {
      throw invalid('body', 'send JSON { currency?, buckets: [{ start, transactions, amountMinor? }] } or CSV (text/csv) with a header line start,transactions[,amountMinor]');
    }
    if (!Array.isArray(checked)) throw invalid(checked.field, checked.reason);
    const buckets = checked;
    await this.db.transaction().execute((trx) => this.repo.upsertTrading(trx, site.id, buckets, currency, now.toISOString()));
    const starts = buckets.map((b) => b.start).sort();
    return {
      siteId: site.id, buckets: buckets.length, from: starts[0]!, to: new Date(Date.parse(starts.at(-1)!) + 15 * MINUTE_MS).toISOString(),
      transactions: buckets.reduce((n, b) => n + b.transactions, 0), currency,
    };
  }

  // ---- suggested window
  /** Candidate windows for a site, cheapest first, learnt from its terminals' reported trade (else its opening hours). */
  async suggest(siteId: string, query: SuggestedWindowQuery, scope: Scope): Promise<SuggestedWindowView> {
    const site = await this.estate.getSite(siteId, scope);
    const now = this.clock();
    const trade = await this.tradeOf(site.id, site.timeZone, now, query.weeks ?? 4);
    const hasHours = Object.values(site.openingHours).some((day) => day && day.length > 0);
    const suggestion = suggestWindow({
      timeZone: site.timeZone, durationMinutes: query.minutes ?? 60, now, days: query.days ?? 7, preference: query.preference ?? 'outside-opening-hours',
      top: query.top ?? 5, ...(hasHours && { openingHours: site.openingHours }), ...(trade && { history: trade.history }),
      ...(query.batchClose && { batchClose: { at: query.batchClose } }),
    });
    return {
      siteId: site.id, timeZone: site.timeZone, currency: trade?.currency ?? DEFAULT_CURRENCY, basis: suggestion.basis, history: trade?.summary ?? null, candidates: suggestion.candidates,
    };
  }

  /**
   * The site's trade per local quarter hour of the week over the last `weeks` weeks: its imported trading
   * history where there is one, and after it the `transactions` its terminals reported in heartbeats.
   * Each heartbeat reports the trade since the previous one, so its count and amount are spread evenly
   * over that interval. Bounded: beyond maxHeartbeatRows fewer weeks are read, and reports are read a
   * page at a time.
   */
  private async tradeOf(siteId: string, timeZone: string, now: Date, weeks: number) {
    const terminalIds = await this.repo.terminalsOfSite(siteId, 500);
    const to = now.getTime();
    let from = to - weeks * 7 * DAY_MS;
    const rows = await this.repo.countHeartbeats(terminalIds, new Date(from).toISOString(), now.toISOString());
    const imported = await this.repo.tradingHistory(siteId, new Date(from).toISOString(), now.toISOString());
    if (rows === 0 && !imported.length) return null;
    // Heartbeats count only after the imported history: the two would count the same sales twice.
    const importedEnd = imported.length ? Date.parse(imported.at(-1)!.bucket_start) + 15 * MINUTE_MS : Number.NEGATIVE_INFINITY;
    const shortened = rows > this.settings.maxHeartbeatRows;
    if (shortened) from = to - Math.max(DAY_MS, Math.floor(((to - from) * this.settings.maxHeartbeatRows) / rows));
    const fromIso = new Date(from).toISOString();
    const revenue = new Float64Array(WEEK_SLOTS);
    const count = new Float64Array(WEEK_SLOTS);
    const spreadOver = (start: number, end: number, transactions: number, amount: number) => {
      const span = end - start;
      for (let a = start; a < end;) {
        const b = Math.min(end, (Math.floor(a / SLOT_MS) + 1) * SLOT_MS);
        const p = wallParts(toWall(a, timeZone));
        const slot = p.weekday * 96 + Math.floor(p.minuteOfDay / 15);
        revenue[slot]! += (amount * (b - a)) / span;
        count[slot]! += (transactions * (b - a)) / span;
        a = b;
      }
    };
    let read = 0;
    let earliest = to;
    let currency: string | null = null;
    let reporting = 0;
    for (const bucket of imported) {
      const at = Date.parse(bucket.bucket_start);
      earliest = Math.min(earliest, at);
      currency = bucket.currency ?? currency;
      spreadOver(at, at + 15 * MINUTE_MS, Number(bucket.transactions), Number(bucket.amount_minor));
    }
    const intervalMs = this.settings.heartbeatIntervalSeconds * 1000;
    for (const terminalId of terminalIds) {
      let after = -1;
      let previous: number | null = null;
      for (let budget = this.settings.maxHeartbeatRows - read; budget > 0;) {
        const page = await this.repo.heartbeatPage(terminalId, fromIso, now.toISOString(), after, Math.min(5000, budget));
        if (page.length && previous === null) reporting++;
        for (const beat of page) {
          const at = Date.parse(beat.receivedAt);
          const start = Math.max(from, previous === null ? at - intervalMs : Math.max(previous, at - MAX_HEARTBEAT_GAP_MS));
          previous = at;
          earliest = Math.min(earliest, start);
          const reported = parseJson<{ transactions?: { count?: unknown; amountMinor?: unknown; currency?: unknown } }>(beat.report, {}).transactions;
          if (typeof reported?.currency === 'string') currency = reported.currency;
          const transactions = positive(reported?.count);
          const amount = positive(reported?.amountMinor);
          // Of a heartbeat that straddles the end of the imported history, only the share after it counts.
          if ((transactions > 0 || amount > 0) && at > start && at > importedEnd) {
            const counted = (at - Math.max(start, importedEnd)) / (at - start);
            spreadOver(Math.max(start, importedEnd), at, transactions * counted, amount * counted);
          }
        }
        read += page.length;
        budget -= page.length;
        if (page.length < 5000) break;
        after = page.at(-1)!.seq;
      }
    }
    const covered = Math.max(to - earliest, DAY_MS);
    const history: AggregatedHistory = { weeks: covered / (7 * DAY_MS), buckets: [] };
    const buckets = history.buckets as AggregatedHistory['buckets'][number][];
    for (let slot = 0; slot < WEEK_SLOTS; slot++) {
      if (revenue[slot]! <= 0 && count[slot]! <= 0) continue;
      const minute = (slot % 96) * 15;
      buckets.push({ day: WEEKDAYS[Math.floor(slot / 96)]!, time: `${pad(Math.floor(minute / 60))}:${pad(minute % 60)}`, transactions: count[slot]!, amountMinor: revenue[slot]! });
    }
    return {
      history,
      currency,
      summary: {
        from: new Date(earliest).toISOString(), to: now.toISOString(), weeks: Math.round(history.weeks * 100) / 100,
        heartbeats: read, terminals: reporting, shortened,
        imported: imported.length ? { from: imported[0]!.bucket_start, to: new Date(importedEnd).toISOString(), buckets: imported.length } : null,
      },
    };
  }
}

// ---- helpers: definitions, views, planning arithmetic


const unique = (values: (string | null)[]): string[] => [...new Set(values.filter((v): v is string => v !== null))];
const pad = (n: number) => String(n).padStart(2, '0');
const positive = (value: unknown): number => (typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : 0);

function targetKey(target: Target): string {
  if (target.kind !== 'filter') return `${target.kind}:${target.id}`;
  const canonical = JSON.stringify({ merchantId: target.id, modelId: target.filter.modelId ?? null, tag: target.filter.tag ?? null });
  return `filter:${canonical}`;
}

/** The schedule as the rules read it, or 400 naming the field (schedule.rrule, timeZone, …). */
function checkedDefinition(schedule: WindowSchedule, timeZone: string, now: Date): WindowDef {
  const own = schedule.kind === 'once' ? 'start' : schedule.kind;
  const stray = (['start', 'rrule', 'cron'] as const).find((field) => field !== own && schedule[field] !== undefined);
  if (stray) throw invalid(`schedule.${stray}`, `is not used by a '${schedule.kind}' window; give ${own}`);
  // Unchecked on purpose: validateWindow names whatever is missing or wrong in it.
  const def = { kind: schedule.kind, [own]: schedule[own], durationMinutes: schedule.durationMinutes, timeZone } as unknown as WindowDef;
  const problems = validateWindow(def, now);
  if (problems.length) throw definitionError(problems);
  return def;
}

function definitionError(problems: WindowProblem[]): AppError {
  const named = problems.map((p) => ({ field: p.field === 'timeZone' ? 'timeZone' : `schedule.${p.field}`, reason: p.reason }));
  const [first] = named;
  const more = named.length > 1 ? ` (and ${named.length - 1} more problem${named.length > 2 ? 's' : ''})` : '';
  return new AppError('validation_error', `${first!.field}: ${first!.reason}${more}`, first!.field, { problems: named });
}

function conflictsAhead(windows: TargetWindow[], now: Date): WindowConflict[] {
  for (const days of CONFLICT_HORIZONS_DAYS) {
    try {
      return conflicts(windows, now, new Date(now.getTime() + days * DAY_MS));
    } catch (error) {
      if (!(error instanceof RangeError)) throw error;
    }
  }
  return [];
}

export function definitionOf(row: WindowRow): WindowDef {
  const common = { durationMinutes: row.duration_minutes, timeZone: row.time_zone };
  if (row.schedule_kind === 'once') return { kind: 'once', start: row.schedule_start ?? '', ...common };
  if (row.schedule_kind === 'rrule') return { kind: 'rrule', rrule: row.rrule ?? '', ...common };
  return { kind: 'cron', cron: row.cron ?? '', ...common };
}

function scheduleColumns(def: WindowDef): Pick<WindowRow, 'schedule_kind' | 'schedule_start' | 'rrule' | 'cron' | 'duration_minutes'> {
  return {
    schedule_kind: def.kind, schedule_start: def.kind === 'once' ? def.start : null, rrule: def.kind === 'rrule' ? def.rrule : null,
    cron: def.kind === 'cron' ? def.cron : null, duration_minutes: def.durationMinutes,
  };
}

function occurrenceView(o: Occurrence, timeZone: string) {
  return { start: o.start.toISOString(), end: o.end.toISOString(), localStart: formatLocal(o.start.getTime(), timeZone), localEnd: formatLocal(o.end.getTime(), timeZone) };
}

function windowView(row: WindowRow, now: Date): WindowView {
  const def = definitionOf(row);
  const next = nextOccurrence(def, now);
  const filter = parseJson<{ tag?: string; modelId?: string }>(row.target_filter, {});
  const target = row.target_kind === 'merchant' ? { merchantId: row.target_id! }
    : row.target_kind === 'site' ? { siteId: row.target_id! }
    : row.target_kind === 'terminal' ? { terminalId: row.target_id! }
    : { filter: { ...filter, ...(row.target_id !== null && { merchantId: row.target_id }) } };
  return {
    id: row.id, name: row.name, target,
    schedule: {
      kind: def.kind, durationMinutes: def.durationMinutes,
      ...(def.kind === 'once' ? { start: def.start } : def.kind === 'rrule' ? { rrule: def.rrule } : { cron: def.cron }),
    },
    timeZone: row.time_zone, next: next ? occurrenceView(next, row.time_zone) : null,
    createdBy: row.created_by, createdAt: row.created_at, updatedAt: row.updated_at,
  };
}

/** The windows that apply to a terminal: its own, else its site's, else its merchant's, else matching filters. */
function applicableWindows(terminal: Terminal, windows: readonly WindowRow[]): WindowRow[] {
  const matches = (w: WindowRow) => {
    const filter = parseJson<{ tag?: string; modelId?: string }>(w.target_filter, {});
    return (w.target_id === null || w.target_id === terminal.merchantId)
      && (filter.tag === undefined || terminal.tags.includes(filter.tag))
      && (filter.modelId === undefined || filter.modelId === terminal.modelId);
  };
  const levels = [
    windows.filter((w) => w.target_kind === 'terminal' && w.target_id === terminal.id),
    windows.filter((w) => w.target_kind === 'site' && terminal.siteId !== null && w.target_id === terminal.siteId),
    windows.filter((w) => w.target_kind === 'merchant' && terminal.merchantId !== null && w.target_id === terminal.merchantId),
    windows.filter((w) => w.target_kind === 'filter' && matches(w)),
  ];
  return levels.find((level) => level.length > 0) ?? [];
}

/**
 * The first occurrence, open at `from` or later, with at least `minutes` left after `from`. Every
 * occurrence lasts the window's duration, so after the first only a window too short for the work fails.
 */
function fittingOccurrence(def: WindowDef, from: Date, minutes: number): Occurrence | null {
  if (def.durationMinutes < minutes) return null;
  let cursor = from;
  for (let i = 0; i < 3; i++) {
    const occurrence = nextOccurrence(def, cursor);
    if (!occurrence) return null;
    if (occurrence.end.getTime() - Math.max(occurrence.start.getTime(), from.getTime()) >= minutes * MINUTE_MS) return occurrence;
    cursor = occurrence.end;
  }
  return null;
}

/** Where a moved job starts in its new occurrence: at the same distance from the opening as before, while its work still fits. */
function placeInWindow(def: WindowDef, plannedStart: string, next: Occurrence, minutes: number): number {
  const planned = windowAt(def, new Date(plannedStart));
  const offset = planned ? Date.parse(plannedStart) - planned.start.getTime() : 0;
  const room = next.end.getTime() - next.start.getTime() - minutes * MINUTE_MS;
  return Math.max(0, Math.min(offset, room));
}

function toSample(job: { modelId: string; work: string; startedAt: string; endedAt: string }): DurationSample[] {
  const kinds = parseJson<unknown>(job.work, []);
  // A job that mixed kinds of work cannot be split between them: it teaches nothing per kind.
  if (!Array.isArray(kinds) || kinds.length !== 1 || !(WORK_KINDS as readonly unknown[]).includes(kinds[0])) return [];
  return [{ terminalModel: job.modelId, kind: kinds[0] as WorkKind, minutes: (Date.parse(job.endedAt) - Date.parse(job.startedAt)) / MINUTE_MS }];
}

/** Median and p90 of a job, and the least informed basis among its kinds of work. */
function estimateOf(estimate: { medianMinutes: number; p90Minutes: number; parts: { basis: DurationBasis }[] }) {
  const order: DurationBasis[] = ['default', 'fleet', 'model'];
  const basis = order.find((b) => estimate.parts.some((p) => p.basis === b)) ?? 'default';
  return { median: estimate.medianMinutes, p90: estimate.p90Minutes, basis };
}
