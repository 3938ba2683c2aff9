// The window planner: plans maintenance jobs inside the terminals' maintenance windows, each where it
// can finish before its window closes, spread under per-site and fleet-wide limits. Operators plan
// through POST /maintenance/plans; campaigns and remote preventive tasks plan through it too (a caller
// may tie each job to its own record in the transaction that creates it: PlanOptions.claim).
import { randomInt, randomUUID } from 'node:crypto';
import type { Transaction } from 'kysely';
import type { Scope } from '../access/roles.ts';
import type { Database } from '../db/schema.ts';
import type { EstateService } from '../estate/estate.service.ts';
import type { Terminal } from '../estate/estate.schemas.ts';
import { invalidField, refused } from '../shared/errors.ts';
import { parseJson } from '../shared/json.ts';
import { formatMessage, type MessageKey } from '../shared/messages/format.ts';
import type { Clock } from '../shared/time.ts';
import { OPEN, WORK_KINDS, type WorkKind } from '../shared/job-states.ts';
import type { JobLifecycle } from './job-lifecycle.service.ts';
import type { JobRow, MaintenanceRepository } from './maintenance.repository.ts';
import { DEFAULT_WINDOW_SETTINGS, definitionOf, fittingOccurrence, occurrenceView, unique, type WindowSettings } from './window-defs.ts';
import { clearOfBatchClose } from './windows/batch-close.ts';
import { buildDurationTable, expectedDuration, spreadStarts, type DurationBasis, type DurationSample, type Occurrence, type SpreadJob } from './windows/index.ts';
import { MINUTE_MS } from './windows/time-zone.ts';
import type { WindowRow, WindowsRepository } from './windows.repository.ts';
import type { PlanInput, PlanView } from './windows.schemas.ts';

const DURATION_HISTORY_JOBS = 5000;

export interface PlanOptions {
  /**
   * Called in the transaction that creates the jobs, before each job: the caller ties the job to its own
   * record there (a campaign's action). False: that job is not created (its `jobId` stays null), so a
   * record that changed meanwhile never leaves a job behind that nothing points to.
   */
  claim?: (trx: Transaction<Database>, terminalId: string, jobId: string) => Promise<boolean>;
  /** A waiting job being re-planned (moved): it does not keep its own terminal busy. */
  moving?: string;
}

export class WindowPlanner {
  private readonly settings: WindowSettings;

