// The maintenance KPIs on the Reports page: availability, MTBF, MTTR (merchant-restored and repair), PM
// compliance, planned share, backlog, first-time-fix and remote-fix rates for a period, for the fleet
// or per merchant, site, model or technician; each value shows what it was computed from, as tiles,
// charts, a table and a CSV file with every numerator and denominator.
import { useEffect, useState, type FormEvent } from 'react';
import { DateTime } from 'luxon';
import { api, query, type Me } from '../api.ts';
import { ErrorNote } from '../App.tsx';
import { BarChart, COLORS } from '../charts.tsx';
import { errorFor, InputField, SelectField, unplaced } from '../Field.tsx';
import { csv, download, number } from '../format.ts';
import { useI18n, type MessageKey } from '../i18n.tsx';
import { can } from '../permissions.ts';

interface Ratio { value: number | null; numerator: number; denominator: number }
export interface GroupKpis {
  availability: Ratio; mtbfHours: Ratio; mttrRestoredHours: Ratio; mttrRepairHours: Ratio; pmCompliance: Ratio; plannedShare: Ratio;
  backlog: { count: number; overdue: number; estimatedHours: number }; firstTimeFix: Ratio; remoteFix: Ratio & { selfCleared: number };
}
interface KpiGroupRow { key: string | null; label: string; kpis: GroupKpis }
export interface KpiReport { from: string; to: string; measuredUntil: string; groupBy: GroupBy; total: KpiGroupRow; groups: KpiGroupRow[] }

const GROUP_BYS = ['fleet', 'merchant', 'site', 'model', 'technician'] as const;
type GroupBy = (typeof GROUP_BYS)[number];

/** The ratios, in the order they are shown: percentages or hours. */
const RATIOS = [
  { key: 'availability', label: 'kpiAvailability', unit: 'percent' },
  { key: 'mtbfHours', label: 'kpiMtbf', unit: 'hours' },
  { key: 'mttrRestoredHours', label: 'kpiMttrRestored', unit: 'hours' },
  { key: 'mttrRepairHours', label: 'kpiMttrRepair', unit: 'hours' },
  { key: 'pmCompliance', label: 'kpiPmCompliance', unit: 'percent' },
  { key: 'plannedShare', label: 'kpiPlannedShare', unit: 'percent' },
  { key: 'firstTimeFix', label: 'kpiFirstTimeFix', unit: 'percent' },
  { key: 'remoteFix', label: 'kpiRemoteFix', unit: 'percent' },
] as const satisfies readonly { key: keyof GroupKpis; label: MessageKey; unit: 'percent' | 'hours' }[];

const today = () => DateTime.now().toISODate() ?? '';
const period = (from: string, to: string) => ({
  from: DateTime.fromISO(from).startOf('day').toUTC().toISO() ?? '',
  to: DateTime.fromISO(to).plus({ days: 1 }).startOf('day').toUTC().toISO() ?? '',
});

