// The merchant's own view, phone first: its sites and terminals with their state, today's care by the
// staff (confirm it here too), care missed in the last week per site, upcoming maintenance with its
// expected loss and the "move" action (the new slot and its loss shown before confirming), what its staff
// should do at the terminals now (paper, the printer cover, forecasts), and its open faults. The server narrows every list to the merchant's own estate.
import { useCallback, useEffect, useState } from 'react';
import { ActionError, ErrorNote } from '../App.tsx';
import { api, type Incident, type Me, type Page, type Site, type Terminal } from '../api.ts';
import { useAction } from '../action.ts';
import { InputField } from '../Field.tsx';
import { dateTimeIn, money, wallToIso } from '../format.ts';
import { useI18n } from '../i18n.tsx';
import { can } from '../permissions.ts';
import { Link } from '../router.tsx';
import type { CareTaskView, MoveView, ShopNoticeView, SiteCare, UpcomingMaintenance } from '../../../src/merchant/merchant.schemas.ts';

interface Data {
  sites: Site[];
  terminals: Terminal[];
  care: CareTaskView[];
  missed: SiteCare[];
  upcoming: UpcomingMaintenance[];
  faults: Incident[];
  notices: ShopNoticeView[];
}

export function MerchantHomePage({ me }: { me: Me }) {
  const { t } = useI18n();
  const lang = useLocaleKey();
  const [data, setData] = useState<Data | null>(null);
  const [error, setError] = useState<unknown>(null);
  const load = useCallback(async () => {
    try {
      const now = Date.now();
      const [sites, terminals, care, missed, upcoming, faults, notices] = await Promise.all([
        api<Page<Site>>('GET', '/sites?limit=200'),
        api<Page<Terminal>>('GET', '/terminals?limit=500'),
        api<{ items: CareTaskView[] }>('GET', '/care/today'),
        api<{ items: SiteCare[] }>('GET', `/care/report?from=${new Date(now - 7 * 86_400_000).toISOString()}&to=${new Date(now).toISOString()}`),
        api<{ items: UpcomingMaintenance[] }>('GET', '/merchant/maintenance'),
        api<Page<Incident>>('GET', '/incidents?status=unresolved&limit=50'),
        api<{ items: ShopNoticeView[] }>('GET', '/merchant/notices'),
      ]);
      setData({ sites: sites.items, terminals: terminals.items, care: care.items, missed: missed.items, upcoming: upcoming.items, faults: faults.items, notices: notices.items });
      setError(null);
    } catch (e) {
      setError(e);
    }
  }, []);
  useEffect(() => { void load(); }, [load]);

  if (error) return <ErrorNote error={error} onRetry={() => void load()} />;
  if (!data) return <p role="status">{t('loading')}</p>;
  const zoneOf = (siteId: string | null) => data.sites.find((s) => s.id === siteId)?.timeZone ?? 'Asia/Shanghai';
  return (
    <div className="merchant-home">
      <h1>{t('mvTitle')}</h1>
      <section aria-labelledby="mv-notices">
        <h2 id="mv-notices">{t('mvNotices')}</h2>
        {data.notices.length === 0 ? <p className="note">{t('mvNoNotices')}</p> : (
          <ul className="cards">
            {data.notices.map((n) => (
              <li key={`${n.terminalId}${n.kind}`} className={`card notice-${n.kind}`} data-notice={n.kind}>
                <strong>{n.texts[lang]}</strong>
                <span>{n.serialNumber}{n.siteName ? ` · ${n.siteName}` : ''}</span>
              </li>
            ))}
          </ul>
        )}
      </section>
      <CareSection care={data.care} zoneOf={zoneOf} mayConfirm={can(me, 'care:confirm')} onChanged={load} />
      <MaintenanceSection upcoming={data.upcoming} zoneOf={zoneOf} mayMove={can(me, 'maintenance:move')} onChanged={load} />
      <section aria-labelledby="mv-faults">
        <h2 id="mv-faults">{t('mvFaults')}</h2>
        {data.faults.length === 0 ? <p className="note">{t('mvNoFaults')}</p> : (
          <ul className="cards">
            {data.faults.map((f) => (
              <li key={f.id} className={`card severity-${f.severity}`}>
                <strong>{f.title[lang]}</strong>
                <span>{data.terminals.find((x) => x.id === f.terminalId)?.serialNumber ?? data.sites.find((s) => s.id === f.siteId)?.name ?? ''}</span>
                <span className="muted">{dateTimeIn(f.firstSeenAt, lang, zoneOf(f.siteId))}</span>
              </li>
            ))}
          </ul>
        )}
      </section>
      <section aria-labelledby="mv-missed">
        <h2 id="mv-missed">{t('mvMissed')}</h2>
        {data.missed.every((s) => s.missed === 0) ? <p className="note">{t('mvNoMissed')}</p> : (
          <ul className="cards">
            {data.missed.filter((s) => s.missed > 0).map((s) => (
              <li key={s.siteId} className="card">
                <strong>{t('mvMissedAt', { site: s.siteName, count: s.missed })}</strong>
                {s.missedTasks.slice(0, 5).map((m) => (
                  <span key={`${m.taskId}${m.dueAt}`} className="muted">{m.serialNumber} · {m.name[lang]} · {dateTimeIn(m.dueAt, lang, zoneOf(s.siteId), { dateStyle: 'medium' })}</span>
                ))}
              </li>
            ))}
          </ul>
        )}
      </section>
      <section aria-labelledby="mv-sites">
        <h2 id="mv-sites">{t('mvSites')}</h2>
        {data.sites.length === 0 ? <p className="note">{t('mvNoSites')}</p> : (
          <ul className="cards">
            {data.sites.map((s) => (
              <li key={s.id} className="card">
                <strong>{s.name}</strong>
                <ul className="plain">
                  {data.terminals.filter((x) => x.siteId === s.id).map((x) => (
                    <li key={x.id}>
                      <Link href={`/terminals/${encodeURIComponent(x.id)}`}>{x.serialNumber}</Link>{' '}
                      <span className={`badge ${x.online ? 'ok' : 'bad'}`}>{x.online ? t('mvOnline') : t('mvOffline')}</span>
                    </li>
                  ))}
                </ul>
              </li>
            ))}
          </ul>
        )}
      </section>
    </div>
  );
}

