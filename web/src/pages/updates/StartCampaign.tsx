// Starting a campaign: a ready package, which terminals (merchant, site, model, tag, installed version),
// the waves, the failure rate that halts it, how long payments are watched after each wave, and whether
// a downgrade is meant. The server decides; what it refuses is shown beside the field it names
// (`filter` for a filter that matches nothing, `filter.modelId` for a model the package is not for,
// `allowDowngrade`, `waves`, ...). On success the campaign's own page opens.
import { useId, useState, type FormEvent } from 'react';
import { api, ApiError, type Campaign, type Me } from '../../api.ts';
import { PreviewCard, type CampaignPreview, type HeldAnswer } from './CampaignPreview.tsx';
import { useAction } from '../../action.ts';
import { ActionError, ErrorNote } from '../../App.tsx';
import { besideField, errorFor, InputField, SelectField, unplaced } from '../../Field.tsx';
import { useI18n } from '../../i18n.tsx';
import { can } from '../../permissions.ts';
import { Link, useRouter } from '../../router.tsx';
import { useMerchants } from '../Calendar.tsx';
import { useSites } from '../Terminals.tsx';
import { TargetSelects, useModels } from './shared.tsx';
import { usePackages } from './Updates.tsx';

const FIELDS = ['name', 'packageId', 'filter', 'waves', 'maxFailureRate', 'observeMinutes', 'allowDowngrade', 'seed', 'singleTerminalSites', 'singleTerminalSitesReason', 'reason'];

export function StartCampaignPage({ me, packageId }: { me: Me; packageId: string | null }) {
  const { t } = useI18n();
  return (
    <section aria-labelledby="start-campaign-title">
      <p><Link href="/updates">{t('backToUpdates')}</Link></p>
      <h1 id="start-campaign-title">{t('startCampaign')}</h1>
      {can(me, 'rollouts:write') ? <CampaignForm initialPackage={packageId} /> : <p className="note">{t('noPermission')}</p>}
    </section>
  );
}

