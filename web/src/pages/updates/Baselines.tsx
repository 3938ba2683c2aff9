// Baselines (desired state): on the Updates page, each baseline with its group's compliance counted (in
// baseline / waiting / drifting / failed), each count opening that list of terminals; and a baseline's
// own page judging each terminal of its group in words, with the state kept in the address
// (?state=drifting) so a list can be shared, from where it is edited (BaselineForm.tsx) or deleted.
import { useCallback, useEffect, useState } from 'react';
import { api, type Me } from '../../api.ts';
import { useAction } from '../../action.ts';
import { ActionError, ErrorNote } from '../../App.tsx';
import { ConfirmDialog } from '../../Dialog.tsx';
import { useI18n, type I18n } from '../../i18n.tsx';
import { can } from '../../permissions.ts';
import { Link, useRouter } from '../../router.tsx';
import { useMerchants } from '../Calendar.tsx';
import { useSites } from '../Terminals.tsx';
import { baselinePath as base } from './BaselineForm.tsx';
import { modelName, useModels } from './shared.tsx';

export const COMPLIANCE_STATES = ['in_baseline', 'waiting', 'drifting', 'failed'] as const;
export type ComplianceState = (typeof COMPLIANCE_STATES)[number];

interface BaselineFilter { merchantId: string | null; siteId: string | null; modelId: string | null; tag: string | null }
export interface Baseline {
  id: string; name: string; filter: BaselineFilter; appVersion: string | null; firmwareVersion: string | null; configurationVersion: number | null;
  counts: Record<ComplianceState | 'total', number>; createdBy: string; createdAt: string;
}
interface BaselineTerminal {
  terminalId: string; serialNumber: string; siteId: string | null; appVersion: string | null; firmwareVersion: string | null; configurationVersion: number | null; state: ComplianceState;
}

/** The group a filter names, in words: "PAX A920 · 门店 …", or every terminal. */
function useGroupWords() {
  const { t } = useI18n();
  const sites = useSites();
  const merchants = useMerchants();
  const models = useModels();
  return (f: BaselineFilter) => {
    const parts = [
      f.merchantId && (merchants.find((m) => m.id === f.merchantId)?.name ?? ''),
      f.siteId && (sites.find((s) => s.id === f.siteId)?.name ?? ''),
      f.modelId && (models.length ? modelName(models, f.modelId) : ''),
      f.tag && `${t('tag')}: ${f.tag}`,
    ].filter(Boolean);
    return parts.length ? parts.join(' · ') : t('blEveryTerminal');
  };
}

function wants(t: I18n['t'], b: Pick<Baseline, 'appVersion' | 'firmwareVersion' | 'configurationVersion'>) {
  return [
    b.appVersion && `${t('blApplication')} ${b.appVersion}`, b.firmwareVersion && `${t('blFirmware')} ${b.firmwareVersion}`,
    b.configurationVersion && `${t('blConfiguration')} v${b.configurationVersion}`,
  ].filter(Boolean).join(', ');
}

export function StateBadge({ state }: { state: ComplianceState }) {
  const { tk } = useI18n();
  return <span className={`cstate cstate-${state}`}>{tk('blState', state)}</span>;
}