  constructor(
    private readonly repo: WindowsRepository,
    private readonly clock: Clock,
    private readonly estate: EstateService,
    private readonly jobs: MaintenanceRepository,
    private readonly lifecycle: Pick<JobLifecycle, 'startDueJobs'>,
    settings: Partial<WindowSettings> = {},
    /** A site's daily batch close ('HH:MM', its time), which planned work never runs across. */
    private readonly batchCloseOf: (site: { siteId: string | null; merchantId: string | null }) => string | undefined = () => undefined,
  ) {
    this.settings = { ...DEFAULT_WINDOW_SETTINGS, ...settings };
  }

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
      throw invalidField('maxMinutes', 'maintenance.max_below_expected');
    }
    const terminals = await this.targetTerminals(input, scope);
    const ids = terminals.map((t) => t.id);
    const [windows, finished, openJobs, locks] = await Promise.all([
      this.repo.candidates(ids, unique(terminals.map((t) => t.siteId)), unique(terminals.map((t) => t.merchantId))),
      this.repo.finishedJobs(DURATION_HISTORY_JOBS),
      this.jobs.jobsInStates(OPEN, ids),
      input.reachableOnly ? this.jobs.activeLocks(ids) : [],
    ]);
    const lockOf = new Map(locks.map((l) => [l.terminal_id, l]));
    const durations = buildDurationTable(finished.flatMap(toSample));
    const busy = new Map(openJobs.filter((j) => j.id !== options.moving).map((j) => [j.terminal_id, j]));
    const slack = this.settings.startSlackMinutes;

    type Entry = { terminal: Terminal; window: WindowRow; occurrence: Occurrence; budget: number; expected: number; basis: PlanView['planned'][number]['durationBasis'] };
    const entries = new Map<string, Entry>();
    const notFitting: PlanView['notFitting'] = [];
    // `said`: the catalogue's sentence (key and params) the English message is, when it has one.
    const skip = (t: Terminal, reason: PlanView['notFitting'][number]['reason'], message: string, said?: { key: MessageKey; params: Record<string, string | number> }) =>
      notFitting.push({ terminalId: t.id, serialNumber: t.serialNumber, siteId: t.siteId, reason, message, ...said });
    const spread: SpreadJob[] = [];
    for (const terminal of terminals) {
      const lock = lockOf.get(terminal.id);
      if (lock) {
        const params = { serial: terminal.serialNumber, reason: lock.reason, since: lock.locked_at };
        skip(terminal, 'locked', formatMessage('en', 'maintenance.plan.locked', params)!, { key: 'maintenance.plan.locked', params });
        continue;
      }
      // One never heard from is left in: a device just set up (a hawkBit client polls first when it starts) may still come up.
      if (input.reachableOnly && !terminal.online && terminal.lastSeenAt) {
        const params = { serial: terminal.serialNumber, lastSeenAt: terminal.lastSeenAt };
        skip(terminal, 'offline', formatMessage('en', 'maintenance.plan.offline', params)!, { key: 'maintenance.plan.offline', params });
        continue;
      }
      const open = busy.get(terminal.id);
      if (open) {
        skip(terminal, 'open_job', `terminal ${terminal.serialNumber} already has maintenance job ${open.id} (${open.state})`);
        continue;
      }
      const applicable = applicableWindows(terminal, windows);
      if (!applicable.length) {
        const params = { serial: terminal.serialNumber };
        skip(terminal, 'no_window', formatMessage('en', 'maintenance.plan.no_window', params)!, { key: 'maintenance.plan.no_window', params });
        continue;
      }
      const estimate = input.expectedMinutes !== undefined
        ? { median: input.expectedMinutes, p90: input.expectedMinutes, basis: 'given' as const }
        : estimateOf(expectedDuration(durations, terminal.modelId, work));
      const budget = Math.ceil(estimate.p90);
      const batchClose = this.batchCloseOf(terminal);
      const fits = applicable
        .map((w) => ({ window: w, occurrence: clearOccurrence(definitionOf(w), from, budget + slack, batchClose, w.time_zone) }))
        .filter((x): x is { window: WindowRow; occurrence: Occurrence } => x.occurrence !== null)
        .sort((a, b) => a.occurrence.start.getTime() - b.occurrence.start.getTime() || a.window.id.localeCompare(b.window.id));
      const chosen = fits[0];
      if (!chosen) {
        const longest = Math.max(...applicable.map((w) => w.duration_minutes));
        // Minutes as text: the English says "1440", not "1,440".
        const params = { serial: terminal.serialNumber, minutes: String(budget), slack: String(slack), windows: applicable.length, longest: String(longest) };
        skip(terminal, 'longer_than_window', formatMessage('en', 'maintenance.plan.longer_than_window', params)!, { key: 'maintenance.plan.longer_than_window', params });
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
      await this.lifecycle.startDueJobs();
    }
    return { dryRun: !!input.dryRun, seed, planned, notFitting, peakConcurrency: result.peakConcurrency };
  }

  /**
   * Re-plans one waiting job from `notBefore` under the same rules as planning it (its terminal's
   * windows, the batch close, the spread limits; the continuity rule still decides at its start), as
   * early as they allow. Changes nothing: `moveJob` applies the slot found.
   */
  replan(job: JobRow, notBefore: string, scope: Scope): Promise<PlanView> {
    const work = parseJson<string[]>(job.work, []).filter((k): k is WorkKind => (WORK_KINDS as readonly string[]).includes(k));
    return this.plan({
      terminalIds: [job.terminal_id], work, reason: job.reason, notBefore, expectedMinutes: job.expected_minutes, maxMinutes: Math.max(job.max_minutes, job.expected_minutes),
      dryRun: true, packed: true, seed: 0,
    }, scope, 'replan', { moving: job.id });
  }

  /** Moves a waiting job to a slot `replan` found, in one transaction with the caller's own record (`also`), noting who moved it and why. */
  async moveJob(job: JobRow, slot: PlanView['planned'][number], actorName: string, note: string, also: (trx: Transaction<Database>) => Promise<void>): Promise<void> {
    const at = this.clock().toISOString();
    await this.repo.transaction(async (trx) => {
      const current = await this.jobs.job(job.id, trx);
      if (!current || current.state !== job.state || current.planned_start !== job.planned_start) {
        throw refused('maintenance.job_changed_meanwhile', {}, { field: 'jobId', retryable: true });
      }
      await this.jobs.replanJob(trx, job.id, slot.plannedStart, at);
      await this.jobs.recordTransition(trx, { job_id: job.id, from_state: job.state, to_state: job.state, at, actor: 'operator', actor_name: actorName, note });
      await this.repo.relink(trx, { job_id: job.id, window_id: slot.window.id, budget_minutes: slot.budgetMinutes });
      await also(trx);
    });
  }

  private async createPlannedJobs(planned: (PlanView['planned'][number])[], input: PlanInput, actorName: string, now: Date, claim: PlanOptions['claim']): Promise<void> {
    const at = now.toISOString();
    await this.repo.transaction(async (trx) => {
      for (const p of planned) {
        const open = await this.jobs.openJobOfTerminal(p.terminalId, OPEN, trx);
        if (open) throw refused('maintenance.terminal_has_job', { serial: p.serialNumber, state: open.state }, { field: 'terminalIds' });
        const id = randomUUID();
        // The caller's own record moves first, in the same transaction; no job without it.
        if (claim && !(await claim(trx, p.terminalId, id))) continue;
        const expected = p.expectedMinutes;
        const max = input.maxMinutes ?? Math.max(p.budgetMinutes, expected * 2, expected + 15);
        await this.jobs.insertJob(trx, {
          id, terminal_id: p.terminalId, site_id: p.siteId, work: JSON.stringify(input.work), reason: input.reason, state: 'scheduled',
          planned_start: p.plannedStart, expected_minutes: expected, max_minutes: Math.max(max, expected), started_at: null, lease_until: null, ended_at: null,
          waiting_reason: null, waiting_code: null, override_reason: null, self_tests: null, refused_transactions: 0, created_by: actorName, created_at: at, updated_at: at,
        });
        await this.jobs.recordTransition(trx, {
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
    if (given !== 1) throw invalidField('terminalIds', 'maintenance.one_selection');
    if (input.terminalIds) return this.estate.getTerminals(input.terminalIds, scope);
    if (input.siteId) await this.estate.getSite(input.siteId, scope);
    const page = await this.estate.listTerminals({ ...(input.siteId ? { siteId: input.siteId } : input.filter), status: 'active', limit: 10_000 }, scope);
    if (page.nextCursor) throw invalidField('filter', 'maintenance.filter_too_broad', { max: 10_000 });
    if (!page.items.length) throw invalidField('terminalIds', 'common.no_terminal_matches');
    return page.items;
  }
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

/** The first occurrence (of the next three) with room for the work clear of the site's batch close. */
function clearOccurrence(def: ReturnType<typeof definitionOf>, from: Date, minutes: number, batchClose: string | undefined, timeZone: string): Occurrence | null {
  let cursor = from;
  for (let i = 0; i < 3; i++) {
    const occurrence = fittingOccurrence(def, cursor, minutes);
    if (!occurrence) return null;
    const clear = clearOfBatchClose(occurrence, from, minutes, batchClose, timeZone);
    if (clear) return clear;
    cursor = occurrence.end;
  }
  return null;
}
