// The terminal SDK a POS application embeds: enrolment, the heartbeat loop, commands, maintenance
// jobs, and whether the terminal may take payments right now. It speaks /device/v1 over fetch and
// nothing Node-specific. Around it: its options and saved state (./client-options.ts), the transport
// with its retries (./transport.ts), the heartbeat's loop, sequence and counts (./heartbeat.ts), the
// agents of each capability (./agents.ts) and the maintenance job's runner (./maintenance-runner.ts).
// Kept whole past ~350 lines for a reason: it is the one class the application sees, and its members are
// the public API, each documented here; what they do lives in the files above.
import type { Command, CommandResultInput, EnrolResponse, HeartbeatAnswer, HeartbeatReport, PendingCommand } from '../protocol/index.ts';
import type { BackupView, CareAnswer, JobState, NextMaintenance, RestoreView, ScreenMessageView, ShopNotice } from '../protocol/index.ts';
import { createAgents, type DevicePort } from './agents.ts';
import type { AssistanceAgent, ScreenMessage } from './assistance.ts';
import type { BackupAgent, BackupKind } from './backups.ts';
import { maintenanceNotice, startsTomorrow, type CareAgent, type CareTask } from './care.ts';
import type { CallOptions, HeartbeatContent, SavedState, StartOptions, TerminalClientOptions, TerminalStatus } from './client-options.ts';
import type { ConfigurationAgent } from './configuration.ts';
import { PosFleetError } from './errors.ts';
import { HeartbeatLoop, nextSeq, TransactionCounts } from './heartbeat.ts';
import { clockTime, leaseCountedFrom, processTimeZone, transactionMessage, type Locale, type TerminalMode } from './maintenance-rules.ts';
import type { PendingReport, SavedJob } from './maintenance-job.ts';
import { MaintenanceRunner } from './maintenance-runner.ts';
import { GLOBAL_TIMERS, type Timers } from './timers.ts';
import { DEFAULT_RETRY, Transport, type Method } from './transport.ts';
import type { Deployment, UpdateAgent } from './updates.ts';

const DEFAULT_INTERVAL_SECONDS = 60;
const WEEK_MS = 7 * 86_400_000;

export class PosFleetTerminal {
  readonly serialNumber: string;
  private readonly transport: Transport;
  private readonly now: () => Date;
  private readonly timers: Timers;
  private readonly locale: Locale;
  private readonly timeZone: string;
  private readonly options: TerminalClientOptions;
  private readonly runner: MaintenanceRunner;
  private readonly heartbeats: HeartbeatLoop;
  private readonly counts = new TransactionCounts();
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
  private commands: PendingCommand[] = [];
  private intervalSeconds = DEFAULT_INTERVAL_SECONDS;
  private currentStatus: TerminalStatus;

