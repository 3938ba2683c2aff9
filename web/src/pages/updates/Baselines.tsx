// Baselines (desired state): on the Updates page, each baseline with its group's compliance counted (in
// baseline / waiting / drifting / failed), each count opening that list of terminals; a form to create one
// (a group filter and the versions, chosen from the packages and the versions the fleet runs); and a
// baseline's own page judging each terminal of its group in words, with the state kept in the address
// (?state=drifting) so a list can be shared.
import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { api, ApiError, type FleetVersions, type Me, type Package } from '../../api.ts';
import { useAction } from '../../action.ts';
import { ActionError, ErrorNote } from '../../App.tsx';
import { errorFor, InputField, SelectField, unplaced } from '../../Field.tsx';
import { useI18n, type I18n } from '../../i18n.tsx';
import { can } from '../../permissions.ts';
import { Link, useRouter } from '../../router.tsx';
import { useMerchants } from '../Calendar.tsx';
import { useSites } from '../Terminals.tsx';
import { modelName, TargetSelects, useModels } from './shared.tsx';
import { usePackages } from './Updates.tsx';

export const COMPLIANCE_STATES = ['in_baseline', 'waiting', 'drifting', 'failed'] as const;
export type ComplianceState = (typeof COMPLIANCE_STATES)[number];

interface BaselineFilter { merchantId: string | null; siteId: string | null; modelId: string | null; tag: string | null }
export interface Baseline {
  id: string; name: string; filter: BaselineFilter; appVersion: string | null; firmwareVersion: string | null;
  counts: Record<ComplianceState | 'total', number>; createdBy: string; createdAt: string;
}
interface BaselineTerminal {
  terminalId: string; serialNumber: string; siteId: string | null; appVersion: string | null; firmwareVersion: string | null; state: ComplianceState;
}

const FIELDS = ['name', 'appVersion', 'firmwareVersion', 'filter.merchantId', 'filter.siteId', 'filter.modelId', 'filter.tag'];
const base = (id: string) => `/updates/baselines/${encodeURIComponent(id)}`;

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

