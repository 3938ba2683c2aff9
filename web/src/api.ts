// The dashboard's only door to the server: JSON over /api/v1 with the session cookie, the CSRF header on
// every change, and the server's error body turned into an ApiError the pages can show (in the page's
// language, from the catalogue the server shares: src/shared/messages).
import { formatMessage, type MessageParams } from '../../src/shared/messages/format.ts';
import type { Static } from 'typebox';
import type { Me as MeSchema, User as UserSchema } from '../../src/access/access.schemas.ts';
import type { ComplianceReport as ComplianceReportModel } from '../../src/compliance/compliance.rules.ts';
import type { Command, HeartbeatRecord as HeartbeatRecordSchema, HeartbeatReport as HeartbeatReportSchema, TerminalHealth } from '../../src/device/device.schemas.ts';
import type { GuideRun as GuideRunSchema, Incident as IncidentSchema, ModelThresholds as ModelThresholdsSchema } from '../../src/diagnostics/diagnostics.schemas.ts';
import type { Merchant as MerchantSchema, Site as SiteSchema, Terminal as TerminalSchema, TerminalModel as TerminalModelSchema } from '../../src/estate/estate.schemas.ts';
import type { Figures as FiguresSchema, Job as JobSchema, JobWithTransitions, ModeView as ModeViewSchema } from '../../src/maintenance/maintenance.schemas.ts';
import type { OccurrenceView, SuggestedWindowView, WindowSchedule as WindowScheduleSchema, WindowTarget as WindowTargetSchema, WindowView } from '../../src/maintenance/windows.schemas.ts';
import type { Channel as ChannelSchema } from '../../src/notifications/notifications.schemas.ts';
import type { TemplateView } from '../../src/preventive/preventive.schemas.ts';
import type {
  ActionView, CampaignFilter as CampaignFilterSchema, CampaignSummary as CampaignSummarySchema, CampaignView, FleetVersionsView, PackageView, PublisherKeyView, WaveView,
} from '../../src/rollouts/rollouts.schemas.ts';
import type { SparePartView } from '../../src/spares/spares.schemas.ts';
import type { PhotoView, SuggestionView, TechnicianView, WorkOrderSummary as WorkOrderSummarySchema, WorkOrderView } from '../../src/work-orders/work-orders.schemas.ts';

// ---- the server's wire types, derived from its schemas (type-only imports: nothing of them reaches the
// bundle). A field renamed or removed on the server breaks `tsc -p web` here, not a page in production.
export type Me = Static<typeof MeSchema>;
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

// estate
export type Terminal = Static<typeof TerminalSchema>;
export type Site = Static<typeof SiteSchema>;
export type Merchant = Static<typeof MerchantSchema>;
export type TerminalModel = Static<typeof TerminalModelSchema>;

// terminal protocol
/** A remote command and, once the terminal reported it, its result. */
export type TerminalCommand = Static<typeof Command>;
/** The commands an operator may send from the dashboard. */
export const COMMAND_TYPES = ['reboot', 'self_test', 'sync_time', 'collect_logs', 'rotate_password'] as const satisfies readonly TerminalCommand['type'][];
/**
 * A heartbeat report as kept: what the terminal sent, checked against the protocol's HeartbeatReport
 * when it arrived. The answers leave it open (a report kept before a field was added lacks it), so every
 * field may be missing here.
 */
export type HeartbeatReport = Partial<Static<typeof HeartbeatReportSchema>>;
export type HeartbeatRecord = Omit<Static<typeof HeartbeatRecordSchema>, 'report'> & { report: HeartbeatReport };
export type Health = Omit<Static<typeof TerminalHealth>, 'report'> & { report: HeartbeatReport };

// maintenance
export type Job = Static<typeof JobSchema>;
/** Why a due job has not started yet (a continuity hold, its window), as the server's stable code. */
export type WaitingCode = NonNullable<Job['waitingCode']>;
export type JobDetail = Static<typeof JobWithTransitions>;
export type ModeView = Static<typeof ModeViewSchema>;
export type Figures = Static<typeof FiguresSchema>;
export type FigureSet = Figures['total'];
export type Occurrence = Static<typeof OccurrenceView>;
export type WindowTarget = Static<typeof WindowTargetSchema>;
export type WindowSchedule = Static<typeof WindowScheduleSchema>;
export type MaintenanceWindow = Static<typeof WindowView>;
export type SuggestedWindow = Static<typeof SuggestedWindowView>;
export type SuggestedCandidate = SuggestedWindow['candidates'][number];

// diagnostics
export type Incident = Static<typeof IncidentSchema>;
export type Localised = Incident['title'];
export type GuideRun = Static<typeof GuideRunSchema>;
export type GuideStep = NonNullable<GuideRun['step']>;
export type ModelThresholds = Static<typeof ModelThresholdsSchema>;
export type ThresholdGroups = ModelThresholds['effective'];

