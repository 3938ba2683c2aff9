// Printing the compliance report: every value escaped in HTML, formulas defused in CSV, times in the report's zone.
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { buildReport, type DeviceRow } from './compliance.rules.ts';
import { csvText, escapeHtml, formatInventoryCsv, formatTime, html, renderReportCsv, renderReportHtml } from './report-render.ts';

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
    const rows = parse(renderReportCsv(report, 'en'), { bom: true, columns: true }) as Record<string, string>[];
    expect(rows.filter((r) => r.finding === 'summary').map((r) => `${r.requirement}:${r.status}`))
      .toEqual(['poi-inventory:met', 'poi-inspection:gaps', 'terminal-passwords:gaps', 'operator-passwords:gaps', 'pin-encryption:gaps', 'backup-card-data:met']);
    expect(rows.filter((r) => r.status === 'gap').map((r) => r.finding)).toEqual(['never_inspected', 'password_unknown', 'password_unknown', 'pin_entry_off']);
    const pin = rows.find((r) => r.finding === 'pin_entry_off')!;
    expect(pin).toMatchObject({ reference: '', serial_number: 'SN-1', merchant: EVIL, site: `'=HYPERLINK("http://evil")` });
  });

  it('lists the inventory with make, model, location and serial number', () => {
    const rows = parse(formatInventoryCsv([device], true), { bom: true, columns: true }) as Record<string, string>[];
    expect(rows).toEqual([expect.objectContaining({ serial_number: 'SN-1', vendor: 'PAX', site_code: 'SH-1', address: '<b>addr</b>', last_inspected_at: '' })]);
  });
});
