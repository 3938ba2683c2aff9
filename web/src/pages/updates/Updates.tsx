// Updates: the campaigns (with their state and current wave, refreshed while the page is open), the
// packages publishers uploaded (kind, version, security patch, ready, signing key), and the fleet's
// versions. Starting a campaign is offered to roles that may (rollouts:write).
import { useCallback, useEffect, useState } from 'react';
import { allPages, api, query, type CampaignSummary, type Me, type Package, type Page, type PublisherKey } from '../../api.ts';
import { ErrorNote } from '../../App.tsx';
import { SelectField } from '../../Field.tsx';
import { useI18n } from '../../i18n.tsx';
import type { LiveState } from '../../live.ts';
import { can } from '../../permissions.ts';
import { Link } from '../../router.tsx';
import { BaselinesSection } from './Baselines.tsx';
import { FleetVersionsSection } from './FleetVersions.tsx';
import { CampaignBadge, usePolling } from './shared.tsx';

const STATES = ['running', 'paused', 'halted', 'completed', 'cancelled'] as const;
const PAGE_SIZE = 25;

/** Every package (the newest first) and the publisher keys by id, for names and signatures. */
export function usePackages() {
  const [packages, setPackages] = useState<Package[] | null>(null);
  const [keys, setKeys] = useState<Map<string, PublisherKey>>(new Map());
  const [error, setError] = useState<unknown>(null);
  const load = useCallback(() => {
    setError(null);
    Promise.all([allPages<Package>('/packages', 500), api<{ items: PublisherKey[] }>('GET', '/publisher-keys')])
      .then(([p, k]) => {
        setPackages([...p].sort((a, b) => b.createdAt.localeCompare(a.createdAt)));
        setKeys(new Map(k.items.map((x) => [x.id, x])));
      })
      .catch((e: unknown) => setError(e));
  }, []);
  useEffect(load, [load]);
  return { packages, keys, error, reload: load };
}

export function UpdatesPage({ me, live }: { me: Me; live: LiveState }) {
  const { t } = useI18n();
  const packages = usePackages();
  return (
    <section aria-labelledby="updates-title" className="updates">
      <h1 id="updates-title">{t('updates')}</h1>
      <CampaignList me={me} packages={packages.packages ?? []} />
      <PackageList me={me} {...packages} />
      <BaselinesSection me={me} />
      <FleetVersionsSection live={live} />
    </section>
  );
}

