// A level's changes that need terminals out of service (Configuration.tsx): held pending instead of
// going live, each with what it changes; a pending one is delivered as a campaign (灰度发布) after a
// confirmation that says how many terminals and how, or discarded; one being delivered links to its campaign.
// One whose delivery was cancelled while terminals keep it stays here (it holds the level): how many keep
// it, and the two ways on — roll back its campaign, or deliver it to the others.
import { useCallback, useEffect, useState } from 'react';
import { api } from '../api.ts';
import type { Me } from '../api.ts';
import { ActionError } from '../App.tsx';
import { useAction } from '../action.ts';
import { ConfirmDialog } from '../Dialog.tsx';
import { useI18n } from '../i18n.tsx';
import { can } from '../permissions.ts';
import { browserTimeZone } from '../format.ts';
import { Link, useRouter } from '../router.tsx';
import { zoneLabel } from '../whose-time.ts';
import type { ChangeView, SchemaView } from '../../../src/configuration/configuration.schemas.ts';

export function PendingChanges({ me, level, scope, reload, describe, title }: {
  me: Me; level: string; scope: string; reload: number;
  /** A parameter's name in the user's language. */
  title: (parameter: string) => string;
  /** One change of a parameter in the page's words: "Acquirer host: inherited → acq2.example". */
  describe: (change: ChangeView['changes'][number]) => string;
}) {
  const { t, tk, date, locale } = useI18n();
  const { navigate } = useRouter();
  const zone = zoneLabel(browserTimeZone(), locale);
  const [changes, setChanges] = useState<ChangeView[]>([]);
  const [delivering, setDelivering] = useState<ChangeView | null>(null);
  const action = useAction();
  const load = useCallback(async () => {
    const all = await api<{ items: ChangeView[] }>('GET', `/configuration/changes?level=${level}&scopeId=${encodeURIComponent(scope)}`);
    setChanges(all.items.filter((c) => c.state === 'pending' || c.state === 'delivering' || (c.state === 'cancelled' && c.holders > 0)));
  }, [level, scope]);
  useEffect(() => { void load().catch(() => setChanges([])); }, [load, reload]);
  if (!changes.length) return null;

  const deliver = () => {
    if (!delivering) return;
    void action.run(async () => {
      const done = await api<ChangeView>('POST', `/configuration/changes/${delivering.id}/campaign`, {
        waves: [10, 50, 100], name: `${t('ccCampaignChange')}: ${delivering.changes.map((x) => title(x.parameter)).join(', ')}`,
      });
      setDelivering(null);
      navigate(`/updates/campaigns/${done.campaignId!}`);
    });
  };
  const discard = (change: ChangeView) => void action.run(async () => {
    await api('POST', `/configuration/changes/${change.id}/discard`);
    await load();
    return t('ccDiscarded');
  });

  return (
    <section aria-labelledby="cc-title" className="card">
      <h2 id="cc-title">{t('ccTitle')}</h2>
      <p className="muted">{t('ccHelp')}</p>
      {action.done && <p className="note ok" role="status">{action.done}</p>}
      {action.error && !delivering ? <ActionError error={action.error} /> : null}
      <ul className="plain">
        {changes.map((c) => (
          <li key={c.id} data-change-id={c.id} className="param">
            <div className="param-head">
              <strong>{tk('ccState', c.state)}</strong>
              <span className="muted">{t('ccBy', { who: c.createdBy, when: `${date(c.createdAt)} ${zone}` })}</span>
            </div>
            <p className="reason">{c.reason}</p>
            <ul className="plain">{c.changes.map((x) => <li key={x.parameter} className="break">{describe(x)}</li>)}</ul>
            {c.state === 'delivering' && <p>{t('ccHolders', { holders: c.holders, terminals: c.terminals })} · <Link href={`/updates/campaigns/${c.campaignId!}`}>{t('ccOpenCampaign')}</Link></p>}
            {c.state === 'delivering' && c.waiting > 0 && <p className="muted" data-configuration-waiting>{t('ccWaiting', { waiting: c.waiting })}</p>}
            {c.state === 'cancelled' && (
              <div>
                <p data-configuration-kept>{t('ccKept', { holders: c.holders, terminals: c.terminals })}</p>
                <p className="muted">{t('ccKeptNext')} · <Link href={`/updates/campaigns/${c.campaignId!}`}>{t('ccOpenCampaign')}</Link></p>
                {can(me, 'rollouts:write') && c.holders < c.terminals && (
                  <div className="buttons"><button type="button" disabled={action.busy} onClick={() => { action.reset(); setDelivering(c); }}>{t('ccDeliverOthers')}</button></div>
                )}
              </div>
            )}
            {c.state === 'pending' && (
              <div className="buttons">
                {can(me, 'rollouts:write') && <button type="button" disabled={action.busy} onClick={() => { action.reset(); setDelivering(c); }}>{t('ccDeliver')}</button>}
                {can(me, 'configuration:write') && <button type="button" className="secondary" disabled={action.busy} onClick={() => discard(c)}>{t('ccDiscard')}</button>}
              </div>
            )}
          </li>
        ))}
      </ul>
      <ConfirmDialog open={delivering !== null} title={t('ccDeliverTitle')} confirmLabel={t('ccDeliver')} busy={action.busy} onConfirm={deliver} onClose={() => setDelivering(null)}>
        <p>{t('ccDeliverHint', { terminals: delivering ? delivering.terminals - (delivering.state === 'cancelled' ? delivering.holders : 0) : 0 })}</p>
        {action.error ? <ActionError error={action.error} /> : null}
      </ConfirmDialog>
    </section>
  );
}

/** On a configuration campaign's page: the change it delivers. */
export function CampaignChange({ changeId }: { changeId: string }) {
  const { t, tk, locale } = useI18n();
  const [change, setChange] = useState<ChangeView | null>(null);
  const [titles, setTitles] = useState<Record<string, { 'zh-CN'?: string; en?: string } | undefined>>({});
  useEffect(() => {
    void api<ChangeView>('GET', `/configuration/changes/${encodeURIComponent(changeId)}`).then(setChange, () => setChange(null));
    void api<{ items: SchemaView[] }>('GET', '/configuration/schemas').then((schemas) => {
      const current = schemas.items.find((s) => s.current);
      setTitles(Object.fromEntries(Object.entries((current?.parameters ?? {}) as Record<string, { title?: { 'zh-CN'?: string; en?: string } }>).map(([n, p]) => [n, p.title])));
    }, () => undefined);
  }, [changeId]);
  if (!change) return null;
  const value = (v: unknown) => (v === null ? t('cfgInherited') : Array.isArray(v) ? v.join(', ') : String(v));
  const words = (c: ChangeView['changes'][number]) => `${titles[c.parameter]?.[locale] ?? titles[c.parameter]?.en ?? c.parameter}: ${value(c.old)} → ${value(c.new)}`;
  return (
    <>
      <dt>{t('ccCampaignChange')}</dt>
      <dd data-configuration-change data-configuration-change-id={change.id} className="break">
        {t('ccCampaignLevel', { level: tk('cfgLevel', change.level), changes: change.changes.map(words).join('; ') })}
        <div className="muted">{change.reason} · {tk('ccState', change.state)}</div>
        {change.state === 'delivering' && change.waiting > 0 && <div className="muted" data-configuration-waiting>{t('ccWaiting', { waiting: change.waiting })}</div>}
        {change.state === 'cancelled' && change.holders > 0 && <div className="muted" data-configuration-kept>{t('ccKept', { holders: change.holders, terminals: change.terminals })}</div>}
      </dd>
    </>
  );
}
