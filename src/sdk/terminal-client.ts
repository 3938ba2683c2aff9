// The terminal SDK a POS application embeds: enrolment, the heartbeat loop, commands, maintenance
// jobs, and whether the terminal may take payments right now. It speaks /device/v1 over fetch and
// nothing Node-specific.
import type { Command, CommandResultInput, EnrolResponse, HeartbeatAnswer, HeartbeatReport, PendingCommand } from '../protocol/index.ts';
import type { JobState } from '../protocol/index.ts';
import { PosFleetError } from './errors.ts';
import { GLOBAL_TIMERS, sleep } from './timers.ts';
import { UpdateAgent, type Deployment, type UpdateEvent, type UpdateHandlers } from './updates.ts';
import { BackupAgent, type BackupEvent, type BackupHandlers, type BackupKind } from './backups.ts';
import type { BackupView, RestoreView } from '../protocol/index.ts';
import { AssistanceAgent, type AssistanceEvent, type AssistanceHandlers, type ScreenMessage } from './assistance.ts';
import type { ScreenMessageView } from '../protocol/index.ts';
import type { HardwareFingerprint } from '../protocol/index.ts';
import { ConfigurationAgent, type ConfigurationEvent, type ConfigurationHandlers } from './configuration.ts';
import { CareAgent, maintenanceNotice, startsTomorrow, type CareEvent, type CareTask } from './care.ts';
import type { CareAnswer, NextMaintenance, ShopNotice } from '../protocol/index.ts';
import { clockTime, leaseCountedFrom, processTimeZone, transactionMessage, type Locale, type TerminalMode } from './maintenance-rules.ts';
import {
  DEFAULT_HANDLERS, MaintenanceRunner, type MaintenanceEvent, type MaintenanceHandlers, type PendingReport, type SavedJob, type Timers,
} from './maintenance-runner.ts';

export { PosFleetError, transactionMessage };
export type { Locale, TerminalMode };

/** What the POS application reports; the SDK adds the sequence number and the time it was sent. */
export type HeartbeatContent = Omit<HeartbeatReport, 'seq' | 'sentAt'>;
/** not_enrolled → idle ⇄ running; revoked after a 401 until the terminal enrols again. */
export type TerminalStatus = 'not_enrolled' | 'idle' | 'running' | 'revoked';
export type FetchLike = (url: string, init: RequestInit) => Promise<Response>;

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

export interface RetryPolicy {
  /** Tries per call, the first included. */
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** One try gives up after this long and counts as a network error. */
  timeoutMs: number;
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

const DEFAULT_RETRY: RetryPolicy = { attempts: 5, baseDelayMs: 1_000, maxDelayMs: 30_000, timeoutMs: 15_000 };
const DEFAULT_INTERVAL_SECONDS = 60;
const WEEK_MS = 7 * 86_400_000;

/** Full-jitter exponential back-off: anywhere up to base·2^attempt, capped, never sooner than Retry-After. */
export function backoffDelayMs(attempt: number, policy: Pick<RetryPolicy, 'baseDelayMs' | 'maxDelayMs'>, random: number, retryAfterMs = 0): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** attempt);
  return Math.max(retryAfterMs, Math.floor(random * ceiling));
}

export class PosFleetTerminal {
  readonly serialNumber: string;
  private readonly server: string;
  private readonly fetchImpl: FetchLike;
  private readonly retry: RetryPolicy;
  private readonly now: () => Date;
  private readonly timers: Timers;
  private readonly random: () => number;
  private readonly locale: Locale;
  private readonly timeZone: string;
  private readonly options: TerminalClientOptions;
  private readonly runner: MaintenanceRunner;
  private readonly updates: UpdateAgent | undefined;
  private readonly backups: BackupAgent | undefined;
  /** No saved state at construction (a first start, or a reinstall after a factory reset). */
  private fresh: boolean;
  private lastWeeklyBackupAt: string | null;
  private weekly: Promise<void> | undefined;
  private readonly configurationAgent: ConfigurationAgent | undefined;
  private readonly careAgent: CareAgent;
  private next: NextMaintenance = null;
  private shopNotices: ShopNotice[] = [];
  private readonly assistanceAgent: AssistanceAgent | undefined;

