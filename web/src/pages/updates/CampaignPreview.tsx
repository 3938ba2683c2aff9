// A campaign's preview before it starts (POST /campaigns/preview): how many terminals it reaches, by site,
// model and installed version, the waves, how many stop trading in which maintenance windows (the
// planner's next occurrences, in each window's own time), those no window takes, and whether a second
// person must approve it.
import { useI18n, type MessageKey } from '../../i18n.tsx';

export interface CampaignPreview {
  matched: number;
  terminals: number;
  excluded: Record<string, number>;
  bySite: { siteId: string | null; name: string | null; terminals: number }[];
  byModel: { modelId: string; name: string; terminals: number }[];
  byVersion: { version: string | null; terminals: number }[];
  waves: { wave: number; percent: number; terminals: number }[];
  stopTrading: {
    terminals: number;
    windows: { id: string; name: string; start: string; end: string; localStart: string; localEnd: string; terminals: number }[];
    notPlanned: Record<string, number>;
    /** terminals alone at their site, kept in service by the continuity rule (policy 'hold') */
    heldByContinuity?: number;
  };
  needsApproval: boolean;
  approvalThreshold?: number;
}

/** The answer when a second person must approve first (202). */
export interface HeldAnswer { id: string; state: 'awaiting_approval'; kind: string; expiresAt: string; message: string }

const SHOWN = 5;

export function PreviewCard({ preview: p }: { preview: CampaignPreview }) {
  const { t, tk } = useI18n();
  const list = <T,>(items: T[], label: (x: T) => string) => {
    const shown = items.slice(0, SHOWN).map(label);
    if (items.length > SHOWN) shown.push(t('pvMore', { count: items.length - SHOWN }));
    return shown.join(' · ');
  };
  const excluded = (counts: Record<string, number>) => Object.entries(counts).map(([r, n]) => `${tk('excl', r)} ${n}`).join(' · ');
  // A reason the dashboard has no words for yet is counted as "another reason", never shown as its code.
  const notPlanned = (counts: Record<string, number>) => Object.entries(counts)
    .map(([r, n]) => (tk('npr', r) === r ? t('nprOther', { count: n }) : t(`npr_${r}` as MessageKey, { count: n }))).join(' · ');
  return (
    <section className="card preview" aria-labelledby="preview-title" data-testid="campaign-preview">
      <h2 id="preview-title">{t('pvTitle')}</h2>
      <p><strong>{t('pvReach', { terminals: p.terminals, matched: p.matched })}</strong></p>
      {Object.keys(p.excluded).length > 0 && <p className="muted">{t('pvExcluded', { list: excluded(p.excluded) })}</p>}
      <dl className="preview-groups">
        <dt>{t('pvBySite')}</dt><dd>{list(p.bySite, (s) => `${s.name ?? '—'} ${s.terminals}`)}</dd>
        <dt>{t('pvByModel')}</dt><dd>{list(p.byModel, (m) => `${m.name} ${m.terminals}`)}</dd>
        <dt>{t('pvByVersion')}</dt><dd>{list(p.byVersion, (v) => `${v.version ?? t('pvUnknownVersion')} ${v.terminals}`)}</dd>
      </dl>
      <p>{t('pvWaves', { list: p.waves.map((w) => t('pvWave', { wave: w.wave, terminals: w.terminals })).join(' · ') })}</p>
      {p.stopTrading.terminals > 0 ? (
        <>
          <p>{t('pvStop', { terminals: p.stopTrading.terminals })}</p>
          <ul>{p.stopTrading.windows.slice(0, SHOWN).map((w) => (
            <li key={`${w.id}-${w.start}`}>{t('pvWindow', { name: w.name, from: w.localStart, to: w.localEnd.slice(-5), terminals: w.terminals })}</li>
          ))}</ul>
        </>
      ) : <p>{t('pvNoStop')}</p>}
      {Object.keys(p.stopTrading.notPlanned).length > 0 && <p className="muted">{t('pvNotPlanned', { list: notPlanned(p.stopTrading.notPlanned) })}</p>}
      {(p.stopTrading.heldByContinuity ?? 0) > 0 && <p data-testid="preview-held">{t('pvHeldByContinuity', { count: p.stopTrading.heldByContinuity ?? 0 })}</p>}
      <p className={`note ${p.needsApproval ? 'warn' : 'ok'}`} data-testid="preview-approval">
        {p.needsApproval ? t('pvNeedsApproval', { threshold: p.approvalThreshold ?? 0 }) : t('pvNoApproval')}
      </p>
    </section>
  );
}
