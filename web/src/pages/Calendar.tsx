// Maintenance calendar: a week of maintenance windows and maintenance jobs for the fleet, a merchant or a
// site, in that site's (or merchant's) time zone; and a site's suggested window — when maintenance would
// cost the least revenue — with its alternatives, from which a window can be created in one step; and the
// planned maintenance merchants moved that week (from when to when, by whom, the new slot's expected loss).
import { useCallback, useEffect, useMemo, useState, type FormEvent } from 'react';
import { DateTime } from 'luxon';
import {
  allPages, api, query, type JobDetail, type Me, type Merchant, type MaintenanceWindow, type Occurrence, type Page, type Site,
  type SuggestedCandidate, type SuggestedWindow, type Terminal,
} from '../api.ts';
import { ActionError, ErrorNote } from '../App.tsx';
import { errorFor, InputField, SelectField, unplaced } from '../Field.tsx';
import { browserTimeZone, dateTimeIn, localDay, money, number, shiftDay, timeIn, todayIn, weekOf } from '../format.ts';
import { useI18n } from '../i18n.tsx';
import type { LiveState } from '../live.ts';
import { can } from '../permissions.ts';
import { Link } from '../router.tsx';
import { siteAndViewerTime, zoneLabel } from '../whose-time.ts';
import { useSites } from './Terminals.tsx';
import type { MoveRecord } from '../../../src/merchant/merchant.schemas.ts';

/** Windows whose occurrences are fetched for one week; more are named, not drawn. */
const MAX_WINDOWS = 60;
/** Jobs whose details are fetched for one week. */
const MAX_JOBS = 100;

export function useMerchants() {
  const [merchants, setMerchants] = useState<Merchant[]>([]);
  useEffect(() => {
    api<Page<Merchant>>('GET', '/merchants?limit=1000').then((p) => setMerchants(p.items)).catch(() => setMerchants([]));
  }, []);
  return merchants;
}

interface CalendarEvent {
  key: string;
  kind: 'window' | 'job';
  start: string;
  end: string;
  title: string;
  detail: string;
  href?: string;
  state?: string;
}

/** Does a window apply to the chosen site or merchant? */
function applies(w: MaintenanceWindow, site: Site | undefined, merchantId: string, siteOfTerminal: Map<string, string | null>, sites: Site[]): boolean {
  const t = w.target;
  const merchantOfSite = (siteId: string | null | undefined) => sites.find((s) => s.id === siteId)?.merchantId;
  if (site) {
    if (t.siteId) return t.siteId === site.id;
    if (t.merchantId) return t.merchantId === site.merchantId;
    if (t.terminalId) return siteOfTerminal.get(t.terminalId) === site.id;
    return !t.filter?.merchantId || t.filter.merchantId === site.merchantId;
  }
  if (merchantId) {
    if (t.merchantId) return t.merchantId === merchantId;
    if (t.siteId) return merchantOfSite(t.siteId) === merchantId;
    if (t.terminalId) return merchantOfSite(siteOfTerminal.get(t.terminalId)) === merchantId;
    return !t.filter?.merchantId || t.filter.merchantId === merchantId;
  }
  return true;
}