  private credential: string | undefined;
  private lastSeq: number | null;
  private serverLastSeq = 0;
  /** The mode of the last answer, and the job it named. */
  private serverMode: TerminalMode;
  private serverJob: NonNullable<HeartbeatAnswer['maintenance']> | undefined;
  private savedMode: TerminalMode;
  /** Writes to `store`, one after the other, so an older state never lands after a newer one. */
  private saving: Promise<void> = Promise.resolve();
  /** Payments refused since the last heartbeat that carried the count. */
  private refused = 0;
  /** Refunds and manually keyed card numbers counted since the last heartbeat that carried them. */
  private refunds = 0;
  private manualEntries = 0;
  private commands: PendingCommand[] = [];
  private intervalSeconds = DEFAULT_INTERVAL_SECONDS;
  private currentStatus: TerminalStatus;
  private loop: { controller: AbortController; done: Promise<void> } | undefined;

  constructor(options: TerminalClientOptions) {
    this.options = options;
    this.serialNumber = options.serialNumber;
    this.server = options.server.replace(/\/+$/, '');
    this.fetchImpl = options.fetch ?? ((url, init) => fetch(url, init));
    this.retry = { ...DEFAULT_RETRY, ...options.retry };
    this.now = options.now ?? (() => new Date());
    this.timers = options.timers ?? GLOBAL_TIMERS;
    this.random = options.random ?? Math.random;
    this.locale = options.locale ?? 'zh-CN';
    this.timeZone = options.timeZone ?? processTimeZone();
    clockTime(new Date(0), this.timeZone); // an unknown zone fails here, not at the first refusal
    this.credential = options.credential;
    this.lastSeq = options.lastSeq ?? null;
    this.serverMode = options.mode ?? 'normal';
    this.savedMode = this.serverMode;
    this.currentStatus = this.credential ? 'idle' : 'not_enrolled';
    this.fresh = !this.credential;
    this.lastWeeklyBackupAt = options.lastWeeklyBackupAt ?? null;
    this.backups = options.backups && new BackupAgent({
      getJson: (path) => this.authorised(() => this.request('GET', path, undefined, this.requireCredential(), undefined)),
      postJson: (path, body) => this.authorised(() => this.request('POST', path, body, this.requireCredential(), undefined)),
      putJson: (path, body) => this.authorised(() => this.request('PUT', path, body, this.requireCredential(), undefined)),
      fetchRaw: (path) => this.fetchImpl(this.server + path, { method: 'GET', headers: { authorization: `Bearer ${this.requireCredential()}` } }),
      serialNumber: this.serialNumber,
      now: this.now,
    }, options.backups, options.onBackup);
    this.updates = options.updates && new UpdateAgent({
      getJson: (path, signal) => this.authorised(() => this.request('GET', path, undefined, this.requireCredential(), signal)),
      postJson: (path, body, signal) => this.authorised(() => this.request('POST', path, body, this.requireCredential(), signal)),
      fetchRaw: (path, headers, signal) => this.fetchImpl(this.server + path, {
        method: 'GET', headers: { ...headers, authorization: `Bearer ${this.requireCredential()}` }, ...(signal && { signal }),
      }),
      timers: this.timers,
    }, options.updates, options.onUpdate, (error) => options.onError?.(error));
    this.careAgent = new CareAgent((path) => this.authorised(() => this.request('GET', path, undefined, this.requireCredential(), undefined)), this.now, options.onCare, options.careAnswers);
    this.assistanceAgent = (options.assistance || options.onMessage) ? new AssistanceAgent({
      postJson: (path, body) => this.authorised(() => this.request('POST', path, body, this.requireCredential(), undefined)),
      putJson: (path, body) => this.authorised(() => this.request('PUT', path, body, this.requireCredential(), undefined)),
      reportResult: (commandId, status, output) => this.reportCommandResult(commandId, status, output),
      now: this.now,
    }, options.assistance ?? {}, options.onMessage, options.onAssistance) : undefined;
    this.configurationAgent = options.configuration && new ConfigurationAgent(
      (path) => this.authorised(() => this.request('GET', path, undefined, this.requireCredential(), undefined)), options.configuration, options.onConfiguration,
    );
    const handlers = { ...DEFAULT_HANDLERS, ...options.maintenance };
    const perform = handlers.perform;
    const updates = this.updates;
    const backups = this.backups;
    const configuration = this.configurationAgent;
    // Every job's work begins with a backup of the terminal's data (a failed backup fails the job, which
    // rolls back: nothing is changed without one); an update job then installs the offered package
    // and takes the configuration a configuration campaign gives inside the job, and the application's
    // own work follows.
    if (updates || backups || configuration) {
      handlers.perform = async (work, context) => {
        if (backups) await backups.backup('pre_maintenance', context.jobId);
        if (updates && (work.includes('update') || work.includes('upgrade'))) await updates.installInJob(context.signal, context.jobId);
        if (configuration && work.includes('update')) {
          await configuration.applyInJob((path, body) => this.authorised(() => this.request('POST', path, body, this.requireCredential(), context.signal)));
        }
        await perform(work, context);
      };
    }
    this.runner = new MaintenanceRunner({
      handlers,
      report: (report, signal) => this.reportStep(report, signal),
      now: this.now,
      timers: this.timers,
      // The runner saves in the background: a failing store is the application's news, not a crash.
      save: () => this.save().catch((error: unknown) => this.options.onError?.(error)),
      changed: () => void this.saveIfModeChanged().catch((error: unknown) => this.options.onError?.(error)),
      onError: (error) => this.options.onError?.(error),
      onEvent: (event) => this.options.onMaintenance?.(event),
    }, { job: options.job ?? null, outbox: options.outbox ?? [], endedJobs: options.endedJobs ?? [] });
  }