/** The Updates page's section: every baseline with its counts; each count opens its terminals. */
export function BaselinesSection({ me }: { me: Me }) {
  const { t, tk } = useI18n();
  const group = useGroupWords();
  const [items, setItems] = useState<Baseline[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const load = useCallback(() => {
    api<{ items: Baseline[] }>('GET', '/baselines').then((r) => { setItems(r.items); setError(null); }).catch((e: unknown) => setError(e));
  }, []);
  useEffect(load, [load]);
  const mayCreate = can(me, 'rollouts:write');
  return (
    <section aria-labelledby="baselines-title" className="baselines">
      <div className="section-head">
        <h2 id="baselines-title">{t('blTitle')}</h2>
        {mayCreate && items !== null && items.length > 0 && <Link className="button-link" href="/updates/baselines/new">{t('blCreate')}</Link>}
      </div>
      <p className="hint">{t('blHint')}</p>
      {error !== null && <ErrorNote error={error} onRetry={load} />}
      {items === null ? error === null && <p role="status">{t('loading')}</p> : items.length === 0 ? (
        <div className="empty">
          <p>{t('blNone')}</p>
          {mayCreate && <Link className="button-link" href="/updates/baselines/new">{t('blCreate')}</Link>}
        </div>
      ) : (
        <div className="table-wrap">
          <table aria-labelledby="baselines-title">
            <thead>
              <tr>
                <th scope="col">{t('blName')}</th><th scope="col" className="wide">{t('blGroup')}</th><th scope="col" className="wide">{t('blWants')}</th>
                {COMPLIANCE_STATES.map((s) => <th key={s} scope="col" className="num wide">{tk('blState', s)}</th>)}
              </tr>
            </thead>
            <tbody>
              {items.map((b) => (
                <tr key={b.id} data-baseline={b.id}>
                  <th scope="row">
                    <Link href={base(b.id)}>{b.name}</Link>
                    <div className="muted narrow-only">{group(b.filter)} · {wants(t, b)}</div>
                    {/* On a phone the counts sit under the name, as the four columns do not fit. */}
                    <div className="narrow-only state-filter">
                      {COMPLIANCE_STATES.map((s) => (
                        <Link key={s} className={`cstate-${s}`} href={`${base(b.id)}?state=${s}`} aria-label={`${b.name}: ${tk('blState', s)} ${b.counts[s]}`}>
                          {tk('blState', s)} {b.counts[s]}
                        </Link>
                      ))}
                    </div>
                  </th>
                  <td className="wide">{group(b.filter)}</td>
                  <td className="wide">{wants(t, b)}</td>
                  {COMPLIANCE_STATES.map((s) => (
                    <td key={s} className="num wide">
                      <Link className={`count cstate-${s}`} href={`${base(b.id)}?state=${s}`} aria-label={`${b.name}: ${tk('blState', s)} ${b.counts[s]}`}>{b.counts[s]}</Link>
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

/** Why a terminal is in its state, in words, from the versions it reports and those the baseline names. */
function why(t: I18n['t'], b: Baseline, x: BaselineTerminal) {
  if (x.state === 'in_baseline') return t('blWhy_in_baseline');
  const gaps = [
    b.appVersion && x.appVersion !== b.appVersion && t('blGap', { what: t('blApplication'), have: x.appVersion ?? t('blUnknown'), want: b.appVersion }),
    b.firmwareVersion && x.firmwareVersion !== b.firmwareVersion && t('blGap', { what: t('blFirmware'), have: x.firmwareVersion ?? t('blUnknown'), want: b.firmwareVersion }),
    b.configurationVersion && (x.configurationVersion ?? 0) < b.configurationVersion && t('blGap', {
      what: t('blConfiguration'), have: x.configurationVersion ? `v${x.configurationVersion}` : t('blOtherConfiguration'), want: `v${b.configurationVersion}`,
    }),
  ].filter(Boolean).join(', ');
  const target = wants(t, b);
  if (x.state === 'drifting') return t('blWhy_drifting', { versions: gaps });
  return t(x.state === 'waiting' ? 'blWhy_waiting' : 'blWhy_failed', { versions: target });
}

export function BaselinePage({ id, me }: { id: string; me: Me }) {
  const { t, tk, date } = useI18n();
  const { path, navigate } = useRouter();
  const [deleting, setDeleting] = useState(false);
  const remove = useAction();
  const group = useGroupWords();
  const sites = useSites();
  const stateParam = new URLSearchParams(path.split('?')[1] ?? '').get('state');
  const state = COMPLIANCE_STATES.find((s) => s === stateParam) ?? null;
  const [data, setData] = useState<{ baseline: Baseline; terminals: BaselineTerminal[] } | null>(null);
  const [error, setError] = useState<unknown>(null);
  const load = useCallback(() => {
    api<{ baseline: Baseline; terminals: BaselineTerminal[] }>('GET', `/baselines/${encodeURIComponent(id)}`)
      .then((d) => { setData(d); setError(null); }).catch((e: unknown) => setError(e));
  }, [id]);
  useEffect(load, [load]);
  if (error !== null) return <ErrorNote error={error} onRetry={load} />;
  if (data === null) return <p role="status">{t('loading')}</p>;
  const b = data.baseline;
  // The worst first: failed, drifting, waiting, then those in baseline; by serial number within.
  const order: ComplianceState[] = ['failed', 'drifting', 'waiting', 'in_baseline'];
  const shown = data.terminals.filter((x) => !state || x.state === state)
    .sort((a, c) => order.indexOf(a.state) - order.indexOf(c.state) || a.serialNumber.localeCompare(c.serialNumber));
  const siteName = (siteId: string | null) => sites.find((s) => s.id === siteId)?.name ?? '';
  return (
    <section aria-labelledby="baseline-title" className="baseline">
      <p><Link href="/updates">{t('backToUpdates')}</Link></p>
      <h1 id="baseline-title">{t('blPageTitle', { name: b.name })}</h1>
      <dl className="facts">
        <dt>{t('blGroup')}</dt><dd>{group(b.filter)}</dd>
        <dt>{t('blWants')}</dt><dd>{wants(t, b)}</dd>
        <dt>{t('blTotal')}</dt><dd>{b.counts.total}</dd>
      </dl>
      <p className="muted">{t('blCreatedBy', { name: b.createdBy, when: date(b.createdAt) })}</p>
      {can(me, 'rollouts:write') && (
        <div className="buttons">
          <Link className="button-link" href={`${base(b.id)}/edit`}>{t('blEdit')}</Link>
          <button type="button" className="danger" onClick={() => setDeleting(true)}>{t('blDelete')}</button>
        </div>
      )}
      <ConfirmDialog open={deleting} title={t('blDeleteTitle', { name: b.name })} confirmLabel={t('blDelete')} danger busy={remove.busy}
        onClose={() => setDeleting(false)}
        onConfirm={() => void remove.run(async () => {
          await api('DELETE', `/baselines/${encodeURIComponent(b.id)}`);
          setDeleting(false);
          navigate('/updates');
        })}>
        <p>{t('blDeleteHint')}</p>
        {remove.error !== null && remove.error !== undefined && <ActionError error={remove.error} />}
      </ConfirmDialog>
      <nav className="state-filter" aria-label={t('blTerminals')}>
        <Link href={base(b.id)} aria-current={state === null ? 'true' : undefined}>{t('blAllStates')} ({b.counts.total})</Link>
        {COMPLIANCE_STATES.map((s) => (
          <Link key={s} className={`cstate-${s}`} href={`${base(b.id)}?state=${s}`} aria-current={state === s ? 'true' : undefined}>{tk('blState', s)} ({b.counts[s]})</Link>
        ))}
      </nav>
      <h2 id="baseline-terminals">{state ? t('blShowing', { state: tk('blState', state) }) : t('blTerminals')}</h2>
      {b.counts.total === 0 ? <p className="empty">{t('blGroupEmpty')}</p> : shown.length === 0 ? <p className="empty">{t('blNoTerminals')}</p> : (
        <div className="table-wrap">
          <table aria-labelledby="baseline-terminals">
            <thead>
              <tr>
                <th scope="col">{t('serialNumber')}</th><th scope="col">{t('state')}</th><th scope="col">{t('blWhy')}</th>
                <th scope="col" className="wide">{t('site')}</th><th scope="col" className="wide">{t('blHas')}</th>
              </tr>
            </thead>
            <tbody>
              {shown.map((x) => (
                <tr key={x.terminalId} data-terminal={x.terminalId}>
                  <th scope="row"><Link href={`/terminals/${encodeURIComponent(x.terminalId)}`}>{x.serialNumber}</Link></th>
                  <td><StateBadge state={x.state} /></td>
                  <td>{why(t, b, x)}</td>
                  <td className="wide">{siteName(x.siteId)}</td>
                  <td className="wide">{[x.appVersion, x.firmwareVersion].filter(Boolean).join(' · ') || t('blUnknown')}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
