// Pure rules of the PCI DSS evidence: when a terminal's inspection is due, how old a password is, whether
// a photo is what it claims to be, and the report built from plain rows. No I/O: the service loads the
// rows, these functions decide, the renderer prints.
import { passwordExpired } from '../access/passwords.ts';
import { TERMINAL_STATUSES } from '../estate/estate.schemas.ts';
import { invalidField } from '../shared/errors.ts';
import { EMPTY_SECURITY_EVIDENCE, securityEvidence, type SecurityCountKey, type SecurityEvidenceInput, type SecurityFindingCode } from './security-evidence.ts';

export const DAY_MS = 86_400_000;

// ---- which terminals the periodic checks apply to

/**
 * Terminals trading at a site are the POI devices in use: they are inspected and their security settings
 * checked. Terminals in stock, in repair or retired are listed in the inventory only.
 */
export function inUse(status: string): boolean {
  return status === 'active';
}

// ---- inspections (9.5.1.2)

export interface InspectionDue {
  /** When the next inspection was (or is) due: the last one plus the interval; for a terminal never inspected, when it was registered. */
  dueAt: string;
  neverInspected: boolean;
  overdue: boolean;
  /** Whole days late, a started day counting as one; 0 when not overdue. */
  daysOverdue: number;
}

export function inspectionDue(lastInspectedAt: string | null, registeredAt: string, intervalDays: number, now: Date): InspectionDue {
  const neverInspected = lastInspectedAt === null;
  const dueAt = neverInspected ? new Date(registeredAt) : new Date(new Date(lastInspectedAt).getTime() + intervalDays * DAY_MS);
  const late = now.getTime() - dueAt.getTime();
  return { dueAt: dueAt.toISOString(), neverInspected, overdue: neverInspected || late > 0, daysOverdue: late > 0 ? Math.ceil(late / DAY_MS) : 0 };
}

/** An inspection at or after this instant is current; a terminal without one is overdue. Matches {@link inspectionDue}. */
export function inspectionCutoff(now: Date, intervalDays: number): string {
  return new Date(now.getTime() - intervalDays * DAY_MS).toISOString();
}

export interface InspectionFacts {
  outcome: 'pass' | 'fail';
  serialMatches: boolean;
  sealIntact: boolean;
  tamperSigns: string[];
  notes?: string | null | undefined;
}

/** A pass must be clean, and a fail must say what failed: a work order will be made from it. */
export function checkInspection(facts: InspectionFacts): void {
  if (facts.outcome === 'pass') {
    if (!facts.serialMatches) throw invalidField('outcome', 'compliance.pass_not_clean', { reason: 'serial' });
    if (!facts.sealIntact) throw invalidField('outcome', 'compliance.pass_not_clean', { reason: 'seal' });
    if (facts.tamperSigns.length) throw invalidField('outcome', 'compliance.pass_not_clean', { reason: 'tamper' });
    return;
  }
  const reason = !facts.serialMatches || !facts.sealIntact || facts.tamperSigns.length > 0 || !!facts.notes?.trim();
  if (!reason) throw invalidField('notes', 'compliance.fail_reason_required');
}

// ---- inspection photos

export const PHOTO_MAX_BYTES = 2 * 1024 * 1024;
export const PHOTO_TYPES = ['image/jpeg', 'image/png'] as const;
export type PhotoType = (typeof PHOTO_TYPES)[number];
export const PHOTO_EXTENSION: Record<PhotoType, string> = { 'image/jpeg': 'jpg', 'image/png': 'png' };

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const JPEG_SIGNATURE = [0xff, 0xd8, 0xff];
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** What the bytes are, by their magic number, whatever the sender claims. */
export function imageTypeOf(bytes: Uint8Array): PhotoType | null {
  const startsWith = (signature: number[]) => bytes.length >= signature.length && signature.every((b, i) => bytes[i] === b);
  if (startsWith(JPEG_SIGNATURE)) return 'image/jpeg';
  if (startsWith(PNG_SIGNATURE)) return 'image/png';
  return null;
}

