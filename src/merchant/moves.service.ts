// A merchant's say before maintenance: its upcoming planned jobs, with the revenue each slot is expected
// to cost, and moving one within the policy (at most `maxMoves` times, at most `maxHours` after its
// first planned start; a security update never past its deadline). The planner re-plans the job under
// its usual rules from the start asked for; the merchant sees the new slot and its expected loss before
// confirming; the move is recorded on the job (its transitions, which operators see), in
// maintenance_moves, and told as a `maintenance.moved` event.
import { randomUUID } from 'node:crypto';
import { FLEET, type Scope } from '../access/roles.ts';
import type { MaintenanceService } from '../maintenance/maintenance.service.ts';
import type { LossModel } from '../maintenance/suggested-window.service.ts';
import type { WindowPlanner } from '../maintenance/window-planner.service.ts';
import { fromCatalogue, notFound } from '../shared/errors.ts';
import type { Emitter } from '../shared/events.ts';
import { WAITING } from '../shared/job-states.ts';
import { parseJson } from '../shared/json.ts';
import type { Clock } from '../shared/time.ts';
import type { MerchantRepository, MoveRow } from './merchant.repository.ts';
import type { MoveInput, MoveRecord, MovesQuery, MoveView, UpcomingMaintenance } from './merchant.schemas.ts';
import { workText } from './next-maintenance.ts';

const HOUR = 3_600_000;
const MINUTE = 60_000;

export interface MovePolicy {
  maxMoves: number;
  maxHours: number;
  /** A job with security work must be done within this many hours of its first planned start. */
  securityDeadlineHours: number;
}

export type MerchantEvents = {
  /** A merchant (or an operator for them) moved a planned maintenance job. */
  'maintenance.moved': { jobId: string; terminalId: string; fromStart: string; toStart: string; movedBy: string; expectedLossMinor: number | null; currency: string };
};

/** The job as maintenance gives it (its row). */
type JobRow = NonNullable<Awaited<ReturnType<MaintenanceService['job']>>>;

export interface MoveDependencies {
  planner: Pick<WindowPlanner, 'replan' | 'moveJob'>;
  job: (jobId: string) => Promise<JobRow | undefined>;
  /** The revenue any slot at a site is expected to cost, from one read of the site's trade. */
  lossModel: (siteId: string) => Promise<LossModel>;
  events: Emitter<MerchantEvents>;
  /** Told after a move (the next-maintenance cache reloads). */
  moved: () => Promise<void>;
}

const NO_LOSS = { expectedLossMinor: null, currency: 'CNY' };

export class MaintenanceMoves {
  constructor(private readonly repo: MerchantRepository, private readonly clock: Clock, private readonly deps: MoveDependencies, private readonly policy: MovePolicy) {}

  /** The waiting jobs in the caller's scope, soonest first, with their slot's expected loss and what the policy still allows. */
  async upcoming(scope: Scope): Promise<UpcomingMaintenance[]> {
    if (scope.kind === 'technician') return [];
    const jobs = await this.repo.upcomingJobs(WAITING, scope.kind === 'merchant' ? scope.merchantId : null);
    const moves = groupMoves(await this.repo.movesOf(jobs.map((j) => j.id)));
    const models = new Map<string, Promise<LossModel>>();
    const modelOf = (siteId: string) => models.get(siteId) ?? models.set(siteId, this.deps.lossModel(siteId)).get(siteId)!;
    return Promise.all(jobs.map(async (job) => {
      const limits = this.limits(job, moves.get(job.id) ?? []);
      const loss = job.site_id ? (await modelOf(job.site_id))(job.planned_start, job.expected_minutes) : NO_LOSS;
      const work = parseJson<string[]>(job.work, []);
      return {
        jobId: job.id, terminalId: job.terminal_id, serialNumber: job.serial_number, siteId: job.site_id, siteName: job.site_name, state: job.state,
        start: job.planned_start, expectedMinutes: job.expected_minutes, work, reasons: workText(work), note: job.reason, ...loss,
        movesLeft: limits.movesLeft, latestStart: limits.latestStart, deadline: limits.deadline,
        moves: (moves.get(job.id) ?? []).map((m) => ({ fromStart: m.from_start, toStart: m.to_start, movedBy: m.moved_by, movedAt: m.moved_at, expectedLossMinor: m.expected_loss_minor })),
      };
    }));
  }

  /** The moves made (newest first), as operators see them on the calendar: a merchant user sees its own merchant's only. */
  async list(query: MovesQuery, scope: Scope): Promise<MoveRecord[]> {
    if (scope.kind === 'technician') return [];
    if (scope.kind === 'merchant' && query.merchantId && query.merchantId !== scope.merchantId) return [];
    const rows = await this.repo.listMoves({
      from: query.from, to: query.to, siteId: query.siteId, terminalId: query.terminalId, limit: query.limit ?? 200,
      merchantId: scope.kind === 'merchant' ? scope.merchantId : query.merchantId,
    });
    return rows.map((r) => {
      const work = parseJson<string[]>(r.work, []);
      return {
        id: r.id, jobId: r.job_id, jobState: r.job_state, terminalId: r.terminal_id, serialNumber: r.serial_number, siteId: r.site_id, siteName: r.site_name,
        merchantId: r.merchant_id, timeZone: r.site_time_zone ?? r.merchant_time_zone ?? null, work, reasons: workText(work),
        fromStart: r.from_start, toStart: r.to_start, movedBy: r.moved_by, movedAt: r.moved_at, expectedLossMinor: r.expected_loss_minor === null ? null : Number(r.expected_loss_minor), currency: r.currency ?? 'CNY',
      };
    });
  }

