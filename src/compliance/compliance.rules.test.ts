// The pure rules of the PCI DSS evidence: due dates, password age, photo checks and the report model.
import { describe, expect, it } from 'vitest';
import {
  buildReport, checkInspection, decodePhoto, imageTypeOf, inspectionCutoff, inspectionDue, passwordAge, PHOTO_MAX_BYTES,
  type DeviceRow, type OperatorRow, type ReportSettings,
} from './compliance.rules.ts';

const NOW = new Date('2026-11-25T08:00:00.000Z');
const daysBefore = (days: number, from = NOW) => new Date(from.getTime() - days * 86_400_000).toISOString();

const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52]);
const JPEG = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 16, 0x4a, 0x46, 0x49, 0x46, 0]);

describe('inspection due dates', () => {
  it('is due the interval after the last inspection and overdue by started days', () => {
    expect(inspectionDue(daysBefore(30), daysBefore(400), 90, NOW)).toEqual({ dueAt: daysBefore(-60), neverInspected: false, overdue: false, daysOverdue: 0 });
    expect(inspectionDue(daysBefore(100), daysBefore(400), 90, NOW)).toMatchObject({ dueAt: daysBefore(10), overdue: true, daysOverdue: 10 });
    expect(inspectionDue(daysBefore(90.1), daysBefore(400), 90, NOW)).toMatchObject({ overdue: true, daysOverdue: 1 });
  });

  it('is not overdue on the day the interval ends exactly', () => {
    expect(inspectionDue(daysBefore(90), daysBefore(400), 90, NOW)).toMatchObject({ overdue: false, daysOverdue: 0 });
  });

  it('counts a terminal never inspected as overdue since it was registered', () => {
    expect(inspectionDue(null, daysBefore(12), 90, NOW)).toEqual({ dueAt: daysBefore(12), neverInspected: true, overdue: true, daysOverdue: 12 });
    expect(inspectionDue(null, NOW.toISOString(), 90, NOW)).toMatchObject({ overdue: true, daysOverdue: 0 });
  });

  it('agrees with the cutoff the overdue query uses', () => {
    const cutoff = inspectionCutoff(NOW, 90);
    expect(inspectionDue(cutoff, daysBefore(400), 90, NOW).overdue).toBe(false);
    expect(inspectionDue(new Date(new Date(cutoff).getTime() - 1).toISOString(), daysBefore(400), 90, NOW).overdue).toBe(true);
  });
});

describe('password age', () => {
  it('is ok within the limit, expired beyond it and unknown without a date', () => {
    expect(passwordAge(daysBefore(10), 90, NOW)).toEqual({ state: 'ok', ageDays: 10 });
    expect(passwordAge(daysBefore(91), 90, NOW)).toEqual({ state: 'expired', ageDays: 91 });
    expect(passwordAge(null, 90, NOW)).toEqual({ state: 'unknown', ageDays: null });
    expect(passwordAge('not a date', 90, NOW)).toEqual({ state: 'unknown', ageDays: null });
  });

  it('never expires with the check off, and a future date counts as new', () => {
    expect(passwordAge(daysBefore(1000), 0, NOW).state).toBe('ok');
    expect(passwordAge(daysBefore(-3), 90, NOW)).toEqual({ state: 'ok', ageDays: 0 });
  });
});

describe('inspection facts', () => {
  const clean = { outcome: 'pass' as const, serialMatches: true, sealIntact: true, tamperSigns: [] };

  it('accepts a clean pass and a fail with a reason', () => {
    expect(() => checkInspection(clean)).not.toThrow();
    expect(() => checkInspection({ ...clean, outcome: 'fail', sealIntact: false })).not.toThrow();
    expect(() => checkInspection({ ...clean, outcome: 'fail', notes: 'keypad overlay' })).not.toThrow();
  });

  it('refuses a pass with findings and a fail without any', () => {
    expect(() => checkInspection({ ...clean, serialMatches: false })).toThrow(expect.objectContaining({ field: 'outcome', key: 'compliance.pass_not_clean', message: expect.stringMatching(/^The outcome cannot be pass when the serial number/) }));
    expect(() => checkInspection({ ...clean, tamperSigns: ['drilled hole'] })).toThrow(expect.objectContaining({ field: 'outcome' }));
    expect(() => checkInspection({ ...clean, outcome: 'fail', notes: '  ' })).toThrow(expect.objectContaining({ field: 'notes' }));
  });
});