/** Decodes and checks an uploaded photo: size (before decoding), base64, and magic bytes against the claimed type. */
export function decodePhoto(photo: { contentType: PhotoType; dataBase64: string }): { bytes: Buffer; contentType: PhotoType; extension: string } {
  const text = photo.dataBase64;
  const size = Math.floor((text.length * 3) / 4) - (text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0);
  if (size > PHOTO_MAX_BYTES) throw invalidField('photo.dataBase64', 'compliance.photo_too_large', { megabytes: megabytes(size), size, max: PHOTO_MAX_BYTES });
  if (text.length === 0 || text.length % 4 !== 0 || !BASE64.test(text)) throw invalidField('photo.dataBase64', 'compliance.photo_not_base64');
  const bytes = Buffer.from(text, 'base64');
  const actual = imageTypeOf(bytes);
  if (actual === null) throw invalidField('photo.dataBase64', 'compliance.photo_not_image');
  if (actual !== photo.contentType) throw invalidField('photo.contentType', 'compliance.photo_type_differs', { declared: photo.contentType, actual: actual === 'image/png' ? 'png' : 'jpeg' });
  return { bytes, contentType: actual, extension: PHOTO_EXTENSION[actual] };
}

const megabytes = (bytes: number) => (bytes / (1024 * 1024)).toFixed(1);

// ---- password age (8.3.9)

export type PasswordState = 'ok' | 'expired' | 'unknown';

/** Age of a password from when it was last changed; unknown when that was never recorded (or is not a time). */
export function passwordAge(changedAt: string | null | undefined, maxAgeDays: number, now: Date): { state: PasswordState; ageDays: number | null } {
  const changed = changedAt ? new Date(changedAt) : null;
  if (!changed || Number.isNaN(changed.getTime())) return { state: 'unknown', ageDays: null };
  const ageDays = Math.max(0, Math.floor((now.getTime() - changed.getTime()) / DAY_MS));
  return { state: passwordExpired(changedAt!, maxAgeDays, now) ? 'expired' : 'ok', ageDays };
}

// ---- the report

/** A terminal as the evidence sees it: registry, location, connectivity, inspections and reported security settings. */
export interface DeviceRow {
  terminalId: string;
  serialNumber: string;
  /** The terminal model's id (for its PTS approval); absent in rows made by hand. */
  modelId?: string;
  vendor: string;
  model: string;
  status: string;
  registeredAt: string;
  merchantId: string | null;
  merchantName: string | null;
  siteId: string | null;
  siteCode: string | null;
  siteName: string | null;
  address: string | null;
  lastSeenAt: string | null;
  lastInspectedAt: string | null;
  lastInspectionOutcome: 'pass' | 'fail' | null;
  /** From the latest heartbeat; null when the terminal has never sent one. */
  security: { passwordChangedAt: string | null; pinEntryEnabled: boolean; encryptionEnabled: boolean } | null;
}

export interface OperatorRow {
  id: string;
  email: string;
  name: string;
  role: string;
  /** Accounts without a password (API tokens only) cannot sign in with one; they are counted, not checked. */
  hasPassword: boolean;
  passwordChangedAt: string | null;
}

export interface ReportSettings {
  inspectionIntervalDays: number;
  /** 0: terminal password age is not checked. */
  terminalPasswordMaxAgeDays: number;
  /** 0: operator password expiry is off. */
  operatorPasswordMaxAgeDays: number;
}

export type ReportSubject = { kind: 'fleet' } | { kind: 'merchant'; merchantId: string; merchantName: string; timeZone: string };

export const REQUIREMENTS = [
  { id: 'poi-inventory', ref: '9.5.1.1' },
  { id: 'poi-inspection', ref: '9.5.1.2' },
  { id: 'terminal-passwords', ref: '8.3.9' },
  { id: 'operator-passwords', ref: '8.3.9' },
  { id: 'pin-encryption', ref: null },
  // Terminal data backups never hold card data: the SDK refuses data with a Luhn-valid 13–19 digit run
  // (src/terminal-data/pan-scan.ts) before anything is encrypted or sent. A statement, met by design.
  { id: 'backup-card-data', ref: '3.2.1' },
  // Security in depth (security-evidence.ts): patches, PTS approval, staff training, logs, keys.
  { id: 'software-patches', ref: '6.3.3' },
  { id: 'pts-approval', ref: null },
  { id: 'staff-training', ref: '9.5.1.3' },
  { id: 'audit-logs', ref: '10.2–10.7' },
  { id: 'key-inventory', ref: '3.6–3.7' },
] as const;
export type RequirementId = (typeof REQUIREMENTS)[number]['id'];

export type CountKey =
  | 'devices' | (typeof TERMINAL_STATUSES)[number] | 'in_use'
  | 'inspected_in_interval' | 'never_inspected' | 'inspection_overdue' | 'last_inspection_failed'
  | 'password_ok' | 'password_expired' | 'password_unknown' | 'accounts' | 'token_only'
  | 'settings_ok' | 'pin_entry_off' | 'encryption_off' | 'settings_unknown'
  | SecurityCountKey;