function useLocaleKey(): 'zh-CN' | 'en' {
  return useI18n().locale === 'en' ? 'en' : 'zh-CN';
}

function CareSection({ care, zoneOf, mayConfirm, onChanged }: { care: CareTaskView[]; zoneOf(siteId: string | null): string; mayConfirm: boolean; onChanged(): Promise<void> }) {
  const { t, tk } = useI18n();
  const lang = useLocaleKey();
  // One card per terminal, its tasks as rows: a shop with four terminals reads four cards, not eight.
  const terminals = [...new Set(care.map((task) => task.terminalId))];
  return (
    <section aria-labelledby="mv-care">
      <h2 id="mv-care">{t('mvCareToday')}</h2>
      <p className="hint">{t('mvCareHint')}</p>
      {care.length === 0 ? <p className="note">{t('mvNoCare')}</p> : (
        <ul className="cards">
          {terminals.map((terminalId) => {
            const tasks = care.filter((task) => task.terminalId === terminalId);
            const first = tasks[0]!;
            return (
              <li key={terminalId} className="card">
                <strong>{first.serialNumber}</strong> <span className="muted">{first.siteName}</span>
                <ul className="care-tasks">
                  {tasks.map((task) => (
                    <li key={`${task.id}${task.dueAt}`} className={`care-${task.status}`}>
                      <div className="care-line">
                        <span>{task.name[lang]}</span>
                        <span className={`badge care-badge-${task.status}`}>{tk('mvCare', task.status)}</span>
                      </div>
                      <span className="muted">{t('mvDueBy', { time: dateTimeIn(task.dueAt, lang, zoneOf(task.siteId), { dateStyle: 'short', timeStyle: 'short' }) })}</span>
                      <details>
                        <summary>{task.items[0]?.[lang]}{task.items.length > 1 ? ' …' : ''}</summary>
                        <ul className="plain small">{task.items.map((i) => <li key={i.en}>{i[lang]}</li>)}</ul>
                      </details>
                      {task.status !== 'pending' && (
                        <span className="muted">{task.reason ? `${task.reason} · ` : ''}{task.confirmedBy ? t('mvConfirmedBy', { name: task.confirmedBy }) : ''}</span>
                      )}
                      {task.status === 'pending' && mayConfirm && <CareButtons task={task} onChanged={onChanged} />}
                    </li>
                  ))}
                </ul>
              </li>
            );
          })}
        </ul>
      )}
    </section>
  );
}

function CareButtons({ task, onChanged }: { task: CareTaskView; onChanged(): Promise<void> }) {
  const { t } = useI18n();
  const action = useAction();
  const [asking, setAsking] = useState(false);
  const [reason, setReason] = useState('');
  const send = (outcome: 'done' | 'could_not') => action.run(async () => {
    await api('POST', '/care/confirmations', { taskId: task.id, dueAt: task.dueAt, outcome, ...(outcome === 'could_not' && { reason }) });
    await onChanged();
    return t('mvCareDone');
  });
  return (
    <div className="actions">
      {asking ? (
        <form onSubmit={(e) => { e.preventDefault(); void send('could_not'); }}>
          <InputField label={t('mvCouldNotReason')} placeholder={t('mvReasonPlaceholder')} value={reason} required maxLength={200} onChange={(e) => setReason(e.target.value)} />
          <button type="submit" disabled={action.busy || !reason.trim()}>{t('mvSend')}</button>
          <button type="button" className="secondary" onClick={() => setAsking(false)}>{t('mvCancel')}</button>
        </form>
      ) : (
        <>
          <button type="button" disabled={action.busy} onClick={() => void send('done')}>{t('mvDone')}</button>
          <button type="button" className="secondary" disabled={action.busy} onClick={() => setAsking(true)}>{t('mvCouldNot')}</button>
        </>
      )}
      {action.error !== null && <ActionError error={action.error} />}
      {action.done && <p role="status" className="note">{action.done}</p>}
    </div>
  );
}

