// One action over a group of maintenance jobs (a site's, or those a filter shows): finish, extend or
// cancel them all, with a result per job, so that ending a 200-terminal site's maintenance is one
// action, not 200. The rule — what an action does to a job in each state — is a pure function; applying
// it goes through the maintenance service's own operator moves, so each job keeps its transitions,
// notices and the continuity rule as if it had been ended alone.
import { AppError } from '../shared/errors.ts';
import { FINAL, OUT_OF_SERVICE, WAITING, type JobState } from '../shared/job-states.ts';
import type { MaintenanceService } from './maintenance.service.ts';
import type { Scope } from '../access/roles.ts';

export type GroupAction = 'finish' | 'extend' | 'abort';

/**
 * What a job gets: finishing puts a running job back in service and withdraws one still waiting for its
 * start (it has cost nothing yet); cancelling aborts any open job; extending lengthens a waiting or
 * running one. A job already ended is left alone (a second click does nothing); a failed job waits for
 * a technician or its roll-back, which no group action decides.
 */
export type GroupStep = 'complete' | 'withdraw' | 'abort' | 'extend' | 'already_ended' | 'not_possible';

export function groupStep(state: JobState, action: GroupAction): GroupStep {
  if (FINAL.includes(state)) return 'already_ended';
  const running = OUT_OF_SERVICE.includes(state);
  const waiting = WAITING.includes(state);
  if (action === 'extend') return running || waiting ? 'extend' : 'not_possible';
  if (action === 'abort') return running || waiting ? 'abort' : 'not_possible';
  return running ? 'complete' : waiting ? 'withdraw' : 'not_possible';
}

/** What happened to one job, in words a client can look up in its message catalogue. */
export type GroupOutcome = 'completed' | 'withdrawn' | 'aborted' | 'extended' | 'already_ended' | 'not_possible' | 'not_found';

export interface GroupResult {
  jobId: string;
  terminalId: string | null;
  outcome: GroupOutcome;
  /** The job's state after the action (null when it was not found). */
  state: JobState | null;
}

const OUTCOME: Record<Exclude<GroupStep, 'already_ended' | 'not_possible'>, GroupOutcome> = {
  complete: 'completed', withdraw: 'withdrawn', abort: 'aborted', extend: 'extended',
};

/**
 * Applies `action` to each job, waiting ones first (so finishing the running ones does not start a
 * waiting one of the same group on the way), and says what became of each, in the order given.
 */
export async function applyToGroup(
  maintenance: Pick<MaintenanceService, 'getJob' | 'operatorMove' | 'extend'>,
  input: { jobIds: string[]; action: GroupAction; minutes?: number | undefined; note?: string | undefined },
  scope: Scope, actorName: string,
): Promise<GroupResult[]> {
  const jobs = await Promise.all(input.jobIds.map(async (jobId) => {
    try {
      return { jobId, job: await maintenance.getJob(jobId, scope) };
    } catch (error) {
      if (error instanceof AppError && error.code === 'not_found') return { jobId, job: null };
      throw error;
    }
  }));
  const isWaiting = (x: (typeof jobs)[number]) => !!x.job && WAITING.includes(x.job.state);
  const order = [...jobs.filter(isWaiting), ...jobs.filter((x) => !isWaiting(x))];
  const results = new Map<string, GroupResult>();
  for (const { jobId, job } of order) {
    if (!job) { results.set(jobId, { jobId, terminalId: null, outcome: 'not_found', state: null }); continue; }
    const step = groupStep(job.state, input.action);
    let outcome: GroupOutcome = step === 'already_ended' || step === 'not_possible' ? step : OUTCOME[step];
    let state: JobState = job.state;
    try {
      const note = input.note ?? `group ${input.action}`;
      if (step === 'complete') state = (await maintenance.operatorMove(jobId, 'completed', note, scope, actorName)).state;
      else if (step === 'withdraw' || step === 'abort') state = (await maintenance.operatorMove(jobId, 'aborted', note, scope, actorName)).state;
      else if (step === 'extend') state = (await maintenance.extend(jobId, input.minutes!, scope, actorName)).state;
    } catch (error) {
      // Moved meanwhile (by its terminal, the server or another operator): say where it is now.
      if (!(error instanceof AppError && error.code === 'conflict')) throw error;
      state = (await maintenance.getJob(jobId, scope)).state;
      outcome = FINAL.includes(state) ? 'already_ended' : 'not_possible';
    }
    results.set(jobId, { jobId, terminalId: job.terminalId, outcome, state });
  }
  return input.jobIds.map((id) => results.get(id)!);
}