export type FindingCode =
  | 'location_missing' | 'never_inspected' | 'inspection_overdue' | 'inspection_failed'
  | 'password_expired' | 'password_unknown' | 'password_check_off'
  | 'pin_entry_off' | 'encryption_off' | 'settings_unknown'
  | SecurityFindingCode;

/** One gap: what is wrong, about which terminal or account, since when and for how many days. */
export interface Finding {
  requirement: RequirementId;
  code: FindingCode;
  terminal: DeviceRow | null;
  user: OperatorRow | null;
  /** The instant the finding is about: a due date, a password change, a heartbeat, an inspection. */
  since: string | null;
  /** Days overdue, or a password's age in days. */
  days: number | null;
  /** What the finding is about when it is no terminal or account: a model, a site, the audit log. */
  subject?: string | null;
  /** The figures behind it (versions, an approval number, a key slot). */
  detail?: Record<string, string | number | null> | null;
}

export interface RequirementResult {
  id: RequirementId;
  ref: string | null;
  met: boolean;
  /** Figures; a few are an instant (ISO) or a word rather than a number. */
  counts: { key: CountKey; value: number | string | null }[];
  findings: Finding[];
}

export interface ComplianceReport {
  subject: ReportSubject;
  generatedAt: string;
  settings: ReportSettings;
  /** Every terminal of the subject, by serial number: the 9.5.1.1 list itself. */
  inventory: DeviceRow[];
  requirements: RequirementResult[];
}

export interface ReportInput {
  subject: ReportSubject;
  now: Date;
  settings: ReportSettings;
  devices: DeviceRow[];
  operators: OperatorRow[];
  /** Patches, PTS approvals, training, the audit log and keys; none: nothing known of them. */
  security?: SecurityEvidenceInput;
}

export function buildReport(input: ReportInput): ComplianceReport {
  const { now, settings } = input;
  const inUseDevices = input.devices.filter((d) => inUse(d.status));
  const results: Record<RequirementId, Omit<RequirementResult, 'id' | 'ref' | 'met'>> = {
    'poi-inventory': inventoryEvidence(input.devices, inUseDevices),
    'poi-inspection': inspectionEvidence(inUseDevices, settings.inspectionIntervalDays, now),
    'terminal-passwords': terminalPasswordEvidence(inUseDevices, settings.terminalPasswordMaxAgeDays, now),
    'operator-passwords': operatorPasswordEvidence(input.operators, settings.operatorPasswordMaxAgeDays, now),
    'pin-encryption': securitySettingsEvidence(inUseDevices),
    'backup-card-data': { counts: [], findings: [] },
    ...securityEvidence(input.security ?? EMPTY_SECURITY_EVIDENCE, inUseDevices, input.devices, now),
  };
  return {
    subject: input.subject,
    generatedAt: now.toISOString(),
    settings,
    inventory: input.devices,
    requirements: REQUIREMENTS.map(({ id, ref }) => ({ id, ref, met: results[id].findings.length === 0, ...results[id] })),
  };
}

/** Longest overdue or oldest first; an unknown age (null) before every known one. Stable for ties. */
const mostDaysFirst = (a: Finding, b: Finding) => (a.days === b.days ? 0 : a.days === null ? -1 : b.days === null ? 1 : b.days - a.days);

type Evidence = Omit<RequirementResult, 'id' | 'ref' | 'met'>;
const finding = (requirement: RequirementId, code: FindingCode, about: { terminal?: DeviceRow; user?: OperatorRow }, since: string | null = null, days: number | null = null): Finding =>
  ({ requirement, code, terminal: about.terminal ?? null, user: about.user ?? null, since, days });

function inventoryEvidence(devices: DeviceRow[], inUseDevices: DeviceRow[]): Evidence {
  const counts: Evidence['counts'] = [{ key: 'devices', value: devices.length }];
  for (const status of TERMINAL_STATUSES) counts.push({ key: status, value: devices.filter((d) => d.status === status).length });
  const findings = inUseDevices.filter((d) => !d.siteId).map((terminal) => finding('poi-inventory', 'location_missing', { terminal }));
  return { counts, findings };
}