  get status(): TerminalStatus {
    return this.currentStatus;
  }

  /**
   * normal, maintenance or locked: the server's word, except that a job under way here is maintenance
   * and a job this terminal ended by itself (its lease ran out) is not, whatever the last answer said.
   */
  get mode(): TerminalMode {
    if (this.serverMode === 'locked') return 'locked';
    if (this.runner.job) return 'maintenance';
    if (this.serverMode === 'maintenance' && this.serverJob && this.runner.hasEnded(this.serverJob.jobId)) return 'normal';
    return this.serverMode;
  }

  /** The maintenance job under way on this terminal, if any. */
  get maintenanceJob(): Readonly<SavedJob> | undefined {
    return this.runner.job;
  }

  /** The software update the server offers this terminal, once its details were fetched. */
  get deployment(): Deployment | undefined {
    return this.updates?.current;
  }

  /** Commands the server handed out and whose result has not been reported yet. */
  get pendingCommands(): readonly PendingCommand[] {
    return this.commands;
  }

  /**
   * Whether the POS application may take a payment now, and what to show the cashier if not. Call it
   * once per payment attempt: each refusal is counted and reported with the next heartbeat (use
   * `notice` to show the state without counting).
   */
  canTransact(): { allowed: boolean; message?: string } {
    const message = this.notice;
    if (message === undefined) return { allowed: true };
    this.refused++;
    return { allowed: false, message };
  }

  /**
   * Counts a refund, or a sale whose card number was keyed in by hand; each is reported with the next
   * heartbeat (added to what the report itself says), for the server's suspicious-trading rules.
   */
  countRefund(n = 1): void {
    this.refunds += n;
  }

  countManualEntry(n = 1): void {
    this.manualEntries += n;
  }

  /** What to show the cashier while payments are refused ("功能维护中，预计 10:40 恢复"); undefined in normal mode. */
  get notice(): string | undefined {
    if (this.backups?.restoring) return this.locale === 'zh-CN' ? '正在恢复终端数据，请稍候' : 'Restoring terminal data, please wait';
    const expectedEndAt = this.runner.job?.expectedEndAt ?? this.serverJob?.expectedEndAt;
    return transactionMessage(this.mode, this.locale, expectedEndAt ? { expectedEndAt, timeZone: this.timeZone } : undefined);
  }

