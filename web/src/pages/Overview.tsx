// Fleet overview: how many terminals are in service, under maintenance, locked or offline, live; what
// needs attention (incidents, work orders, fleet health) with the last two weeks as charts; and the
// campaigns in progress, for roles that may see them.
import type { Me } from '../api.ts';
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
            <li className="tile"><span className="tile-label">{t('total')}</span><span className="tile-value" data-testid="count-total">{terminals.length}</span></li>
            {MODES.map((m) => (
              <li key={m} className={`tile tile-${m}`}>
                <span className="tile-label">{tk('mode', m)}</span>
                <span className="tile-value" data-testid={`count-${m}`}>{counts[m]}</span>
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
      {can(me, 'rollouts:read') && <CampaignsInProgress live={live} />}
    </section>
  );
}
