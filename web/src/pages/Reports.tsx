// Reports: the maintenance figures (downtime, refused transactions, revenue lost, jobs on time / late /
// failed) for a period, a merchant or a site, as tiles, charts and a CSV file; work orders and open
// incidents at a glance; and the PCI DSS report, shown here and downloadable as HTML, CSV and JSON.
import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { DateTime } from 'luxon';
import { allPages, api, query, type ComplianceReport, type FigureSet, type Figures, type Incident, type Me, type WorkOrderSummary } from '../api.ts';
import { ErrorNote } from '../App.tsx';
import { BarChart, COLORS, DoughnutChart } from '../charts.tsx';
import { errorFor, InputField, SelectField, unplaced } from '../Field.tsx';
import { csv, download, moneyPerCurrency, number, toMajor } from '../format.ts';
import { useI18n, type MessageKey } from '../i18n.tsx';
import { can } from '../permissions.ts';
import { invalidate } from '../query.ts';
import { useMerchants } from './Calendar.tsx';
import { useSites } from './Terminals.tsx';
import { KpiSection } from './KpiSection.tsx';

const today = () => DateTime.now().toISODate() ?? '';

/** The instants of a period of whole local days, [from 00:00, the day after `to` 00:00). */
const period = (from: string, to: string) => ({
  from: DateTime.fromISO(from).startOf('day').toUTC().toISO() ?? '',
  to: DateTime.fromISO(to).plus({ days: 1 }).startOf('day').toUTC().toISO() ?? '',
});

export function ReportsPage({ me }: { me: Me }) {
  const { t } = useI18n();
  return (
    <section aria-labelledby="reports-title">
      <h1 id="reports-title">{t('reports')}</h1>
      <nav className="subnav" aria-label={t('reportsContents')}>
        <a href="#figures-title">{t('maintenanceFigures')}</a>
        <a href="#kpis-title">{t('kpis')}</a>
        <a href="#workload-title">{t('workload')}</a>
        {can(me, 'compliance:read') && <a href="#pci-title">{t('pciReport')}</a>}
      </nav>
      <MaintenanceFigures />
      <KpiSection me={me} />
      <Workload me={me} />
      {can(me, 'compliance:read') && <PciReport />}
    </section>
  );
}

const JOB_OUTCOMES = [
  { key: 'onTime', label: 'onTime', color: COLORS.normal },
  { key: 'late', label: 'late', color: COLORS.maintenance },
  { key: 'failed', label: 'failed', color: COLORS.locked },
  { key: 'running', label: 'running', color: COLORS.line },
  { key: 'waiting', label: 'waitingJobs', color: COLORS.offline },
] as const satisfies readonly { key: keyof FigureSet['jobs']; label: MessageKey; color: string }[];