  /** Trades a one-time enrolment code for this terminal's credential (replacing any earlier one). */
  async enrol(code: string, options: CallOptions = {}): Promise<{ terminalId: string }> {
    // Every retry carries the same requestId: one whose first answer was lost takes no second use of the code.
    const requestId = crypto.randomUUID();
    const hardware = this.options.hardware;
    const answer = await this.post<EnrolResponse>('/device/v1/enrol', { serialNumber: this.serialNumber, code, requestId, ...(hardware && { hardware }) }, undefined, options.signal);
    this.credential = answer.credential;
    this.serverLastSeq = answer.lastSeq;
    if (this.lastSeq !== null) this.lastSeq = Math.max(this.lastSeq, answer.lastSeq);
    this.intervalSeconds = answer.heartbeatIntervalSeconds;
    await this.save();
    this.setStatus(this.loop ? 'running' : 'idle');
    return { terminalId: answer.terminalId };
  }

  /** Sends one heartbeat with the next sequence number and returns the server's answer. */
  async heartbeat(content: HeartbeatContent, options: CallOptions = {}): Promise<HeartbeatAnswer> {
    this.requireCredential();
    this.runner.resume();
    const seq = this.takeSeq();
    await this.save();
    const { refused, refunds, manualEntries } = this;
    this.refused = this.refunds = this.manualEntries = 0;
    const transactions = {
      ...content.transactions,
      ...(refused && { refused: (content.transactions.refused ?? 0) + refused }),
      ...(refunds && { refunds: (content.transactions.refunds ?? 0) + refunds }),
      ...(manualEntries && { manualEntries: (content.transactions.manualEntries ?? 0) + manualEntries }),
    };
    try {
      const configuration = content.configuration ?? this.configurationAgent?.report();
      const care: CareAnswer[] = content.care ?? this.careAgent.report();
      const hardware = content.hardware ?? this.options.hardware;
      const answer = await this.sendHeartbeat({
        ...content, transactions, ...(configuration && { configuration }), ...(care.length && { care }), ...(hardware && { hardware }), seq, sentAt: this.now().toISOString(),
      }, options);
      if (this.careAgent.delivered(care)) await this.save();
      this.backupIfDue();
      return answer;
    } catch (error) {
      // Not delivered as far as we know: the next heartbeat carries the count (twice only if the server
      // stored this one and every answer to it was lost).
      this.refused += refused;
      this.refunds += refunds;
      this.manualEntries += manualEntries;
      throw error;
    }
  }

  /**
   * Sends an already numbered report, retrying network failures and 5xx/429 with the same seq: the
   * server stores a seq once, so a retry of a heartbeat it did receive is answered `duplicate: true`.
   * Low level: it does not advance the counter (heartbeat() does).
   */
  async sendHeartbeat(report: HeartbeatReport, options: CallOptions = {}): Promise<HeartbeatAnswer> {
    const sentAt = this.now(); // before any retry: the lease is never counted as longer than it is
    const answer = await this.authorised(() => this.post<HeartbeatAnswer>('/device/v1/heartbeat', report, this.requireCredential(), options.signal));
    this.intervalSeconds = answer.heartbeatIntervalSeconds;
    // Assistance commands (logs, screenshot, screen messages) are carried out by the SDK in the background.
    this.commands = this.assistanceAgent ? answer.commands.filter((c) => !this.assistanceAgent!.takes(c)) : answer.commands;
    this.assistanceAgent?.handle(answer.commands).catch((error: unknown) => this.options.onError?.(error));
    this.serverMode = answer.mode;
    this.serverJob = answer.maintenance ?? undefined;
    this.updates?.onHint(answer.deployment);
    this.configurationAgent?.onHint(answer.configuration);
    this.careAgent.onHint(answer.care);
    this.next = answer.nextMaintenance ?? null;
    this.shopNotices = answer.notices ?? [];
    const longestRequestMs = this.retry.attempts * (this.retry.timeoutMs + this.retry.maxDelayMs);
    this.runner.onAnswer(answer, leaseCountedFrom(sentAt, this.now(), longestRequestMs));
    await this.saveIfModeChanged();
    return answer;
  }

  /**
   * Takes a backup of the terminal's data now and uploads it (an upload a dropped link interrupted is
   * finished first). Refused with CardDataInBackupError when the data holds something like a card number.
   */
  async backup(kind: BackupKind = 'manual'): Promise<BackupView> {
    if (!this.backups) throw new PosFleetError('no_backup_handlers', 'give the SDK `backups` handlers to take backups');
    const stored = await this.backups.backup(kind);
    if (kind === 'weekly') {
      this.lastWeeklyBackupAt = this.now().toISOString();
      await this.save();
    }
    return stored;
  }