function CampaignForm({ initialPackage }: { initialPackage: string | null }) {
  const { t, tk } = useI18n();
  const { navigate } = useRouter();
  const { packages, keys, error: loadError, reload } = usePackages();
  const sites = useSites();
  const merchants = useMerchants();
  const models = useModels();
  const [packageId, setPackageId] = useState(initialPackage ?? '');
  const [name, setName] = useState('');
  const [named, setNamed] = useState(false);
  const [merchantId, setMerchantId] = useState('');
  const [siteId, setSiteId] = useState('');
  const [modelId, setModelId] = useState('');
  const [tag, setTag] = useState('');
  const [installedVersion, setInstalledVersion] = useState('');
  const [waves, setWaves] = useState('1, 10, 50, 100');
  const [maxRate, setMaxRate] = useState('10');
  const [observe, setObserve] = useState('60');
  const [allowDowngrade, setAllowDowngrade] = useState(false);
  const [singleTerminalSites, setSingleTerminalSites] = useState<'hold' | 'when_closed' | 'allow'>('hold');
  const [singleReason, setSingleReason] = useState('');
  const action = useAction();
  const previewAction = useAction();
  const [preview, setPreview] = useState<{ key: string; data: CampaignPreview } | null>(null);
  const [approvalReason, setApprovalReason] = useState('');
  const [held, setHeld] = useState<HeldAnswer | null>(null);
  const filterNoteId = useId();
  const downgradeId = useId();

  const ready = (packages ?? []).filter((p) => p.ready && !keys.get(p.keyId)?.revokedAt);
  const chosen = ready.find((p) => p.id === packageId);
  // Until the person types a name, the campaign is named after its package.
  const shownName = named ? name : chosen ? `${chosen.name} ${chosen.version}` : '';

  const bodyOf = () => {
    const filter = Object.fromEntries(Object.entries({ merchantId, siteId, modelId, tag: tag.trim(), installedVersion: installedVersion.trim() }).filter(([, v]) => v !== ''));
    const waveList = waves.split(/[\s,，;；]+/).filter(Boolean).map(Number);
    return {
      name: shownName.trim(), packageId, filter,
      ...(waveList.length && { waves: waveList }),
      ...(maxRate.trim() !== '' && { maxFailureRate: Number(maxRate) / 100 }),
      ...(observe.trim() !== '' && { observeMinutes: Number(observe) }),
      allowDowngrade,
      singleTerminalSites,
      ...(singleReason.trim() !== '' && { singleTerminalSitesReason: singleReason.trim() }),
    };
  };
  // The preview belongs to the form as it was: any change makes it stale.
  const formKey = JSON.stringify(bodyOf());
  const current = preview && preview.key === formKey ? preview.data : null;
  const showPreview = () => {
    void previewAction.run(async () => {
      setPreview({ key: formKey, data: await api<CampaignPreview>('POST', '/campaigns/preview', bodyOf()) });
      return null;
    });
  };
  const submit = (event: FormEvent) => {
    event.preventDefault();
    void action.run(async () => {
      const answer = await api<Campaign | HeldAnswer>('POST', '/campaigns', { ...bodyOf(), ...(approvalReason.trim() !== '' && { reason: approvalReason.trim() }) });
      if ('state' in answer && answer.state === 'awaiting_approval') {
        setHeld(answer as HeldAnswer);
        return null;
      }
      navigate(`/updates/campaigns/${(answer as Campaign).id}`);
      return t('campaignStarted');
    });
  };
  // The server names models, sites and merchants by id: say their names instead.
  const readable = (message: string | null) => {
    if (!message) return null;
    let text = message;
    for (const m of models) text = text.replaceAll(m.id, `${m.vendor} ${m.model}`);
    for (const x of [...sites, ...merchants]) text = text.replaceAll(x.id, x.name);
    return text;
  };
  const fieldError = (field: string) => readable(errorFor(action.error, field));
  // A filter that matches nothing names `filter` itself: said at the group of filter fields.
  const filterError = readable(action.error instanceof ApiError && action.error.field === 'filter' ? besideField(action.error.message, 'filter') : null);
  const downgradeError = fieldError('allowDowngrade');

  if (loadError !== null) return <ErrorNote error={loadError} onRetry={reload} />;
  if (packages === null) return <p role="status">{t('loading')}</p>;
  if (ready.length === 0) return <p className="note">{t('noReadyPackages')}</p>;

  return (
    <form className="card settings-form campaign-form" onSubmit={submit} aria-labelledby="start-campaign-title" noValidate>
      <SelectField label={t('choosePackage')} required value={packageId} onChange={(e) => setPackageId(e.target.value)} error={fieldError('packageId')}>
        <option value="">{t('choose')}</option>
        {ready.map((p) => (
          <option key={p.id} value={p.id}>{p.name} {p.version} · {tk('pkind', p.kind)}{p.securityPatch ? ` · ${t('securityPatch')}` : ''}</option>
        ))}
      </SelectField>
      <InputField label={t('campaignName')} required maxLength={200} value={shownName} onChange={(e) => { setName(e.target.value); setNamed(true); }} error={fieldError('name')} />
      <fieldset aria-describedby={filterError ? `${filterNoteId}-hint ${filterNoteId}-error` : `${filterNoteId}-hint`} className={filterError ? 'invalid' : ''}>
        <legend>{t('target')}</legend>
        <p id={`${filterNoteId}-hint`} className="hint">{t('filterHelp')}</p>
        {filterError && <p id={`${filterNoteId}-error`} className="field-error">{filterError}</p>}
        <div className="field-grid">
          <TargetSelects merchants={merchants} sites={sites} models={models} merchantId={merchantId} siteId={siteId} modelId={modelId}
            onMerchant={setMerchantId} onSite={setSiteId} onModel={setModelId} fieldError={fieldError}
            modelNote={(m) => (chosen && !chosen.compatibleModels.includes(m.id) ? t('notForPackage') : undefined)} />
          <InputField label={t('tag')} value={tag} maxLength={40} spellCheck={false} onChange={(e) => setTag(e.target.value)} error={fieldError('filter.tag')} />
          <InputField label={t('installedVersion')} value={installedVersion} maxLength={40} spellCheck={false} onChange={(e) => setInstalledVersion(e.target.value)}
            hint={t('installedVersionHint')} error={fieldError('filter.installedVersion')} />
        </div>
      </fieldset>
      <div className="field-grid">
        <InputField label={t('wavesField')} value={waves} inputMode="decimal" spellCheck={false} onChange={(e) => setWaves(e.target.value)} hint={t('wavesHint')} error={fieldError('waves')} />
        <InputField label={t('maxFailureRate')} type="number" inputMode="decimal" min={0} max={100} step="any" value={maxRate} onChange={(e) => setMaxRate(e.target.value)}
          hint={t('maxFailureRateHint')} error={fieldError('maxFailureRate')} />
        <InputField label={t('observeMinutes')} type="number" inputMode="numeric" min={0} step={1} value={observe} onChange={(e) => setObserve(e.target.value)}
          hint={t('observeHint')} error={fieldError('observeMinutes')} />
      </div>
      <div className="field checkbox-field">
        <label className="inline" htmlFor={downgradeId}>
          <input id={downgradeId} type="checkbox" checked={allowDowngrade} onChange={(e) => setAllowDowngrade(e.target.checked)}
            aria-describedby={`${downgradeId}-hint${downgradeError ? ` ${downgradeId}-error` : ''}`} aria-invalid={downgradeError ? true : undefined} />
          {t('allowDowngrade')}
        </label>
        <span id={`${downgradeId}-hint`} className="hint">{t('allowDowngradeHint')}</span>
        {downgradeError && <span id={`${downgradeId}-error`} className="field-error">{downgradeError}</span>}
      </div>
      <div className="field-grid">
        <SelectField label={t('singleTerminalSites')} value={singleTerminalSites} hint={t('singleTerminalSitesHint')} error={fieldError('singleTerminalSites')}
          onChange={(e) => setSingleTerminalSites(e.target.value as typeof singleTerminalSites)}>
          {(['hold', 'when_closed', 'allow'] as const).map((p) => <option key={p} value={p}>{tk('stsite', p)}</option>)}
        </SelectField>
        {singleTerminalSites === 'allow' && (
          <InputField label={t('singleTerminalSitesReason')} required maxLength={500} value={singleReason} onChange={(e) => setSingleReason(e.target.value)}
            error={fieldError('singleTerminalSitesReason')} />
        )}
      </div>
      <div className="actions">
        <button type="button" className="secondary" disabled={previewAction.busy || !packageId} onClick={showPreview}>{t('pvPreview')}</button>
      </div>
      {previewAction.error !== null && unplaced(previewAction.error, []) && <ActionError error={previewAction.error} />}
      {preview && !current && <p className="muted">{t('pvStale')}</p>}
      {current && <PreviewCard preview={current} />}
      {(current?.needsApproval || fieldError('reason')) && (
        <InputField label={t('apApprovalReason')} required maxLength={500} value={approvalReason} onChange={(e) => setApprovalReason(e.target.value)}
          hint={t('apApprovalReasonHint', { threshold: current?.approvalThreshold ?? '' })} error={fieldError('reason')} />
      )}
      <div aria-live="polite">
        {held && (
          <p className="note held" role="status" data-testid="campaign-held">
            {t('apHeld')} <Link href="/approvals">{t('apOpenApprovals')}</Link>
          </p>
        )}
        {action.done && <p className="note ok" role="status">{action.done}</p>}
        {unplaced(action.error, FIELDS) && <ActionError error={action.error} />}
        {/* The field's own note shows the reason; this says it once to a screen reader. */}
        {action.error instanceof ApiError && !unplaced(action.error, FIELDS) && <p className="sr-only" role="alert">{t('refused', { message: readable(action.error.message) ?? '' })}</p>}
      </div>
      <button type="submit" disabled={action.busy || held !== null}>{t('submitCampaign')}</button>
    </form>
  );
}