function inspectionEvidence(devices: DeviceRow[], intervalDays: number, now: Date): Evidence {
  const late: Finding[] = [];
  const failed: Finding[] = [];
  let never = 0;
  for (const terminal of devices) {
    const due = inspectionDue(terminal.lastInspectedAt, terminal.registeredAt, intervalDays, now);
    if (due.neverInspected) never++;
    if (due.overdue) late.push(finding('poi-inspection', due.neverInspected ? 'never_inspected' : 'inspection_overdue', { terminal }, due.neverInspected ? terminal.registeredAt : terminal.lastInspectedAt, due.daysOverdue));
    if (terminal.lastInspectionOutcome === 'fail') failed.push(finding('poi-inspection', 'inspection_failed', { terminal }, terminal.lastInspectedAt));
  }
  late.sort(mostDaysFirst);
  return {
    counts: [
      { key: 'in_use', value: devices.length },
      { key: 'inspected_in_interval', value: devices.length - late.length },
      { key: 'inspection_overdue', value: late.length - never },
      { key: 'never_inspected', value: never },
      { key: 'last_inspection_failed', value: failed.length },
    ],
    findings: [...late, ...failed],
  };
}

function terminalPasswordEvidence(devices: DeviceRow[], maxAgeDays: number, now: Date): Evidence {
  if (maxAgeDays <= 0) return { counts: [{ key: 'in_use', value: devices.length }], findings: [finding('terminal-passwords', 'password_check_off', {})] };
  const tally = { ok: 0, expired: 0, unknown: 0 };
  const findings: Finding[] = [];
  for (const terminal of devices) {
    const changedAt = terminal.security?.passwordChangedAt ?? null;
    const age = passwordAge(changedAt, maxAgeDays, now);
    tally[age.state]++;
    if (age.state !== 'ok') findings.push(finding('terminal-passwords', age.state === 'expired' ? 'password_expired' : 'password_unknown', { terminal }, changedAt, age.ageDays));
  }
  findings.sort(mostDaysFirst);
  return {
    counts: [{ key: 'in_use', value: devices.length }, { key: 'password_ok', value: tally.ok }, { key: 'password_expired', value: tally.expired }, { key: 'password_unknown', value: tally.unknown }],
    findings,
  };
}

function operatorPasswordEvidence(operators: OperatorRow[], maxAgeDays: number, now: Date): Evidence {
  const withPassword = operators.filter((o) => o.hasPassword);
  const counts: Evidence['counts'] = [{ key: 'accounts', value: operators.length }, { key: 'token_only', value: operators.length - withPassword.length }];
  if (maxAgeDays <= 0) return { counts, findings: [finding('operator-passwords', 'password_check_off', {})] };
  const tally = { ok: 0, expired: 0, unknown: 0 };
  const findings: Finding[] = [];
  for (const user of withPassword) {
    const age = passwordAge(user.passwordChangedAt, maxAgeDays, now);
    tally[age.state]++;
    if (age.state !== 'ok') findings.push(finding('operator-passwords', age.state === 'expired' ? 'password_expired' : 'password_unknown', { user }, user.passwordChangedAt, age.ageDays));
  }
  findings.sort(mostDaysFirst);
  counts.push({ key: 'password_ok', value: tally.ok }, { key: 'password_expired', value: tally.expired }, { key: 'password_unknown', value: tally.unknown });
  return { counts, findings };
}

function securitySettingsEvidence(devices: DeviceRow[]): Evidence {
  const findings: Finding[] = [];
  let ok = 0;
  let pinOff = 0;
  let encryptionOff = 0;
  let unknown = 0;
  for (const terminal of devices) {
    const security = terminal.security;
    if (!security) {
      unknown++;
      findings.push(finding('pin-encryption', 'settings_unknown', { terminal }));
      continue;
    }
    if (!security.pinEntryEnabled) {
      pinOff++;
      findings.push(finding('pin-encryption', 'pin_entry_off', { terminal }, terminal.lastSeenAt));
    }
    if (!security.encryptionEnabled) {
      encryptionOff++;
      findings.push(finding('pin-encryption', 'encryption_off', { terminal }, terminal.lastSeenAt));
    }
    if (security.pinEntryEnabled && security.encryptionEnabled) ok++;
  }
  return {
    counts: [
      { key: 'in_use', value: devices.length }, { key: 'settings_ok', value: ok }, { key: 'pin_entry_off', value: pinOff },
      { key: 'encryption_off', value: encryptionOff }, { key: 'settings_unknown', value: unknown },
    ],
    findings,
  };
}
