// What a POS application gives the terminal SDK (TerminalClientOptions: the server, its saved state back,
// the handlers of each capability, the clock) and what it keeps across restarts (SavedState); the
// client itself: ./terminal-client.ts.
import type { CareAnswer, HardwareFingerprint, HeartbeatReport } from '../protocol/index.ts';
import type { AssistanceEvent, AssistanceHandlers, ScreenMessage } from './assistance.ts';
import type { BackupEvent, BackupHandlers } from './backups.ts';
import type { CareEvent } from './care.ts';
import type { ConfigurationEvent, ConfigurationHandlers } from './configuration.ts';
import type { Locale, TerminalMode } from './maintenance-rules.ts';
import type { MaintenanceEvent, MaintenanceHandlers, PendingReport, SavedJob } from './maintenance-job.ts';
import type { Timers } from './timers.ts';
import type { FetchLike, RetryPolicy } from './transport.ts';
import type { UpdateEvent, UpdateHandlers } from './updates.ts';

/** What the POS application reports; the SDK adds the sequence number and the time it was sent. */
export type HeartbeatContent = Omit<HeartbeatReport, 'seq' | 'sentAt'>;
/** not_enrolled → idle ⇄ running; revoked after a 401 until the terminal enrols again. */
export type TerminalStatus = 'not_enrolled' | 'idle' | 'running' | 'revoked';

/** What a POS application should keep across restarts (given back through the constructor). */
export interface SavedState {
  credential: string;
  /** The last sequence number handed out; null before the first heartbeat. */
  lastSeq: number | null;
  /** Kept so that a locked terminal is still locked after a reboot, before its first answer. */
  mode: TerminalMode;
  /** The maintenance job under way, resumed after a reboot (or rolled back, past its lease). */
  job: SavedJob | null;
  /** Step reports the server has not acknowledged yet, sent in order at the next contact. */
  outbox: PendingReport[];
  /** Jobs this terminal ended by itself; later answers naming them are not obeyed. */
  endedJobs: string[];
  /** When the last weekly backup was stored (this terminal's clock); the next is due 7 days later. */
  lastWeeklyBackupAt?: string | null;
  /** The staff's care answers no heartbeat has delivered yet (absent when none): the next heartbeat carries them. */
  careAnswers?: CareAnswer[];
}

export interface TerminalClientOptions {
  /** PosFleet server URL, e.g. https://posfleet.example.com */
  server: string;
  serialNumber: string;
  credential?: string;
  lastSeq?: number | null;
  mode?: TerminalMode;
  job?: SavedJob | null;
  outbox?: PendingReport[];
  endedJobs?: string[];
  /** SavedState.careAnswers, given back after a restart. */
  careAnswers?: CareAnswer[];
  fetch?: FetchLike;
  /** Called whenever SavedState changes; a returned promise is awaited before the next request. */
  store?: (state: SavedState) => void | Promise<void>;
  onStatusChange?: (status: TerminalStatus) => void;
  /** Failures of the heartbeat loop, which keeps going (except after a 401). */
  onError?: (error: unknown) => void;
  locale?: Locale;
  /** IANA time zone for the times shown to the cashier (default: this process's). */
  timeZone?: string;
  /** What the application does in each step of a maintenance job; missing ones do nothing. */
  maintenance?: Partial<MaintenanceHandlers>;
  /** Told about each maintenance job's start, steps and end. */
  onMaintenance?: (event: MaintenanceEvent) => void;
  /**
   * Software updates: where downloads are kept and how a verified package is installed. Without it the
   * terminal ignores deployments. Installs run inside maintenance jobs, before `maintenance.perform`.
   */
  updates?: UpdateHandlers;
  onUpdate?: (event: UpdateEvent) => void;
  /**
   * Backups of the terminal's own data: how to collect it and how to put restored data back. With it,
   * the SDK backs up weekly (checked at each heartbeat) and before every maintenance job's work.
   */
  backups?: BackupHandlers;
  onBackup?: (event: BackupEvent) => void;
  lastWeeklyBackupAt?: string | null;
  /**
   * Terminal configuration: how the application applies its effective configuration (values that fail
   * the schema are refused before it is called). Without it the terminal ignores configuration.
   */
  configuration?: ConfigurationHandlers;
  onConfiguration?: (event: ConfigurationEvent) => void;
  /** Told when the shop staff's care tasks due now change (show them on the idle screen). */
  onCare?: (event: CareEvent) => void;
  /**
   * Remote assistance: the application's log lines and the screen as PNG, uploaded (compressed, in
   * resumable chunks) when an operator asks with collect_logs or screenshot.
   */
  assistance?: AssistanceHandlers;
  onAssistance?: (event: AssistanceEvent) => void;
  /** An operator's message for the screen: show it until the staff acknowledge it (acknowledgeMessage). */
  onMessage?: (message: ScreenMessage) => void;
  retry?: Partial<RetryPolicy>;
  /** This terminal's clock: sequence numbers, sentAt, the heartbeat loop and the lease of a maintenance job. */
  now?: () => Date;
  /** Timers on the `now` clock, for the heartbeat loop's waits and the lease deadline (default: the global timers). */
  timers?: Timers;
  /** Source of back-off jitter in [0, 1). */
  random?: () => number;
  /**
   * What makes this terminal this terminal (its serial, PIN-pad serial and secure-processor id, read
   * from the device): bound at enrolment and sent with every heartbeat, so a copied credential on other
   * hardware is refused. Report key slots (metadata only, never keys) and coarse location in the
   * heartbeat content (`keys`, `location`).
   */
  hardware?: HardwareFingerprint;
}

export interface StartOptions {
  /** Wait this long before the first heartbeat, so a fleet switched on together does not beat together. */
  firstDelayMs?: number;
  /** Beat at this interval instead of the one the server asks for (simulators, tests). */
  intervalSeconds?: number;
}

export interface CallOptions {
  /** Aborting ends back-off waits early; a request already sent is still answered. */
  signal?: AbortSignal;
}
