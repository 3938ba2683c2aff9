// The PCI DSS report's security-in-depth evidence, as pure functions over rows the service loads:
// terminals on software with a known security fix available (6.3.3, from the software_unpatched rule),
// the PCI PTS POI approval of each terminal model in use and its expiry, staff trained per site to detect
// tampering and substitution (9.5.1.3), the audit log (10.x: review, retention, the hash chain) and the
// key inventory (3.6–3.7, key-slot metadata only).
import type { KeyInventoryEntry } from '../shared/key-inventory.ts';
import type { DeviceRow, Finding, RequirementResult } from './compliance.rules.ts';

const DAY_MS = 86_400_000;
/** A PTS approval expiring within this is counted as expiring soon (not yet a gap). */
export const PTS_SOON_DAYS = 180;
/** Training counts for this long (PCI DSS 12.6: security awareness at least once every 12 months). */
export const TRAINING_VALID_DAYS = 365;
/** PCI DSS 10.5.1: audit history kept at least 12 months, the last 3 immediately available. */
export const AUDIT_RETENTION_MIN_DAYS = 365;
export const AUDIT_ONLINE_MIN_DAYS = 90;
/** 10.4.1: logs reviewed at least daily (an automated review counts); a week without one is a gap. */
export const REVIEW_MAX_AGE_DAYS = 7;

export type SecurityFindingCode =
  | 'software_unpatched' | 'pts_expired' | 'pts_unknown' | 'training_missing'
  | 'retention_short' | 'chain_broken' | 'review_missing' | 'key_problem';

export type SecurityCountKey =
  | 'unpatched' | 'models_in_use' | 'pts_valid' | 'pts_expiring_soon' | 'pts_expired' | 'pts_unknown'
  | 'sites_in_use' | 'sites_trained' | 'people_trained'
  | 'audit_entries' | 'oldest_entry' | 'retention_days' | 'online_days' | 'chain' | 'last_review' | 'reviews_30d'
  | 'terminals_with_keys' | 'key_slots' | 'key_problems';

export interface UnpatchedRow {
  terminalId: string;
  since: string;
  appVersion: string | null;
  firmwareVersion: string | null;
  latestApplication: string | null;
  latestFirmware: string | null;
}

export interface ModelRow {
  id: string;
  vendor: string;
  model: string;
  ptsApprovalNumber: string | null;
  /** YYYY-MM-DD */
  ptsExpiresAt: string | null;
}

export interface SiteTrainingRow {
  id: string;
  code: string;
  name: string;
  /** People trained within TRAINING_VALID_DAYS. */
  trained: number;
  lastTrainedOn: string | null;
}

export interface AuditFacts {
  entries: number;
  oldestAt: string | null;
  retentionDays: number;
  chain: { ok: true } | { ok: false; seq: number; problem: string };
  lastReviewAt: string | null;
  reviewsLast30Days: number;
}

export interface SecurityEvidenceInput {
  unpatched: UnpatchedRow[];
  models: ModelRow[];
  sites: SiteTrainingRow[];
  audit: AuditFacts | null;
  keys: KeyInventoryEntry[];
}

export const EMPTY_SECURITY_EVIDENCE: SecurityEvidenceInput = { unpatched: [], models: [], sites: [], audit: null, keys: [] };

type Evidence = Omit<RequirementResult, 'id' | 'ref' | 'met'>;
type Id = 'software-patches' | 'pts-approval' | 'staff-training' | 'audit-logs' | 'key-inventory';

const gap = (requirement: Id, code: SecurityFindingCode, about: { terminal?: DeviceRow | null; subject?: string | null; since?: string | null; days?: number | null; detail?: Finding['detail'] }): Finding => ({
  requirement, code, terminal: about.terminal ?? null, user: null, since: about.since ?? null, days: about.days ?? null, subject: about.subject ?? null, detail: about.detail ?? null,
});

const daysBetween = (from: string, to: Date) => Math.floor((to.getTime() - Date.parse(from)) / DAY_MS);

export function securityEvidence(input: SecurityEvidenceInput, inUse: DeviceRow[], devices: DeviceRow[], now: Date): Record<Id, Evidence> {
  return {
    'software-patches': patchEvidence(input.unpatched, inUse, now),
    'pts-approval': ptsEvidence(input.models, inUse, now),
    'staff-training': trainingEvidence(input.sites, now),
    'audit-logs': auditEvidence(input.audit, now),
    'key-inventory': keyEvidence(input.keys, devices),
  };
}

function patchEvidence(rows: UnpatchedRow[], inUse: DeviceRow[], now: Date): Evidence {
  const byId = new Map(inUse.map((d) => [d.terminalId, d]));
  const findings = rows.filter((r) => byId.has(r.terminalId)).map((r) => gap('software-patches', 'software_unpatched', {
    terminal: byId.get(r.terminalId), since: r.since, days: daysBetween(r.since, now),
    detail: { appVersion: r.appVersion, firmwareVersion: r.firmwareVersion, latestApplication: r.latestApplication, latestFirmware: r.latestFirmware },
  })).sort((a, b) => (b.days ?? 0) - (a.days ?? 0));
  return { counts: [{ key: 'in_use', value: inUse.length }, { key: 'unpatched', value: findings.length }], findings };
}

