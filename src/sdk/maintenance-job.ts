// A maintenance job as the POS application meets it: the handlers it gives for each step, the context a
// step runs in, the job as the terminal saves it, the step reports waiting for the server, and the events
// it is told. The runner that carries a job through these steps: ./maintenance-runner.ts.
import type { SelfTestResult, StepReport, WorkKind } from '../protocol/index.ts';

export type { SelfTestResult, WorkKind };

export interface JobContext {
  jobId: string;
  work: WorkKind[];
  /** Aborted when the job ends before the step does (lease ended, server ended it, SDK closed). */
  signal: AbortSignal;
}

/**
 * What the POS application does for each step. Steps may run again after a reboot, so they should be
 * safe to repeat. A step that throws fails the job, which is then rolled back.
 */
export interface MaintenanceHandlers {
  /** New payments are already refused; resolve once the payment in progress (if any) has finished. */
  drain(context: JobContext): Promise<void>;
  /** Download and install, repair, synchronise data, harden: whatever `work` names. */
  perform(work: WorkKind[], context: JobContext): Promise<void>;
  /** Restart or reconfigure. May reboot the device: the job resumes at the self-test when the SDK starts again. */
  restart(context: JobContext): Promise<void>;
  /** Check that the terminal's functions work again; the job completes only if all passed. */
  selfTest(context: JobContext): Promise<SelfTestResult[]>;
  /** Undo what the job changed (e.g. the previous version back), so the terminal can take payments again. */
  rollback(reason: string, job: { jobId: string; work: WorkKind[] }): Promise<void>;
}

export const DEFAULT_HANDLERS: MaintenanceHandlers = {
  drain: async () => {},
  perform: async () => {},
  restart: async () => {},
  selfTest: async () => [{ name: 'terminal', passed: true, detail: 'no self-test handler was given to the SDK' }],
  rollback: async () => {},
};

/** The step the terminal is carrying out. */
export type JobPhase = 'draining' | 'in_maintenance' | 'restarting' | 'verifying';

/** A job as the terminal keeps it (part of SavedState). */
export interface SavedJob {
  jobId: string;
  work: WorkKind[];
  reason: string | null;
  /** Server time; shown to the cashier as HH:MM. */
  expectedEndAt: string;
  /** On this terminal's clock (see leaseDeadline): rolled back if not confirmed by then. */
  leaseDeadline: string;
  phase: JobPhase;
  /** Set while the job is being ended (rolled back); a reboot meanwhile finishes the ending. */
  ending?: JobEnding;
}

export interface JobEnding {
  reason: string;
  rollback: boolean;
  completed: boolean;
  /** Reports sent once the rollback worked. */
  after: PendingReport[];
}

export type StepState = StepReport['state'];

/** A step report not yet acknowledged by the server, sent in order. */
export interface PendingReport {
  jobId: string;
  state: StepState;
  note?: string;
  selfTests?: SelfTestResult[];
}

export type MaintenanceEvent =
  | { type: 'started'; jobId: string; work: WorkKind[] }
  | { type: 'step'; jobId: string; state: StepState }
  | { type: 'completed'; jobId: string }
  | { type: 'ended'; jobId: string; reason: string; rolledBack: boolean };