  constructor(options: TerminalClientOptions) {
    this.options = options;
    this.serialNumber = options.serialNumber;
    this.now = options.now ?? (() => new Date());
    this.timers = options.timers ?? GLOBAL_TIMERS;
    this.transport = new Transport(options.server, options.fetch ?? ((url, init) => fetch(url, init)), { ...DEFAULT_RETRY, ...options.retry }, this.timers, options.random ?? Math.random);
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
    this.heartbeats = new HeartbeatLoop(this.now, this.timers, (error) => this.options.onError?.(error));
    const port: DevicePort = {
      getJson: <T>(path: string, signal?: AbortSignal) => this.call<T>('GET', path, undefined, signal),
      postJson: <T>(path: string, body: unknown, signal?: AbortSignal) => this.call<T>('POST', path, body, signal),
      putJson: <T>(path: string, body: unknown, signal?: AbortSignal) => this.call<T>('PUT', path, body, signal),
      fetchRaw: (path, headers = {}, signal) => this.transport.fetchRaw(path, {
        method: 'GET', headers: { ...headers, authorization: `Bearer ${this.requireCredential()}` }, ...(signal && { signal }),
      }),
    };
    const agents = createAgents(port, options, {
      serialNumber: this.serialNumber, now: this.now, timers: this.timers,
      reportResult: (commandId, status, output) => this.reportCommandResult(commandId, status, output),
    });
    this.backups = agents.backups;
    this.updates = agents.updates;
    this.careAgent = agents.care;
    this.assistanceAgent = agents.assistance;
    this.configurationAgent = agents.configuration;
    this.runner = new MaintenanceRunner({
      handlers: agents.handlers,
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
    this.counts.add('refused');
    return { allowed: false, message };
  }

  /**
   * Counts a refund, or a sale whose card number was keyed in by hand; each is reported with the next
   * heartbeat (added to what the report itself says), for the server's suspicious-trading rules.
   */
  countRefund(n = 1): void {
    this.counts.add('refunds', n);
  }

  countManualEntry(n = 1): void {
    this.counts.add('manualEntries', n);
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
    const answer = await this.transport.request<EnrolResponse>('POST', '/device/v1/enrol', { serialNumber: this.serialNumber, code, requestId, ...(hardware && { hardware }) }, undefined, options.signal);
    this.credential = answer.credential;
    this.serverLastSeq = answer.lastSeq;
    if (this.lastSeq !== null) this.lastSeq = Math.max(this.lastSeq, answer.lastSeq);
    this.intervalSeconds = answer.heartbeatIntervalSeconds;
    await this.save();
    this.setStatus(this.heartbeats.running ? 'running' : 'idle');
    return { terminalId: answer.terminalId };
  }

  /** Sends one heartbeat with the next sequence number and returns the server's answer. */
  async heartbeat(content: HeartbeatContent, options: CallOptions = {}): Promise<HeartbeatAnswer> {
    this.requireCredential();
    this.runner.resume();
    this.lastSeq = nextSeq(this.lastSeq, this.serverLastSeq, this.now());
    const seq = this.lastSeq;
    await this.save();
    const { transactions, taken } = this.counts.take(content.transactions);
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
      this.counts.giveBack(taken);
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
    const answer = await this.call<HeartbeatAnswer>('POST', '/device/v1/heartbeat', report, options.signal);
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
    this.runner.onAnswer(answer, leaseCountedFrom(sentAt, this.now(), this.transport.longestRequestMs));
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
    const command = await this.call<Command>('POST', path, body, options.signal);
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
    if (this.heartbeats.running) return;
    this.requireCredential();
    this.runner.resume();
    this.setStatus('running');
    this.heartbeats.start({
      beat: async (signal) => { await this.heartbeat(await collectReport(), { signal }); },
      intervalSeconds: () => options.intervalSeconds ?? this.intervalSeconds,
      keepGoing: () => this.currentStatus === 'running',
      firstDelayMs: options.firstDelayMs ?? 0,
      ended: () => { if (this.currentStatus === 'running') this.setStatus('idle'); },
    });
  }

  /**
   * Ends the loop and waits for a heartbeat in flight to be answered. A maintenance job goes on: its
   * steps, its lease and its reports do not need the loop.
   */
  stop(): Promise<void> {
    return this.heartbeats.stop();
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

  /** A call to the server with this terminal's credential (read at the call), retried like every call. */
  private call<T>(method: Method, path: string, body: unknown, signal: AbortSignal | undefined): Promise<T> {
    return this.authorised(() => this.transport.request<T>(method, path, body, this.requireCredential(), signal));
  }

  /** A 401 means the credential was revoked (or the terminal removed): stop, and say so once. */
  private async authorised<T>(call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      if (error instanceof PosFleetError && error.status === 401) {
        this.setStatus('revoked');
        this.heartbeats.abort();
      }
      throw error;
    }
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
    return this.call<{ id: string; state: JobState }>('POST', `/device/v1/maintenance/${encodeURIComponent(report.jobId)}/steps`, body, signal);
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
}