function MaintenanceSection({ upcoming, zoneOf, mayMove, onChanged }: { upcoming: UpcomingMaintenance[]; zoneOf(siteId: string | null): string; mayMove: boolean; onChanged(): Promise<void> }) {
  const { t } = useI18n();
  const lang = useLocaleKey();
  return (
    <section aria-labelledby="mv-upcoming">
      <h2 id="mv-upcoming">{t('mvUpcoming')}</h2>
      {upcoming.length === 0 ? <p className="note">{t('mvNoUpcoming')}</p> : (
        <ul className="cards">
          {upcoming.map((job) => {
            const zone = zoneOf(job.siteId);
            const at = (iso: string) => `${dateTimeIn(iso, lang, zone, { dateStyle: 'medium', timeStyle: 'short' })} ${t('mvSiteTime')}`;
            return (
              <li key={job.jobId} className="card">
                <strong>{job.reasons[lang]}</strong>
                <span>{job.siteName} · {job.serialNumber}</span>
                <span>{at(job.start)} · {t('mvMinutes', { minutes: job.expectedMinutes })}</span>
                <span className="muted">{job.expectedLossMinor === null ? t('mvLossUnknown') : t('mvExpectedLoss', { amount: money(job.expectedLossMinor, lang, job.currency) })}</span>
                {job.deadline && <span className="muted">{t('mvDeadline', { time: at(job.deadline) })}</span>}
                <span className="muted">{t('mvMovesLeft', { count: job.movesLeft })}</span>
                {mayMove && job.movesLeft > 0 && <MoveForm job={job} zone={zone} at={at} onChanged={onChanged} />}
              </li>
            );
          })}
        </ul>
      )}
    </section>
  );
}

function MoveForm({ job, zone, at, onChanged }: { job: UpcomingMaintenance; zone: string; at(iso: string): string; onChanged(): Promise<void> }) {
  const { t } = useI18n();
  const lang = useLocaleKey();
  const action = useAction();
  const [open, setOpen] = useState(false);
  const [local, setLocal] = useState('');
  const [slot, setSlot] = useState<MoveView | null>(null);
  const lossText = (minor: number | null) => (minor === null ? '—' : money(minor, lang, job.currency));
  if (!open) return <div className="actions"><button type="button" onClick={() => setOpen(true)}>{t('mvMove')}</button></div>;
  return (
    <form className="move" onSubmit={(e) => {
      e.preventDefault();
      setSlot(null);
      void action.run(async () => {
        setSlot(await api<MoveView>('POST', `/maintenance/jobs/${encodeURIComponent(job.jobId)}/move`, { startAt: wallToIso(local, zone) }));
      });
    }}>
      <InputField label={t('mvMoveTo')} type="datetime-local" value={local} required onChange={(e) => { setLocal(e.target.value); setSlot(null); }} hint={t('mvLatest', { time: at(job.latestStart) })} />
      <div className="actions">
        <button type="submit" disabled={action.busy || !local}>{t('mvShowSlot')}</button>
        <button type="button" className="secondary" onClick={() => { setOpen(false); setSlot(null); action.reset(); }}>{t('mvCancel')}</button>
      </div>
      {slot && !slot.moved && (
        <div className="note" role="status">
          <p>{t('mvNewSlot', { time: at(slot.start), window: slot.window })}</p>
          <p>{t('mvLossCompare', { after: lossText(slot.expectedLossMinor), before: lossText(slot.previousLossMinor) })}</p>
          <button type="button" disabled={action.busy} onClick={() => void action.run(async () => {
            const moved = await api<MoveView>('POST', `/maintenance/jobs/${encodeURIComponent(job.jobId)}/move`, { startAt: wallToIso(local, zone), confirm: true });
            setSlot(moved);
            await onChanged();
            return t('mvMoved', { time: at(moved.start) });
          })}>{t('mvConfirmMove')}</button>
        </div>
      )}
      {action.error !== null && <ActionError error={action.error} />}
      {action.done && <p role="status" className="note">{action.done}</p>}
    </form>
  );
}