describe('inspection photos', () => {
  it('recognises JPEG and PNG by their magic bytes', () => {
    expect(imageTypeOf(JPEG)).toBe('image/jpeg');
    expect(imageTypeOf(PNG)).toBe('image/png');
    expect(imageTypeOf(Buffer.from('GIF89a'))).toBeNull();
    expect(imageTypeOf(Buffer.from([0xff]))).toBeNull();
  });

  it('decodes a photo of the claimed type', () => {
    const photo = decodePhoto({ contentType: 'image/png', dataBase64: PNG.toString('base64') });
    expect(photo).toMatchObject({ contentType: 'image/png', extension: 'png' });
    expect(photo.bytes.equals(PNG)).toBe(true);
  });

  it('names the field that is wrong', () => {
    expect(() => decodePhoto({ contentType: 'image/jpeg', dataBase64: PNG.toString('base64') }))
      .toThrow(expect.objectContaining({ field: 'photo.contentType', key: 'compliance.photo_type_differs', message: 'The photo is sent as image/jpeg but the data is a PNG image.' }));
    expect(() => decodePhoto({ contentType: 'image/png', dataBase64: Buffer.from('plain text!!').toString('base64') })).toThrow(expect.objectContaining({ field: 'photo.dataBase64' }));
    expect(() => decodePhoto({ contentType: 'image/png', dataBase64: 'data:image/png;base64,AAAA' })).toThrow(/not base64/);
  });

  it('refuses more than 2 MB before decoding it', () => {
    const big = Buffer.alloc(PHOTO_MAX_BYTES + 1);
    PNG.copy(big);
    expect(() => decodePhoto({ contentType: 'image/png', dataBase64: big.toString('base64') }))
      .toThrow(expect.objectContaining({ field: 'photo.dataBase64', key: 'compliance.photo_too_large', message: 'The photo is 2.0 MB (2097153 bytes); at most 2 MB (2097152 bytes) is accepted.' }));
    const limit = Buffer.alloc(PHOTO_MAX_BYTES);
    PNG.copy(limit);
    expect(decodePhoto({ contentType: 'image/png', dataBase64: limit.toString('base64') }).bytes.length).toBe(PHOTO_MAX_BYTES);
  });
});

