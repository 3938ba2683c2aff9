// Each terminal's next planned maintenance, kept in memory for the heartbeat answer (no query per
// heartbeat): the care tick reloads every waiting job, and a move made here is seen at once. The
// reason is said in the merchant's language from the kinds of work; the operator's words go with it.
import { WAITING } from '../shared/job-states.ts';
import { parseJson } from '../shared/json.ts';
import type { Clock } from '../shared/time.ts';
import { langOf, type Text } from './care.service.ts';
import type { MerchantRepository, WaitingJobRow } from './merchant.repository.ts';
import type { NextMaintenance } from './merchant.schemas.ts';

const WORK_WORDS: Record<string, Text> = {
  update: { 'zh-CN': '软件更新', en: 'Software update' },
  upgrade: { 'zh-CN': '系统升级', en: 'System upgrade' },
  repair: { 'zh-CN': '维修', en: 'Repair' },
  data_sync: { 'zh-CN': '数据同步', en: 'Data synchronisation' },
  security_hardening: { 'zh-CN': '安全更新', en: 'Security update' },
};

/** What a job's work is called in both languages, e.g. 安全更新、软件更新 / Security update, software update. */
export function workText(work: readonly string[]): Text {
  const words = work.map((k) => WORK_WORDS[k] ?? { 'zh-CN': k, en: k });
  if (!words.length) return { 'zh-CN': '计划维护', en: 'Planned maintenance' };
  return {
    'zh-CN': words.map((w) => w['zh-CN']).join('、'),
    en: words.map((w, i) => (i === 0 ? w.en : w.en.toLowerCase())).join(', '),
  };
}

export class NextMaintenanceCache {
  private next = new Map<string, NextMaintenance>();

  constructor(private readonly repo: MerchantRepository, private readonly clock: Clock) {}

  /** Reloads every terminal's soonest waiting job (the care tick, and after a move). */
  async refresh(): Promise<void> {
    const next = new Map<string, NextMaintenance>();
    for (const job of await this.repo.waitingJobs(WAITING)) if (!next.has(job.terminal_id)) next.set(job.terminal_id, toNext(job));
    this.next = next;
  }

  /** The heartbeat answer's next maintenance: synchronous, from memory; one whose start has passed is not "next". */
  of(terminalId: string): NextMaintenance {
    const next = this.next.get(terminalId);
    if (!next) return null;
    return Date.parse(next.expectedEnd) > this.clock().getTime() ? next : null;
  }
}

function toNext(job: WaitingJobRow): NonNullable<NextMaintenance> {
  const work = parseJson<string[]>(job.work, []);
  const reasons = workText(work);
  return {
    jobId: job.id, start: job.planned_start, expectedMinutes: Number(job.expected_minutes),
    expectedEnd: new Date(Date.parse(job.planned_start) + Number(job.expected_minutes) * 60_000).toISOString(),
    work, reason: reasons[langOf(job.locale)], reasons, note: job.reason,
  };
}