// work orders, preventive maintenance, spares
export type WorkOrderSummary = Static<typeof WorkOrderSummarySchema>;
export type WorkOrder = Static<typeof WorkOrderView>;
/** A photo taken at a checklist item; its url loads with the session cookie. */
export type ChecklistPhoto = Static<typeof PhotoView>;
export type ChecklistItem = WorkOrder['checklist'][number];
export type Technician = Static<typeof TechnicianView>;
/** Technicians ranked for a work order, best first (GET /work-orders/:id/suggestions). */
export type Suggestions = Static<typeof SuggestionView>;
export type SparePart = Static<typeof SparePartView>;
export type PreventiveTemplate = Static<typeof TemplateView>;
export type TemplateTask = PreventiveTemplate['tasks'][number];

// compliance: the report model the JSON format answers (the route has no response schema: it also answers HTML and CSV)
export type ComplianceReport = ComplianceReportModel;
export type ComplianceRequirement = ComplianceReport['requirements'][number];

// settings
export type Channel = Static<typeof ChannelSchema>;
export type ChannelKind = Channel['kind'];
export type User = Static<typeof UserSchema>;

// rollouts
export type PublisherKey = Static<typeof PublisherKeyView>;
export type Package = Static<typeof PackageView>;
export type CampaignFilter = Static<typeof CampaignFilterSchema>;
export type CampaignSummary = Static<typeof CampaignSummarySchema>;
export type CampaignState = CampaignSummary['state'];
export type Campaign = Static<typeof CampaignView>;
export type Wave = Static<typeof WaveView>;
export type PaymentsVerdict = NonNullable<NonNullable<Wave['verdict']>['payments']>;
export type MetricComparison = PaymentsVerdict['metrics'][number];
export type RolloutAction = Static<typeof ActionView>;
export type Feedback = NonNullable<RolloutAction['feedback']>[number];
export type FleetVersions = Static<typeof FleetVersionsView>;

export class ApiError extends Error {
  /** The field the server names as wrong (`schedule.durationMinutes`), shown beside that field. */
  constructor(readonly status: number, readonly code: string, message: string, readonly field: string | null = null) {
    super(message);
  }
}

interface ErrorBody { code?: string; message?: string; field?: string; key?: string; params?: MessageParams }

/**
 * An error's words in the page's language (which the user may have switched away from their account's):
 * the shared catalogue's entry when the server names one, else the server's own message.
 */
function pageMessage(error: ErrorBody | undefined): string | undefined {
  if (!error) return undefined;
  const locale = document.documentElement.lang === 'en' ? 'en' : 'zh-CN';
  return (error.key && formatMessage(locale, error.key, error.params)) || error.message;
}

let csrfToken: string | null = null;
export const setCsrfToken = (token: string | null) => { csrfToken = token; };

export async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET' && csrfToken) headers['x-csrf-token'] = csrfToken;
  const res = await fetch(`/api/v1${path}`, { method, headers, credentials: 'same-origin', ...(body !== undefined && { body: JSON.stringify(body) }) });
  if (res.status === 204) return undefined as T;
  const data = (await res.json().catch(() => null)) as { error?: ErrorBody } | null;
  if (!res.ok) throw new ApiError(res.status, data?.error?.code ?? 'error', pageMessage(data?.error) ?? res.statusText, data?.error?.field ?? null);
  return data as T;
}

/**
 * Sends a file as application/octet-stream with PUT, telling `onProgress` how many bytes left the browser
 * (fetch cannot report an upload's progress; XMLHttpRequest can). Errors come back as ApiError, as above.
 */
export function uploadFile<T>(path: string, file: Blob, onProgress: (sent: number, total: number) => void): Promise<T> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('PUT', `/api/v1${path}`);
    xhr.withCredentials = true;
    xhr.setRequestHeader('content-type', 'application/octet-stream');
    xhr.setRequestHeader('accept', 'application/json');
    if (csrfToken) xhr.setRequestHeader('x-csrf-token', csrfToken);
    xhr.upload.onprogress = (event) => onProgress(event.loaded, event.lengthComputable ? event.total : file.size);
    xhr.onerror = () => reject(new TypeError('network error'));
    xhr.onload = () => {
      type Body = { error?: ErrorBody } | null;
      const data = ((): Body => { try { return JSON.parse(xhr.responseText) as Body; } catch { return null; } })();
      if (xhr.status >= 200 && xhr.status < 300) resolve(data as T);
      else reject(new ApiError(xhr.status, data?.error?.code ?? 'error', pageMessage(data?.error) ?? xhr.statusText, data?.error?.field ?? null));
    };
    xhr.send(file);
  });
}

export const query = (params: Record<string, string | number | boolean | undefined | null>) => {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
};

/** Card-read failures of one heartbeat, over every card interface it reports. */
export function cardFailures(report: HeartbeatReport): number {
  return Object.values(report.cardReader ?? {}).reduce((sum, r) => sum + (r?.failures ?? 0), 0);
}

/** Every item of a keyset-paged list, a page at a time, up to `max` items. */
export async function allPages<T>(path: string, max = 1000): Promise<T[]> {
  const items: T[] = [];
  let cursor: string | null = null;
  do {
    const sep = path.includes('?') ? '&' : '?';
    const page: Page<T> = await api<Page<T>>('GET', `${path}${sep}limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    items.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor && items.length < max);
  return items.slice(0, max);
}

