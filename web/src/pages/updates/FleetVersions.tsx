// The fleet's versions (GET /fleet/versions): app and firmware versions per terminal model as stacked
// bars, the share of terminals on the latest security patch, installs stuck in a state, and versions
// that appeared on terminals without a campaign (flashed by hand).
import { useCallback, useEffect, useState } from 'react';
import { api, type FleetVersions } from '../../api.ts';
import { ErrorNote } from '../../App.tsx';
import { PALETTE, StackedBarChart } from '../../charts.tsx';
import { useI18n } from '../../i18n.tsx';
import type { LiveState } from '../../live.ts';
import { Link } from '../../router.tsx';
import { ActionBadge, modelName, percent, useModels, usePolling } from './shared.tsx';

export function FleetVersionsSection({ live }: { live: LiveState }) {
  const { t, tk, date, locale } = useI18n();
  const models = useModels();
  const [fleet, setFleet] = useState<FleetVersions | null>(null);
  const [error, setError] = useState<unknown>(null);
  const load = useCallback(() => {
    api<FleetVersions>('GET', '/fleet/versions').then((f) => { setFleet(f); setError(null); }).catch((e: unknown) => setError(e));
  }, []);
  useEffect(load, [load]);
  usePolling(load, 15_000);
  const serialOf = new Map((live.fleet?.terminals ?? []).map((x) => [x.id, x.serialNumber]));
  const terminal = (id: string) => <Link href={`/terminals/${id}`}>{serialOf.get(id) ?? id.slice(0, 8)}</Link>;

  const chart = (kind: 'application' | 'firmware', title: string) => {
    const rows = fleet?.versions.filter((v) => v.kind === kind) ?? [];
    const modelIds = [...new Set(rows.map((v) => v.modelId))];
    const versions = [...new Set(rows.map((v) => v.version ?? ''))].sort((a, b) => a.localeCompare(b, undefined, { numeric: true }));
    if (!rows.length) return null;
    return (
      <StackedBarChart
        title={title}
        labels={modelIds.map((id) => modelName(models, id))}
        series={versions.map((version, i) => ({
          label: version || t('unknownVersion'),
          color: PALETTE[i % PALETTE.length]!,
          values: modelIds.map((id) => rows.filter((v) => v.modelId === id && (v.version ?? '') === version).reduce((n, v) => n + v.terminals, 0)),
        }))}
      />
    );
  };
  // A terminal's first report of a version is when PosFleet learns it, not an install outside PosFleet.
  const outside = fleet?.installedOutside.filter((v) => v.fromVersion !== null) ?? [];

  return (
    <section aria-labelledby="fleet-versions-title">
      <h2 id="fleet-versions-title">{t('fleetVersions')}</h2>
      {error !== null && <ErrorNote error={error} onRetry={load} />}
      {!fleet ? error === null && <p role="status">{t('loading')}</p> : (
        <>
          <div className="charts">
            {chart('application', t('appVersionsPerModel'))}
            {chart('firmware', t('firmwarePerModel'))}
          </div>
          <h3 id="security-share-title">{t('securityPatchShare')}</h3>
          {fleet.securityPatch.length === 0 ? <p>{t('noSecurityPatches')}</p> : (
            <ul className="shares" aria-labelledby="security-share-title">
              {fleet.securityPatch.map((s) => (
                <li key={`${s.kind}|${s.name}|${s.modelId}`} data-testid={`security-share-${s.name}`}>
                  <div className="share-head">
                    <span><strong>{s.name} {s.latestVersion}</strong> · {tk('pkind', s.kind)} · {modelName(models, s.modelId)}</span>
                    <span>{t('securityShareLine', { onLatest: s.onLatest, terminals: s.terminals, share: percent(s.share, locale, 0) })}</span>
                  </div>
                  <div className="bar" aria-hidden="true"><span className="seg seg-succeeded" style={{ width: `${s.share * 100}%` }} /></div>
                </li>
              ))}
            </ul>
          )}
          <h3 id="stuck-title">{t('stuck')}</h3>
          <p className="muted">{t('stuckHelp')}</p>
          {fleet.stuck.length === 0 ? <p>{t('none')}</p> : (
            <div className="table-wrap">
              <table aria-labelledby="stuck-title">
                <thead><tr><th scope="col">{t('terminal')}</th><th scope="col">{t('state')}</th><th scope="col">{t('since')}</th><th scope="col">{t('campaign')}</th></tr></thead>
                <tbody>
                  {fleet.stuck.map((s) => (
                    <tr key={s.actionId}>
                      <td>{terminal(s.terminalId)}</td>
                      <td><ActionBadge state={s.state} /></td>
                      <td>{date(s.since)}</td>
                      <td><Link href={`/updates/campaigns/${s.campaignId}`}>{t('openCampaign')}</Link></td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
          <h3 id="outside-title">{t('installedOutside')}</h3>
          <p className="muted">{t('installedOutsideHelp')}</p>
          {outside.length === 0 ? <p>{t('none')}</p> : (
            <div className="table-wrap">
              <table aria-labelledby="outside-title">
                <thead><tr><th scope="col">{t('terminal')}</th><th scope="col">{t('packageKind')}</th><th scope="col">{t('change')}</th><th scope="col">{t('when')}</th></tr></thead>
                <tbody>
                  {outside.map((v) => (
                    <tr key={`${v.terminalId}|${v.kind}|${v.at}`}>
                      <td>{terminal(v.terminalId)}</td>
                      <td>{tk('pkind', v.kind)}</td>
                      <td>{v.fromVersion} → {v.toVersion}</td>
                      <td>{date(v.at)}</td>
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
