// The message catalogue: what each event says to a person, in zh-CN or en, with times in the site's
// time zone. Pure functions of (event, data, context); no I/O, so every wording is unit-tested.
import type {
  ApprovalRequested, CampaignHalted, IncidentNotice, LowStock, MaintenanceAnnounced, MaintenanceCompleted, MaintenanceFailed, NotificationEvent, NotificationEventData, NotificationLocale, SpareNeeded,
  WorkOrderNotice,
} from './notification-events.ts';
import { say } from '../shared/messages/said.ts';

export interface MessageContext {
  locale: NotificationLocale;
  /** IANA time zone the times are shown in: the site's (or its merchant's). */
  timeZone: string;
  siteName?: string | undefined;
  merchantName?: string | undefined;
}

export interface Message {
  subject: string;
  text: string;
}

/** Longer lists of serial numbers are cut: the count is in the first sentence anyway. */
const LISTED_SERIALS = 10;

type Templates = { [E in NotificationEvent]: (data: NotificationEventData[E], ctx: MessageContext) => Message };

export function renderMessage<E extends NotificationEvent>(event: E, data: NotificationEventData[E], ctx: MessageContext): Message {
  const template = (ctx.locale === 'zh-CN' ? zhCN : en)[event] as (data: NotificationEventData[E], ctx: MessageContext) => Message;
  return template(data, ctx);
}