export function KpiSection({ me }: { me: Me }) {
  const { t, tk, locale } = useI18n();
  // Merchant users do not see work orders' technicians.
  const groupings = GROUP_BYS.filter((g) => g !== 'technician' || can(me, 'workorders:read'));
  const [draft, setDraft] = useState<{ from: string; to: string; groupBy: GroupBy }>({ from: DateTime.now().minus({ days: 29 }).toISODate() ?? '', to: today(), groupBy: 'fleet' });
  const [applied, setApplied] = useState(draft);
  const [report, setReport] = useState<KpiReport | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [attempt, setAttempt] = useState(0);

  useEffect(() => {
    let current = true;
    setError(null);
    setReport(null);
    api<KpiReport>('GET', `/kpis${query({ ...period(applied.from, applied.to), groupBy: applied.groupBy })}`)
      .then((r) => { if (current) setReport(r); })
      .catch((e: unknown) => { if (current) setError(e); });
    return () => { current = false; };
  }, [applied, attempt]);

  const show = (r: Ratio, unit: 'percent' | 'hours') => (r.value === null ? '–' : unit === 'percent' ? `${number(r.value * 100, locale, 1)} %` : number(r.value, locale, 1));
  const basis = (r: Ratio) => t('kpiRatioOf', { numerator: number(r.numerator, locale, 1), denominator: number(r.denominator, locale, 1) });
  const labelOf = (g: KpiGroupRow) => (g.key === null ? t(report?.groupBy === 'technician' ? 'kpiUnassigned' : 'kpiNone') : report?.groupBy === 'fleet' ? t('kpiGroup_fleet') : g.label);
  const rows = report ? (report.groupBy === 'fleet' ? [] : report.groups) : [];

  const exportCsv = () => {
    if (!report) return;
    const line = (name: string, g: KpiGroupRow) => [
      name, g.key ?? '', ...RATIOS.flatMap((r) => [g.kpis[r.key].value, g.kpis[r.key].numerator, g.kpis[r.key].denominator]),
      g.kpis.remoteFix.selfCleared, g.kpis.backlog.count, g.kpis.backlog.overdue, g.kpis.backlog.estimatedHours,
    ];
    download(`kpis-${applied.groupBy}-${applied.from}-${applied.to}.csv`, csv([
      [tk('kpiGroup', report.groupBy), 'id', ...RATIOS.flatMap((r) => [t(r.label), `${t(r.label)} · ${t('kpiNumerator')}`, `${t(r.label)} · ${t('kpiDenominator')}`]),
        t('kpiSelfCleared'), t('kpiBacklog'), t('kpiBacklogOverdue'), t('kpiBacklogHours')],
      ...rows.map((g) => line(labelOf(g), g)),
      line(t('kpiTotal'), report.total),
    ]));
  };

  const total = report?.total.kpis;
  return (
    <section aria-labelledby="kpis-title">
      <h2 id="kpis-title">{t('kpis')}</h2>
      <form className="filters" aria-label={t('filters')} noValidate onSubmit={(e: FormEvent) => { e.preventDefault(); setApplied({ ...draft }); }}>
        <InputField label={t('fromDate')} type="date" value={draft.from} onChange={(e) => setDraft({ ...draft, from: e.target.value })} error={errorFor(error, 'from')} />
        <InputField label={t('toDate')} type="date" value={draft.to} onChange={(e) => setDraft({ ...draft, to: e.target.value })} error={errorFor(error, 'to')} />
        <SelectField label={t('kpiGroupBy')} value={draft.groupBy} onChange={(e) => setDraft({ ...draft, groupBy: e.target.value as GroupBy })} error={errorFor(error, 'groupBy')}>
          {groupings.map((g) => <option key={g} value={g}>{tk('kpiGroup', g)}</option>)}
        </SelectField>
        <button type="submit">{t('kpiShow')}</button>
        <button type="button" className="secondary" disabled={!report} onClick={exportCsv}>{t('kpiExportCsv')}</button>
      </form>
      <p role="status" aria-live="polite" className="muted">{report ? t('kpiFor', { from: applied.from, to: applied.to }) : error === null ? t('loading') : ''}</p>
      <p className="muted">{t('kpiHelp')}</p>
      {unplaced(error, ['from', 'to', 'groupBy']) && <ErrorNote error={error} onRetry={() => setAttempt((n) => n + 1)} />}
      {report && total && (
        <>
          <ul className="tiles" aria-label={t('kpis')}>
            {RATIOS.map((r) => (
              <li key={r.key} className="tile" title={basis(total[r.key])}>
                <span className="tile-label">{t(r.label)}</span>
                <span className="tile-value" data-testid={`kpis-${r.key}`}>{show(total[r.key], r.unit)}</span>
                <span className="muted">{basis(total[r.key])}</span>
              </li>
            ))}
            <li className="tile tile-maintenance">
              <span className="tile-label">{t('kpiBacklog')}</span>
              <span className="tile-value" data-testid="kpis-backlog">{number(total.backlog.count, locale)}</span>
              <span className="muted">{t('kpiBacklogOverdue')} {number(total.backlog.overdue, locale)} · {number(total.backlog.estimatedHours, locale, 1)} h</span>
            </li>
          </ul>
          {rows.length > 0 && (
            <>
              <div className="charts">
                <BarChart title={t('kpiChartAvailability')} slices={rows.map((g) => ({ label: labelOf(g), value: g.kpis.availability.value === null ? 0 : Math.round(g.kpis.availability.value * 1000) / 10, color: COLORS.normal }))} />
                <BarChart title={t('kpiChartMttr')} slices={rows.map((g) => ({ label: labelOf(g), value: g.kpis.mttrRepairHours.value ?? 0, color: COLORS.maintenance }))} />
              </div>
              <div className="table-wrap">
                <table className="wrap-head" aria-labelledby="kpis-title">
                  <thead>
                    <tr>
                      <th scope="col">{tk('kpiGroup', report.groupBy)}</th>
                      {RATIOS.map((r) => <th key={r.key} scope="col">{t(r.label)}</th>)}
                      <th scope="col">{t('kpiBacklog')}</th>
                    </tr>
                  </thead>
                  <tbody>
                    {rows.map((g) => (
                      <tr key={g.key ?? ''}>
                        <th scope="row">{labelOf(g)}</th>
                        {RATIOS.map((r) => <td key={r.key} title={basis(g.kpis[r.key])}>{show(g.kpis[r.key], r.unit)}</td>)}
                        <td>{number(g.kpis.backlog.count, locale)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            </>
          )}
        </>
      )}
    </section>
  );
}
