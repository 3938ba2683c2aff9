// The dashboard's only door to the server: JSON over /api/v1 with the session cookie, the CSRF header on
// every change, and the server's error body turned into an ApiError the pages can show (in the page's
// language, from the catalogue the server shares: src/shared/messages).
import { formatMessage, type MessageParams } from '../../src/shared/messages/format.ts';

export interface Me {
  userId: string;
  name: string;
  role: string;
  merchantId: string | null;
  csrfToken: string | null;
  mustChangePassword: boolean;
  /** What this sign-in may do (the server's grants for the role and token). */
  permissions: string[];
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export interface Terminal {
  id: string;
  serialNumber: string;
  modelId: string;
  siteId: string | null;
  merchantId: string | null;
  status: string;
  tags: string[];
  appVersion: string | null;
  firmwareVersion: string | null;
  networkType: string | null;
  online: boolean;
  lastSeenAt: string | null;
}

export interface Site {
  id: string;
  merchantId: string;
  code: string;
  name: string;
  /** The site's own IANA time zone, or its merchant's. */
  timeZone: string;
  address?: string | null;
  latitude?: number | null;
  longitude?: number | null;
}

/** A remote command and, once the terminal reported it, its result. */
export interface TerminalCommand {
  id: string;
  terminalId: string;
  type: 'reboot' | 'self_test' | 'sync_time' | 'collect_logs' | 'rotate_password';
  status: 'pending' | 'delivered' | 'succeeded' | 'failed';
  createdAt: string;
  createdBy: string | null;
  deliveredAt: string | null;
  completedAt: string | null;
  result: unknown;
}
export const COMMAND_TYPES = ['reboot', 'self_test', 'sync_time', 'collect_logs', 'rotate_password'] as const;

export interface Merchant {
  id: string;
  name: string;
  timeZone: string;
  locale: string;
}

export interface Job {
  id: string;
  terminalId: string;
  siteId: string | null;
  work: string[];
  reason: string;
  state: string;
  plannedStart: string;
  startedAt: string | null;
  endedAt: string | null;
  waitingReason: string | null;
  createdBy: string;
  createdAt: string;
}

export interface ModeView {
  mode: 'normal' | 'maintenance' | 'locked';
  reason: string | null;
}

export interface HeartbeatReport {
  battery?: { percent?: number };
  cardReader?: Record<string, { attempts?: number; failures?: number } | undefined>;
  network?: { latencyMs?: number; type?: string; signalDbm?: number };
  printer?: { paper?: string };
  temperatureC?: number;
  appVersion?: string;
}

export interface HeartbeatRecord {
  seq: number;
  receivedAt: string;
  report: HeartbeatReport;
}

export interface Health {
  online: boolean;
  lastSeenAt: string;
  report: HeartbeatReport;
}

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

export type Localised = { 'zh-CN': string; en: string };

export interface Incident {
  id: string;
  terminalId: string | null;
  siteId: string | null;
  rule: string;
  title: Localised;
  severity: 'low' | 'medium' | 'high' | 'critical';
  status: 'open' | 'acknowledged' | 'resolved';
  firstSeenAt: string;
  lastSeenAt: string;
  guideId: string | null;
}

export interface GuideStep {
  id: string;
  instruction: string;
  outcomes: { id: string; label: string }[];
}

export interface GuideRun {
  id: string;
  guideId: string;
  title: string;
  incidentId: string | null;
  terminalId: string;
  status: 'running' | 'resolved' | 'escalated';
  step: GuideStep | null;
  escalation: { parts: string[]; atStep: string } | null;
  /** The guide's steps reordered by what fixed this model's terminals, with why (null: the guide's own order). */
  learnedOrder?: { order: string[]; reason: string } | null;
}

export interface WorkOrderSummary {
  id: string;
  source: string;
  title: string;
  status: string;
  siteId: string;
  technicianId: string | null;
  dueAt: string | null;
  createdAt: string;
}

/** A photo taken at a checklist item (src/preventive/preventive.schemas.ts PhotoView). */
export interface ChecklistPhoto {
  id: string;
  contentType: string;
  sizeBytes: number;
  sha256: string;
  takenBy: string;
  takenAt: string;
  /** The image, under /api/v1: an <img> loads it with the session cookie. */
  url: string;
}

export interface ChecklistItem {
  id: string;
  text: Localised;
  required: boolean;
  result: 'pass' | 'fail' | 'n/a' | null;
  photos: ChecklistPhoto[];
}

export interface WorkOrder extends WorkOrderSummary {
  terminalIds: string[];
  minutesSpent: number;
  signature: { name: string; signedAt: string; image: string | null } | null;
  note: string | null;
  checklist: ChecklistItem[];
  history: { from: string | null; to: string; by: string; at: string; note: string | null }[];
  parts: { partId: string; sku: string; depot: string; quantity: number; by: string; at: string }[];
}

/** A user who may be given work orders (src/preventive/preventive.schemas.ts TechnicianView). */
export interface Technician { id: string; name: string; skills: string[]; regions: string[]; openWorkOrders: number }

/** Technicians ranked for a work order, best first (GET /work-orders/:id/suggestions). */
export interface Suggestions { items: { technicianId: string; name: string; score: number }[] }

export interface SparePart { id: string; depot: string; sku: string; name: string; quantity: number; minimum: number; belowMinimum: boolean }

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

// ---- maintenance windows (src/maintenance/windows.schemas.ts)
export interface Occurrence { start: string; end: string; localStart: string; localEnd: string }

export interface WindowTarget {
  merchantId?: string;
  siteId?: string;
  terminalId?: string;
  filter?: { tag?: string; modelId?: string; merchantId?: string };
}

export interface WindowSchedule { kind: 'once' | 'rrule' | 'cron'; start?: string; rrule?: string; cron?: string; durationMinutes: number }

export interface MaintenanceWindow {
  id: string;
  name: string;
  target: WindowTarget;
  schedule: WindowSchedule;
  timeZone: string;
  next: Occurrence | null;
  createdBy: string;
  createdAt: string;
}

export interface SuggestedCandidate extends Occurrence {
  expectedLossMinor: number | null;
  expectedTransactions: number | null;
  openMinutes: number;
  preferenceMet: boolean;
}

export interface SuggestedWindow {
  siteId: string;
  /** ISO 4217 code of the candidates' expected loss. */
  currency: string;
  timeZone: string;
  basis: 'history' | 'opening-hours' | 'none';
  history: { from: string; to: string; weeks: number; heartbeats: number; terminals: number; shortened: boolean } | null;
  candidates: SuggestedCandidate[];
}

export interface JobDetail extends Job {
  expectedMinutes: number;
  maxMinutes: number;
}

// ---- maintenance figures (src/maintenance/maintenance.schemas.ts)
export interface FigureSet {
  jobs: { total: number; onTime: number; late: number; failed: number; running: number; waiting: number };
  downtimeMinutes: number;
  refusedTransactions: number;
  /** Minor units per currency (ISO 4217 code → amount), never added up across currencies. */
  estimatedRevenueLost: Record<string, number>;
}

export interface Figures {
  from: string;
  to: string;
  total: FigureSet;
  bySite: (FigureSet & { siteId: string | null })[];
}

// ---- PCI DSS report (src/compliance/compliance.rules.ts), the parts the dashboard shows
export interface ComplianceRequirement {
  id: string;
  ref: string | null;
  met: boolean;
  /** Mostly numbers; some are an instant (the oldest audit entry), a word (the chain: intact) or null. */
  counts: { key: string; value: number | string | null }[];
  findings: unknown[];
}

export interface ComplianceReport {
  generatedAt: string;
  requirements: ComplianceRequirement[];
}

// ---- settings
export interface TemplateTask {
  code: string;
  name: Localised;
  performer: string;
  skill: string | null;
  checklist: { code: string; text: Localised; required: boolean }[];
}

export interface PreventiveTemplate {
  id: string;
  code: string;
  name: Localised;
  intervalDays: number;
  builtin: boolean;
  tasks: TemplateTask[];
}

export interface TerminalModel { id: string; code: string; vendor: string; model: string }

export type ThresholdGroups = Record<string, Record<string, number>>;

export interface ModelThresholds {
  modelId: string;
  overrides: ThresholdGroups;
  effective: ThresholdGroups;
  defaults: ThresholdGroups;
}

export type ChannelKind = 'email' | 'webhook' | 'wecom' | 'dingtalk';

export interface Channel {
  id: string;
  merchantId: string | null;
  kind: ChannelKind;
  name: string;
  address: string;
  events: string[];
  locale: string | null;
  enabled: boolean;
}

export interface User {
  id: string;
  email: string;
  name: string;
  role: string;
  merchantId: string | null;
  locale: string;
  lockedUntil: string | null;
  totpEnabled: boolean;
  disabledAt: string | null;
}

// ---- rollouts (src/rollouts/rollouts.schemas.ts)
export interface PublisherKey { id: string; name: string; createdBy: string; createdAt: string; revokedAt: string | null }

export interface Package {
  id: string;
  kind: string;
  name: string;
  version: string;
  fileName: string;
  size: number;
  sha256: string;
  keyId: string;
  compatibleModels: string[];
  minInstalledVersion: string | null;
  securityPatch: boolean;
  releaseNotes: Localised;
  /** Its content arrived and matched its hash and signature: only then can a campaign use it. */
  ready: boolean;
  uploadedAt: string | null;
  createdBy: string;
  createdAt: string;
}

export type CampaignState = 'running' | 'paused' | 'halted' | 'completed' | 'cancelled';

export interface CampaignFilter { merchantId?: string; siteId?: string; modelId?: string; tag?: string; installedVersion?: string }

export interface CampaignSummary {
  id: string;
  name: string;
  packageId: string;
  state: CampaignState;
  /** 1-based. */
  currentWave: number;
  waves: number;
  rollbackOf: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface MetricComparison { metric: string; updated: number; comparison: number; difference: number; z: number; worse: boolean }

export interface PaymentsVerdict { worse: boolean; judged: boolean; note: string | null; metrics: MetricComparison[] }

export interface Wave {
  wave: number;
  percent: number;
  state: 'pending' | 'installing' | 'observing' | 'passed' | 'failed' | 'cancelled';
  terminals: number;
  /** Actions of the wave per action state. */
  actions: Record<string, number>;
  startedAt: string | null;
  installedAt: string | null;
  endedAt: string | null;
  /** What the server recorded when it judged the wave; its shape varies (an operator's acceptance adds fields). */
  verdict: { failureRate?: number; payments?: PaymentsVerdict | null; acceptedBy?: string; overriddenBy?: string } | null;
  /** The current wave only: why it waits (src/rollouts/wave-waiting.ts). */
  waiting?: {
    code: 'halted_payments' | 'halted_installs' | 'paused' | 'window' | 'continuity' | 'spare' | 'no_room' | 'observing';
    terminals: number; at: string | null; site: { id: string; name: string; timeZone: string } | null; detail: string | null;
  } | null;
}

export interface Campaign {
  id: string;
  name: string;
  package: { id: string; kind: string; name: string; version: string };
  rollbackOf: string | null;
  filter: CampaignFilter;
  settings: { waves: number[]; maxFailureRate: number; observeMinutes: number; allowDowngrade: boolean; seed: number; singleTerminalSites: 'hold' | 'when_closed' | 'allow'; singleTerminalSitesReason: string | null };
  state: CampaignState;
  currentWave: number;
  /** Figures: a payments verdict (metrics) after a halt on payments, { failureRate, actions } after one on installs. */
  halt: { wave: number; reason: string; at: string; figures: unknown } | null;
  excluded: Record<string, number>;
  waves: Wave[];
  createdBy: string;
  createdAt: string;
  updatedAt: string;
  endedAt: string | null;
}

export interface Feedback { source: string; status: string; body: unknown; effect: string; receivedAt: string }

export interface RolloutAction {
  id: number;
  campaignId: string;
  terminalId: string;
  serialNumber: string;
  wave: number;
  packageId: string;
  previousVersion: string | null;
  state: string;
  maintenanceJobId: string | null;
  reason: string | null;
  /** Why its due maintenance job has not started (continuity rule, window, single-terminal-site policy). */
  waiting: string | null;
  updatedAt: string;
  finishedAt: string | null;
  feedback?: Feedback[];
}

export interface FleetVersions {
  versions: { modelId: string; kind: string; version: string | null; terminals: number }[];
  securityPatch: { kind: string; name: string; latestVersion: string; modelId: string; terminals: number; onLatest: number; share: number }[];
  stuck: { actionId: number; campaignId: string; terminalId: string; state: string; since: string }[];
  installedOutside: { terminalId: string; kind: string; fromVersion: string | null; toVersion: string; at: string }[];
}
