// The dashboard's only door to the server: JSON over /api/v1 with the session cookie, the CSRF header on
// every change, and the server's error body turned into an ApiError the pages can show.

export interface Me {
  userId: string;
  name: string;
  role: string;
  merchantId: string | null;
  csrfToken: string | null;
  mustChangePassword: boolean;
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
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message);
  }
}

let csrfToken: string | null = null;
export const setCsrfToken = (token: string | null) => { csrfToken = token; };

export async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET' && csrfToken) headers['x-csrf-token'] = csrfToken;
  const res = await fetch(`/api/v1${path}`, { method, headers, credentials: 'same-origin', ...(body !== undefined && { body: JSON.stringify(body) }) });
  if (res.status === 204) return undefined as T;
  const data = (await res.json().catch(() => null)) as { error?: { code?: string; message?: string } } | null;
  if (!res.ok) throw new ApiError(res.status, data?.error?.code ?? 'error', data?.error?.message ?? res.statusText);
  return data as T;
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
}

export interface WorkOrderSummary {
  id: string;
  title: string;
  status: string;
  siteId: string;
  dueAt: string | null;
  createdAt: string;
}

export interface ChecklistItem {
  id: string;
  text: Localised;
  required: boolean;
  result: 'pass' | 'fail' | 'n/a' | null;
}

export interface WorkOrder extends WorkOrderSummary {
  technicianId: string | null;
  checklist: ChecklistItem[];
}