const zhCN: Templates = {
  'maintenance.announced': (d: MaintenanceAnnounced, ctx) => {
    const start = dateTime(d.start, ctx);
    const end = sameLocalDay(d.start, d.expectedEnd, ctx.timeZone) ? time(d.expectedEnd, ctx) : dateTime(d.expectedEnd, ctx);
    return {
      subject: `【维护通知】${placeName(ctx)} ${start} 终端维护`,
      text: lines(
        `【维护通知】${zhPlace(ctx)}${zhTerminals(d.terminals)}将于 ${start} 进入维护（功能维护中），预计 ${end} 恢复。`,
        d.reason && `原因：${d.reason}`,
        zhSerials(d.terminals),
        '维护期间终端显示“功能维护中”，暂停受理交易。',
      ),
    };
  },
  'maintenance.completed': (d: MaintenanceCompleted, ctx) => ({
    subject: `【维护完成】${placeName(ctx)} 终端已恢复交易`,
    text: lines(
      `【维护完成】${zhPlace(ctx)}${zhTerminals(d.terminals)}已于 ${dateTime(d.completedAt, ctx)} 完成维护，恢复正常交易。`,
      zhSerials(d.terminals),
    ),
  }),
  'maintenance.failed': (d: MaintenanceFailed, ctx) => ({
    subject: `【维护失败】${placeName(ctx)} 终端维护未成功`,
    text: lines(
      `【维护失败】${zhPlace(ctx)}${zhTerminals(d.terminals)}维护未成功（${dateTime(d.failedAt, ctx)}）。`,
      d.reason && `原因：${d.reason}`,
      d.outcome === 'rolled_back' && '已回滚到维护前的版本，终端恢复交易。',
      d.outcome === 'handed_to_technician' && '已安排技术员处理。',
      zhSerials(d.terminals),
    ),
  }),
  'maintenance.spare_needed': (d: SpareNeeded, ctx) => ({
    subject: `【请开启备用终端】${placeName(ctx)} ${dateTime(d.deadline, ctx)} 前`,
    text: lines(
      `【请开启备用终端】${zhPlace(ctx)}${zhTerminals(d.terminals)}的维护在等待：门店最后一台在用终端只有在备用终端开机后才能进入维护，以免门店无法收款。`,
      `请在 ${dateTime(d.deadline, ctx)} 前开启备用终端${d.spares.length ? ` ${d.spares.join('、')}` : ''}并连接网络，维护随即开始。`,
      d.reason && `维护原因：${d.reason}`,
    ),
  }),
  'maintenance.spare_overdue': (d: SpareNeeded, ctx) => ({
    subject: `【备用终端未开启】${placeName(ctx)} 维护仍在等待`,
    text: lines(
      `【备用终端未开启】${zhPlace(ctx)}备用终端${d.spares.length ? ` ${d.spares.join('、')} ` : ''}在 ${dateTime(d.deadline, ctx)} 前未开启，${zhTerminals(d.terminals)}的维护（原定 ${dateTime(d.start, ctx)}）仍在等待。`,
      '请联系门店或派技术员到场开启备用终端。',
      d.reason && `维护原因：${d.reason}`,
    ),
  }),
  'workorder.due': (d: WorkOrderNotice, ctx) => ({
    subject: `【工单到期提醒】${placeName(ctx)} ${d.title}`,
    text: lines(`【工单到期提醒】${zhPlace(ctx)}工单“${d.title}”将于 ${dateTime(d.dueAt, ctx)} 到期（状态：${d.status}）。`, `工单号：${d.workOrderId}`),
  }),
  'workorder.overdue': (d: WorkOrderNotice, ctx) => ({
    subject: `【工单逾期】${placeName(ctx)} ${d.title}`,
    text: lines(`【工单逾期】${zhPlace(ctx)}工单“${d.title}”已于 ${dateTime(d.dueAt, ctx)} 到期，尚未完成（状态：${d.status}）。`, `工单号：${d.workOrderId}`),
  }),
  'workorder.escalated': (d: WorkOrderNotice, ctx) => ({
    subject: `【工单升级】${placeName(ctx)} ${d.title}`,
    text: lines(
      `【工单升级】${zhPlace(ctx)}工单“${d.title}”已超过服务时限${d.slaDueAt ? `（${dateTime(d.slaDueAt, ctx)}）` : ''}，请尽快处理（状态：${d.status}）。`,
      `工单号：${d.workOrderId}`,
    ),
  }),
  'incident.opened': (d: IncidentNotice, ctx) => ({
    subject: `【故障告警】${placeName(ctx)} ${d.summary['zh-CN']}`,
    text: lines(`【故障告警】${zhPlace(ctx)}${zhTerminals(d.terminals)}：${d.summary['zh-CN']}（${zhSeverity(d.severity)}），自 ${dateTime(d.since, ctx)} 起。`, zhSerials(d.terminals), `告警编号：${d.incidentId}`),
  }),
  'incident.reminder': (d: IncidentNotice, ctx) => ({
    subject: `【故障仍未恢复】${placeName(ctx)} ${d.summary['zh-CN']}`,
    text: lines(`【故障仍未恢复】${zhPlace(ctx)}${zhTerminals(d.terminals)}：${d.summary['zh-CN']}，自 ${dateTime(d.since, ctx)} 起仍未恢复。`, zhSerials(d.terminals), `告警编号：${d.incidentId}`),
  }),
  'incident.resolved': (d: IncidentNotice, ctx) => ({
    subject: `【故障已恢复】${placeName(ctx)} ${d.summary['zh-CN']}`,
    text: lines(`【故障已恢复】${zhPlace(ctx)}${zhTerminals(d.terminals)}：${d.summary['zh-CN']}已于 ${dateTime(d.resolvedAt ?? d.since, ctx)} 恢复。`, zhSerials(d.terminals), `告警编号：${d.incidentId}`),
  }),
  'campaign.halted': (d: CampaignHalted, ctx) => ({
    subject: `【灰度发布已叫停】${d.name}（${d.package}）`,
    text: lines(
      `【灰度发布已叫停】灰度发布“${d.name}”（${d.package}）在第 ${d.wave} 批于 ${dateTime(d.haltedAt, ctx)} 自动停止：${d.kind === 'payments' ? '升级后终端的交易指标变差' : '安装失败过多'}。`,
      `数据：${(d.reasonKey && say('zh-CN', { key: d.reasonKey, params: d.reasonParams })) || d.reason}`, `发布编号：${d.campaignId}`,
    ),
  }),
  'sparepart.low_stock': (d: LowStock, ctx) => ({
    subject: `【备件库存不足】${d.depot} ${d.name}（${d.sku}）`,
    text: lines(`【备件库存不足】仓库 ${d.depot} 的备件“${d.name}”（${d.sku}）于 ${dateTime(d.since, ctx)} 降至 ${d.quantity} 件，低于最低库存 ${d.minimum} 件，请及时补货。`, `备件编号：${d.partId}`),
  }),
  'approval.requested': (d: ApprovalRequested, ctx) => ({
    subject: `【待您审批】${APPROVAL_KINDS['zh-CN'][d.kind] ?? d.kind}（${d.requestedBy} 提交）`,
    text: lines(
      `【双人复核】${d.requestedBy} 申请${APPROVAL_KINDS['zh-CN'][d.kind] ?? d.kind}，需由另一位有权限的人员批准后才会执行。`,
      `理由：${d.reason}`, `请在 ${dateTime(d.expiresAt, ctx)} 前在“审批”页面批准或驳回，逾期自动失效。`, `申请编号：${d.approvalId}`,
    ),
  }),
};

