// Diagnostic rules per terminal model: the thresholds the heartbeat rules use (card-read failure rate,
// battery, temperature, …), each with the fleet default and the model's override. An empty field uses
// the default; saving replaces the model's overrides as a whole (PUT). Below, a merchant's own
// suspicious-trading thresholds (and hysteresis), laid over its terminals' model thresholds.
import { useCallback, useEffect, useState, type FormEvent } from 'react';
import type { MerchantTradingView } from '../../../../src/diagnostics/diagnostics.schemas.ts';
import { api, type Me, type Merchant, type ModelThresholds, type Page, type TerminalModel } from '../../api.ts';
import { useAction } from '../../action.ts';
import { ActionError, ErrorNote } from '../../App.tsx';
import { errorFor, InputField, SelectField, unplaced } from '../../Field.tsx';
import { useI18n } from '../../i18n.tsx';
import { can } from '../../permissions.ts';

type Draft = Record<string, Record<string, string>>;

const draftOf = (m: ModelThresholds): Draft => Object.fromEntries(Object.entries(m.defaults).map(([group, values]) =>
  [group, Object.fromEntries(Object.keys(values).map((key) => [key, m.overrides[group]?.[key] === undefined ? '' : String(m.overrides[group]![key])]))]));

export function RulesSettings({ me }: { me: Me }) {
  const { t } = useI18n();
  const [models, setModels] = useState<TerminalModel[] | null>(null);
  const [modelId, setModelId] = useState('');
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    api<Page<TerminalModel>>('GET', '/terminal-models?limit=1000').then((p) => {
      setModels(p.items);
      setModelId((id) => id || p.items[0]?.id || '');
    }).catch((e: unknown) => setError(e));
  }, []);

  return (
    <section aria-labelledby="rules-title">
      <h2 id="rules-title">{t('rules')}</h2>
      <p className="muted">{t('rulesHelp')}</p>
      {!can(me, 'estate:write') && <p className="note">{t('noPermission')}</p>}
      {error !== null && <ErrorNote error={error} />}
      {models === null ? error === null && <p role="status">{t('loading')}</p> : models.length === 0 ? <p>{t('noModels')}</p> : (
        <>
          <div className="filters">
            <SelectField label={t('terminalModel')} value={modelId} onChange={(e) => setModelId(e.target.value)}>
              {models.map((m) => <option key={m.id} value={m.id}>{m.vendor} {m.model} ({m.code})</option>)}
            </SelectField>
          </div>
          {modelId && <ThresholdsForm key={modelId} modelId={modelId} mayEdit={can(me, 'estate:write')} />}
        </>
      )}
      <MerchantTrading mayEdit={can(me, 'estate:write')} />
    </section>
  );
}

function MerchantTrading({ mayEdit }: { mayEdit: boolean }) {
  const { t } = useI18n();
  const [merchants, setMerchants] = useState<Merchant[] | null>(null);
  const [merchantId, setMerchantId] = useState('');
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    api<Page<Merchant>>('GET', '/merchants?limit=1000').then((p) => {
      setMerchants(p.items);
      setMerchantId((id) => id || p.items[0]?.id || '');
    }).catch((e: unknown) => setError(e));
  }, []);
  const merchant = merchants?.find((m) => m.id === merchantId);
  return (
    <section aria-labelledby="merchant-trading-title" className="merchant-trading">
      <h3 id="merchant-trading-title">{t('sdMerchantTrading')}</h3>
      <p className="muted">{t('sdMerchantTradingHelp')}</p>
      {error !== null && <ErrorNote error={error} />}
      {merchants === null ? error === null && <p role="status">{t('loading')}</p> : merchants.length === 0 ? <p>{t('sdNoMerchants')}</p> : (
        <>
          <div className="filters">
            <SelectField label={t('merchant')} value={merchantId} onChange={(e) => setMerchantId(e.target.value)}>
              {merchants.map((m) => <option key={m.id} value={m.id}>{m.name}</option>)}
            </SelectField>
          </div>
          {merchant && <MerchantTradingForm key={merchant.id} merchant={merchant} mayEdit={mayEdit} />}
        </>
      )}
    </section>
  );
}