  /** Finds the new slot from `startAt` and shows it (confirm false), or moves the job there (confirm true). */
  async move(jobId: string, input: MoveInput, scope: Scope, actorName: string): Promise<MoveView> {
    const job = await this.deps.job(jobId);
    const owner = job && await this.repo.merchantOfJob(jobId);
    if (!job || !owner || scope.kind === 'technician' || (scope.kind === 'merchant' && owner.merchant_id !== scope.merchantId)) throw notFound('maintenance job', jobId);
    if (!(WAITING as readonly string[]).includes(job.state)) throw fromCatalogue('conflict', 'move.not_waiting', { state: job.state }, { field: 'jobId' });
    const moves = await this.repo.movesOf([job.id]);
    const limits = this.limits(job, moves);
    if (limits.movesLeft <= 0) throw fromCatalogue('conflict', 'move.too_many', { count: moves.length }, { field: 'jobId' });
    const now = this.clock().getTime();
    const asked = Date.parse(input.startAt);
    if (asked <= now) throw fromCatalogue('validation_error', 'move.in_past', {}, { field: 'startAt' });
    this.within(job, asked, limits);

    const plan = await this.deps.planner.replan(job, input.startAt, FLEET);
    const slot = plan.planned[0];
    if (!slot) throw fromCatalogue('validation_error', 'move.no_slot', { detail: plan.notFitting[0]?.message ?? '' }, { field: 'startAt' });
    // The first slot from the start asked for may lie later still: the same limits hold for it.
    this.within(job, Date.parse(slot.plannedStart), limits);

    const model = job.site_id ? await this.deps.lossModel(job.site_id) : () => NO_LOSS;
    const [after, before] = [model(slot.plannedStart, job.expected_minutes), model(job.planned_start, job.expected_minutes)];
    const view: MoveView = {
      jobId: job.id, moved: false, fromStart: job.planned_start, start: slot.plannedStart,
      expectedEnd: new Date(Date.parse(slot.plannedStart) + job.expected_minutes * MINUTE).toISOString(), window: slot.window.name,
      expectedLossMinor: after.expectedLossMinor, previousLossMinor: before.expectedLossMinor, currency: after.currency, movesLeft: limits.movesLeft,
    };
    if (!input.confirm) return view;

    const at = new Date(now).toISOString();
    const loss = after.expectedLossMinor === null ? 'unknown' : `${(after.expectedLossMinor / 100).toFixed(2)} ${after.currency}`;
    const note = `moved by ${actorName} from ${job.planned_start} to ${slot.plannedStart} (window "${slot.window.name}"; expected loss ${loss}; move ${moves.length + 1} of ${this.policy.maxMoves})`;
    await this.deps.planner.moveJob(job, slot, actorName, note, (trx) => this.repo.insertMove(trx, {
      id: randomUUID(), job_id: job.id, from_start: job.planned_start, to_start: slot.plannedStart, expected_loss_minor: after.expectedLossMinor,
      currency: after.currency, moved_by: actorName, moved_at: at,
    }));
    await this.deps.moved();
    await this.deps.events.emit('maintenance.moved', {
      jobId: job.id, terminalId: job.terminal_id, fromStart: job.planned_start, toStart: slot.plannedStart, movedBy: actorName, expectedLossMinor: after.expectedLossMinor, currency: after.currency,
    });
    return { ...view, moved: true, movesLeft: limits.movesLeft - 1 };
  }

  /** The policy's limits for a job: moves left, the latest start, and a security update's deadline. */
  private limits(job: Pick<JobRow, 'planned_start' | 'work' | 'expected_minutes'>, moves: MoveRow[]) {
    const first = Date.parse(moves[0]?.from_start ?? job.planned_start);
    const security = parseJson<string[]>(job.work, []).includes('security_hardening');
    const deadline = security ? first + this.policy.securityDeadlineHours * HOUR : null;
    let latest = first + this.policy.maxHours * HOUR;
    if (deadline !== null) latest = Math.min(latest, deadline - job.expected_minutes * MINUTE);
    return {
      movesLeft: Math.max(0, this.policy.maxMoves - moves.length), latestStart: new Date(latest).toISOString(), latestMs: latest,
      deadline: deadline === null ? null : new Date(deadline).toISOString(), deadlineMs: deadline, maxMs: first + this.policy.maxHours * HOUR,
    };
  }

  private within(job: JobRow, start: number, limits: ReturnType<MaintenanceMoves['limits']>): void {
    const end = start + job.expected_minutes * MINUTE;
    if (limits.deadlineMs !== null && end > limits.deadlineMs) {
      throw fromCatalogue('validation_error', 'move.past_deadline', { deadline: limits.deadline!, end: new Date(end).toISOString() }, { field: 'startAt' });
    }
    if (start > limits.maxMs) {
      throw fromCatalogue('validation_error', 'move.too_late', { hours: this.policy.maxHours, latest: new Date(limits.maxMs).toISOString() }, { field: 'startAt' });
    }
  }
}

function groupMoves(rows: MoveRow[]): Map<string, MoveRow[]> {
  const out = new Map<string, MoveRow[]>();
  for (const r of rows) out.set(r.job_id, [...(out.get(r.job_id) ?? []), r]);
  return out;
}