const en: Templates = {
  'maintenance.announced': (d: MaintenanceAnnounced, ctx) => {
    const start = dateTime(d.start, ctx);
    const end = sameLocalDay(d.start, d.expectedEnd, ctx.timeZone) ? time(d.expectedEnd, ctx) : dateTime(d.expectedEnd, ctx);
    return {
      subject: `Maintenance notice: ${placeName(ctx)}, ${start}`,
      text: lines(
        `Maintenance notice: ${enWho(d.terminals, ctx)} ${d.terminals.length === 1 ? 'goes' : 'go'} into maintenance on ${start}, back by ${end}.`,
        d.reason && `Reason: ${d.reason}`,
        enSerials(d.terminals),
        d.terminals.length === 1
          ? 'During maintenance the terminal shows "under maintenance" and takes no payments.'
          : 'During maintenance the terminals show "under maintenance" and take no payments.',
      ),
    };
  },
  'maintenance.completed': (d: MaintenanceCompleted, ctx) => ({
    subject: `Maintenance complete: ${placeName(ctx)}`,
    text: lines(
      `Maintenance complete: ${enWho(d.terminals, ctx)} ${d.terminals.length === 1 ? 'is' : 'are'} back in service since ${dateTime(d.completedAt, ctx)}.`,
      enSerials(d.terminals),
    ),
  }),
  'maintenance.failed': (d: MaintenanceFailed, ctx) => ({
    subject: `Maintenance failed: ${placeName(ctx)}`,
    text: lines(
      `Maintenance failed: ${enWho(d.terminals, ctx)} did not finish maintenance (${dateTime(d.failedAt, ctx)}).`,
      d.reason && `Reason: ${d.reason}`,
      d.outcome === 'rolled_back' && `${d.terminals.length === 1 ? 'It was' : 'They were'} rolled back to the version before maintenance and take${d.terminals.length === 1 ? 's' : ''} payments again.`,
      d.outcome === 'handed_to_technician' && 'A technician has been asked to take over.',
      enSerials(d.terminals),
    ),
  }),
  'maintenance.spare_needed': (d: SpareNeeded, ctx) => ({
    subject: `Please switch on a spare terminal by ${dateTime(d.deadline, ctx)}: ${placeName(ctx)}`,
    text: lines(
      `Maintenance of ${enWho(d.terminals, ctx)} is waiting: the site's last working terminal may go down only while a spare terminal is on, so the shop can keep taking payments.`,
      `Please switch on spare terminal${d.spares.length === 1 ? '' : 's'}${d.spares.length ? ` ${d.spares.join(', ')}` : ''} and connect it to the network by ${dateTime(d.deadline, ctx)}; maintenance then starts.`,
      d.reason && `Reason for the maintenance: ${d.reason}`,
    ),
  }),
  'maintenance.spare_overdue': (d: SpareNeeded, ctx) => ({
    subject: `Spare terminal not switched on: ${placeName(ctx)}`,
    text: lines(
      `The spare terminal${d.spares.length ? ` ${d.spares.join(', ')}` : ''}${enPlace(ctx)} was not switched on by ${dateTime(d.deadline, ctx)}: maintenance of ${enTerminals(d.terminals)} (due ${dateTime(d.start, ctx)}) is still waiting.`,
      'Please call the site or send a technician to switch it on.',
      d.reason && `Reason for the maintenance: ${d.reason}`,
    ),
  }),
  'workorder.due': (d: WorkOrderNotice, ctx) => ({
    subject: `Work order due: ${placeName(ctx)}, ${d.title}`,
    text: lines(`Work order "${d.title}"${enPlace(ctx)} is due on ${dateTime(d.dueAt, ctx)} (status: ${d.status}).`, `Work order: ${d.workOrderId}`),
  }),
  'workorder.overdue': (d: WorkOrderNotice, ctx) => ({
    subject: `Work order overdue: ${placeName(ctx)}, ${d.title}`,
    text: lines(`Work order "${d.title}"${enPlace(ctx)} was due on ${dateTime(d.dueAt, ctx)} and is not done (status: ${d.status}).`, `Work order: ${d.workOrderId}`),
  }),
  'workorder.escalated': (d: WorkOrderNotice, ctx) => ({
    subject: `Work order escalated: ${placeName(ctx)}, ${d.title}`,
    text: lines(
      `Work order "${d.title}"${enPlace(ctx)} is past its service deadline${d.slaDueAt ? ` (${dateTime(d.slaDueAt, ctx)})` : ''} (status: ${d.status}).`,
      `Work order: ${d.workOrderId}`,
    ),
  }),
  'incident.opened': (d: IncidentNotice, ctx) => ({
    subject: `Alert: ${d.summary.en}, ${placeName(ctx)}`,
    text: lines(`Alert: ${d.summary.en} (${d.severity}) for ${enWho(d.terminals, ctx)} since ${dateTime(d.since, ctx)}.`, enSerials(d.terminals), `Incident: ${d.incidentId}`),
  }),
  'incident.reminder': (d: IncidentNotice, ctx) => ({
    subject: `Still unresolved: ${d.summary.en}, ${placeName(ctx)}`,
    text: lines(`Still unresolved: ${d.summary.en} for ${enWho(d.terminals, ctx)} since ${dateTime(d.since, ctx)}.`, enSerials(d.terminals), `Incident: ${d.incidentId}`),
  }),
  'incident.resolved': (d: IncidentNotice, ctx) => ({
    subject: `Resolved: ${d.summary.en}, ${placeName(ctx)}`,
    text: lines(`Resolved: ${d.summary.en} for ${enWho(d.terminals, ctx)} at ${dateTime(d.resolvedAt ?? d.since, ctx)}.`, enSerials(d.terminals), `Incident: ${d.incidentId}`),
  }),
  'campaign.halted': (d: CampaignHalted, ctx) => ({
    subject: `Rollout halted: ${d.name} (${d.package})`,
    text: lines(
      `Rollout "${d.name}" (${d.package}) halted itself in wave ${d.wave} at ${dateTime(d.haltedAt, ctx)}: ${d.kind === 'payments' ? 'payments got worse on the updated terminals' : 'too many installs failed'}.`,
      `Figures: ${d.reason}`, `Campaign: ${d.campaignId}`,
    ),
  }),
  'sparepart.low_stock': (d: LowStock, ctx) => ({
    subject: `Low stock: ${d.name} (${d.sku}) at ${d.depot}`,
    text: lines(`Low stock: ${d.name} (${d.sku}) at depot ${d.depot} fell to ${d.quantity} on ${dateTime(d.since, ctx)}, below its minimum of ${d.minimum}. Please restock.`, `Spare part: ${d.partId}`),
  }),
  'approval.requested': (d: ApprovalRequested, ctx) => ({
    subject: `Waiting for your approval: ${APPROVAL_KINDS.en[d.kind] ?? d.kind} (asked by ${d.requestedBy})`,
    text: lines(
      `Four eyes: ${d.requestedBy} asks to ${APPROVAL_KINDS.en[d.kind] ?? d.kind}; it runs only once another person who may approves it.`,
      `Reason: ${d.reason}`, `Approve or reject it on the Approvals page before ${dateTime(d.expiresAt, ctx)}, when it expires.`, `Request: ${d.approvalId}`,
    ),
  }),
};

