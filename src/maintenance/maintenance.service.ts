// Maintenance jobs as operators (and the capabilities that plan work) see them: put terminals into
// maintenance (now or planned), extend, finish, abort or hand a job on, and read jobs. What happens to a
// job afterwards — starts, terminals' reports, leases, announcements — is job-lifecycle.service.ts;
// locks and the terminal's mode are terminal-modes.service.ts.
import { randomUUID } from 'node:crypto';
import type { Scope } from '../access/roles.ts';
import type { EstateService } from '../estate/estate.service.ts';
import { invalidField, notFound, refused } from '../shared/errors.ts';
import type { Clock } from '../shared/time.ts';
import { canTransition, FINAL, OPEN, OUT_OF_SERVICE, type JobState, type WorkKind } from '../shared/job-states.ts';
import type { JobLifecycle } from './job-lifecycle.service.ts';
import { plannedMinutes, toJobView } from './job-rules.ts';
import type { JobRow, MaintenanceRepository } from './maintenance.repository.ts';

// Rollouts implement the last-terminal policy and read it from here, the capability's front door.
export type { LastTerminalPolicies, LastTerminalPolicy, MaintenanceEvents } from './job-lifecycle.service.ts';

export interface MaintenanceRequest {
  terminalIds: string[];
  work: WorkKind[];
  reason: string;
  plannedStart?: string | undefined;
  expectedMinutes?: number | undefined;
  maxMinutes?: number | undefined;
  /** Start even if the continuity rule says no; recorded with the job. */
  overrideReason?: string | undefined;
}

export class MaintenanceService {
  constructor(
    private readonly repo: MaintenanceRepository,
    private readonly clock: Clock,
    private readonly estate: Pick<EstateService, 'getTerminal' | 'getTerminals' | 'findTerminal'>,
    /** After an operator's action a due job may start, and a job that ended is told about. */
    private readonly lifecycle: Pick<JobLifecycle, 'startDueJobs' | 'ended'>,
  ) {}

  private now = () => this.clock().toISOString();

  // ---- for other capabilities (they ask here, never maintenance's repository)
  job(jobId: string): Promise<JobRow | undefined> {
    return this.repo.job(jobId);
  }

  /** The terminals' open jobs (one query). */
  openJobsOf(terminalIds: string[]): Promise<JobRow[]> {
    return this.repo.jobsInStates(OPEN, terminalIds);
  }

  transitionsOf(jobId: string) {
    return this.repo.transitions(jobId);
  }

  /** Creates one job per terminal; a terminal with an open job gets 409. Due jobs start at once if they may. */
  async request(input: MaintenanceRequest, scope: Scope, actorName: string) {
    if (input.terminalIds.length === 0) throw invalidField('terminalIds', 'common.no_terminal_matches');
    if (input.terminalIds.length > 10_000) throw invalidField('terminalIds', 'maintenance.too_many_terminals', { max: 10_000 });
    const now = this.clock();
    if (input.plannedStart && new Date(input.plannedStart).getTime() < now.getTime() - 60_000) throw invalidField('plannedStart', 'maintenance.start_in_past');
    const terminals = await this.estate.getTerminals(input.terminalIds, scope);
    const { expected, max } = plannedMinutes(input.work, input.expectedMinutes, input.maxMinutes);
    if (max < expected) throw invalidField('maxMinutes', 'maintenance.max_below_expected');
    const at = now.toISOString();
    const jobs = terminals.map((terminal) => ({
      row: {
        id: randomUUID(), terminal_id: terminal.id, site_id: terminal.siteId, work: JSON.stringify(input.work), reason: input.reason, state: 'scheduled' as const,
        planned_start: input.plannedStart ?? at, expected_minutes: expected, max_minutes: max, started_at: null, lease_until: null, ended_at: null,
        waiting_reason: null, waiting_code: null, override_reason: input.overrideReason ?? null, self_tests: null, refused_transactions: 0,
        created_by: actorName, created_at: at, updated_at: at,
      },
      note: input.reason,
    }));
    const serialOf = new Map(terminals.map((t) => [t.id, t.serialNumber]));
    await this.repo.createJobs(jobs, OPEN, (row, open) => refused('maintenance.terminal_has_job', { serial: serialOf.get(row.terminal_id) ?? row.terminal_id, state: open.state }, { field: 'terminalIds' }));
    await this.lifecycle.startDueJobs();
    return Promise.all(jobs.map(({ row }) => this.getJob(row.id, scope)));
  }

  async extend(jobId: string, minutes: number, scope: Scope, actorName: string) {
    const job = await this.requireJob(jobId, scope);
    if (!OUT_OF_SERVICE.includes(job.state as JobState) && !['scheduled', 'announced'].includes(job.state)) throw refused('maintenance.nothing_to_extend', { state: job.state }, { retryable: false });
    const leaseUntil = job.lease_until ? new Date(new Date(job.lease_until).getTime() + minutes * 60_000).toISOString() : null;
    await this.repo.updateJob(jobId, { max_minutes: job.max_minutes + minutes, expected_minutes: job.expected_minutes + minutes, lease_until: leaseUntil, updated_at: this.now() });
    await this.repo.recordTransitionAlone({ job_id: jobId, from_state: job.state, to_state: job.state, at: this.now(), actor: 'operator', actor_name: actorName, note: `extended by ${minutes} min` });
    return this.getJob(jobId, scope);
  }

  /** Operator actions that end or redirect a job: finish (back in service), abort, hand to a technician, mark rolled back. */
  async operatorMove(jobId: string, to: 'completed' | 'aborted' | 'handed_to_technician' | 'rolled_back', note: string, scope: Scope, actorName: string) {
    const job = await this.requireJob(jobId, scope);
    if (!canTransition(job.state as JobState, to, 'operator')) throw refused('maintenance.job_state_conflict', { state: job.state, to }, { retryable: false });
    await this.repo.move(job, to, this.now(), { kind: 'operator', name: actorName }, { ended_at: FINAL.includes(to) ? this.now() : null }, note);
    if (to === 'completed') await this.lifecycle.ended(jobId);
    await this.lifecycle.startDueJobs();
    return this.getJob(jobId, scope);
  }

  async getJob(jobId: string, scope: Scope) {
    const job = await this.requireJob(jobId, scope);
    return { ...toJobView(job), transitions: (await this.repo.transitions(jobId)).map((t) => ({ from: t.from_state, to: t.to_state, at: t.at, actor: t.actor, actorName: t.actor_name, note: t.note })) };
  }

  async jobsOfTerminal(terminalId: string, scope: Scope) {
    const terminal = await this.estate.getTerminal(terminalId, scope);
    return (await this.repo.jobsOfTerminal(terminal.id)).map(toJobView);
  }

  private async requireJob(jobId: string, scope: Scope): Promise<JobRow> {
    const job = await this.repo.job(jobId);
    // Outside the caller's scope a job does not exist: the same answer as for an unknown id.
    if (!job || !(await this.estate.findTerminal(job.terminal_id, scope))) throw notFound('maintenance job', jobId);
    return job;
  }
}