function ptsEvidence(models: ModelRow[], inUse: DeviceRow[], now: Date): Evidence {
  // By model id; rows without one (made by hand) by make and model.
  const terminals = new Map<string, number>();
  const byText = new Map<string, number>();
  for (const d of inUse) if (d.modelId) terminals.set(d.modelId, (terminals.get(d.modelId) ?? 0) + 1);
  else byText.set(`${d.vendor}\u0000${d.model}`, (byText.get(`${d.vendor}\u0000${d.model}`) ?? 0) + 1);
  const countOf = (m: ModelRow) => (terminals.get(m.id) ?? 0) + (byText.get(`${m.vendor}\u0000${m.model}`) ?? 0);
  const used = models.filter((m) => countOf(m) > 0);
  const today = now.toISOString().slice(0, 10);
  const soon = new Date(now.getTime() + PTS_SOON_DAYS * DAY_MS).toISOString().slice(0, 10);
  const findings: Finding[] = [];
  let valid = 0;
  let expiring = 0;
  for (const m of used) {
    const subject = `${m.vendor} ${m.model}`;
    const detail = { approval: m.ptsApprovalNumber, expiresAt: m.ptsExpiresAt, terminals: countOf(m) };
    if (!m.ptsApprovalNumber || !m.ptsExpiresAt) findings.push(gap('pts-approval', 'pts_unknown', { subject, detail }));
    else if (m.ptsExpiresAt < today) findings.push(gap('pts-approval', 'pts_expired', { subject, since: `${m.ptsExpiresAt}T00:00:00.000Z`, days: daysBetween(`${m.ptsExpiresAt}T00:00:00.000Z`, now), detail }));
    else {
      valid++;
      if (m.ptsExpiresAt <= soon) expiring++;
    }
  }
  return {
    counts: [
      { key: 'models_in_use', value: used.length }, { key: 'pts_valid', value: valid }, { key: 'pts_expiring_soon', value: expiring },
      { key: 'pts_expired', value: findings.filter((f) => f.code === 'pts_expired').length }, { key: 'pts_unknown', value: findings.filter((f) => f.code === 'pts_unknown').length },
    ],
    findings,
  };
}

function trainingEvidence(sites: SiteTrainingRow[], now: Date): Evidence {
  const findings = sites.filter((s) => s.trained === 0).map((s) => gap('staff-training', 'training_missing', {
    subject: `${s.code} ${s.name}`, since: s.lastTrainedOn ? `${s.lastTrainedOn}T00:00:00.000Z` : null, days: s.lastTrainedOn ? daysBetween(`${s.lastTrainedOn}T00:00:00.000Z`, now) : null,
  }));
  return {
    counts: [
      { key: 'sites_in_use', value: sites.length }, { key: 'sites_trained', value: sites.length - findings.length },
      { key: 'people_trained', value: sites.reduce((n, s) => n + s.trained, 0) },
    ],
    findings,
  };
}

function auditEvidence(audit: AuditFacts | null, now: Date): Evidence {
  if (!audit) return { counts: [], findings: [] };
  const findings: Finding[] = [];
  if (audit.retentionDays < AUDIT_RETENTION_MIN_DAYS) findings.push(gap('audit-logs', 'retention_short', { days: audit.retentionDays }));
  if (!audit.chain.ok) findings.push(gap('audit-logs', 'chain_broken', { detail: { seq: audit.chain.seq, problem: audit.chain.problem } }));
  if (!audit.lastReviewAt || daysBetween(audit.lastReviewAt, now) > REVIEW_MAX_AGE_DAYS) {
    findings.push(gap('audit-logs', 'review_missing', { since: audit.lastReviewAt, days: audit.lastReviewAt ? daysBetween(audit.lastReviewAt, now) : null }));
  }
  return {
    counts: [
      { key: 'audit_entries', value: audit.entries }, { key: 'oldest_entry', value: audit.oldestAt }, { key: 'retention_days', value: audit.retentionDays },
      // Every retained entry is in the database itself: all of it is immediately available.
      { key: 'online_days', value: audit.retentionDays }, { key: 'chain', value: audit.chain.ok ? 'intact' : 'broken' },
      { key: 'last_review', value: audit.lastReviewAt }, { key: 'reviews_30d', value: audit.reviewsLast30Days },
    ],
    findings,
  };
}

function keyEvidence(entries: KeyInventoryEntry[], devices: DeviceRow[]): Evidence {
  const byId = new Map(devices.map((d) => [d.terminalId, d]));
  const findings: Finding[] = [];
  for (const e of entries) {
    const terminal = byId.get(e.terminalId);
    if (!terminal) continue; // not in the report's subject
    for (const p of e.problems) {
      findings.push(gap('key-inventory', 'key_problem', {
        terminal, since: p.deadline ?? null, detail: { problem: p.code, slot: p.slot ?? null, keyType: p.keyType ?? null, deadline: p.deadline ?? null, message: p.message ?? null },
      }));
    }
  }
  const known = entries.filter((e) => byId.has(e.terminalId));
  return {
    counts: [
      { key: 'terminals_with_keys', value: known.length }, { key: 'key_slots', value: known.reduce((n, e) => n + e.slots.length, 0) },
      { key: 'key_problems', value: findings.length },
    ],
    findings,
  };
}