  /**
   * Restores what the server has for this terminal, if anything: a swapped-in spare gets the faulty
   * terminal's newest backup, a terminal started with no saved state (a factory reset) its own. The
   * data goes to `backups.restore`; the server is told it worked, and only then counts a spare as in
   * service. Call it once after enrolment and at each start. Null when there is nothing to restore.
   */
  async restore(): Promise<RestoreView | null> {
    if (!this.backups) throw new PosFleetError('no_backup_handlers', 'give the SDK `backups` handlers to restore');
    this.requireCredential();
    const restored = await this.backups.restore(this.fresh);
    this.fresh = false;
    return restored;
  }

  /** After a heartbeat: finishes an interrupted upload, or takes the weekly backup when it is due (in the background). */
  private backupIfDue(): void {
    const backups = this.backups;
    if (!backups || this.weekly) return;
    const due = this.lastWeeklyBackupAt === null || this.now().getTime() - Date.parse(this.lastWeeklyBackupAt) >= WEEK_MS;
    if (!due && !backups.unfinished) return;
    this.weekly = (due ? this.backup('weekly').then(() => {}) : backups.resume().then(() => {}))
      .catch((error: unknown) => this.options.onError?.(error))
      .finally(() => { this.weekly = undefined; });
  }

  /** The shop staff's care tasks due now (daily cleaning, paper, connectors; the weekly connection check), in the merchant's language. */
  get careTasks(): CareTask[] {
    return this.careAgent.tasks;
  }

  /**
   * The staff answer a care task on the terminal: done, or could not (with the reason); the next heartbeat
   * carries it. The answer is kept in the saved state (`store`) until a heartbeat delivered it, so one made
   * while the link is down survives a restart; resolves once it is stored (a failing store goes to onError).
   */
  confirmCare(taskId: string, outcome: 'done' | 'could_not', reason?: string): Promise<void> {
    this.careAgent.answer(taskId, outcome, reason);
    return this.save().catch((error: unknown) => this.options.onError?.(error));
  }

  /** Resolves once a care list fetch under way has ended. */
  async careSettled(): Promise<void> {
    await this.careAgent.idle();
  }

  /**
   * What the shop's staff should see on the idle screen, from the last heartbeat answer, most urgent first:
   * paper out or low, the printer cover open, and forecasts (the roll, the battery or the card slot about
   * to stop trade), each in the merchant's language.
   */
  get notices(): readonly ShopNotice[] {
    return this.shopNotices;
  }

  /** The terminal's next planned maintenance (start, expected duration, reason), from the last heartbeat answer. */
  get nextMaintenance(): NextMaintenance {
    return this.next;
  }

  /** The next maintenance as the idle screen shows it; with `receipt`, only the day before it (what a receipt prints). */
  maintenanceNotice(options: { receipt?: boolean } = {}): string | undefined {
    const next = this.next;
    if (!next) return undefined;
    if (options.receipt && !startsTomorrow(next, this.now(), this.timeZone)) return undefined;
    return maintenanceNotice(next, this.locale, this.timeZone);
  }

  /** The configuration in force (undefined before the first one was applied). */
  get configuration(): Record<string, unknown> | undefined {
    return this.configurationAgent?.values;
  }

  /** Resolves once a configuration fetch and apply under way has ended. */
  async configurationSettled(): Promise<void> {
    await this.configurationAgent?.idle();
  }

  /** Reports how a command went. Safe to repeat: the server keeps the first result. */
  async reportCommandResult(commandId: string, status: CommandResultInput['status'], output?: Record<string, unknown>, options: CallOptions = {}): Promise<Command> {
    const body: CommandResultInput = output === undefined ? { status } : { status, output };
    const path = `/device/v1/commands/${encodeURIComponent(commandId)}/result`;
    const command = await this.authorised(() => this.post<Command>(path, body, this.requireCredential(), options.signal));
    this.commands = this.commands.filter((c) => c.id !== commandId);
    return command;
  }

  /** Operators' messages on the screen that the staff have not acknowledged yet. */
  get screenMessages(): readonly ScreenMessage[] {
    return this.assistanceAgent?.messages ?? [];
  }

