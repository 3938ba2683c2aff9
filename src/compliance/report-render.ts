// Prints the compliance report (a self-contained, printable HTML page or CSV, one row per finding) and the
// terminal inventory CSV. Every value reaches HTML through the `html` template, which escapes it unless
// it is markup this module built; CSV cells that a spreadsheet would run as a formula are defused.
import { stringify } from 'csv-stringify/sync';
import type { ComplianceReport, DeviceRow, Finding, RequirementResult } from './compliance.rules.ts';
import { WORDS, type ReportLocale } from './report-text.ts';

/** Rows of a list printed in the HTML page; the CSV export always has them all. */
export const HTML_LIST_LIMIT = 1000;

// ---- HTML

class SafeHtml {
  constructor(readonly value: string) {}
}

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(value: unknown): string {
  return String(value).replace(/[&<>"']/g, (c) => ENTITIES[c]!);
}

function fragment(value: unknown): string {
  if (value instanceof SafeHtml) return value.value;
  if (Array.isArray(value)) return value.map(fragment).join('');
  if (value === null || value === undefined || value === false) return '';
  return escapeHtml(value);
}

/** Template tag: interpolated values are escaped; nested `html` fragments and arrays of them are kept. */
export function html(strings: TemplateStringsArray, ...values: unknown[]): SafeHtml {
  let out = strings[0] ?? '';
  values.forEach((value, i) => { out += fragment(value) + (strings[i + 1] ?? ''); });
  return new SafeHtml(out);
}

/** "2026-11-25 16:00" in the given time zone; empty for null. */
export function formatTime(iso: string | null, timeZone: string, withTime = true): string {
  if (!iso) return '';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' })
      .formatToParts(date).map((p) => [p.type, p.value]),
  );
  const day = `${parts.year}-${parts.month}-${parts.day}`;
  return withTime ? `${day} ${parts.hour}:${parts.minute}` : day;
}

export function reportTimeZone(report: ComplianceReport): string {
  return report.subject.kind === 'merchant' ? report.subject.timeZone : 'UTC';
}

const STYLE = `
body{font:14px/1.45 system-ui,-apple-system,"PingFang SC","Microsoft YaHei",sans-serif;margin:2rem;color:#111}
h1{font-size:1.5rem;margin:0 0 .25rem}h2{font-size:1.15rem;margin:2rem 0 .25rem;break-after:avoid}
.meta{color:#444;margin:.1rem 0}.met{color:#176117;font-weight:600}.gaps{color:#a31515;font-weight:600}
table{border-collapse:collapse;width:100%;margin:.5rem 0}th,td{border:1px solid #bbb;padding:.25rem .4rem;text-align:left;vertical-align:top}
th{background:#f0f0f0}tr{break-inside:avoid}dl{display:grid;grid-template-columns:max-content auto;gap:.1rem 1rem;margin:.5rem 0}dt{color:#444}dd{margin:0}
@media print{body{margin:0;font-size:11px}a{color:inherit;text-decoration:none}}`;

export function renderReportHtml(report: ComplianceReport, locale: ReportLocale): string {
  const w = WORDS[locale];
  const zone = reportTimeZone(report);
  const date = (iso: string | null) => formatTime(iso, zone, false);
  const subject = report.subject.kind === 'merchant' ? `${w.merchant}: ${report.subject.merchantName}` : w.fleet;
  const status = (r: RequirementResult) => (r.met ? html`<span class="met">${w.met}</span>` : html`<span class="gaps">${w.gaps}</span>`);
  const ref = (r: RequirementResult) => (r.ref ? `PCI DSS ${r.ref}` : '');

  const terminalCells = (d: DeviceRow) => html`<td>${d.serialNumber}</td><td>${d.vendor} ${d.model}</td><td>${d.merchantName ?? ''}</td><td>${d.siteName ?? w.inStock}</td><td>${d.address ?? ''}</td>`;
  const findingsTable = (findings: Finding[]) => {
    if (findings.length === 0) return html`<p>${w.noGaps}</p>`;
    const shown = findings.slice(0, HTML_LIST_LIMIT);
    const c = w.columns;
    const userFindings = shown.filter((f) => f.user);
    const otherFindings = shown.filter((f) => !f.user);
    return html`
${otherFindings.length ? html`<table><thead><tr><th>${c.serial}</th><th>${c.vendorModel}</th><th>${c.merchant}</th><th>${c.site}</th><th>${c.address}</th><th>${c.finding}</th></tr></thead><tbody>
${otherFindings.map((f) => html`<tr>${f.terminal ? terminalCells(f.terminal) : html`<td colspan="5">${f.subject ?? ''}</td>`}<td>${w.finding(f, report.settings, date)}</td></tr>\n`)}</tbody></table>` : ''}
${userFindings.length ? html`<table><thead><tr><th>${c.user}</th><th>${c.role}</th><th>${c.finding}</th></tr></thead><tbody>
${userFindings.map((f) => html`<tr><td>${f.user!.name} &lt;${f.user!.email}&gt;</td><td>${w.roles[f.user!.role] ?? f.user!.role}</td><td>${w.finding(f, report.settings, date)}</td></tr>\n`)}</tbody></table>` : ''}
${findings.length > shown.length ? html`<p>${w.more(findings.length - shown.length)}</p>` : ''}`;
  };
  const inventoryTable = () => {
    const c = w.columns;
    const shown = report.inventory.slice(0, HTML_LIST_LIMIT);
    return html`<h3>${w.inventoryTitle}</h3><table><thead><tr><th>${c.serial}</th><th>${c.vendorModel}</th><th>${c.merchant}</th><th>${c.site}</th><th>${c.address}</th><th>${c.status}</th><th>${c.lastSeen}</th><th>${c.lastInspected}</th></tr></thead><tbody>
${shown.map((d) => html`<tr>${terminalCells(d)}<td>${w.statuses[d.status] ?? d.status}</td><td>${formatTime(d.lastSeenAt, zone)}</td><td>${date(d.lastInspectedAt)}${d.lastInspectionOutcome ? ` (${w.outcomes[d.lastInspectionOutcome]})` : ''}</td></tr>\n`)}</tbody></table>
${report.inventory.length > shown.length ? html`<p>${w.more(report.inventory.length - shown.length)}</p>` : ''}`;
  };

  const page = html`<!doctype html>
<html lang="${locale}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${w.title} — ${subject}</title><style>${new SafeHtml(STYLE)}</style></head>
<body>
<h1>${w.title}</h1>
<p class="meta">${subject}</p>
<p class="meta">${w.generatedAt}: ${formatTime(report.generatedAt, zone)} (${w.timeZone} ${zone})</p>
<p class="meta">${w.settings(report.settings)}</p>
<h2>${w.summary}</h2>
<table><thead><tr><th>${w.reference}</th><th>${w.requirement}</th><th>${w.status}</th><th>${w.gapCount}</th></tr></thead><tbody>
${report.requirements.map((r) => html`<tr><td>${ref(r)}</td><td><a href="#${r.id}">${w.requirements[r.id].title}</a></td><td>${status(r)}</td><td>${r.findings.length}</td></tr>\n`)}</tbody></table>
${report.requirements.map((r) => html`
<section id="${r.id}">
<h2>${ref(r) ? `${ref(r)} · ` : ''}${w.requirements[r.id].title} — ${status(r)}</h2>
<p>${w.requirements[r.id].description}</p>
<h3>${w.evidence}</h3>
<dl>${r.counts.map((c) => html`<dt>${w.counts[c.key]}</dt><dd>${figure(c.value, w, zone)}</dd>`)}</dl>
${r.id === 'poi-inventory' ? inventoryTable() : ''}
<h3>${w.gapsHeading}</h3>
${findingsTable(r.findings)}
</section>`)}
</body></html>
`;
  return page.value;
}

/** A figure as a person reads it: numbers as they are, instants in the report's time zone, words translated. */
function figure(value: number | string | null, w: (typeof WORDS)[ReportLocale], zone: string): string {
  if (value === null) return w.values.none;
  if (typeof value === 'number') return String(value);
  if (value === 'intact' || value === 'broken') return w.values[value];
  return /^\d{4}-\d{2}-\d{2}T/.test(value) ? formatTime(value, zone) : value;
}

// ---- CSV

/** A cell a spreadsheet would evaluate (=, +, -, @, tab, CR first) is prefixed with a quote so it stays text. */
export function csvText(value: string | null | undefined): string {
  if (value === null || value === undefined) return '';
  return /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
}

export const REPORT_CSV_COLUMNS = [
  'requirement', 'reference', 'title', 'status', 'finding', 'description', 'serial_number', 'vendor', 'model', 'merchant', 'site', 'address',
  'account', 'since', 'days', 'subject',
] as const;

/** One summary row per requirement (status met/gaps, its counts), then one row per finding (status gap). */
export function renderReportCsv(report: ComplianceReport, locale: ReportLocale): string {
  const w = WORDS[locale];
  const date = (iso: string | null) => formatTime(iso, reportTimeZone(report), false);
  const rows: (string | number)[][] = [];
  for (const r of report.requirements) {
    const title = w.requirements[r.id].title;
    const counts = r.counts.map((c) => `${w.counts[c.key]}: ${figure(c.value, w, reportTimeZone(report))}`).join('; ');
    rows.push([r.id, r.ref ?? '', title, r.met ? 'met' : 'gaps', 'summary', counts, '', '', '', '', '', '', '', '', '', '']);
    for (const f of r.findings) {
      const t = f.terminal;
      rows.push([
        r.id, r.ref ?? '', title, 'gap', f.code, w.finding(f, report.settings, date),
        t?.serialNumber ?? '', t?.vendor ?? '', t?.model ?? '', t?.merchantName ?? '', t?.siteName ?? '', t?.address ?? '',
        f.user?.email ?? '', f.since ?? '', f.days ?? '', f.subject ?? '',
      ]);
    }
  }
  const header = REPORT_CSV_COLUMNS.map((key) => w.csvColumns[key]);
  return stringify([header, ...rows.map((row) => row.map((cell) => (typeof cell === 'string' ? csvText(cell) : cell)))], { bom: true });
}

export const INVENTORY_CSV_COLUMNS = [
  'serial_number', 'vendor', 'model', 'status', 'merchant', 'site_code', 'site', 'address', 'last_seen_at', 'last_inspected_at', 'last_inspection_outcome',
] as const;

export function formatInventoryCsv(rows: DeviceRow[], withHeader: boolean): string {
  return stringify(
    rows.map((d) => [
      d.serialNumber, d.vendor, d.model, d.status, d.merchantName, d.siteCode, d.siteName, d.address, d.lastSeenAt, d.lastInspectedAt, d.lastInspectionOutcome,
    ].map(csvText)),
    { header: withHeader, columns: [...INVENTORY_CSV_COLUMNS], bom: withHeader },
  );
}