function MerchantTradingForm({ merchant, mayEdit }: { merchant: Merchant; mayEdit: boolean }) {
  const { t, tk, locale } = useI18n();
  const [current, setCurrent] = useState<MerchantTradingView | null>(null);
  const [draft, setDraft] = useState<Record<string, string>>({});
  const [loadError, setLoadError] = useState<unknown>(null);
  const action = useAction();
  const toDraft = (m: MerchantTradingView) => Object.fromEntries(Object.keys(m.defaults).map((k) => [k, m.overrides[k] === undefined ? '' : String(m.overrides[k])]));
  const load = useCallback(() => {
    setLoadError(null);
    api<MerchantTradingView>('GET', `/merchants/${merchant.id}/trading-thresholds`).then((m) => { setCurrent(m); setDraft(toDraft(m)); }).catch((e: unknown) => setLoadError(e));
  }, [merchant.id]);
  useEffect(load, [load]);
  if (loadError !== null) return <ErrorNote error={loadError} onRetry={load} />;
  if (!current) return <p role="status">{t('loading')}</p>;
  const keys = Object.keys(current.defaults);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    void action.run(async () => {
      const overrides: Record<string, number> = {};
      // A typed value goes as a number; what is not a number goes as typed, for the server to name.
      for (const [key, text] of Object.entries(draft)) if (text.trim() !== '') overrides[key] = Number.isFinite(Number(text)) ? Number(text) : (text as unknown as number);
      const saved = await api<MerchantTradingView>('PUT', `/merchants/${merchant.id}/trading-thresholds`, overrides);
      setCurrent(saved);
      setDraft(toDraft(saved));
      return t('saved');
    });
  };
  const fmt = (v: number | undefined) => (v === undefined ? '' : new Intl.NumberFormat(locale).format(v));
  return (
    <form className="settings-form thresholds" onSubmit={submit} aria-label={t('sdMerchantTradingFor', { name: merchant.name })} noValidate>
      <fieldset disabled={!mayEdit}>
        <legend>{tk('thg', 'trading')}</legend>
        <div className="field-grid">
          {keys.map((key) => (
            <InputField key={key} label={tk('th', `trading.${key}`)} inputMode="decimal" value={draft[key] ?? ''} placeholder={t('sdKeepModel')}
              onChange={(e) => setDraft({ ...draft, [key]: e.target.value })}
              hint={t('sdMerchantHint', { default: fmt(current.defaults[key]) })}
              error={errorFor(action.error, key)} data-field={`merchant.${key}`} />
          ))}
        </div>
      </fieldset>
      <div aria-live="polite">
        {action.done && <p className="note ok" role="status">{action.done}</p>}
        {unplaced(action.error, keys) && <ActionError error={action.error} />}
      </div>
      {mayEdit && (
        <div className="buttons">
          <button type="submit" disabled={action.busy}>{t('save')}</button>
          <button type="button" className="secondary" onClick={() => { setDraft(Object.fromEntries(keys.map((k) => [k, '']))); action.reset(); }}>{t('sdKeepModel')}</button>
        </div>
      )}
    </form>
  );
}

function ThresholdsForm({ modelId, mayEdit }: { modelId: string; mayEdit: boolean }) {
  const { t, tk, locale } = useI18n();
  const [current, setCurrent] = useState<ModelThresholds | null>(null);
  const [draft, setDraft] = useState<Draft>({});
  const [loadError, setLoadError] = useState<unknown>(null);
  const action = useAction();
  const load = useCallback(() => {
    setLoadError(null);
    api<ModelThresholds>('GET', `/terminal-models/${modelId}/diagnostic-thresholds`).then((m) => { setCurrent(m); setDraft(draftOf(m)); }).catch((e: unknown) => setLoadError(e));
  }, [modelId]);
  useEffect(load, [load]);

  if (loadError !== null) return <ErrorNote error={loadError} onRetry={load} />;
  if (!current) return <p role="status">{t('loading')}</p>;

  const fields = Object.entries(current.defaults).flatMap(([group, values]) => Object.keys(values).map((key) => `${group}.${key}`));
  const submit = (event: FormEvent) => {
    event.preventDefault();
    void action.run(async () => {
      const overrides: Record<string, Record<string, number>> = {};
      for (const [group, values] of Object.entries(draft)) {
        for (const [key, text] of Object.entries(values)) {
          // A typed value goes as a number; what is not a number goes as typed, for the server to name.
          if (text.trim() !== '') (overrides[group] ??= {})[key] = Number.isFinite(Number(text)) ? Number(text) : (text as unknown as number);
        }
      }
      const saved = await api<ModelThresholds>('PUT', `/terminal-models/${modelId}/diagnostic-thresholds`, overrides);
      setCurrent(saved);
      setDraft(draftOf(saved));
      return t('saved');
    });
  };
  // null: "never" (a merchant-first condition that never becomes an incident by itself).
  const fmt = (v: number | null | undefined) => (v === undefined ? '' : v === null ? '—' : new Intl.NumberFormat(locale).format(v));

  return (
    <form className="settings-form thresholds" onSubmit={submit} aria-label={t('rules')} noValidate>
      {Object.entries(current.defaults).map(([group, values]) => (
        <fieldset key={group} disabled={!mayEdit}>
          <legend>{tk('thg', group)}</legend>
          <div className="field-grid">
            {Object.keys(values).map((key) => (
              <InputField key={key} label={tk('th', `${group}.${key}`)} inputMode="decimal" value={draft[group]?.[key] ?? ''}
                placeholder={String(current.defaults[group]?.[key] ?? '—')}
                onChange={(e) => setDraft({ ...draft, [group]: { ...draft[group], [key]: e.target.value } })}
                hint={t('thresholdHint', { default: fmt(current.defaults[group]?.[key]), effective: fmt(current.effective[group]?.[key]) })}
                error={errorFor(action.error, `${group}.${key}`)} data-field={`${group}.${key}`} />
            ))}
          </div>
        </fieldset>
      ))}
      <div aria-live="polite">
        {action.done && <p className="note ok" role="status">{action.done}</p>}
        {unplaced(action.error, fields) && <ActionError error={action.error} />}
      </div>
      {mayEdit && (
        <div className="buttons">
          <button type="submit" disabled={action.busy}>{t('save')}</button>
          <button type="button" className="secondary" onClick={() => { setDraft(Object.fromEntries(Object.entries(draft).map(([g, v]) => [g, Object.fromEntries(Object.keys(v).map((k) => [k, '']))]))); action.reset(); }}>{t('useDefaults')}</button>
        </div>
      )}
    </form>
  );
}
