// Fleet overview: how many terminals are in service, under maintenance, locked or offline, live; what
// needs attention (incidents, work orders, fleet health) with the last two weeks as charts; the worst
// sites and terminals; and the campaigns in progress, for roles that may see them. Every number opens
// the list behind it, filtered.
import { useEffect, useState } from 'react';
import { api, type Me } from '../api.ts';
import { Link } from '../router.tsx';
import { useSites } from './Terminals.tsx';
import { ScoreBadge } from './HealthScore.tsx';
import { BarChart, COLORS, DoughnutChart } from '../charts.tsx';
import { useI18n } from '../i18n.tsx';
import { displayMode, type LiveState } from '../live.ts';
import { can } from '../permissions.ts';
import { FleetTrend } from './FleetTrend.tsx';
import { CampaignsInProgress } from './updates/InProgress.tsx';

const MODES = ['normal', 'maintenance', 'locked', 'offline'] as const;

export function OverviewPage({ me, live }: { me: Me; live: LiveState }) {
  const { t, tk } = useI18n();
  const terminals = live.fleet?.terminals ?? [];
  const counts = Object.fromEntries(MODES.map((m) => [m, 0])) as Record<(typeof MODES)[number], number>;
  for (const terminal of terminals) counts[displayMode(terminal)]++;
  const online = terminals.filter((x) => x.online).length;
  return (
    <section aria-labelledby="overview-title">
      <h1 id="overview-title">{t('overview')}</h1>
      {!live.fleet ? <p role="status">{t('loading')}</p> : (
        <>
          {live.fleet.truncated && <p className="note">{t('liveTruncated', { count: terminals.length })}</p>}
          <ul className="tiles" aria-label={t('byMode')}>
            <li className="tile"><Link className="tile-link" href="/terminals"><span className="tile-label">{t('total')}</span><span className="tile-value" data-testid="count-total">{terminals.length}</span></Link></li>
            {MODES.map((m) => (
              <li key={m} className={`tile tile-${m}`}>
                <Link className="tile-link" href={`/terminals?mode=${m}`}>
                  <span className="tile-label">{tk('mode', m)}</span>
                  <span className="tile-value" data-testid={`count-${m}`}>{counts[m]}</span>
                </Link>
              </li>
            ))}
          </ul>
          <div className="charts">
            <DoughnutChart title={t('byMode')} slices={MODES.map((m) => ({ label: tk('mode', m), value: counts[m], color: COLORS[m] }))} />
            <BarChart
              title={t('onlineVsOffline')}
              slices={[{ label: t('online'), value: online, color: COLORS.normal }, { label: t('offline'), value: terminals.length - online, color: COLORS.offline }]}
            />
          </div>
        </>
      )}
      <FleetTrend me={me} />
      <Worst live={live} />
      {can(me, 'rollouts:read') && <CampaignsInProgress live={live} />}
    </section>
  );
}

interface TerminalScore { terminalId: string; serialNumber: string; siteId: string | null; score: number; incidents: number }

/**
 * The five worst terminals and sites by health score. A site's score is the mean of its terminals'
 * (a terminal with no open incident scores 100), so a big site is not worst for its size alone.
 */
function Worst({ live }: { live: LiveState }) {
  const { t } = useI18n();
  const sites = useSites();
  const [scores, setScores] = useState<TerminalScore[] | null>(null);
  const fleetSize = (live.fleet?.terminals ?? []).length; // looked at again when the fleet's size changes
  useEffect(() => {
    api<{ items: TerminalScore[] }>('GET', '/health-scores/terminals?limit=1000').then((r) => setScores(r.items)).catch(() => setScores([]));
  }, [fleetSize]);
  if (!scores) return null;
  const perSite = new Map<string, number>();
  for (const x of live.fleet?.terminals ?? []) if (x.siteId) perSite.set(x.siteId, (perSite.get(x.siteId) ?? 0) + 1);
  const lost = new Map<string, { points: number; incidents: number }>();
  for (const s of scores) {
    if (!s.siteId) continue;
    const v = lost.get(s.siteId) ?? { points: 0, incidents: 0 };
    lost.set(s.siteId, { points: v.points + (100 - s.score), incidents: v.incidents + s.incidents });
  }
  const worstSites = [...lost].map(([siteId, v]) => ({ siteId, score: Math.round(100 - v.points / Math.max(1, perSite.get(siteId) ?? 1)), incidents: v.incidents }))
    .sort((a, b) => a.score - b.score).slice(0, 5);
  const siteName = new Map(sites.map((s) => [s.id, s.name]));
  return (
    <section aria-labelledby="worst-title">
      <h2 id="worst-title">{t('ovWorst')}</h2>
      {scores.length === 0 ? <p className="note ok">{t('ovAllHealthy')}</p> : (
        <div className="grid">
          <section className="card" aria-labelledby="worst-terminals-title">
            <h3 id="worst-terminals-title">{t('ovWorstTerminals')}</h3>
            <ol className="worst">
              {scores.slice(0, 5).map((x) => (
                <li key={x.terminalId}>
                  <ScoreBadge score={x.score} /> <Link href={`/terminals/${encodeURIComponent(x.terminalId)}`}>{x.serialNumber}</Link>{' '}
                  <Link className="muted" href={`/incidents?terminalId=${encodeURIComponent(x.terminalId)}`}>{t('ovIncidents', { n: x.incidents })}</Link>
                </li>
              ))}
            </ol>
          </section>
          <section className="card" aria-labelledby="worst-sites-title">
            <h3 id="worst-sites-title">{t('ovWorstSites')}</h3>
            <ol className="worst">
              {worstSites.map((x) => (
                <li key={x.siteId}>
                  <ScoreBadge score={x.score} /> <Link href={`/terminals?siteId=${encodeURIComponent(x.siteId)}`}>{siteName.get(x.siteId) ?? ''}</Link>{' '}
                  <Link className="muted" href={`/incidents?siteId=${encodeURIComponent(x.siteId)}`}>{t('ovIncidents', { n: x.incidents })}</Link>
                </li>
              ))}
            </ol>
          </section>
        </div>
      )}
    </section>
  );
}