  /** Staff acknowledged a screen message (by: their id or name); the operator sees when and by whom. */
  async acknowledgeMessage(messageId: string, by: string): Promise<ScreenMessageView> {
    if (!this.assistanceAgent) throw new PosFleetError('no_message_handler', 'give the SDK `onMessage` to show screen messages');
    return this.assistanceAgent.acknowledge(messageId, by);
  }

  /** Resolves once the logs, screenshots and messages of the last answers are handled (or wait for the next heartbeat). */
  assistanceSettled(): Promise<unknown> {
    return this.assistanceAgent?.idle() ?? Promise.resolve();
  }

  /**
   * Answers a `rotate_password` command (sent when the terminal's password is older than the fleet's
   * policy) once the application has changed the password: the result carries the new date, and from
   * now on heartbeats must report it as `security.passwordChangedAt`, which closes the incident.
   */
  async reportPasswordRotated(commandId: string, changedAt: Date, options: CallOptions = {}): Promise<Command> {
    return this.reportCommandResult(commandId, 'succeeded', { passwordChangedAt: changedAt.toISOString() }, options);
  }

  /**
   * Beats until stop(), at the server's interval: `collectReport` is asked for a fresh report each
   * time. A failed heartbeat is reported to onError and the loop goes on; a 401 ends it.
   */
  start(collectReport: () => HeartbeatContent | Promise<HeartbeatContent>, options: StartOptions = {}): void {
    if (this.loop) return;
    this.requireCredential();
    this.runner.resume();
    const controller = new AbortController();
    this.setStatus('running');
    const done = this.run(collectReport, options, controller.signal).finally(() => {
      this.loop = undefined;
      if (this.currentStatus === 'running') this.setStatus('idle');
    });
    this.loop = { controller, done };
  }

  /**
   * Ends the loop and waits for a heartbeat in flight to be answered. A maintenance job goes on: its
   * steps, its lease and its reports do not need the loop.
   */
  async stop(): Promise<void> {
    const loop = this.loop;
    if (!loop) return;
    loop.controller.abort();
    await loop.done;
  }

  /**
   * Shuts the SDK down (the application is exiting): the loop stops, and a maintenance job's steps,
   * lease timer and report retries are dropped without rolling back. A new instance given the saved
   * state resumes the job (or rolls it back, past its lease).
   */
  async close(): Promise<void> {
    this.runner.dispose();
    await this.stop();
  }

  private async run(collectReport: () => HeartbeatContent | Promise<HeartbeatContent>, options: StartOptions, signal: AbortSignal): Promise<void> {
    await sleep(options.firstDelayMs ?? 0, signal, this.timers);
    while (!signal.aborted && this.currentStatus === 'running') {
      const began = this.now().getTime();
      try {
        await this.heartbeat(await collectReport(), { signal });
      } catch (error) {
        // Errors caused by stop() itself (an abandoned back-off) are nobody's concern.
        if (!signal.aborted) this.options.onError?.(error);
      }
      const intervalMs = (options.intervalSeconds ?? this.intervalSeconds) * 1000;
      // Fixed rate: a slow heartbeat does not push every later one back.
      await sleep(Math.max(0, began + intervalMs - this.now().getTime()), signal, this.timers);
    }
  }