// ---- digests: notices held for quiet hours or over a rate limit, sent as one message
export interface DigestItem {
  event: string;
  subject: string;
  createdAt: string;
}

export type HeldReason = 'quiet_hours' | 'rate_limit';

/** A digest lists this many held notices by subject; the rest are counted ("and 37 more incidents"). */
export const LISTED_IN_DIGEST = 10;

/** What each kind of four-eyes request asks for. */
const APPROVAL_KINDS: Record<NotificationLocale, Record<string, string>> = {
  'zh-CN': { campaign: '大范围灰度发布', role_change: '变更用户角色', tamper_unlock: '解除防拆或移机锁机', continuity_override: '豁免连续营业规则', acquirer_parameters: '变更收单参数' },
  en: { campaign: 'start a large campaign', role_change: 'change a user\'s role', tamper_unlock: 'lift a tamper or relocation lock', continuity_override: 'override the continuity rule', acquirer_parameters: 'change acquirer parameters' },
};

const EVENT_NAMES: Record<NotificationLocale, Record<string, string>> = {
  'zh-CN': {
    'maintenance.announced': '维护通知', 'maintenance.completed': '维护完成', 'maintenance.failed': '维护失败',
    'maintenance.spare_needed': '请开启备用终端', 'maintenance.spare_overdue': '备用终端未开启',
    'workorder.due': '工单到期提醒', 'workorder.overdue': '工单逾期', 'workorder.escalated': '工单升级',
    'incident.opened': '故障告警', 'incident.reminder': '故障仍未恢复', 'incident.resolved': '故障已恢复', 'campaign.halted': '灰度发布已叫停', 'approval.requested': '待审批',
  },
  en: {
    'maintenance.announced': 'maintenance notice', 'maintenance.completed': 'maintenance complete', 'maintenance.failed': 'maintenance failed',
    'maintenance.spare_needed': 'switch on a spare', 'maintenance.spare_overdue': 'spare not switched on',
    'workorder.due': 'work order due', 'workorder.overdue': 'work order overdue', 'workorder.escalated': 'work order escalated',
    'incident.opened': 'alert', 'incident.reminder': 'still unresolved', 'incident.resolved': 'resolved', 'campaign.halted': 'rollout halted', 'approval.requested': 'waiting for approval',
  },
};

