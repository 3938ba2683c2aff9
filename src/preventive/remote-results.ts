// The rules of remote preventive tasks, with no I/O: which maintenance work a template's remote
// checklist needs (software update check → update, data backup → data sync, security check →
// security hardening; the self-test is the job's own self-tests), and how a maintenance job's outcome
// becomes the task's checklist results — pass or fail per item, with what the terminal reported.
import type { JobState, SelfTestResult, WorkKind } from '../shared/job-states.ts';
import { WORK_KINDS } from '../shared/job-states.ts';
import type { TaskTemplate, Text } from './default-templates.ts';

/** Remote checklist items that are maintenance work; any other remote item is answered by the job's self-tests. */
export const WORK_OF_ITEM: Readonly<Record<string, WorkKind>> = {
  'software-update-check': 'update',
  'data-backup': 'data_sync',
  'security-check': 'security_hardening',
};

/** A job that only self-tests still needs a kind of work: the least intrusive one. */
const SELF_TEST_ONLY: WorkKind = 'data_sync';

export type RunState = 'planned' | 'completed' | 'failed' | 'aborted';

export interface RemoteItemResult {
  taskCode: string;
  itemCode: string;
  text: Text;
  result: 'pass' | 'fail';
  note: string | null;
}

export interface JobOutcome {
  state: JobState;
  selfTests: SelfTestResult[] | null;
  /** The last note of the job's transitions (e.g. "self-tests failed: PIN pad"), when it did not complete. */
  failure: string | null;
}

export const remoteTasks = (tasks: readonly TaskTemplate[]) => tasks.filter((t) => t.performer === 'remote');
export const hasRemoteTask = (tasks: readonly TaskTemplate[]) => tasks.some((t) => t.performer === 'remote');
/** A template with a technician task is settled by the technician's visit; the remote part only records its results. */
export const settledByVisit = (tasks: readonly TaskTemplate[]) => tasks.some((t) => t.performer === 'technician');

/** The maintenance work of these templates' remote tasks, in the protocol's order. */
export function remoteWork(templates: readonly (readonly TaskTemplate[])[]): WorkKind[] {
  const kinds = new Set<WorkKind>();
  for (const tasks of templates) {
    for (const task of remoteTasks(tasks)) for (const item of task.checklist) if (WORK_OF_ITEM[item.code]) kinds.add(WORK_OF_ITEM[item.code]!);
  }
  const work = WORK_KINDS.filter((k) => kinds.has(k));
  return work.length ? work : [SELF_TEST_ONLY];
}

/** Which state a run ends in for a job that ended (or failed); null while the job is under way. */
export function runStateOf(job: JobState): RunState | null {
  if (job === 'completed') return 'completed';
  if (job === 'failed' || job === 'rolled_back' || job === 'handed_to_technician') return 'failed';
  if (job === 'aborted') return 'aborted';
  return null;
}

/** Each remote checklist item's result from the job's outcome. An aborted job did nothing: every item fails with why. */
export function remoteResults(tasks: readonly TaskTemplate[], outcome: JobOutcome): RemoteItemResult[] {
  const completed = outcome.state === 'completed';
  const tests = outcome.selfTests ?? [];
  const failedTests = tests.filter((t) => !t.passed);
  const why = outcome.failure ?? `the maintenance job ended ${outcome.state}`;
  const selfTestNote = !tests.length
    ? `no self-test ran: ${why}`
    : failedTests.length
      ? `self-tests failed: ${failedTests.map((t) => (t.detail ? `${t.name} (${t.detail})` : t.name)).join(', ')}`
      : `${tests.length} self-test(s) passed: ${tests.map((t) => t.name).join(', ')}`;
  return remoteTasks(tasks).flatMap((task) => task.checklist.map((item): RemoteItemResult => {
    const work = WORK_OF_ITEM[item.code];
    if (!work) {
      const passed = outcome.state !== 'aborted' && tests.length > 0 && failedTests.length === 0;
      return { taskCode: task.code, itemCode: item.code, text: item.text, result: passed ? 'pass' : 'fail', note: selfTestNote };
    }
    return {
      taskCode: task.code, itemCode: item.code, text: item.text, result: completed ? 'pass' : 'fail',
      note: completed ? `${work} done by the terminal in its maintenance window` : why,
    };
  }));
}