export function CalendarPage({ me, live }: { me: Me; live: LiveState }) {
  const { t, tk, locale } = useI18n();
  const sites = useSites();
  const merchants = useMerchants();
  const [merchantId, setMerchantId] = useState('');
  const [siteId, setSiteId] = useState('');
  const site = sites.find((s) => s.id === siteId);
  const merchant = merchants.find((m) => m.id === (site?.merchantId ?? merchantId));
  const placeZone = site?.timeZone ?? (merchantId ? merchant?.timeZone : undefined);
  // Whose clock the week is drawn in: the site's (or merchant's), or the viewer's own.
  const [clock, setClock] = useState<'site' | 'mine'>('site');
  const timeZone = (clock === 'site' ? placeZone : undefined) ?? browserTimeZone();
  const [day, setDay] = useState(() => todayIn(timeZone));
  const week = useMemo(() => weekOf(day || todayIn(timeZone), timeZone), [day, timeZone]);
  const [windows, setWindows] = useState<MaintenanceWindow[] | null>(null);
  const [events, setEvents] = useState<CalendarEvent[] | null>(null);
  const [skipped, setSkipped] = useState(0);
  const [moves, setMoves] = useState<MoveRecord[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [reload, setReload] = useState(0);

  const terminals = useMemo(() => live.fleet?.terminals ?? [], [live.fleet]);
  const siteOfTerminal = useMemo(() => new Map(terminals.map((x) => [x.id, x.siteId])), [terminals]);
  const serialOf = useMemo(() => new Map(terminals.map((x) => [x.id, x.serialNumber])), [terminals]);
  const siteName = useMemo(() => new Map(sites.map((s) => [s.id, s.name])), [sites]);
  // The open jobs the live stream knows, as a stable key: the week reloads when one opens or ends.
  const openJobs = `${terminals.length}|${terminals.filter((x) => x.job).map((x) => x.job!.id).sort().join(',')}`;

  useEffect(() => {
    allPages<MaintenanceWindow>('/maintenance/windows', 500).then(setWindows).catch((e: unknown) => setError(e));
  }, [reload]);

  useEffect(() => {
    if (!windows) return;
    let current = true;
    setEvents(null);
    setError(null);
    const load = async () => {
      const relevant = windows.filter((w) => applies(w, site, merchantId, siteOfTerminal, sites));
      const drawn = relevant.slice(0, MAX_WINDOWS);
      const range = query({ from: week.from, to: week.to });
      const moved = (await api<{ items: MoveRecord[] }>('GET', `/maintenance/moves${query({ from: week.from, to: week.to, merchantId: site ? undefined : merchantId || undefined, siteId: site?.id })}`)).items;
      const movedBy = new Map<string, MoveRecord>();
      for (const m of moved) if (!movedBy.has(m.jobId)) movedBy.set(m.jobId, m);
      const occurrences = await Promise.all(drawn.map(async (w) => ({
        w, items: (await api<{ items: Occurrence[] }>('GET', `/maintenance/windows/${w.id}/occurrences${range}`)).items,
      })));
      const out: CalendarEvent[] = [];
      for (const { w, items } of occurrences) {
        const where = w.target.siteId ? siteName.get(w.target.siteId) : w.target.merchantId ? merchants.find((m) => m.id === w.target.merchantId)?.name
          : w.target.terminalId ? serialOf.get(w.target.terminalId) : t('targetFilter');
        for (const o of items) out.push({ key: `w-${w.id}-${o.start}`, kind: 'window', start: o.start, end: o.end, title: w.name, detail: where ?? '' });
      }
      // Jobs: a site's whole history of its terminals; otherwise the open jobs of the fleet in view.
      let jobs: JobDetail[];
      if (site) {
        const siteTerminals = (await api<Page<Terminal>>('GET', `/terminals${query({ siteId: site.id, limit: 200 })}`)).items;
        jobs = (await Promise.all(siteTerminals.map((x) => api<{ items: JobDetail[] }>('GET', `/terminals/${x.id}/maintenance-jobs`)))).flatMap((r) => r.items);
      } else {
        const merchantSites = new Set(sites.filter((s) => s.merchantId === merchantId).map((s) => s.id));
        const ids = terminals.filter((x) => x.job && (!merchantId || (x.siteId && merchantSites.has(x.siteId)))).map((x) => x.job!.id).slice(0, MAX_JOBS);
        jobs = await Promise.all(ids.map((id) => api<JobDetail>('GET', `/maintenance/jobs/${id}`)));
      }
      for (const job of jobs) {
        const start = job.startedAt ?? job.plannedStart;
        const end = job.endedAt ?? new Date(Date.parse(start) + job.expectedMinutes * 60_000).toISOString();
        if (end <= week.from || start >= week.to) continue;
        const serial = serialOf.get(job.terminalId) ?? job.terminalId.slice(0, 8);
        out.push({
          key: `j-${job.id}`, kind: 'job', start, end, title: `${serial} · ${job.work.map((w) => tk('work', w)).join(', ')}`,
          detail: [job.reason, movedBy.has(job.id) ? t('mvCalMovedShort', { who: movedBy.get(job.id)!.movedBy }) : ''].filter(Boolean).join(' · '),
          href: `/terminals/${job.terminalId}`, state: job.state,
        });
      }
      out.sort((a, b) => a.start.localeCompare(b.start));
      if (current) {
        setSkipped(relevant.length - drawn.length);
        setEvents(out);
        setMoves(moved);
      }
    };
    load().catch((e: unknown) => { if (current) setError(e); });
    return () => { current = false; };
    // openJobs stands for the live jobs (terminals, serials): the week is not refetched for every heartbeat.
  }, [windows, site, merchantId, week.from, week.to, sites, merchants, openJobs]);

  const byDay = new Map<string, CalendarEvent[]>(week.days.map((d) => [d, []]));
  for (const e of events ?? []) byDay.get(localDay(e.start, timeZone))?.push(e);
  const windowCount = (events ?? []).filter((e) => e.kind === 'window').length;
  const jobCount = (events ?? []).length - windowCount;
  const dayTitle = (d: string) => new Intl.DateTimeFormat(locale, { weekday: 'long', month: 'short', day: 'numeric', timeZone: 'UTC' }).format(new Date(`${d}T12:00:00Z`));
  const shownSites = merchantId ? sites.filter((s) => s.merchantId === merchantId) : sites;

  return (
    <section aria-labelledby="calendar-title">
      <h1 id="calendar-title">{t('calendar')}</h1>
      <div className="filters" role="group" aria-label={t('filters')}>
        <SelectField label={t('merchant')} value={merchantId} onChange={(e) => { setMerchantId(e.target.value); setSiteId(''); }}>
          <option value="">{t('allMerchants')}</option>
          {merchants.map((m) => <option key={m.id} value={m.id}>{m.name}</option>)}
        </SelectField>
        <SelectField label={t('site')} value={siteId} onChange={(e) => setSiteId(e.target.value)}>
          <option value="">{t('allSites')}</option>
          {shownSites.map((s) => <option key={s.id} value={s.id}>{s.name} ({s.code})</option>)}
        </SelectField>
        <InputField label={t('weekOf')} type="date" value={day} onChange={(e) => setDay(e.target.value)} />
        <div className="week-nav" role="group" aria-label={t('weekNav')}>
          <button type="button" className="secondary" onClick={() => setDay(shiftDay(week.days[0]!, -7))}>{t('previousWeek')}</button>
          <button type="button" className="secondary" onClick={() => setDay(todayIn(timeZone))}>{t('thisWeek')}</button>
          <button type="button" className="secondary" onClick={() => setDay(shiftDay(week.days[0]!, 7))}>{t('nextWeek')}</button>
        </div>
      </div>
      <h2 id="week-title">{t('weekTitle', { from: dayTitle(week.days[0]!), to: dayTitle(week.days[6]!) })}</h2>
      {placeZone && placeZone !== browserTimeZone() && (
        <fieldset className="clock-choice">
          <legend>{t('stShowTimesIn')}</legend>
          <label className="inline"><input type="radio" name="calendar-clock" checked={clock === 'site'} onChange={() => setClock('site')} /> {t(site ? 'stSiteClock' : 'stMerchantClock', { zone: placeZone })}</label>
          <label className="inline"><input type="radio" name="calendar-clock" checked={clock === 'mine'} onChange={() => setClock('mine')} /> {t('stMyClock', { label: zoneLabel(browserTimeZone(), locale), zone: browserTimeZone() })}</label>
        </fieldset>
      )}
      <p className="muted" data-testid="calendar-zone">{t('timesIn', { zone: timeZone })} {placeZone && (timeZone === placeZone ? t(site ? 'stIsSiteTime' : 'stIsMerchantTime') : `(${zoneLabel(timeZone, locale)})`)}</p>
      <p role="status" aria-live="polite" className="muted">
        {error === null && (events === null ? t('loading') : t('weekSummary', { windows: windowCount, jobs: jobCount }))}
      </p>
      {error !== null && <ErrorNote error={error} onRetry={() => setReload((n) => n + 1)} />}
      {skipped > 0 && <p className="note">{t('windowsSkipped', { count: skipped })}</p>}
      <ol className="week" aria-labelledby="week-title">
        {week.days.map((d) => {
          const items = byDay.get(d) ?? [];
          const today = d === todayIn(timeZone);
          return (
            <li key={d} className={`day${today ? ' today' : ''}`} aria-labelledby={`day-${d}`} data-day={d}>
              <h3 id={`day-${d}`}>{dayTitle(d)}{today && <span className="sr-only"> ({t('today')})</span>}</h3>
              {items.length === 0 ? <p className="muted">{events === null ? '…' : t('nothingPlanned')}</p> : (
                <ul className="events">
                  {items.map((e) => (
                    <li key={e.key} className={`event event-${e.kind}`} data-kind={e.kind}>
                      <span className="event-time">{timeIn(e.start, locale, timeZone)}–{timeIn(e.end, locale, timeZone)}</span>{' '}
                      <span className="event-kind">{e.kind === 'window' ? t('windowEvent') : t('jobEvent')}</span>{' '}
                      <span className="event-title">{e.href ? <Link href={e.href}>{e.title}</Link> : e.title}</span>{' '}
                      <span className="muted">{e.state ? `${tk('state', e.state)} · ` : ''}{e.detail}</span>
                    </li>
                  ))}
                </ul>
              )}
            </li>
          );
        })}
      </ol>
      <MovesThisWeek moves={events === null ? null : moves} />
      <SuggestedWindowPanel me={me} sites={sites} initialSiteId={siteId} onCreated={() => setReload((n) => n + 1)} />
    </section>
  );
}

/** The planned jobs merchants moved whose old or new start falls in the week, each in its site's time. */
function MovesThisWeek({ moves }: { moves: MoveRecord[] | null }) {
  const { t, date, locale } = useI18n();
  if (moves === null) return null;
  return (
    <section className="card" aria-labelledby="moves-title">
      <h2 id="moves-title">{t('mvCalMoves')}</h2>
      {moves.length === 0 ? <p className="muted">{t('mvCalNoMoves')}</p> : (
        <ul className="plain moves">
          {moves.map((m) => {
            const zone = m.timeZone ?? browserTimeZone();
            return (
              <li key={m.id} data-move={m.jobId}>
                <strong><Link href={`/terminals/${m.terminalId}`}>{m.serialNumber}</Link></strong>{m.siteName ? ` · ${m.siteName}` : ''} · {m.reasons[locale]}
                <div>{t('mvCalMoved', { who: m.movedBy, from: dateTimeIn(m.fromStart, locale, zone), to: dateTimeIn(m.toStart, locale, zone), zone: m.timeZone ? t('mvSiteTime') : zone })}</div>
                <div>{m.expectedLossMinor === null ? t('mvLossUnknown') : t('mvCalNewLoss', { amount: money(m.expectedLossMinor, locale, m.currency) })}</div>
                <div className="muted">{t('mvCalMovedAt', { when: date(m.movedAt) })}</div>
              </li>
            );
          })}
        </ul>
      )}
    </section>
  );
}

const PREFERENCES = ['outside-opening-hours', 'inside-opening-hours', 'any'] as const;
const BYDAY = ['MO', 'TU', 'WE', 'TH', 'FR', 'SA', 'SU'];

/** The weekly RRULE that repeats a candidate at the same local weekday and time. */
function weeklyRule(localStart: string): string {
  const at = DateTime.fromISO(localStart, { setZone: true });
  return `FREQ=WEEKLY;BYDAY=${BYDAY[at.weekday - 1]};BYHOUR=${at.hour};BYMINUTE=${at.minute}`;
}

function SuggestedWindowPanel({ me, sites, initialSiteId, onCreated }: { me: Me; sites: Site[]; initialSiteId: string; onCreated(): void }) {
  const { t, tk, locale } = useI18n();
  const [siteId, setSiteId] = useState(initialSiteId);
  const [minutes, setMinutes] = useState('60');
  const [days, setDays] = useState('7');
  const [preference, setPreference] = useState<(typeof PREFERENCES)[number]>('outside-opening-hours');
  const [batchClose, setBatchClose] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [result, setResult] = useState<SuggestedWindow | null>(null);
  const [name, setName] = useState('');
  const [weekly, setWeekly] = useState(false);
  const [created, setCreated] = useState<string | null>(null);
  const [createError, setCreateError] = useState<unknown>(null);
  const mayCreate = can(me, 'maintenance:write');
  const site = sites.find((s) => s.id === (result?.siteId ?? siteId));

  useEffect(() => { if (initialSiteId) setSiteId(initialSiteId); }, [initialSiteId]);

  const suggest = useCallback(async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    setCreated(null);
    setCreateError(null);
    try {
      const answer = await api<SuggestedWindow>('GET', `/sites/${encodeURIComponent(siteId)}/suggested-window${query({ minutes, days, preference, batchClose })}`);
      setResult(answer);
      const s = sites.find((x) => x.id === answer.siteId);
      setName(t('suggestedWindowName', { site: s?.name ?? '' }));
    } catch (e) {
      setError(e);
      setResult(null);
    } finally {
      setBusy(false);
    }
  }, [siteId, minutes, days, preference, batchClose, sites, t]);

  const create = async (c: SuggestedCandidate) => {
    if (!result) return;
    setCreated(null);
    setCreateError(null);
    try {
      const durationMinutes = Math.round((Date.parse(c.end) - Date.parse(c.start)) / 60_000);
      const schedule = weekly ? { kind: 'rrule', rrule: weeklyRule(c.localStart), durationMinutes } : { kind: 'once', start: c.localStart, durationMinutes };
      const w = await api<MaintenanceWindow>('POST', '/maintenance/windows', { name, target: { siteId: result.siteId }, schedule });
      setCreated(t('windowCreated', { name: w.name, when: w.next ? dateTimeIn(w.next.start, locale, w.timeZone) : '' }));
      onCreated();
    } catch (e) {
      setCreateError(e);
    }
  };

  const loss = (c: SuggestedCandidate) => (c.expectedLossMinor === null ? t('unknown') : money(c.expectedLossMinor, locale, result!.currency));
  // The site's clock first, the viewer's beside it: "周二 02:30–04:00 门店时间（10:30 北京时间）".
  const when = (c: SuggestedCandidate) => {
    const range = `${dateTimeIn(c.start, locale, result!.timeZone, { weekday: 'short', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' })}–${timeIn(c.end, locale, result!.timeZone)}`;
    return `${range} ${siteAndViewerTime(c.start, result!.timeZone, browserTimeZone(), locale, false).replace(/^\S+ /, '')}`;
  };
  const best = result?.candidates[0];
  const fields = ['id', 'minutes', 'days', 'preference', 'batchClose'];

  return (
    <section className="card suggestion" aria-labelledby="suggest-title">
      <h2 id="suggest-title">{t('suggestedWindow')}</h2>
      <p className="muted">{t('suggestedWindowHelp')}</p>
      <form className="filters" onSubmit={suggest} noValidate>
        <SelectField label={t('site')} required value={siteId} onChange={(e) => setSiteId(e.target.value)} error={errorFor(error, 'id')}>
          <option value="">{t('choose')}</option>
          {sites.map((s) => <option key={s.id} value={s.id}>{s.name} ({s.code})</option>)}
        </SelectField>
        <InputField label={t('durationMinutes')} type="number" inputMode="numeric" value={minutes} onChange={(e) => setMinutes(e.target.value)} error={errorFor(error, 'minutes')} />
        <InputField label={t('daysAhead')} type="number" inputMode="numeric" value={days} onChange={(e) => setDays(e.target.value)} error={errorFor(error, 'days')} />
        <SelectField label={t('preference')} value={preference} onChange={(e) => setPreference(e.target.value as (typeof PREFERENCES)[number])}>
          {PREFERENCES.map((p) => <option key={p} value={p}>{tk('pref', p)}</option>)}
        </SelectField>
        <InputField label={t('batchClose')} type="time" value={batchClose} onChange={(e) => setBatchClose(e.target.value)} error={errorFor(error, 'batchClose')} />
        <button type="submit" disabled={busy || !siteId}>{t('suggest')}</button>
      </form>
      <div aria-live="polite">
        {busy && <p role="status">{t('loading')}</p>}
        {unplaced(error, fields) && <ActionError error={error} />}
        {result && !best && <p className="note" role="status">{t('noCandidates')}</p>}
        {result && best && (
          <>
            <p className="muted" data-testid="suggestion-basis">{tk('basis', result.basis)}{result.history && ` ${t('historySummary', { heartbeats: number(result.history.heartbeats, locale), terminals: result.history.terminals, weeks: number(result.history.weeks, locale, 1) })}`}</p>
            <section className="best" aria-labelledby="best-title">
              <h3 id="best-title">{t('bestWindow', { site: site?.name ?? '' })}</h3>
              <dl className="facts">
                <dt>{t('when')}</dt><dd data-testid="suggested-when">{when(best)}</dd>
                <dt>{t('expectedLoss')}</dt><dd className="money" data-testid="suggested-loss">{loss(best)}</dd>
                <dt>{t('expectedTransactions')}</dt><dd>{best.expectedTransactions === null ? t('unknown') : number(best.expectedTransactions, locale, 1)}</dd>
                <dt>{t('openMinutes')}</dt><dd>{best.openMinutes}</dd>
                <dt>{t('timeZone')}</dt><dd>{result.timeZone}</dd>
              </dl>
              {!best.preferenceMet && <p className="note">{t('preferenceNotMet')}</p>}
            </section>
            {mayCreate && (
              <div className="create-window">
                <InputField label={t('windowName')} value={name} maxLength={200} onChange={(e) => setName(e.target.value)} error={errorFor(createError, 'name')} />
                <label className="inline"><input type="checkbox" checked={weekly} onChange={(e) => setWeekly(e.target.checked)} /> {t('repeatWeekly')}</label>
                <div><button type="button" onClick={() => void create(best)}>{t('createFromSuggestion')}</button></div>
              </div>
            )}
            {created && <p className="note ok" role="status">{created}</p>}
            {unplaced(createError, ['name']) && <ActionError error={createError} />}
            {result.candidates.length > 1 && (
              <>
                <h3 id="alternatives-title">{t('alternatives')}</h3>
                <div className="table-wrap">
                  <table aria-labelledby="alternatives-title">
                    <thead>
                      <tr>
                        <th scope="col">{t('when')}</th><th scope="col">{t('expectedLoss')}</th>
                        <th scope="col" className="wide">{t('expectedTransactions')}</th><th scope="col" className="wide">{t('openMinutes')}</th>
                        {mayCreate && <th scope="col"><span className="sr-only">{t('actions')}</span></th>}
                      </tr>
                    </thead>
                    <tbody>
                      {result.candidates.slice(1).map((c) => (
                        <tr key={c.start}>
                          <td>{when(c)}</td>
                          <td className="money">{loss(c)}</td>
                          <td className="wide">{c.expectedTransactions === null ? t('unknown') : number(c.expectedTransactions, locale, 1)}</td>
                          <td className="wide">{c.openMinutes}</td>
                          {mayCreate && <td><button type="button" className="secondary" aria-label={`${t('createThis')} ${when(c)}`} onClick={() => void create(c)}>{t('createThis')}</button></td>}
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </div>
              </>
            )}
          </>
        )}
      </div>
    </section>
  );
}
