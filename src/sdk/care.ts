// The terminal's side of the merchant's care and notice: the shop staff's due care tasks (fetched when
// the heartbeat answer's care version changes, shown on the idle screen), their answers (done, or could
// not with a reason) carried by the next heartbeat and dropped once a heartbeat answer confirms it was
// stored (a retried heartbeat repeats them: the server stores each once; the answers not delivered yet
// are part of the SDK's saved state, so an app restarted while the link is down still sends them), and the next planned
// maintenance as the idle screen shows it and a receipt prints it the day before.
import type { CareAnswer, CareHint, DeviceCare, DeviceCareTask, NextMaintenance } from '../protocol/index.ts';
import { clockTime, type Locale } from './maintenance-rules.ts';

export type CareTask = DeviceCareTask;
export type CareEvent = { type: 'tasks'; tasks: CareTask[] } | { type: 'failed'; error: unknown };

export class CareAgent {
  private version: string | undefined;
  private list: CareTask[] = [];
  private outbox: CareAnswer[];
  private running: Promise<void> | undefined;

  constructor(
    private readonly getJson: <T>(path: string) => Promise<T>,
    private readonly now: () => Date,
    private readonly onEvent: (event: CareEvent) => void = () => undefined,
    /** Answers a previous run kept and no heartbeat delivered (from the saved state). */
    saved: readonly CareAnswer[] = [],
  ) {
    this.outbox = [...saved];
  }

  /** Every answer not delivered yet, to keep in the saved state. */
  get undelivered(): CareAnswer[] {
    return [...this.outbox];
  }

  /** The care tasks due now, with the staff's answers (those not delivered yet included). */
  get tasks(): CareTask[] {
    return this.list.map((t) => {
      const answer = this.outbox.find((a) => a.taskId === t.id && a.dueAt === t.dueAt);
      return answer ? { ...t, status: answer.outcome, reason: answer.reason ?? null } : t;
    });
  }

  /** The staff answer a task: kept until a heartbeat delivered it. */
  answer(taskId: string, outcome: CareAnswer['outcome'], reason?: string): void {
    const task = this.list.find((t) => t.id === taskId);
    if (!task) throw new RangeError(`no care task ${taskId} is due on this terminal`);
    if (outcome === 'could_not' && !reason) throw new RangeError('say why the care task could not be done');
    this.outbox = this.outbox.filter((a) => !(a.taskId === taskId && a.dueAt === task.dueAt));
    this.outbox.push({ taskId, dueAt: task.dueAt, outcome, ...(reason && { reason: reason.slice(0, 200) }), at: this.now().toISOString() });
  }

  /** What the next heartbeat carries. */
  report(): CareAnswer[] {
    return this.outbox.slice(0, 50);
  }

  /** A heartbeat carrying these answers was answered: they are stored. Whether the outbox changed. */
  delivered(sent: readonly CareAnswer[]): boolean {
    const before = this.outbox.length;
    this.outbox = this.outbox.filter((a) => !sent.includes(a));
    return this.outbox.length !== before;
  }

  onHint(hint: CareHint | undefined): void {
    if (!hint || hint.version === this.version || this.running) return;
    this.running = this.sync().finally(() => { this.running = undefined; });
  }

  async idle(): Promise<void> {
    await this.running;
  }

  private async sync(): Promise<void> {
    try {
      const care = await this.getJson<DeviceCare>('/device/v1/care');
      this.version = care.version;
      this.list = care.tasks;
      this.onEvent({ type: 'tasks', tasks: this.tasks });
    } catch (error) {
      this.onEvent({ type: 'failed', error });
    }
  }
}

const dateFormats = new Map<string, Intl.DateTimeFormat>();
function localDate(at: Date, timeZone: string): string {
  let format = dateFormats.get(timeZone);
  if (!format) dateFormats.set(timeZone, format = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }));
  return format.format(at);
}

/** Whether the maintenance starts on the terminal's next local day (a receipt prints the notice then). */
export function startsTomorrow(next: NonNullable<NextMaintenance>, now: Date, timeZone: string): boolean {
  return localDate(new Date(next.start), timeZone) === localDate(new Date(now.getTime() + 86_400_000), timeZone);
}

/**
 * The notice of the next planned maintenance, for the idle screen and receipts, e.g.
 * "计划维护：12-08 02:00–02:30 安全更新，届时暂停收款" / "Planned maintenance: 12-08 02:00–02:30 security update; no payments then".
 */
export function maintenanceNotice(next: NonNullable<NextMaintenance>, locale: Locale, timeZone: string): string {
  const day = localDate(new Date(next.start), timeZone).slice(5);
  const span = `${day} ${clockTime(next.start, timeZone)}–${clockTime(next.expectedEnd, timeZone)}`;
  return locale === 'zh-CN'
    ? `计划维护：${span} ${next.reasons['zh-CN']}，届时暂停收款`
    : `Planned maintenance: ${span} ${next.reasons.en.toLowerCase()}; no payments then`;
}