describe('the compliance report', () => {
  const settings: ReportSettings = { inspectionIntervalDays: 90, terminalPasswordMaxAgeDays: 90, operatorPasswordMaxAgeDays: 90 };
  const device = (serialNumber: string, over: Partial<DeviceRow> = {}): DeviceRow => ({
    terminalId: `id-${serialNumber}`, serialNumber, vendor: 'PAX', model: 'A920', status: 'active', registeredAt: daysBefore(200),
    merchantId: 'm1', merchantName: '青柠茶饮', siteId: 's1', siteCode: 'SH-1', siteName: '人民广场店', address: '上海市黄浦区',
    lastSeenAt: daysBefore(0.01), lastInspectedAt: daysBefore(10), lastInspectionOutcome: 'pass',
    security: { passwordChangedAt: daysBefore(20), pinEntryEnabled: true, encryptionEnabled: true },
    ...over,
  });
  const operator = (email: string, over: Partial<OperatorRow> = {}): OperatorRow => ({ id: email, email, name: email, role: 'operator', hasPassword: true, passwordChangedAt: daysBefore(5), ...over });
  const requirement = (report: ReturnType<typeof buildReport>, id: string) => report.requirements.find((r) => r.id === id)!;
  const count = (report: ReturnType<typeof buildReport>, id: string, key: string) => requirement(report, id).counts.find((c) => c.key === key)?.value;

  it('meets every requirement for a clean estate', () => {
    const report = buildReport({ subject: { kind: 'fleet' }, now: NOW, settings, devices: [device('A'), device('B')], operators: [operator('a@x')] });
    expect(report.requirements.map((r) => [r.id, r.ref, r.met])).toEqual([
      ['poi-inventory', '9.5.1.1', true], ['poi-inspection', '9.5.1.2', true], ['terminal-passwords', '8.3.9', true],
      ['operator-passwords', '8.3.9', true], ['pin-encryption', null, true], ['backup-card-data', '3.2.1', true],
      ['software-patches', '6.3.3', true], ['pts-approval', null, true], ['staff-training', '9.5.1.3', true], ['audit-logs', '10.2–10.7', true], ['key-inventory', '3.6–3.7', true],
    ]);
    expect(count(report, 'poi-inventory', 'devices')).toBe(2);
    expect(count(report, 'poi-inspection', 'inspected_in_interval')).toBe(2);
    expect(report.inventory.map((d) => d.serialNumber)).toEqual(['A', 'B']);
  });

  it('lists inspection gaps, the longest overdue first, and failed inspections', () => {
    const report = buildReport({
      subject: { kind: 'fleet' }, now: NOW, settings, operators: [],
      devices: [
        device('FRESH'), device('STALE', { lastInspectedAt: daysBefore(100) }), device('NEVER', { lastInspectedAt: null, lastInspectionOutcome: null, registeredAt: daysBefore(30) }),
        device('FAILED', { lastInspectionOutcome: 'fail' }), device('STOCK', { status: 'in_stock', siteId: null, lastInspectedAt: null, lastInspectionOutcome: null }),
      ],
    });
    const gaps = requirement(report, 'poi-inspection').findings.map((f) => [f.code, f.terminal?.serialNumber, f.days]);
    expect(gaps).toEqual([['never_inspected', 'NEVER', 30], ['inspection_overdue', 'STALE', 10], ['inspection_failed', 'FAILED', null]]);
    expect(count(report, 'poi-inspection', 'in_use')).toBe(4);
    expect(count(report, 'poi-inspection', 'never_inspected')).toBe(1);
    expect(count(report, 'poi-inspection', 'inspection_overdue')).toBe(1);
    expect(count(report, 'poi-inventory', 'in_stock')).toBe(1);
    expect(requirement(report, 'poi-inventory').met).toBe(true);
  });

  it('flags a terminal in use without a location', () => {
    const report = buildReport({ subject: { kind: 'fleet' }, now: NOW, settings, operators: [], devices: [device('LOST', { siteId: null, siteName: null, merchantId: null })] });
    expect(requirement(report, 'poi-inventory').findings.map((f) => f.code)).toEqual(['location_missing']);
  });

  it('checks terminal passwords and security settings from the latest heartbeat', () => {
    const report = buildReport({
      subject: { kind: 'fleet' }, now: NOW, settings, operators: [],
      devices: [
        device('OLD', { security: { passwordChangedAt: daysBefore(200), pinEntryEnabled: true, encryptionEnabled: true } }),
        device('NOPIN', { security: { passwordChangedAt: null, pinEntryEnabled: false, encryptionEnabled: false } }),
        device('SILENT', { security: null, lastSeenAt: null }),
      ],
    });
    expect(requirement(report, 'terminal-passwords').findings.map((f) => [f.code, f.terminal?.serialNumber, f.days]))
      .toEqual([['password_unknown', 'NOPIN', null], ['password_unknown', 'SILENT', null], ['password_expired', 'OLD', 200]]);
    expect(requirement(report, 'pin-encryption').findings.map((f) => [f.code, f.terminal?.serialNumber]))
      .toEqual([['pin_entry_off', 'NOPIN'], ['encryption_off', 'NOPIN'], ['settings_unknown', 'SILENT']]);
    expect(count(report, 'pin-encryption', 'settings_ok')).toBe(1);
  });

  it('checks operator passwords, counting token-only accounts without flagging them', () => {
    const operators = [operator('ok@x'), operator('old@x', { passwordChangedAt: daysBefore(120) }), operator('token@x', { hasPassword: false, passwordChangedAt: null })];
    const report = buildReport({ subject: { kind: 'fleet' }, now: NOW, settings, devices: [], operators });
    expect(requirement(report, 'operator-passwords').findings.map((f) => [f.code, f.user?.email, f.days])).toEqual([['password_expired', 'old@x', 120]]);
    expect(count(report, 'operator-passwords', 'token_only')).toBe(1);
  });

  it('reports a password check that is turned off as a gap', () => {
    const report = buildReport({ subject: { kind: 'fleet' }, now: NOW, settings: { ...settings, operatorPasswordMaxAgeDays: 0, terminalPasswordMaxAgeDays: 0 }, devices: [device('A')], operators: [operator('a@x')] });
    expect(requirement(report, 'operator-passwords').findings.map((f) => f.code)).toEqual(['password_check_off']);
    expect(requirement(report, 'terminal-passwords').findings.map((f) => f.code)).toEqual(['password_check_off']);
  });
});
