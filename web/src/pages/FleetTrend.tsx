// The overview's "what needs attention, and how the days went": open incidents by severity, work orders
// open, due and overdue, the fleet health score, and per day (in the browser's time zone) the incidents
// opened, the maintenance jobs started, the work orders done and the health score at the day's end.
import { useCallback, useEffect, useState } from 'react';
import { api, type Me } from '../api.ts';
import { ErrorNote } from '../App.tsx';
import { COLORS, LineChart, StackedBarChart } from '../charts.tsx';
import { browserTimeZone } from '../format.ts';
import { useI18n } from '../i18n.tsx';
import { can } from '../permissions.ts';
import { usePolling } from './updates/shared.tsx';
import { Link } from '../router.tsx';

const SEVERITIES = ['critical', 'high', 'medium', 'low'] as const;
const SEVERITY_COLORS: Record<(typeof SEVERITIES)[number], string> = { critical: '#b71c1c', high: COLORS.locked, medium: COLORS.maintenance, low: '#9e9d24' };
type BySeverity = Record<(typeof SEVERITIES)[number], number>;

interface Overview {
  openIncidents: BySeverity;
  workOrders: { open: number; dueSoon: number; overdue: number };
  health: { score: number; terminals: number };
  days: { day: string; incidentsOpened: BySeverity; maintenanceJobs: number; workOrdersDone: number; healthScore: number }[];
}

export function FleetTrend({ me }: { me: Me }) {
  const { t, tk, locale } = useI18n();
  const [data, setData] = useState<Overview | null>(null);
  const [error, setError] = useState<unknown>(null);
  const load = useCallback(() => {
    api<Overview>('GET', `/overview?days=14&timeZone=${encodeURIComponent(browserTimeZone())}`)
      .then((o) => { setData(o); setError(null); })
      .catch((e: unknown) => setError(e));
  }, []);
  useEffect(load, [load]);
  usePolling(load, 60_000);

  if (error !== null) return <ErrorNote error={error} onRetry={load} />;
  if (!data) return <p role="status">{t('loading')}</p>;
  const labels = data.days.map((d) => new Intl.DateTimeFormat(locale, { month: 'numeric', day: 'numeric', timeZone: 'UTC' }).format(new Date(`${d.day}T00:00:00Z`)));
  return (
    <section aria-labelledby="attention-title">
      <h2 id="attention-title">{t('needsAttention')}</h2>
      <ul className="tiles" aria-label={t('needsAttention')}>
        <li className="tile"><Link className="tile-link" href="/incidents"><span className="tile-label">{t('healthScore')}</span><span className="tile-value" data-testid="overview-health">{data.health.score}</span></Link></li>
        {SEVERITIES.map((s) => (
          <li key={s} className="tile" style={{ borderLeftColor: SEVERITY_COLORS[s] }} data-severity={s}>
            <Link className="tile-link" href={`/incidents?severity=${s}`}>
              <span className="tile-label">{t('openIncidentsOf', { severity: tk('sev', s) })}</span>
              <span className="tile-value" data-testid={`overview-incidents-${s}`}>{data.openIncidents[s]}</span>
            </Link>
          </li>
        ))}
        {can(me, 'workorders:read') && (
          <>
            <li className="tile"><Link className="tile-link" href="/work-orders"><span className="tile-label">{t('openWorkOrders')}</span><span className="tile-value" data-testid="overview-work-orders-open">{data.workOrders.open}</span></Link></li>
            <li className="tile"><Link className="tile-link" href="/work-orders"><span className="tile-label">{t('workOrdersDueSoon')}</span><span className="tile-value" data-testid="overview-work-orders-due">{data.workOrders.dueSoon}</span></Link></li>
            <li className="tile"><Link className="tile-link" href="/work-orders"><span className="tile-label">{t('overdueWorkOrders')}</span><span className="tile-value" data-testid="overview-work-orders-overdue">{data.workOrders.overdue}</span></Link></li>
          </>
        )}
      </ul>
      <SinceYesterday days={data.days} />
      <div className="charts">
        <LineChart title={t('healthOverTime')} labels={labels} values={data.days.map((d) => d.healthScore)} min={0} />
        <StackedBarChart title={t('incidentsOpenedPerDay')} labels={labels}
          series={SEVERITIES.map((s) => ({ label: tk('sev', s), values: data.days.map((d) => d.incidentsOpened[s]), color: SEVERITY_COLORS[s] }))} />
        <StackedBarChart title={t('workPerDay')} labels={labels} series={[
          { label: t('maintenanceJobsStarted'), values: data.days.map((d) => d.maintenanceJobs), color: COLORS.maintenance },
          ...(can(me, 'workorders:read') ? [{ label: t('workOrdersDone'), values: data.days.map((d) => d.workOrdersDone), color: COLORS.normal }] : []),
        ]} />
      </div>
    </section>
  );
}

/** Today against yesterday (local days): the health score, the incidents opened, the maintenance started. */
function SinceYesterday({ days }: { days: Overview['days'] }) {
  const { t } = useI18n();
  const today = days[days.length - 1];
  const yesterday = days[days.length - 2];
  if (!today || !yesterday) return null;
  const opened = (d: Overview['days'][number]) => SEVERITIES.reduce((n, s) => n + d.incidentsOpened[s], 0);
  const signed = (n: number) => (n > 0 ? `+${n}` : String(n));
  const health = today.healthScore - yesterday.healthScore;
  return (
    <section className="card since" aria-labelledby="since-title">
      <h3 id="since-title">{t('ovSinceYesterday')}</h3>
      <ul className="plain">
        <li data-testid="since-health" className={health < 0 ? 'worse' : health > 0 ? 'better' : ''}>{t('ovHealthChange', { from: yesterday.healthScore, to: today.healthScore, change: signed(health) })}</li>
        <li data-testid="since-incidents"><Link href="/incidents">{t('ovIncidentsOpened', { today: opened(today), yesterday: opened(yesterday) })}</Link></li>
        <li data-testid="since-maintenance"><Link href="/maintenance">{t('ovMaintenanceStarted', { today: today.maintenanceJobs, yesterday: yesterday.maintenanceJobs })}</Link></li>
      </ul>
    </section>
  );
}
