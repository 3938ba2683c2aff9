// The form that creates a baseline or changes one (its name, its group and the versions it names):
// the versions are chosen from the packages and the versions the fleet runs for the chosen model, and
// the configuration version is that of the saved configuration group with the same filter.
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
import type { Baseline } from './Baselines.tsx';
import { TargetSelects, useModels } from './shared.tsx';
import { usePackages } from './Updates.tsx';

const FIELDS = ['name', 'appVersion', 'firmwareVersion', 'configurationVersion', 'filter.merchantId', 'filter.siteId', 'filter.modelId', 'filter.tag'];
export const baselinePath = (id: string) => `/updates/baselines/${encodeURIComponent(id)}`;

/** Versions to choose from: those the packages bring and those the fleet runs, for the chosen model. */
function versionChoices(kind: 'application' | 'firmware', modelId: string, packages: Package[], fleet: FleetVersions | null, t: I18n['t'], current: string | null) {
  const choices = new Map<string, string[]>();
  const add = (version: string, note: string) => choices.set(version, [...(choices.get(version) ?? []), note]);
  for (const p of packages) if (p.kind === kind && p.ready && (!modelId || p.compatibleModels.includes(modelId))) add(p.version, t('blFromPackage', { name: p.name }));
  const installed = new Map<string, number>();
  for (const v of fleet?.versions ?? []) {
    if (v.kind === kind && v.version && (!modelId || v.modelId === modelId)) installed.set(v.version, (installed.get(v.version) ?? 0) + v.terminals);
  }
  for (const [version, count] of installed) add(version, t('blInstalledOn', { count }));
  // The version a baseline names stays offered while it is edited, even if nothing brings it any more.
  if (current && !choices.has(current)) choices.set(current, [t('blCurrent')]);
  return [...choices].sort(([a], [b]) => b.localeCompare(a, undefined, { numeric: true }));
}

export function NewBaselinePage({ me }: { me: Me }) {
  const { t } = useI18n();
  return (
    <section aria-labelledby="new-baseline-title">
      <p><Link href="/updates">{t('backToUpdates')}</Link></p>
      <h1 id="new-baseline-title">{t('blCreateTitle')}</h1>
      {can(me, 'rollouts:write') ? <BaselineForm labelledBy="new-baseline-title" /> : <p className="note">{t('noPermission')}</p>}
    </section>
  );
}

export function EditBaselinePage({ me, id }: { me: Me; id: string }) {
  const { t } = useI18n();
  const [baseline, setBaseline] = useState<Baseline | null>(null);
  const [error, setError] = useState<unknown>(null);
  const load = useCallback(() => {
    api<{ baseline: Baseline }>('GET', `/baselines/${encodeURIComponent(id)}`).then((d) => { setBaseline(d.baseline); setError(null); }).catch((e: unknown) => setError(e));
  }, [id]);
  useEffect(load, [load]);
  return (
    <section aria-labelledby="edit-baseline-title">
      <p><Link href={baselinePath(id)}>{t('blBack')}</Link></p>
      <h1 id="edit-baseline-title">{baseline ? t('blEditTitle', { name: baseline.name }) : t('blEdit')}</h1>
      {error !== null ? <ErrorNote error={error} onRetry={load} /> : baseline === null ? <p role="status">{t('loading')}</p>
        : can(me, 'rollouts:write') ? <BaselineForm labelledBy="edit-baseline-title" existing={baseline} /> : <p className="note">{t('noPermission')}</p>}
    </section>
  );
}

function BaselineForm({ labelledBy, existing }: { labelledBy: string; existing?: Baseline }) {
  const { t } = useI18n();
  const { navigate } = useRouter();
  const { packages } = usePackages();
  const sites = useSites();
  const merchants = useMerchants();
  const models = useModels();
  const [fleet, setFleet] = useState<FleetVersions | null>(null);
  useEffect(() => { api<FleetVersions>('GET', '/fleet/versions').then(setFleet).catch(() => setFleet(null)); }, []);
  const [name, setName] = useState(existing?.name ?? '');
  const [merchantId, setMerchantId] = useState(existing?.filter.merchantId ?? '');
  const [siteId, setSiteId] = useState(existing?.filter.siteId ?? '');
  const [modelId, setModelId] = useState(existing?.filter.modelId ?? '');
  const [tag, setTag] = useState(existing?.filter.tag ?? '');
  const [appVersion, setAppVersion] = useState(existing?.appVersion ?? '');
  const [firmwareVersion, setFirmwareVersion] = useState(existing?.firmwareVersion ?? '');
  const [configurationVersion, setConfigurationVersion] = useState(existing?.configurationVersion?.toString() ?? '');
  const [noVersion, setNoVersion] = useState(false);
  const action = useAction();
  const apps = versionChoices('application', modelId, packages ?? [], fleet, t, existing?.appVersion ?? null);
  const firmwares = versionChoices('firmware', modelId, packages ?? [], fleet, t, existing?.firmwareVersion ?? null);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    // Said before asking the server, in the user's words (the server refuses it too, naming appVersion).
    if (!appVersion && !firmwareVersion && !configurationVersion) { setNoVersion(true); return; }
    setNoVersion(false);
    void action.run(async () => {
      const filter = Object.fromEntries(Object.entries({ merchantId, siteId, modelId, tag: tag.trim() }).filter(([, v]) => v !== ''));
      const configuration = configurationVersion.trim() ? Number(configurationVersion) : null;
      const saved = existing
        ? await api<Baseline>('PATCH', `/baselines/${encodeURIComponent(existing.id)}`, {
          name: name.trim(), filter, appVersion: appVersion || null, firmwareVersion: firmwareVersion || null, configurationVersion: configuration,
        })
        : await api<Baseline>('POST', '/baselines', {
          name: name.trim(), filter, ...(appVersion && { appVersion }), ...(firmwareVersion && { firmwareVersion }), ...(configuration !== null && { configurationVersion: configuration }),
        });
      navigate(baselinePath(saved.id));
      return t(existing ? 'blSaved' : 'blCreated');
    });
  };
  const fieldError = (field: string) => errorFor(action.error, field);

  return (
    <form className="card settings-form baseline-form" onSubmit={submit} aria-labelledby={labelledBy} noValidate>
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
          <InputField label={t('blConfigurationVersion')} hint={t('blConfigurationVersionHint')} inputMode="numeric" value={configurationVersion} placeholder={t('blNoVersion')}
            onChange={(e) => setConfigurationVersion(e.target.value.replace(/\D/g, ''))} error={fieldError('configurationVersion')} />
        </div>
      </fieldset>
      <div aria-live="polite">
        {action.done && <p className="note ok" role="status">{action.done}</p>}
        {unplaced(action.error, FIELDS) && <ActionError error={action.error} />}
        {action.error instanceof ApiError && !unplaced(action.error, FIELDS) && <p className="sr-only" role="alert">{t('refused', { message: action.error.message })}</p>}
      </div>
      <button type="submit" disabled={action.busy}>{t(existing ? 'blSave' : 'blSubmit')}</button>
    </form>
  );
}