function MaintenanceFigures() {
  const { t, locale } = useI18n();
  const sites = useSites();
  const merchants = useMerchants();
  const [draft, setDraft] = useState({ from: DateTime.now().minus({ days: 29 }).toISODate() ?? '', to: today(), merchantId: '', siteId: '' });
  const [applied, setApplied] = useState(draft);
  const [figures, setFigures] = useState<Figures | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [attempt, setAttempt] = useState(0);

  useEffect(() => {
    let current = true;
    setError(null);
    setFigures(null);
    api<Figures>('GET', `/maintenance/figures${query({ ...period(applied.from, applied.to), merchantId: applied.merchantId, siteId: applied.siteId })}`)
      .then((f) => { if (current) setFigures(f); })
      .catch((e: unknown) => { if (current) setError(e); });
    return () => { current = false; };
  }, [applied, attempt]);

  // A site added since the list was cached (by another person, or through the API) is asked for again,
  // so its row is named, on the page and in the CSV.
  useEffect(() => {
    if (figures?.bySite.some((s) => s.siteId && !sites.some((x) => x.id === s.siteId))) void invalidate('/sites');
  }, [figures, sites]);
  const siteOf = (id: string | null) => sites.find((s) => s.id === id);
  const siteLabel = (id: string | null) => siteOf(id)?.name ?? (id ? id.slice(0, 8) : t('noSite'));
  const apply = (event: FormEvent) => {
    event.preventDefault();
    setApplied({ ...draft });
  };

  const exportCsv = () => {
    if (!figures) return;
    // One revenue column per currency the figures hold: amounts in different currencies are not added up.
    const row = (name: string, code: string, f: FigureSet) => [
      name, code, f.jobs.total, f.jobs.onTime, f.jobs.late, f.jobs.failed, f.jobs.running, f.jobs.waiting, f.downtimeMinutes, f.refusedTransactions,
      ...currencies.map((c) => toMajor(f.estimatedRevenueLost[c] ?? 0, c)),
    ];
    const text = csv([
      [t('site'), t('siteCode'), t('jobsTotal'), t('onTime'), t('late'), t('failed'), t('running'), t('waitingJobs'), t('downtimeMinutes'), t('refusedTransactions'), ...currencies.map((c) => `${t('revenueLost')} (${c})`)],
      row(t('allSitesTotal'), '', figures.total),
      ...figures.bySite.map((s) => row(siteLabel(s.siteId), siteOf(s.siteId)?.code ?? '', s)),
    ]);
    download(`maintenance-figures-${applied.from}-${applied.to}.csv`, text);
  };

  const f = figures?.total;
  const currencies = f ? Object.keys(f.estimatedRevenueLost).sort() : [];
  const tiles: { id: string; label: string; value: string }[] = f ? [
    { id: 'jobs', label: t('jobsTotal'), value: number(f.jobs.total, locale) },
    { id: 'on-time', label: t('onTime'), value: number(f.jobs.onTime, locale) },
    { id: 'late', label: t('late'), value: number(f.jobs.late, locale) },
    { id: 'failed', label: t('failed'), value: number(f.jobs.failed, locale) },
    { id: 'downtime', label: t('downtimeMinutes'), value: number(f.downtimeMinutes, locale) },
    { id: 'refused', label: t('refusedTransactions'), value: number(f.refusedTransactions, locale) },
    { id: 'lost', label: t('revenueLost'), value: moneyPerCurrency(f.estimatedRevenueLost, locale) },
  ] : [];
  const shownSites = draft.merchantId ? sites.filter((s) => s.merchantId === draft.merchantId) : sites;

  return (
    <section aria-labelledby="figures-title">
      <h2 id="figures-title">{t('maintenanceFigures')}</h2>
      <form className="filters" onSubmit={apply} aria-label={t('filters')} noValidate>
        <InputField label={t('fromDate')} type="date" value={draft.from} onChange={(e) => setDraft({ ...draft, from: e.target.value })} error={errorFor(error, 'from')} />
        <InputField label={t('toDate')} type="date" value={draft.to} onChange={(e) => setDraft({ ...draft, to: e.target.value })} error={errorFor(error, 'to')} />
        <SelectField label={t('merchant')} value={draft.merchantId} onChange={(e) => setDraft({ ...draft, merchantId: e.target.value, siteId: '' })}>
          <option value="">{t('allMerchants')}</option>
          {merchants.map((m) => <option key={m.id} value={m.id}>{m.name}</option>)}
        </SelectField>
        <SelectField label={t('site')} value={draft.siteId} onChange={(e) => setDraft({ ...draft, siteId: e.target.value })}>
          <option value="">{t('allSites')}</option>
          {shownSites.map((s) => <option key={s.id} value={s.id}>{s.name}</option>)}
        </SelectField>
        <button type="submit">{t('show')}</button>
        <button type="button" className="secondary" disabled={!figures} onClick={exportCsv}>{t('exportCsv')}</button>
      </form>
      <p role="status" aria-live="polite" className="muted">{figures ? t('figuresFor', { from: applied.from, to: applied.to }) : error === null ? t('loading') : ''}</p>
      {unplaced(error, ['from', 'to']) && <ErrorNote error={error} onRetry={() => setAttempt((n) => n + 1)} />}
      {f && figures && (
        <>
          <ul className="tiles" aria-label={t('maintenanceFigures')}>
            {tiles.map((tile) => (
              <li key={tile.id} className="tile"><span className="tile-label">{tile.label}</span><span className={`tile-value${tile.id === 'lost' ? ' money' : ''}`} data-testid={`kpi-${tile.id}`}>{tile.value}</span></li>
            ))}
          </ul>
          <div className="charts">
            <DoughnutChart title={t('jobOutcomes')} slices={JOB_OUTCOMES.map((o) => ({ label: t(o.label), value: f.jobs[o.key], color: o.color }))} />
            {currencies.map((c) => (
              <BarChart key={c} title={t('revenueLostBySite', { currency: c })}
                slices={figures.bySite.map((s) => ({ label: siteLabel(s.siteId), value: toMajor(s.estimatedRevenueLost[c] ?? 0, c), color: COLORS.locked }))} />
            ))}
            <BarChart title={t('downtimeBySite')} slices={figures.bySite.map((s) => ({ label: siteLabel(s.siteId), value: s.downtimeMinutes, color: COLORS.maintenance }))} />
          </div>
          <h3 id="by-site-title">{t('bySite')}</h3>
          {figures.bySite.length === 0 ? <p>{t('noJobsInPeriod')}</p> : (
            <div className="table-wrap">
              <table className="wrap-head" aria-labelledby="by-site-title">
                <thead>
                  <tr>
                    <th scope="col">{t('site')}</th><th scope="col">{t('jobsTotal')}</th><th scope="col" className="wide">{t('onTime')}</th>
                    <th scope="col" className="wide">{t('late')}</th><th scope="col" className="wide">{t('failed')}</th>
                    <th scope="col">{t('downtimeMinutes')}</th><th scope="col" className="wide">{t('refusedTransactions')}</th><th scope="col">{t('revenueLost')}</th>
                  </tr>
                </thead>
                <tbody>
                  {figures.bySite.map((s) => (
                    <tr key={s.siteId ?? ''}>
                      <th scope="row">{siteLabel(s.siteId)}</th>
                      <td>{number(s.jobs.total, locale)}</td><td className="wide">{s.jobs.onTime}</td><td className="wide">{s.jobs.late}</td><td className="wide">{s.jobs.failed}</td>
                      <td>{number(s.downtimeMinutes, locale)}</td><td className="wide">{number(s.refusedTransactions, locale)}</td>
                      <td className="money">{moneyPerCurrency(s.estimatedRevenueLost, locale)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </>
      )}
    </section>
  );
}

const SEVERITIES = ['critical', 'high', 'medium', 'low'] as const;
const OPEN_WORK = ['open', 'assigned', 'in_progress', 'on_hold'] as const;

/** Work orders by status and open incidents by severity, counted from their lists (at most 1,000 each). */
function Workload({ me }: { me: Me }) {
  const { t, tk, locale } = useI18n();
  const mayWorkOrders = can(me, 'workorders:read');
  const [orders, setOrders] = useState<WorkOrderSummary[] | null>(null);
  const [incidents, setIncidents] = useState<Incident[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const load = useCallback(() => {
    setError(null);
    if (mayWorkOrders) api<{ items: WorkOrderSummary[] }>('GET', '/work-orders?limit=1000').then((p) => setOrders(p.items)).catch((e: unknown) => setError(e));
    allPages<Incident>('/incidents?status=unresolved', 1000).then(setIncidents).catch((e: unknown) => setError(e));
  }, [mayWorkOrders]);
  useEffect(load, [load]);

  const now = new Date().toISOString();
  const open = (orders ?? []).filter((o) => (OPEN_WORK as readonly string[]).includes(o.status));
  const overdue = open.filter((o) => o.dueAt && o.dueAt < now).length;
  const sevColor = { critical: COLORS.locked, high: '#e65100', medium: COLORS.maintenance, low: COLORS.offline };

  return (
    <section aria-labelledby="workload-title">
      <h2 id="workload-title">{t('workload')}</h2>
      {error !== null && <ErrorNote error={error} onRetry={load} />}
      <ul className="tiles" aria-label={t('workload')}>
        {mayWorkOrders && <li className="tile"><span className="tile-label">{t('openWorkOrders')}</span><span className="tile-value" data-testid="kpi-open-work-orders">{orders ? number(open.length, locale) : '…'}</span></li>}
        {mayWorkOrders && <li className="tile tile-locked"><span className="tile-label">{t('overdueWorkOrders')}</span><span className="tile-value" data-testid="kpi-overdue-work-orders">{orders ? number(overdue, locale) : '…'}</span></li>}
        <li className="tile tile-maintenance"><span className="tile-label">{t('unresolvedIncidents')}</span><span className="tile-value" data-testid="kpi-unresolved-incidents">{incidents ? number(incidents.length, locale) : '…'}</span></li>
      </ul>
      <div className="charts">
        {mayWorkOrders && orders && (
          <BarChart title={t('workOrdersByStatus')} slices={OPEN_WORK.map((s) => ({ label: tk('wo', s), value: open.filter((o) => o.status === s).length, color: COLORS.line }))} />
        )}
        {incidents && (
          <BarChart title={t('incidentsBySeverity')} slices={SEVERITIES.map((s) => ({ label: tk('sev', s), value: incidents.filter((i) => i.severity === s).length, color: sevColor[s] }))} />
        )}
      </div>
    </section>
  );
}

function PciReport() {
  const { t, tk, locale, date } = useI18n();
  // A count is mostly a number; the audit log's are also an instant or a word (the chain: intact).
  const countValue = (value: number | string | null) =>
    value === null ? tk('countValue', 'none') : typeof value === 'number' ? number(value, locale) : /^\d{4}-\d{2}-\d{2}T/.test(value) ? date(value) : tk('countValue', value);
  const merchants = useMerchants();
  const [merchantId, setMerchantId] = useState('');
  const [report, setReport] = useState<ComplianceReport | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [showPrintable, setShowPrintable] = useState(false);
  const [attempt, setAttempt] = useState(0);
  const link = (format: 'html' | 'csv' | 'json') => `/api/v1/compliance/report${query({ format, locale, merchantId })}`;

  useEffect(() => {
    let current = true;
    setReport(null);
    setError(null);
    api<ComplianceReport>('GET', `/compliance/report${query({ format: 'json', merchantId })}`)
      .then((r) => { if (current) setReport(r); })
      .catch((e: unknown) => { if (current) setError(e); });
    return () => { current = false; };
  }, [merchantId, attempt]);

  return (
    <section aria-labelledby="pci-title">
      <h2 id="pci-title">{t('pciReport')}</h2>
      <div className="filters">
        <SelectField label={t('merchant')} value={merchantId} onChange={(e) => setMerchantId(e.target.value)}>
          <option value="">{t('wholeFleet')}</option>
          {merchants.map((m) => <option key={m.id} value={m.id}>{m.name}</option>)}
        </SelectField>
      </div>
      <p className="downloads">
        <span>{t('download')}:</span>
        <a href={link('html')} target="_blank" rel="noopener" data-testid="pci-html">{t('printableHtml')}</a>
        <a href={link('csv')} download data-testid="pci-csv">CSV</a>
        <a href={link('json')} download data-testid="pci-json">JSON</a>
      </p>
      <p role="status" aria-live="polite" className="muted">{report ? t('generatedAt', { at: date(report.generatedAt) }) : error === null ? t('loading') : ''}</p>
      {error !== null && <ErrorNote error={error} onRetry={() => setAttempt((n) => n + 1)} />}
      {report && (
        <div className="table-wrap">
          <table aria-labelledby="pci-title">
            <thead>
              <tr><th scope="col">{t('pciRef')}</th><th scope="col">{t('requirement')}</th><th scope="col">{t('status')}</th><th scope="col" className="wide">{t('evidence')}</th><th scope="col">{t('gapCount')}</th></tr>
            </thead>
            <tbody>
              {report.requirements.map((r) => (
                <tr key={r.id} data-requirement={r.id}>
                  <td>{r.ref ?? '—'}</td>
                  <th scope="row">{tk('req', r.id)}</th>
                  <td><span className={`badge ${r.met ? 'badge-normal' : 'badge-locked'}`}>{r.met ? t('met') : t('gaps')}</span></td>
                  <td className="wide">{r.counts.map((c) => `${tk('count', c.key)} ${countValue(c.value)}`).join(' · ')}</td>
                  <td>{number(r.findings.length, locale)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <p>
        <button type="button" className="secondary" aria-expanded={showPrintable} aria-controls="pci-frame-box" onClick={() => setShowPrintable((v) => !v)}>
          {showPrintable ? t('hidePrintable') : t('showPrintable')}
        </button>
      </p>
      <div id="pci-frame-box">
        {showPrintable && <iframe className="report-frame" title={t('pciReport')} src={link('html')} sandbox="" />}
      </div>
    </section>
  );
}