function wants(t: I18n['t'], b: Pick<Baseline, 'appVersion' | 'firmwareVersion'>) {
  return [b.appVersion && `${t('blApplication')} ${b.appVersion}`, b.firmwareVersion && `${t('blFirmware')} ${b.firmwareVersion}`].filter(Boolean).join(', ');
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

/** Versions to choose from: those the packages bring and those the fleet runs, for the chosen model. */
function versionChoices(kind: 'application' | 'firmware', modelId: string, packages: Package[], fleet: FleetVersions | null, t: I18n['t']) {
  const choices = new Map<string, string[]>();
  const add = (version: string, note: string) => choices.set(version, [...(choices.get(version) ?? []), note]);
  for (const p of packages) if (p.kind === kind && p.ready && (!modelId || p.compatibleModels.includes(modelId))) add(p.version, t('blFromPackage', { name: p.name }));
  const installed = new Map<string, number>();
  for (const v of fleet?.versions ?? []) {
    if (v.kind === kind && v.version && (!modelId || v.modelId === modelId)) installed.set(v.version, (installed.get(v.version) ?? 0) + v.terminals);
  }
  for (const [version, count] of installed) add(version, t('blInstalledOn', { count }));
  return [...choices].sort(([a], [b]) => b.localeCompare(a, undefined, { numeric: true }));
}

export function NewBaselinePage({ me }: { me: Me }) {
  const { t } = useI18n();
  return (
    <section aria-labelledby="new-baseline-title">
      <p><Link href="/updates">{t('backToUpdates')}</Link></p>
      <h1 id="new-baseline-title">{t('blCreateTitle')}</h1>
      {can(me, 'rollouts:write') ? <BaselineForm /> : <p className="note">{t('noPermission')}</p>}
    </section>
  );
}

function BaselineForm() {
  const { t } = useI18n();
  const { navigate } = useRouter();
  const { packages } = usePackages();
  const sites = useSites();
  const merchants = useMerchants();
  const models = useModels();
  const [fleet, setFleet] = useState<FleetVersions | null>(null);
  useEffect(() => { api<FleetVersions>('GET', '/fleet/versions').then(setFleet).catch(() => setFleet(null)); }, []);
  const [name, setName] = useState('');
  const [merchantId, setMerchantId] = useState('');
  const [siteId, setSiteId] = useState('');
  const [modelId, setModelId] = useState('');
  const [tag, setTag] = useState('');
  const [appVersion, setAppVersion] = useState('');
  const [firmwareVersion, setFirmwareVersion] = useState('');
  const [noVersion, setNoVersion] = useState(false);
  const action = useAction();
  const apps = versionChoices('application', modelId, packages ?? [], fleet, t);
  const firmwares = versionChoices('firmware', modelId, packages ?? [], fleet, t);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    // Said before asking the server, in the user's words (the server refuses it too, naming appVersion).
    if (!appVersion && !firmwareVersion) { setNoVersion(true); return; }
    setNoVersion(false);
    void action.run(async () => {
      const filter = Object.fromEntries(Object.entries({ merchantId, siteId, modelId, tag: tag.trim() }).filter(([, v]) => v !== ''));
      const created = await api<Baseline>('POST', '/baselines', {
        name: name.trim(), filter, ...(appVersion && { appVersion }), ...(firmwareVersion && { firmwareVersion }),
      });
      navigate(base(created.id));
      return t('blCreated');
    });
  };
  const fieldError = (field: string) => {
    const message = errorFor(action.error, field);
    return message && message.startsWith(`${field}: `) ? message.slice(field.length + 2) : message;
  };

  return (
    <form className="card settings-form baseline-form" onSubmit={submit} aria-labelledby="new-baseline-title" noValidate>
      <InputField label={t('blName')} required maxLength={200} value={name} onChange={(e) => setName(e.target.value)} error={fieldError('name')} />
      <fieldset>
        <legend>{t('blGroup')}</legend>
        <p className="hint">{t('blGroupHint')}</p>
        <div className="field-grid">
          <TargetSelects merchants={merchants} sites={sites} models={models} merchantId={merchantId} siteId={siteId} modelId={modelId}
            onMerchant={setMerchantId} onSite={setSiteId} onModel={setModelId} fieldError={fieldError} />
          <InputField label={t('tag')} value={tag} maxLength={100} spellCheck={false} placeholder={t('blAnyTag')} onChange={(e) => setTag(e.target.value)} error={fieldError('filter.tag')} />
        </div>
      </fieldset>
      <fieldset className={noVersion ? 'invalid' : ''}>
        <legend>{t('blVersions')}</legend>
        <p className="hint">{t('blVersionsHint')}</p>
        {noVersion && <p className="field-error" role="alert">{t('blNoVersionError')}</p>}
        <div className="field-grid">
          <SelectField label={t('blAppVersion')} value={appVersion} onChange={(e) => setAppVersion(e.target.value)} error={fieldError('appVersion')}>
            <option value="">{t('blNoVersion')}</option>
            {apps.map(([v, notes]) => <option key={v} value={v}>{v} ({notes.join(', ')})</option>)}
          </SelectField>
          <SelectField label={t('blFirmwareVersion')} value={firmwareVersion} onChange={(e) => setFirmwareVersion(e.target.value)} error={fieldError('firmwareVersion')}>
            <option value="">{t('blNoVersion')}</option>
            {firmwares.map(([v, notes]) => <option key={v} value={v}>{v} ({notes.join(', ')})</option>)}
          </SelectField>
        </div>
      </fieldset>
      <div aria-live="polite">
        {action.done && <p className="note ok" role="status">{action.done}</p>}
        {unplaced(action.error, FIELDS) && <ActionError error={action.error} />}
        {action.error instanceof ApiError && !unplaced(action.error, FIELDS) && <p className="sr-only" role="alert">{t('refused', { message: action.error.message })}</p>}
      </div>
      <button type="submit" disabled={action.busy}>{t('blSubmit')}</button>
    </form>
  );
}

/** Why a terminal is in its state, in words, from the versions it reports and those the baseline names. */
function why(t: I18n['t'], b: Baseline, x: BaselineTerminal) {
  if (x.state === 'in_baseline') return t('blWhy_in_baseline');
  const gaps = [
    b.appVersion && x.appVersion !== b.appVersion && t('blGap', { what: t('blApplication'), have: x.appVersion ?? t('blUnknown'), want: b.appVersion }),
    b.firmwareVersion && x.firmwareVersion !== b.firmwareVersion && t('blGap', { what: t('blFirmware'), have: x.firmwareVersion ?? t('blUnknown'), want: b.firmwareVersion }),
  ].filter(Boolean).join(', ');
  const target = wants(t, b);
  if (x.state === 'drifting') return t('blWhy_drifting', { versions: gaps });
  return t(x.state === 'waiting' ? 'blWhy_waiting' : 'blWhy_failed', { versions: target });
}

export function BaselinePage({ id }: { id: string }) {
  const { t, tk, date } = useI18n();
  const { path } = useRouter();
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
