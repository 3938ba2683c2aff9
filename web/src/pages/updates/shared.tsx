// Pieces the Updates pages share: state badges, a wave's progress bar with its counts in words, the
// campaign filter in words, the merchant, site and model a set of terminals is chosen by, terminal models by id, and a refresh that repeats while the page is visible.
import { useEffect, useRef, useState } from 'react';
import { api, type CampaignFilter, type Merchant, type Page, type Site, type TerminalModel } from '../../api.ts';
import { SelectField } from '../../Field.tsx';
import { useI18n, type MessageKey } from '../../i18n.tsx';

export function useModels() {
  const [models, setModels] = useState<TerminalModel[]>([]);
  useEffect(() => {
    api<Page<TerminalModel>>('GET', '/terminal-models?limit=1000').then((p) => setModels(p.items)).catch(() => setModels([]));
  }, []);
  return models;
}

export const modelName = (models: TerminalModel[], id: string) => {
  const m = models.find((x) => x.id === id);
  return m ? `${m.vendor} ${m.model}` : id.slice(0, 8);
};

/**
 * Calls `refresh` every `ms` while the page is visible and `enabled`, and once more when the page comes
 * back into view. The latest `refresh` is used, so callers need not memoise it.
 */
export function usePolling(refresh: () => void, ms: number, enabled = true) {
  const latest = useRef(refresh);
  useEffect(() => { latest.current = refresh; });
  useEffect(() => {
    if (!enabled) return;
    const tick = () => { if (document.visibilityState === 'visible') latest.current(); };
    const timer = setInterval(tick, ms);
    document.addEventListener('visibilitychange', tick);
    return () => {
      clearInterval(timer);
      document.removeEventListener('visibilitychange', tick);
    };
  }, [ms, enabled]);
}

/** A share (0–1) as a percentage in the user's locale. */
export const percent = (share: number, locale: string, digits = 1) =>
  new Intl.NumberFormat(locale, { style: 'percent', maximumFractionDigits: digits }).format(share);

export function CampaignBadge({ state }: { state: string }) {
  const { tk } = useI18n();
  return <span className={`badge cbadge cbadge-${state}`} data-state={state}>{tk('cstate', state)}</span>;
}

export function WaveBadge({ state }: { state: string }) {
  const { tk } = useI18n();
  return <span className={`badge wbadge wbadge-${state}`} data-state={state}>{tk('wstate', state)}</span>;
}

export function ActionBadge({ state }: { state: string }) {
  const { tk } = useI18n();
  return <span className={`astate astate-${state}`} data-state={state}>{tk('astate', state)}</span>;
}

/** The five parts a wave's bar shows; cancelled installs count with the skipped ones. */
export const SEGMENTS = [
  { key: 'succeeded', states: ['succeeded'] },
  { key: 'failed', states: ['failed'] },
  { key: 'inProgress', states: ['scheduled', 'downloading', 'downloaded', 'installing', 'installed'] },
  { key: 'queued', states: ['queued'] },
  { key: 'skipped', states: ['skipped', 'cancelled'] },
] as const;

export function segmentsOf(actions: Record<string, number>) {
  return SEGMENTS.map((s) => ({ key: s.key, count: s.states.reduce((n, state) => n + (actions[state] ?? 0), 0) }));
}

/**
 * A wave's installs as one bar of coloured (and patterned) parts. The bar is decoration: the counts
 * under it, in words, are what a screen reader reads and what a colour-blind person relies on.
 */
export function WaveProgress({ actions, label }: { actions: Record<string, number>; label: string }) {
  const { t, tk } = useI18n();
  const parts = segmentsOf(actions);
  const total = parts.reduce((n, p) => n + p.count, 0);
  return (
    <div className="wave-progress">
      <div className="bar" aria-hidden="true">
        {total > 0 && parts.filter((p) => p.count > 0).map((p) => (
          <span key={p.key} className={`seg seg-${p.key}`} style={{ width: `${(p.count / total) * 100}%` }} />
        ))}
      </div>
      <ul className="legend" aria-label={label}>
        {parts.map((p) => (
          <li key={p.key} data-segment={p.key} className={p.count === 0 ? 'zero' : ''}>
            <span className={`swatch seg-${p.key}`} aria-hidden="true" />
            {t('segCount', { label: tk('seg', p.key), count: p.count })}
          </li>
        ))}
      </ul>
    </div>
  );
}

/** A campaign's filter in words, with names instead of ids. */
export function describeFilter(
  filter: CampaignFilter,
  names: { sites: Site[]; merchants: Merchant[]; models: TerminalModel[] },
  t: (key: MessageKey, vars?: Record<string, string | number>) => string,
): string {
  const parts: string[] = [];
  if (filter.merchantId) parts.push(`${t('merchant')}: ${names.merchants.find((m) => m.id === filter.merchantId)?.name ?? filter.merchantId.slice(0, 8)}`);
  if (filter.siteId) parts.push(`${t('site')}: ${names.sites.find((s) => s.id === filter.siteId)?.name ?? filter.siteId.slice(0, 8)}`);
  if (filter.modelId) parts.push(`${t('terminalModel')}: ${modelName(names.models, filter.modelId)}`);
  if (filter.tag) parts.push(`${t('tag')}: ${filter.tag}`);
  if (filter.installedVersion) parts.push(`${t('installedVersion')}: ${filter.installedVersion}`);
  return parts.length ? parts.join(' · ') : t('wholeFleetFilter');
}

/**
 * The merchant, site and model that choose a set of terminals (a campaign's target, a baseline's group):
 * the sites offered are the chosen merchant's, and choosing another merchant clears the site.
 */
export function TargetSelects({ merchants, sites, models, merchantId, siteId, modelId, onMerchant, onSite, onModel, fieldError, modelNote }: {
  merchants: Merchant[]; sites: Site[]; models: TerminalModel[];
  merchantId: string; siteId: string; modelId: string;
  onMerchant(id: string): void; onSite(id: string): void; onModel(id: string): void;
  fieldError(field: string): string | null | undefined;
  /** Said after a model's name, e.g. that the chosen package is not for it. */
  modelNote?: (model: TerminalModel) => string | undefined;
}) {
  const { t } = useI18n();
  const siteChoices = merchantId ? sites.filter((s) => s.merchantId === merchantId) : sites;
  return (
    <>
      <SelectField label={t('merchant')} value={merchantId} onChange={(e) => { onMerchant(e.target.value); onSite(''); }} error={fieldError('filter.merchantId')}>
        <option value="">{t('allMerchants')}</option>
        {merchants.map((m) => <option key={m.id} value={m.id}>{m.name}</option>)}
      </SelectField>
      <SelectField label={t('site')} value={siteId} onChange={(e) => onSite(e.target.value)} error={fieldError('filter.siteId')}>
        <option value="">{t('allSites')}</option>
        {siteChoices.map((s) => <option key={s.id} value={s.id}>{s.name} ({s.code})</option>)}
      </SelectField>
      <SelectField label={t('terminalModel')} value={modelId} onChange={(e) => onModel(e.target.value)} error={fieldError('filter.modelId')}>
        <option value="">{t('anyModel')}</option>
        {models.map((m) => {
          const note = modelNote?.(m);
          return <option key={m.id} value={m.id}>{m.vendor} {m.model}{note ? ` (${note})` : ''}</option>;
        })}
      </SelectField>
    </>
  );
}