/**
 * One message for many held notices, oldest first: why they were held, how many of each kind, the
 * first few by subject and time, and a count of the rest.
 */
export function renderDigest(items: readonly DigestItem[], reasons: readonly HeldReason[], ctx: Pick<MessageContext, 'locale' | 'timeZone'>): Message {
  const n = items.length;
  const counts = new Map<string, number>();
  for (const item of items) counts.set(item.event, (counts.get(item.event) ?? 0) + 1);
  const byKind = [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  const names = EVENT_NAMES[ctx.locale];
  const rest = items.slice(LISTED_IN_DIGEST);
  const restAreIncidents = rest.every((i) => i.event.startsWith('incident.'));
  const listed = items.slice(0, LISTED_IN_DIGEST).map((i) => `- ${dateTime(i.createdAt, ctx)} ${i.subject}`);
  const quiet = reasons.includes('quiet_hours');
  const limited = reasons.includes('rate_limit');
  if (ctx.locale === 'zh-CN') {
    const why = quiet && limited ? '静默时段内及超出发送上限' : quiet ? '静默时段内' : '超出发送上限';
    return {
      subject: `【通知汇总】${why}的 ${n} 条通知`,
      text: lines(
        `【通知汇总】${why}暂缓发送了 ${n} 条通知：${byKind.map(([e, c]) => `${names[e] ?? e} ${c} 条`).join('，')}。`,
        ...listed,
        rest.length > 0 && `……另有 ${rest.length} 条${restAreIncidents ? '故障' : ''}通知。`,
      ),
    };
  }
  const why = quiet && limited ? 'during quiet hours and over the rate limit' : quiet ? 'during quiet hours' : 'over the rate limit';
  return {
    subject: `Digest: ${n} ${n === 1 ? 'notice' : 'notices'} held ${why}`,
    text: lines(
      `Digest: ${n} ${n === 1 ? 'notice was' : 'notices were'} held ${why}: ${byKind.map(([e, c]) => `${c} × ${names[e] ?? e}`).join(', ')}.`,
      ...listed,
      rest.length > 0 && `…and ${rest.length} more ${restAreIncidents ? (rest.length === 1 ? 'incident' : 'incidents') : (rest.length === 1 ? 'notice' : 'notices')}.`,
    ),
  };
}

// ---- wording helpers
const zhSeverity = (severity: string) => ({ low: '低', medium: '中', high: '高', critical: '严重' } as Record<string, string>)[severity] ?? severity;
const placeName = (ctx: MessageContext) => ctx.siteName ?? ctx.merchantName ?? 'PosFleet';
const zhPlace = (ctx: MessageContext) => (ctx.siteName ? `门店 ${ctx.siteName} 的` : ctx.merchantName ? `商户 ${ctx.merchantName} 的` : '');
const enPlace = (ctx: MessageContext) => (ctx.siteName ? ` at ${ctx.siteName}` : ctx.merchantName ? ` of ${ctx.merchantName}` : '');

const zhTerminals = (serials: readonly string[]) => (serials.length === 1 ? `终端 ${serials[0]} ` : ` ${serials.length} 台终端`);
const enTerminals = (serials: readonly string[]) => (serials.length === 1 ? `terminal ${serials[0]}` : `${serials.length} terminals`);
/** "2 terminals at Covent Garden", "terminal SN-1 at Covent Garden". */
const enWho = (serials: readonly string[], ctx: MessageContext) => `${enTerminals(serials)}${enPlace(ctx)}`;

function zhSerials(serials: readonly string[]): string | undefined {
  if (serials.length < 2) return undefined;
  const shown = serials.slice(0, LISTED_SERIALS).join('、');
  return serials.length > LISTED_SERIALS ? `终端：${shown} 等 ${serials.length} 台` : `终端：${shown}`;
}

function enSerials(serials: readonly string[]): string | undefined {
  if (serials.length < 2) return undefined;
  const shown = serials.slice(0, LISTED_SERIALS).join(', ');
  return serials.length > LISTED_SERIALS ? `Terminals: ${shown} and ${serials.length - LISTED_SERIALS} more` : `Terminals: ${shown}`;
}

/** Joins the lines that apply; conditional lines are written as `cond && text`. */
function lines(...parts: (string | false | undefined | null | '')[]): string {
  return parts.filter((p): p is string => typeof p === 'string' && p !== '').join('\n');
}

// ---- times, with Intl in the site's time zone
const intlLocale = (locale: NotificationLocale) => (locale === 'zh-CN' ? 'zh-CN' : 'en-GB');

/** "11月26日 02:00" / "26 Nov 02:00". */
export function dateTime(isoTime: string, ctx: Pick<MessageContext, 'locale' | 'timeZone'>): string {
  const day = new Intl.DateTimeFormat(intlLocale(ctx.locale), { timeZone: ctx.timeZone, month: ctx.locale === 'zh-CN' ? 'long' : 'short', day: 'numeric' });
  return `${day.format(new Date(isoTime))} ${time(isoTime, ctx)}`;
}

/** "02:30", on a 24-hour clock in both languages. */
export function time(isoTime: string, ctx: Pick<MessageContext, 'locale' | 'timeZone'>): string {
  return new Intl.DateTimeFormat(intlLocale(ctx.locale), { timeZone: ctx.timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(new Date(isoTime));
}

function sameLocalDay(a: string, b: string, timeZone: string): boolean {
  const day = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
  return day.format(new Date(a)) === day.format(new Date(b));
}
