// The events PosFleet tells people about, and the data each one carries. Maintenance comes first;
// incidents, work orders and rollouts add their events here, with a template for each in templates.ts.

export const NOTIFICATION_EVENTS = ['maintenance.announced', 'maintenance.completed', 'maintenance.failed', 'maintenance.spare_needed', 'maintenance.spare_overdue', 'workorder.due', 'workorder.overdue', 'workorder.escalated', 'incident.opened', 'incident.reminder', 'incident.resolved', 'campaign.halted', 'sparepart.low_stock', 'approval.requested'] as const;
export type NotificationEvent = (typeof NOTIFICATION_EVENTS)[number];

export const NOTIFICATION_LOCALES = ['zh-CN', 'en'] as const;
export type NotificationLocale = (typeof NOTIFICATION_LOCALES)[number];

/** Times are ISO-8601 UTC; templates show them in the site's time zone. */
export interface MaintenanceAnnounced {
  /** Serial numbers of the terminals going into maintenance. */
  terminals: readonly string[];
  /** Planned start: the terminals show "功能维护中" and refuse transactions from then on. */
  start: string;
  expectedEnd: string;
  /** Why, in the operator's words (shown as given, not translated). */
  reason?: string | undefined;
}

export interface MaintenanceCompleted {
  terminals: readonly string[];
  completedAt: string;
}

export interface MaintenanceFailed {
  terminals: readonly string[];
  failedAt: string;
  reason?: string | undefined;
  /** What happened after the failure, when known. */
  outcome?: 'rolled_back' | 'handed_to_technician' | undefined;
}

/**
 * Maintenance waits because the site's last working terminal may go down only while a spare covers it:
 * someone at the site (or a technician) must switch a spare on by `deadline`. Told to the merchant and
 * to fleet channels (technicians) when the job starts waiting; `maintenance.spare_overdue` escalates
 * when the deadline passed and the job still waits.
 */
export interface SpareNeeded {
  /** The terminal whose maintenance waits. */
  terminals: readonly string[];
  /** Serial numbers of the site's spare terminals. */
  spares: readonly string[];
  /** When the maintenance was due to start. */
  start: string;
  deadline: string;
  reason?: string | undefined;
}

/** A work order coming due, overdue, or past its SLA (escalated). */
export interface WorkOrderNotice {
  workOrderId: string;
  title: string;
  dueAt: string;
  slaDueAt?: string | undefined;
  status: string;
}

/** An incident opened, still open (a reminder while a terminal or site stays offline), or resolved. */
export interface IncidentNotice {
  incidentId: string;
  /** Serial numbers of the terminals concerned (a site incident lists the offline ones). */
  terminals: readonly string[];
  rule: string;
  severity: string;
  /** What the incident is, in both languages (the rule's name). */
  summary: { 'zh-CN': string; en: string };
  since: string;
  resolvedAt?: string | undefined;
}

/** A rollout stopped by itself: too many failed installs, or payments got worse on updated terminals. */
export interface CampaignHalted {
  campaignId: string;
  name: string;
  /** "pay-app 3.3.0" */
  package: string;
  wave: number;
  kind: 'installs' | 'payments';
  /** The figures in the server's words (English), e.g. "card-read failure rate 18.2 % against 1.1 %". */
  reason: string;
  /** The same as the message catalogue's sentence (src/shared/messages/said.ts), said in the reader's language when given. */
  reasonKey?: string | undefined;
  reasonParams?: Record<string, unknown> | undefined;
  haltedAt: string;
}

/** A spare part's stock at a depot fell below its minimum: told once per shortage, to operators (fleet-wide channels). */
export interface LowStock {
  partId: string;
  sku: string;
  name: string;
  /** The depot's code. */
  depot: string;
  quantity: number;
  minimum: number;
  since: string;
}

/** A four-eyes request waits: told by e-mail to each person who may approve it (never the requester). */
export interface ApprovalRequested {
  approvalId: string;
  /** campaign, role_change, tamper_unlock, continuity_override or acquirer_parameters */
  kind: string;
  requestedBy: string;
  /** The requester's reason, as given (not translated). */
  reason: string;
  expiresAt: string;
}

export interface NotificationEventData {
  'maintenance.announced': MaintenanceAnnounced;
  'maintenance.completed': MaintenanceCompleted;
  'maintenance.failed': MaintenanceFailed;
  'maintenance.spare_needed': SpareNeeded;
  'maintenance.spare_overdue': SpareNeeded;
  'workorder.due': WorkOrderNotice;
  'workorder.overdue': WorkOrderNotice;
  'workorder.escalated': WorkOrderNotice;
  'incident.opened': IncidentNotice;
  'incident.reminder': IncidentNotice;
  'incident.resolved': IncidentNotice;
  'campaign.halted': CampaignHalted;
  'sparepart.low_stock': LowStock;
  'approval.requested': ApprovalRequested;
}

export function isNotificationEvent(value: string): value is NotificationEvent {
  return (NOTIFICATION_EVENTS as readonly string[]).includes(value);
}

export function isNotificationLocale(value: string): value is NotificationLocale {
  return (NOTIFICATION_LOCALES as readonly string[]).includes(value);
}