  /** A 401 means the credential was revoked (or the terminal removed): stop, and say so once. */
  private async authorised<T>(call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      if (error instanceof PosFleetError && error.status === 401) {
        this.setStatus('revoked');
        this.loop?.controller.abort();
      }
      throw error;
    }
  }

  /**
   * The next sequence number. With no saved counter the first one is the current time in ms (or the
   * server's last seq + 1 if that is higher). A counter that began at the clock and grew by one per
   * heartbeat (far less than once a ms) stays behind the clock, so a terminal that lost its counter
   * still moves forward, and its new heartbeats are not taken for retries of old ones.
   */
  private takeSeq(): number {
    const seq = this.lastSeq === null ? Math.max(this.serverLastSeq + 1, this.now().getTime()) : this.lastSeq + 1;
    this.lastSeq = seq;
    return seq;
  }

  private requireCredential(): string {
    if (this.currentStatus === 'revoked') {
      throw new PosFleetError('revoked', `terminal ${this.serialNumber}: its credential was revoked; enrol it again with a new code`);
    }
    if (!this.credential) throw new PosFleetError('not_enrolled', `terminal ${this.serialNumber} is not enrolled; call enrol(code) first`);
    return this.credential;
  }

  /** Sends a step of a maintenance job; retried like heartbeats. */
  private reportStep(report: PendingReport, signal: AbortSignal): Promise<{ id: string; state: JobState }> {
    const body = { state: report.state, ...(report.note !== undefined && { note: report.note.slice(0, 1000) }), ...(report.selfTests && { selfTests: report.selfTests }) };
    const path = `/device/v1/maintenance/${encodeURIComponent(report.jobId)}/steps`;
    return this.authorised(() => this.post<{ id: string; state: JobState }>(path, body, this.requireCredential(), signal));
  }

  private save(): Promise<void> {
    this.savedMode = this.mode;
    const store = this.options.store;
    if (!this.credential || !store) return Promise.resolve();
    const state: SavedState = {
      credential: this.credential, lastSeq: this.lastSeq, mode: this.savedMode, ...this.runner.snapshot(),
      ...(this.backups && { lastWeeklyBackupAt: this.lastWeeklyBackupAt }),
    };
    const careAnswers = this.careAgent.undelivered;
    if (careAnswers.length) state.careAnswers = careAnswers;
    const write = this.saving.then(() => store(state));
    this.saving = write.catch(() => {});
    return write;
  }

  private async saveIfModeChanged(): Promise<void> {
    if (this.mode !== this.savedMode) await this.save();
  }

  private setStatus(status: TerminalStatus): void {
    if (status === this.currentStatus) return;
    this.currentStatus = status;
    this.options.onStatusChange?.(status);
  }

  private post<T>(path: string, body: unknown, credential: string | undefined, signal: AbortSignal | undefined): Promise<T> {
    return this.request('POST', path, body, credential, signal);
  }

  /** A call with retries of what may pass (see PosFleetError.retryable), with back-off between tries. */
  private async request<T>(method: 'GET' | 'POST' | 'PUT', path: string, body: unknown, credential: string | undefined, signal: AbortSignal | undefined): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.requestOnce<T>(method, path, body, credential);
      } catch (error) {
        const last = attempt + 1 >= this.retry.attempts;
        if (!(error instanceof PosFleetError) || !error.retryable || last || signal?.aborted) throw error;
        await sleep(backoffDelayMs(attempt, this.retry, this.random(), error.retryAfterMs), signal, this.timers);
        if (signal?.aborted) throw error;
      }
    }
  }

  private async requestOnce<T>(method: 'GET' | 'POST' | 'PUT', path: string, body: unknown, credential: string | undefined): Promise<T> {
    const url = this.server + path;
    const headers: Record<string, string> = method === 'GET' ? {} : { 'content-type': 'application/json' };
    if (credential) headers.authorization = `Bearer ${credential}`;
    let response: Response;
    let text: string;
    try {
      const payload = method === 'GET' ? {} : { body: JSON.stringify(body) };
      response = await this.fetchImpl(url, { method, headers, ...payload, signal: AbortSignal.timeout(this.retry.timeoutMs) });
      text = await response.text();
    } catch (cause) {
      throw new PosFleetError('network_error', `cannot reach ${url}: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    }
    const parsed = parseBody(text);
    if (response.ok) {
      if (parsed === undefined) throw new PosFleetError('bad_response', `${url} answered ${response.status} without a JSON body`, { status: response.status });
      return parsed as T;
    }
    const error = (parsed as { error?: { code?: string; message?: string; field?: string } } | undefined)?.error;
    throw new PosFleetError(error?.code ?? `http_${response.status}`, error?.message ?? `${url} answered ${response.status}`, {
      status: response.status, field: error?.field, retryAfterMs: retryAfterMs(response.headers.get('retry-after')),
    });
  }
}

function parseBody(text: string): unknown {
  try {
    return text ? JSON.parse(text) : undefined;
  } catch {
    return undefined;
  }
}

function retryAfterMs(header: string | null): number | undefined {
  const seconds = header === null ? NaN : Number(header);
  return Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : undefined;
}

export { sleep };