function CampaignList({ me, packages }: { me: Me; packages: Package[] }) {
  const { t, date } = useI18n();
  const [state, setState] = useState('');
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  const [page, setPage] = useState<Page<CampaignSummary> | null>(null);
  const [error, setError] = useState<unknown>(null);
  const cursor = cursors[cursors.length - 1];
  const load = useCallback(() => {
    api<Page<CampaignSummary>>('GET', `/campaigns${query({ state, limit: PAGE_SIZE, cursor })}`)
      .then((p) => { setPage(p); setError(null); })
      .catch((e: unknown) => setError(e));
  }, [state, cursor]);
  useEffect(load, [load]);
  usePolling(load, 5000);
  const packageOf = new Map(packages.map((p) => [p.id, p]));

  return (
    <section aria-labelledby="campaigns-title">
      <div className="section-head">
        <h2 id="campaigns-title">{t('campaigns')}</h2>
        {can(me, 'rollouts:write') && <Link className="button-link" href="/updates/campaigns/new">{t('startCampaign')}</Link>}
      </div>
      <div className="filters">
        <SelectField label={t('state')} value={state} onChange={(e) => { setState(e.target.value); setCursors([undefined]); }}>
          <option value="">{t('anyState')}</option>
          {STATES.map((s) => <option key={s} value={s}>{t(`cstate_${s}`)}</option>)}
        </SelectField>
      </div>
      {error !== null && <ErrorNote error={error} onRetry={load} />}
      {page === null ? error === null && <p role="status">{t('loading')}</p> : page.items.length === 0 ? <p>{t('noCampaigns')}</p> : (
        <>
          <div className="table-wrap">
            <table aria-labelledby="campaigns-title">
              <thead>
                <tr>
                  <th scope="col">{t('campaignName')}</th><th scope="col">{t('state')}</th><th scope="col">{t('wave')}</th>
                  <th scope="col" className="wide">{t('package')}</th><th scope="col" className="wide">{t('started')}</th>
                </tr>
              </thead>
              <tbody>
                {/* The server pages by id; within a page, the newest first. */}
                {[...page.items].sort((a, b) => b.createdAt.localeCompare(a.createdAt)).map((c) => {
                  const p = packageOf.get(c.packageId);
                  return (
                    <tr key={c.id} data-campaign={c.id}>
                      <th scope="row"><Link href={`/updates/campaigns/${c.id}`}>{c.name}</Link>{c.rollbackOf && <div className="muted">{t('rollbackCampaign')}</div>}</th>
                      <td><CampaignBadge state={c.state} /></td>
                      <td>{t('waveOf', { wave: Math.min(c.currentWave, c.waves), waves: c.waves })}</td>
                      <td className="wide">{p ? `${p.name} ${p.version}` : ''}</td>
                      <td className="wide">{date(c.createdAt)}</td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
          {(cursors.length > 1 || page.nextCursor) && (
            <nav className="pager" aria-label={t('campaigns')}>
              <button type="button" disabled={cursors.length === 1} onClick={() => setCursors(cursors.slice(0, -1))}>{t('previous')}</button>
              <button type="button" disabled={!page.nextCursor} onClick={() => page.nextCursor && setCursors([...cursors, page.nextCursor])}>{t('next')}</button>
            </nav>
          )}
        </>
      )}
    </section>
  );
}

function PackageList({ me, packages, keys, error, reload }: { me: Me } & ReturnType<typeof usePackages>) {
  const { t, tk, date } = useI18n();
  const mayStart = can(me, 'rollouts:write');
  const mayUpload = can(me, 'packages:publish');
  return (
    <section aria-labelledby="packages-title">
      <div className="section-head">
        <h2 id="packages-title">{t('packages')}</h2>
        {mayUpload && packages !== null && packages.length > 0 && <Link className="button-link" href="/updates/packages/new">{t('upUpload')}</Link>}
      </div>
      {error !== null && <ErrorNote error={error} onRetry={reload} />}
      {packages === null ? error === null && <p role="status">{t('loading')}</p> : packages.length === 0 ? (
        <div className="empty">
          <p>{t('upNone')}</p>
          {mayUpload && <Link className="button-link" href="/updates/packages/new">{t('upUpload')}</Link>}
        </div>
      ) : (
        <div className="table-wrap">
          <table aria-labelledby="packages-title">
            <thead>
              <tr>
                <th scope="col">{t('package')}</th><th scope="col">{t('packageKind')}</th><th scope="col">{t('securityPatch')}</th>
                <th scope="col">{t('ready')}</th><th scope="col" className="wide">{t('signedBy')}</th><th scope="col" className="wide">{t('uploaded')}</th>
              </tr>
            </thead>
            <tbody>
              {packages.map((p) => {
                const key = keys.get(p.keyId);
                return (
                  <tr key={p.id} data-package={p.id}>
                    <th scope="row">
                      <Link href={`/updates/packages/${p.id}`}>{p.name} {p.version}</Link>
                      {mayStart && p.ready && !key?.revokedAt && (
                        <div><Link className="small-link" href={`/updates/campaigns/new?package=${encodeURIComponent(p.id)}`} aria-label={`${t('startCampaign')}: ${p.name} ${p.version}`}>{t('startCampaign')}</Link></div>
                      )}
                    </th>
                    <td>{tk('pkind', p.kind)}</td>
                    <td>{p.securityPatch ? <span className="flag flag-security">{t('securityPatch')}</span> : <span className="muted">{t('no')}</span>}</td>
                    <td>{p.ready ? <span className="flag flag-ready">{t('ready')}</span> : <span className="muted">{t('notReady')}</span>}</td>
                    <td className="wide">{key ? (key.revokedAt ? t('keyRevoked', { name: key.name }) : key.name) : <code>{p.keyId.slice(0, 12)}</code>}</td>
                    <td className="wide">{p.uploadedAt ? date(p.uploadedAt) : '—'}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
