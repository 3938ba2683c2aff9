// Printing the compliance report: every value escaped in HTML, formulas defused in CSV, times in the report's zone.
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { buildReport, type DeviceRow } from './compliance.rules.ts';
import { csvText, escapeHtml, formatInventoryCsv, formatTime, html, renderReportCsv, renderReportHtml, REPORT_CSV_COLUMNS } from './report-render.ts';

const NOW = new Date('2026-11-25T08:00:00.000Z');
const settings = { inspectionIntervalDays: 90, terminalPasswordMaxAgeDays: 90, operatorPasswordMaxAgeDays: 90 };
const EVIL = '<script>alert("x")</script>';
const device: DeviceRow = {
  terminalId: 't1', serialNumber: 'SN-1', vendor: 'PAX', model: `A920${EVIL}`, status: 'active', registeredAt: '2026-01-01T00:00:00.000Z',
  merchantId: 'm1', merchantName: EVIL, siteId: 's1', siteCode: 'SH-1', siteName: '=HYPERLINK("http://evil")', address: '<b>addr</b>',
  lastSeenAt: '2026-11-25T07:59:00.000Z', lastInspectedAt: null, lastInspectionOutcome: null,
  security: { passwordChangedAt: null, pinEntryEnabled: false, encryptionEnabled: true },
};
const report = buildReport({
  subject: { kind: 'merchant', merchantId: 'm1', merchantName: EVIL, timeZone: 'Asia/Shanghai' }, now: NOW, settings, devices: [device],
  operators: [{ id: 'u1', email: 'a@x', name: `Ann ${EVIL}`, role: 'merchant', hasPassword: true, passwordChangedAt: null }],
});

describe('HTML', () => {
  it('escapes interpolated values and keeps nested fragments', () => {
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
    expect(html`<p>${EVIL}${html`<i>${'&'}</i>`}${[html`<b>1</b>`, '<2>']}${null}</p>`.value)
      .toBe('<p>&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;<i>&amp;</i><b>1</b>&lt;2&gt;</p>');
  });

  it('prints no markup from the data, in either language', () => {
    for (const locale of ['zh-CN', 'en'] as const) {
      const page = renderReportHtml(report, locale);
      expect(page).not.toContain('<script');
      expect(page).not.toContain('<b>addr');
      expect(page).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
      expect(page).toContain('9.5.1.1');
    }
    expect(renderReportHtml(report, 'zh-CN')).toContain('从未检查');
    expect(renderReportHtml(report, 'en')).toContain('never inspected');
  });

  it('shows times in the report time zone', () => {
    expect(formatTime('2026-11-25T08:00:00.000Z', 'Asia/Shanghai')).toBe('2026-11-25 16:00');
    expect(formatTime('2026-11-25T20:00:00.000Z', 'Asia/Shanghai', false)).toBe('2026-11-26');
    expect(formatTime(null, 'UTC')).toBe('');
    expect(renderReportHtml(report, 'en')).toContain('2026-11-25 16:00 (time zone Asia/Shanghai)');
  });
});

describe('CSV', () => {
  it('defuses cells a spreadsheet would run', () => {
    expect(csvText('=1+1')).toBe("'=1+1");
    expect(csvText('@SUM(A1)')).toBe("'@SUM(A1)");
    expect(csvText('2026-11-25')).toBe('2026-11-25');
    expect(csvText(null)).toBe('');
  });

  it('has a summary row per requirement and a row per finding', () => {
    const rows = parse(renderReportCsv(report, 'en'), { bom: true, columns: () => [...REPORT_CSV_COLUMNS] }) as Record<string, string>[];
    expect(rows.filter((r) => r.finding === 'summary').map((r) => `${r.requirement}:${r.status}`)).toEqual([
      'poi-inventory:met', 'poi-inspection:gaps', 'terminal-passwords:gaps', 'operator-passwords:gaps', 'pin-encryption:gaps', 'backup-card-data:met',
      'software-patches:met', 'pts-approval:met', 'staff-training:met', 'audit-logs:met', 'key-inventory:met',
    ]);
    expect(rows.filter((r) => r.status === 'gap').map((r) => r.finding)).toEqual(['never_inspected', 'password_unknown', 'password_unknown', 'pin_entry_off']);
    const pin = rows.find((r) => r.finding === 'pin_entry_off')!;
    expect(pin).toMatchObject({ reference: '', serial_number: 'SN-1', merchant: EVIL, site: `'=HYPERLINK("http://evil")` });
  });

  it('lists the inventory with make, model, location and serial number', () => {
    const rows = parse(formatInventoryCsv([device], true), { bom: true, columns: true }) as Record<string, string>[];
    expect(rows).toEqual([expect.objectContaining({ serial_number: 'SN-1', vendor: 'PAX', site_code: 'SH-1', address: '<b>addr</b>', last_inspected_at: '' })]);
  });
});

describe('security-in-depth sections', () => {
  const models = [
    { id: 'm-old', vendor: 'PAX', model: `A920${EVIL}`, ptsApprovalNumber: '4-30310', ptsExpiresAt: '2026-04-30' },
    { id: 'm-new', vendor: 'PAX', model: 'A80', ptsApprovalNumber: '4-40123', ptsExpiresAt: '2027-03-01' },
  ];
  const secure = buildReport({
    subject: { kind: 'merchant', merchantId: 'm1', merchantName: 'Tea', timeZone: 'Asia/Shanghai' }, now: NOW, settings,
    devices: [device, { ...device, terminalId: 't2', serialNumber: 'SN-2', model: 'A80' }], operators: [],
    security: {
      unpatched: [{ terminalId: 't1', since: '2026-11-20T00:00:00.000Z', appVersion: '3.1.0', firmwareVersion: 'fw-9.0.0', latestApplication: '3.2.1', latestFirmware: null }],
      models,
      sites: [{ id: 's1', code: 'SH-1', name: 'Shop', trained: 0, lastTrainedOn: '2025-06-01' }],
      audit: { entries: 1200, oldestAt: '2025-11-01T00:00:00.000Z', retentionDays: 400, chain: { ok: true }, lastReviewAt: '2026-11-24T09:00:00.000Z', reviewsLast30Days: 12 },
      keys: [{ terminalId: 't2', slots: [{ slot: '1', keyType: 'TPK', checkValue: 'A1B2C3', expiresAt: '2026-12-25T00:00:00.000Z' }], problems: [{ code: 'expiring', slot: '1', keyType: 'TPK', deadline: '2026-12-25T00:00:00.000Z' }] }],
    },
  });
  const req = (id: string) => secure.requirements.find((r) => r.id === id)!;

  it('flags the software with a known fix, the model past its PTS expiry, the untrained site and the expiring key; the audit log passes', () => {
    expect(req('software-patches').findings.map((f) => [f.code, f.terminal?.serialNumber])).toEqual([['software_unpatched', 'SN-1']]);
    expect(req('pts-approval').findings.map((f) => [f.code, f.subject])).toEqual([['pts_expired', `PAX A920${EVIL}`]]);
    expect(req('pts-approval').counts).toContainEqual({ key: 'pts_expiring_soon', value: 1 });
    expect(req('staff-training').findings.map((f) => [f.code, f.subject])).toEqual([['training_missing', 'SH-1 Shop']]);
    expect(req('audit-logs')).toMatchObject({ met: true, findings: [] });
    expect(req('key-inventory').findings.map((f) => [f.terminal?.serialNumber, f.detail?.problem, f.detail?.keyType])).toEqual([['SN-2', 'expiring', 'TPK']]);
  });

  it('prints the sections in HTML and CSV, in both languages, escaped', () => {
    const zh = renderReportHtml(secure, 'zh-CN');
    const en = renderReportHtml(secure, 'en');
    for (const [page, words] of [[zh, ['PCI DSS 6.3.3', 'PCI PTS POI 认证', 'PCI DSS 9.5.1.3', 'PCI DSS 10.2–10.7', '终端密钥清单', '已于 2026-04-30 过期', '即将到期', '哈希链']],
      [en, ['PCI DSS 6.3.3', 'PCI PTS POI approval', 'PCI DSS 9.5.1.3', 'Terminal key inventory', 'expired on 2026-04-30', 'expiring, by 2026-12-25', 'intact']]] as const) {
      for (const w of words) expect(page).toContain(w);
      expect(page).not.toContain('<script');
    }
    for (const locale of ['zh-CN', 'en'] as const) {
      const text = renderReportCsv(secure, locale);
      const [header] = parse(text, { bom: true, to: 1 }) as string[][];
      expect(header).toHaveLength(REPORT_CSV_COLUMNS.length);
      expect(header![0]).toBe(locale === 'en' ? 'Requirement' : '要求');
      const rows = parse(text, { bom: true, columns: () => [...REPORT_CSV_COLUMNS] }) as Record<string, string>[];
      expect(rows.filter((r) => r.status === 'gap').map((r) => r.finding)).toEqual(expect.arrayContaining(['software_unpatched', 'pts_expired', 'training_missing', 'key_problem']));
      expect(rows.find((r) => r.finding === 'pts_expired')!.subject).toBe(`PAX A920${EVIL}`);
    }
  });
});
