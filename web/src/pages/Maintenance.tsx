// Maintenance: put a site or some terminals into maintenance ("功能维护中") — with a preview of who stops
// trading and which spare stays in service, and an end time — follow the open jobs live, and finish,
// extend or cancel a whole group of them (a site's, or what the filter shows) in one action, with
// progress and a result per terminal. Roles that may not change anything only look.
import { useEffect, useMemo, useState, type FormEvent } from 'react';
import { allPages, api, ApiError, query, type Me, type Page, type Terminal, type WaitingCode } from '../api.ts';
import { canMaintain } from '../App.tsx';
import { ConfirmDialog } from '../Dialog.tsx';
import { InputField, SelectField } from '../Field.tsx';
import { useI18n, type I18n, type MessageKey } from '../i18n.tsx';
import type { LiveState, LiveTerminal } from '../live.ts';
import { Link, useRouter } from '../router.tsx';
import { useSites } from './Terminals.tsx';
import { ModeBadge } from './ModeBadge.tsx';

const WORK = ['update', 'upgrade', 'repair', 'data_sync', 'security_hardening', 'key_injection'] as const;
const RUNNING = ['draining', 'in_maintenance', 'restarting', 'verifying'];
const WAITING = ['scheduled', 'announced'];
/** Jobs sent per request of a group action: small enough that progress moves, large enough to be quick. */
const BATCH = 25;

type GroupAction = 'finish' | 'extend' | 'abort';
type Outcome = 'completed' | 'withdrawn' | 'aborted' | 'extended' | 'already_ended' | 'not_possible' | 'not_found' | 'failed';
interface GroupResult { jobId: string; terminalId: string | null; outcome: Outcome; state: string | null }

/** What a waiting job waits for, in the reader's language (from the server's waiting code). */
export function waitingFor(code: WaitingCode | null): MessageKey | null {
  return code ? WAITING_WORDS[code] ?? 'mWaitOther' : null;
}
/**
 * Why a job waits, on a line of its own: an English page shows the server's sentence (it names the window,
 * the rule and the terminal), another language the words of its code.
 */
export function waitingLine({ t, locale }: I18n, reason: string, code: WaitingCode | null): string {
  return locale === 'en' ? `${t('waiting')}: ${reason}` : t(waitingFor(code) ?? 'mWaitOther');
}
const WAITING_WORDS: Partial<Record<WaitingCode, MessageKey>> = {
  terminal_offline: 'mWaitOffline', terminal_locked: 'mWaitLocked', already_in_maintenance: 'mWaitAlreadyIn', duplicate_job: 'mWaitAlreadyIn',
  backup_not_fresh: 'mWaitNoSpare', last_in_service: 'mWaitLastInService', share_limit: 'mWaitShare',
  window_closed: 'mWaitWindow', no_fitting_window: 'mWaitNoWindow', window_gone: 'mWaitNoWindow',
};

/** Terminal ids for serial numbers typed by a person; unknown serials are named back. */
async function resolveSerials(text: string): Promise<{ terminals: Terminal[]; unknown: string[] }> {
  const serials = [...new Set(text.split(/[\s,;，]+/).map((s) => s.trim()).filter(Boolean))];
  const terminals: Terminal[] = [];
  const unknown: string[] = [];
  for (const serial of serials) {
    const page = await api<Page<Terminal>>('GET', `/terminals?q=${encodeURIComponent(serial)}&limit=50`);
    const match = page.items.find((x) => x.serialNumber.toLowerCase() === serial.toLowerCase());
    if (match) terminals.push(match);
    else unknown.push(serial);
  }
  return { terminals, unknown };
}

/** A problem found in the browser, said from the catalogue when shown (so a language switch changes it too). */
class Said extends Error {
  constructor(readonly key: MessageKey, readonly vars: Record<string, string | number> = {}) {
    super(key);
  }
}

/** A refusal or failure in the reader's language (never the server's English). */
export function failure(error: unknown, { t }: I18n): string {
  if (error instanceof Said) return t(error.key, error.vars);
  if (error instanceof ApiError) {
    if (error.status === 403) return t('noPermission');
    if (error.status === 409 && error.field === 'terminalIds') return t('mAlreadyHasJob');
    if (error.status === 400 && error.field === 'plannedStart') return t('mEndTimeInvalid');
    if (error.status === 400 && error.field === 'overrideReason') return t('mOverrideTooShort');
    if (error.status === 400) return t('woCheckField');
    if (error.status === 409) return t('mChangedMeanwhile');
    return t('woFailedServer');
  }
  return t('woFailedNetwork');
}

export function MaintenancePage({ me, live }: { me: Me; live: LiveState }) {
  const i18n = useI18n();
  const { t, tk, date } = i18n;
  const { path, navigate } = useRouter();
  const params = new URLSearchParams(path.split('?')[1] ?? '');
  const siteFilter = params.get('siteId') ?? '';
  const stateFilter = params.get('state') ?? '';
  const sites = useSites();
  const siteName = new Map(sites.map((s) => [s.id, s.name]));
  const terminals = useMemo(() => live.fleet?.terminals ?? [], [live.fleet]);
  // Jobs this page ended: their rows say so at once and offer nothing more, before the live stream drops them.
  const [ended, setEnded] = useState<Map<string, Outcome>>(new Map());
  const open = terminals.filter((x) => x.job);
  const shown = open.filter((x) => (!siteFilter || x.siteId === siteFilter)
    && (!stateFilter || (stateFilter === 'running' ? RUNNING : stateFilter === 'waiting' ? WAITING : ['failed']).includes(x.job!.state)));
  const actionable = shown.filter((x) => !ended.has(x.job!.id) || ended.get(x.job!.id) === 'extended');
  const locked = terminals.filter((x) => x.mode === 'locked');
  const setFilter = (key: string, value: string) => navigate(`/maintenance${query({ siteId: siteFilter, state: stateFilter, [key]: value })}`);
  const mayChange = canMaintain(me);
  const sitesWithJobs = sites.filter((s) => s.id === siteFilter || open.some((x) => x.siteId === s.id));
  const groupName = siteFilter ? siteName.get(siteFilter) ?? '' : '';

  const record = (results: GroupResult[]) => setEnded((m) => {
    const next = new Map(m);
    for (const r of results) if (r.outcome !== 'not_possible' && r.outcome !== 'failed') next.set(r.jobId, r.outcome);
    return next;
  });

  return (
    <section aria-labelledby="maintenance-title">
      <h1 id="maintenance-title">{t('maintenance')}</h1>
      {mayChange ? <MaintenanceForm sites={sites} live={terminals} /> : <p className="note">{t('noPermission')}</p>}
      <h2 id="open-jobs">{t('openJobs')}</h2>
      <div className="filters" role="search" aria-label={t('filters')}>
        <SelectField label={t('site')} value={siteFilter} onChange={(e) => setFilter('siteId', e.target.value)}>
          <option value="">{t('allSites')}</option>
          {sitesWithJobs.map((s) => <option key={s.id} value={s.id}>{s.name} ({s.code})</option>)}
        </SelectField>
        <SelectField label={t('state')} value={stateFilter} onChange={(e) => setFilter('state', e.target.value)}>
          <option value="">{t('anyStatus')}</option>
          <option value="running">{t('mRunning')}</option>
          <option value="waiting">{t('mWaiting')}</option>
          <option value="failed">{tk('state', 'failed')}</option>
        </SelectField>
      </div>
      {mayChange && live.fleet && (
        <GroupActions key={`${siteFilter}|${stateFilter}`} rows={actionable} groupName={groupName} terminals={terminals} onResults={record} />
      )}
      {!live.fleet ? <p role="status">{t('loading')}</p> : shown.length === 0 ? <p>{t('noJobs')}</p> : (
        <div className="table-wrap">
          <table aria-labelledby="open-jobs">
            <thead>
              <tr>
                <th scope="col">{t('serialNumber')}</th><th scope="col">{t('site')}</th><th scope="col">{t('mode')}</th><th scope="col">{t('state')}</th>
                <th scope="col" className="wide">{t('work')}</th><th scope="col" className="wide">{t('reason')}</th><th scope="col" className="wide">{t('created')}</th>
                {mayChange && <th scope="col"><span className="sr-only">{t('mRowActions')}</span></th>}
              </tr>
            </thead>
            <tbody>
              {shown.map((x) => {
                const job = x.job!;
                const done = ended.get(job.id);
                const final = done && done !== 'extended';
                const waiting = WAITING.includes(job.state) ? waitingFor(job.waitingCode) : null;
                return (
                  <tr key={job.id} data-ended={final ? 'true' : undefined}>
                    <td><Link href={`/terminals/${x.id}`}>{x.serialNumber}</Link></td>
                    <td>{x.siteId ? siteName.get(x.siteId) ?? '' : ''}</td>
                    <td><ModeBadge mode={x.mode === 'normal' && !x.online ? 'offline' : x.mode} /></td>
                    <td>
                      {final ? <span className="state">{t(`mOutcome_${done}` as MessageKey)}</span>
                        : <><span className="state" data-state={job.state}>{tk('state', job.state)}</span>{waiting && <div className="muted">{t(waiting)}</div>}</>}
                    </td>
                    <td className="wide">{job.work.map((w) => tk('work', w)).join(', ')}</td>
                    <td className="wide">{job.reason}</td>
                    <td className="wide">{date(job.createdAt)}</td>
                    {mayChange && (
                      <td className="actions">
                        {!final && <RowActions terminal={x} onResults={record} />}
                      </td>
                    )}
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
      {locked.length > 0 && (
        <>
          <h2>{tk('mode', 'locked')}</h2>
          <ul className="plain">
            {locked.map((x) => (
              <li key={x.id}>
                <Link href={`/terminals/${x.id}`}>{x.serialNumber}</Link> — {x.reason}{' '}
                {mayChange && <Link href={`/terminals/${x.id}`} aria-label={`${t('unlock')} ${x.serialNumber}`}>{t('unlock')}…</Link>}
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}

/** Sends one group action in batches, reporting progress; a failed batch is said per terminal, not thrown. */
async function runGroup(jobIds: string[], action: GroupAction, extra: { minutes?: number; note?: string }, onProgress: (done: number, results: GroupResult[]) => void) {
  const results: GroupResult[] = [];
  for (let i = 0; i < jobIds.length; i += BATCH) {
    const batch = jobIds.slice(i, i + BATCH);
    try {
      const answer = await api<{ items: GroupResult[] }>('POST', '/maintenance/jobs/group', { action, jobIds: batch, ...extra });
      results.push(...answer.items);
    } catch {
      results.push(...batch.map((jobId) => ({ jobId, terminalId: null, outcome: 'failed' as const, state: null })));
    }
    onProgress(Math.min(i + BATCH, jobIds.length), [...results]);
  }
  return results;
}

/** Finish, extend or cancel every job the filter shows — a whole site's when a site is chosen. */
function GroupActions({ rows, groupName, terminals, onResults }: {
  rows: LiveTerminal[]; groupName: string; terminals: LiveTerminal[]; onResults(results: GroupResult[]): void;
}) {
  const { t } = useI18n();
  const [asking, setAsking] = useState<GroupAction | null>(null);
  const [minutes, setMinutes] = useState('30');
  const [note, setNote] = useState('');
  const [progress, setProgress] = useState<{ action: GroupAction; total: number; done: number; results: GroupResult[] } | null>(null);
  const running = progress !== null && progress.done < progress.total;
  const serialOf = new Map(terminals.map((x) => [x.id, x.serialNumber]));
  const jobTerminal = new Map(rows.map((x) => [x.job!.id, x.serialNumber]));
  const n = rows.length;

  /** Runs `action` over the group, or again over the jobs a failed request left unsent (`retry`). */
  const start = async (action: GroupAction, retry?: GroupResult[]) => {
    const kept = retry ? retry.filter((r) => r.outcome !== 'failed') : [];
    const jobIds = retry ? retry.filter((r) => r.outcome === 'failed').map((r) => r.jobId) : rows.map((x) => x.job!.id);
    const total = kept.length + jobIds.length;
    setAsking(null);
    setProgress({ action, total, done: kept.length, results: kept });
    const extra = { ...(action === 'extend' && { minutes: Number(minutes) }), ...(note.trim() && { note: note.trim() }) };
    const results = await runGroup(jobIds, action, extra, (done, partial) => setProgress({ action, total, done: kept.length + done, results: [...kept, ...partial] }));
    onResults(results);
  };

  const counts = new Map<Outcome, number>();
  for (const r of progress?.results ?? []) counts.set(r.outcome, (counts.get(r.outcome) ?? 0) + 1);
  if (!progress && n === 0) return null;
  const label = (action: GroupAction) => t(action === 'finish' ? 'mFinishAll' : action === 'extend' ? 'mExtendAll' : 'mCancelAll', { n });
  return (
    <div className="card group-actions" role="region" aria-labelledby="group-title">
      <h3 id="group-title">{groupName ? t('mGroupSite', { site: groupName, n }) : t('mGroupFilter', { n })}</h3>
      <div className="buttons">
        <button type="button" className="primary" disabled={running || n === 0} onClick={() => setAsking('finish')}>{label('finish')}</button>
        <button type="button" className="secondary" disabled={running || n === 0} onClick={() => setAsking('extend')}>{label('extend')}</button>
        <button type="button" className="danger" disabled={running || n === 0} onClick={() => setAsking('abort')}>{label('abort')}</button>
      </div>
      {progress && (
        <div className="group-progress" aria-live="polite">
          <label className="progress-line">
            <span>{running ? t('mProgress', { done: progress.done, total: progress.total }) : t('mProgressDone', { total: progress.total })}</span>
            <progress max={progress.total} value={progress.done} />
          </label>
          {!running && (
            <>
              <p role="status" className={`note ${counts.has('failed') ? 'error' : 'ok'}`}>{[...counts].map(([o, c]) => t(`mCount_${o}` as MessageKey, { n: c })).join(' · ')}</p>
              {counts.has('failed') && (
                <button type="button" className="primary" onClick={() => void start(progress.action, progress.results)}>{t('mRetryFailed', { n: counts.get('failed')! })}</button>
              )}
              <details open={progress.total <= 12}>
                <summary>{t('mPerTerminal', { n: progress.total })}</summary>
                <div className="table-wrap">
                  <table aria-label={t('mPerTerminalTable')}>
                    <thead><tr><th scope="col">{t('serialNumber')}</th><th scope="col">{t('mResult')}</th></tr></thead>
                    <tbody>
                      {progress.results.map((r) => (
                        <tr key={r.jobId} data-outcome={r.outcome}>
                          <td>{(r.terminalId && serialOf.get(r.terminalId)) ?? jobTerminal.get(r.jobId) ?? ''}</td>
                          <td>{t(`mOutcome_${r.outcome}` as MessageKey)}</td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </div>
              </details>
            </>
          )}
        </div>
      )}
      <ConfirmDialog open={asking !== null} title={asking ? t(`mConfirm_${asking}` as MessageKey, { n }) : ''} confirmLabel={asking ? label(asking) : ''}
        danger={asking === 'abort'} onClose={() => setAsking(null)} onConfirm={() => { if (asking) void start(asking); }}>
        {asking && <p>{t(`mConfirmText_${asking}` as MessageKey)}</p>}
        {asking === 'extend' && (
          <SelectField label={t('mExtendBy')} value={minutes} onChange={(e) => setMinutes(e.target.value)}>
            {[15, 30, 60, 120].map((m) => <option key={m} value={m}>{t('woMinutes', { n: m })}</option>)}
          </SelectField>
        )}
        {asking && asking !== 'extend' && <InputField label={t('mNote')} maxLength={500} value={note} onChange={(e) => setNote(e.target.value)} />}
      </ConfirmDialog>
    </div>
  );
}

/** One terminal's job: finish or cancel it alone (the same group action, for a group of one). */
function RowActions({ terminal, onResults }: { terminal: LiveTerminal; onResults(results: GroupResult[]): void }) {
  const i18n = useI18n();
  const { t } = i18n;
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const job = terminal.job!;
  const act = async (action: GroupAction) => {
    setBusy(true);
    setProblem(null);
    try {
      const { items } = await api<{ items: GroupResult[] }>('POST', '/maintenance/jobs/group', { action, jobIds: [job.id] });
      if (items[0]?.outcome === 'not_possible') setProblem(t('mOutcome_not_possible'));
      onResults(items);
    } catch (e) {
      setProblem(failure(e, i18n));
    } finally {
      setBusy(false);
    }
  };
  return (
    <>
      {RUNNING.includes(job.state) && (
        <button type="button" className="secondary" disabled={busy} aria-label={t('mFinishOne', { serial: terminal.serialNumber })} onClick={() => void act('finish')}>{t('finish')}</button>
      )}
      {job.state !== 'failed' && (
        <button type="button" disabled={busy} aria-label={t('mCancelOne', { serial: terminal.serialNumber })} onClick={() => void act('abort')}>{t('mCancel')}</button>
      )}
      {problem && <span className="field-error" role="alert">{problem}</span>}
    </>
  );
}

/** A list of serial numbers short enough to read: the first few, then how many more. */
function few(list: string[], { t }: I18n): string {
  return list.length <= 5 ? list.join(', ') : t('mAndMore', { list: list.slice(0, 5).join(', '), n: list.length - 5 });
}

/** The local time `minutes` from now, as a datetime-local input wants it. */
export function localInputValue(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

interface Preview { stop: Terminal[]; spares: Terminal[]; busy: Terminal[]; total: number }

function MaintenanceForm({ sites, live }: { sites: { id: string; name: string; code: string }[]; live: LiveTerminal[] }) {
  const i18n = useI18n();
  const { t, tk } = i18n;
  const [target, setTarget] = useState<'site' | 'terminals'>('site');
  const [siteId, setSiteId] = useState('');
  const [serials, setSerials] = useState('');
  const [work, setWork] = useState<string[]>(['update']);
  const [reason, setReason] = useState('');
  const [override, setOverride] = useState('');
  const [end, setEnd] = useState(() => localInputValue(new Date(Date.now() + 2 * 3_600_000)));
  const [busy, setBusy] = useState(false);
  const [siteTerminals, setSiteTerminals] = useState<Terminal[] | null>(null);
  const [result, setResult] = useState<{ created: number } | { error: unknown } | null>(null);

  useEffect(() => {
    setSiteTerminals(null);
    if (target !== 'site' || !siteId) return;
    let stale = false;
    allPages<Terminal>(`/terminals${query({ siteId, status: 'active' })}`, 10_000).then((items) => { if (!stale) setSiteTerminals(items); }).catch(() => undefined);
    return () => { stale = true; };
  }, [target, siteId]);

  const withJob = new Set(live.filter((x) => x.job).map((x) => x.id));
  /** Who stops trading: the site's terminals but its spares (they keep it trading) and those already in a job. */
  const preview: Preview | null = siteTerminals && {
    total: siteTerminals.length,
    spares: siteTerminals.filter((x) => x.tags.includes('backup')),
    busy: siteTerminals.filter((x) => !x.tags.includes('backup') && withJob.has(x.id)),
    stop: siteTerminals.filter((x) => !x.tags.includes('backup') && !withJob.has(x.id)),
  };
  const endMs = new Date(end).getTime();
  const minutes = Math.round((endMs - Date.now()) / 60_000);
  const endProblem = !end || !Number.isFinite(endMs) || minutes < 1 || minutes > 24 * 60 ? t('mEndTimeInvalid') : null;

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (endProblem) return;
    setBusy(true);
    setResult(null);
    try {
      let ids: string[];
      if (target === 'site') {
        if (!preview) throw new Said('choose');
        ids = preview.stop.map((x) => x.id);
      } else {
        const { terminals, unknown } = await resolveSerials(serials);
        if (unknown.length || !terminals.length) throw new Said('unknownSerials', { list: unknown.join(', ') });
        ids = terminals.map((x) => x.id);
      }
      if (!ids.length) throw new Said('mNothingToStart');
      const answer = await api<{ items: unknown[] }>('POST', '/maintenance/jobs', {
        terminalIds: ids, work, reason, expectedMinutes: minutes, maxMinutes: minutes, ...(override.trim() && { overrideReason: override.trim() }),
      });
      setResult({ created: answer.items.length });
      setSiteId('');
      setReason('');
      setOverride('');
    } catch (e) {
      setResult({ error: e });
    } finally {
      setBusy(false);
    }
  };

  const startLabel = target === 'site' && preview ? t('mStartN', { n: preview.stop.length }) : t('submit');
  return (
    <form className="card maintenance-form" onSubmit={submit} aria-labelledby="put-title">
      <h2 id="put-title">{t('putIntoMaintenance')}</h2>
      <fieldset>
        <legend>{t('target')}</legend>
        <label className="inline"><input type="radio" name="target" checked={target === 'site'} onChange={() => setTarget('site')} /> {t('targetSite')}</label>
        <label className="inline"><input type="radio" name="target" checked={target === 'terminals'} onChange={() => setTarget('terminals')} /> {t('targetTerminals')}</label>
      </fieldset>
      {target === 'site' ? (
        <SelectField label={t('site')} required value={siteId} onChange={(e) => setSiteId(e.target.value)}>
          <option value="">{t('choose')}</option>
          {sites.map((s) => <option key={s.id} value={s.id}>{s.name} ({s.code})</option>)}
        </SelectField>
      ) : (
        <label>{t('serials')}<input required value={serials} onChange={(e) => setSerials(e.target.value)} /></label>
      )}
      <fieldset>
        <legend>{t('work')}</legend>
        {WORK.map((w) => (
          <label key={w} className="inline">
            <input type="checkbox" checked={work.includes(w)} onChange={(e) => setWork(e.target.checked ? [...work, w] : work.filter((x) => x !== w))} /> {tk('work', w)}
          </label>
        ))}
      </fieldset>
      <label>{t('reason')}<input required maxLength={500} value={reason} onChange={(e) => setReason(e.target.value)} /></label>
      <InputField label={t('mEndTime')} type="datetime-local" required value={end} error={endProblem} hint={t('mEndTimeHint')} onChange={(e) => setEnd(e.target.value)} />
      <label>{t('overrideReason')}<input maxLength={500} value={override} onChange={(e) => setOverride(e.target.value)} /></label>
      {target === 'site' && siteId && (
        <div className="note preview" role="status" aria-label={t('mPreview')}>
          {!preview ? t('loading') : (
            <>
              {/* Without a spare the continuity rule keeps one terminal trading until another is back. */}
              <strong>{t('mPreviewStops', { n: preview.spares.length || preview.busy.length ? preview.stop.length : Math.max(0, preview.stop.length - 1), total: preview.total })}</strong>
              {preview.spares.length > 0
                ? <div>{t('mPreviewSpares', { list: preview.spares.map((x) => x.serialNumber).join(', ') })}</div>
                : <div>{t('mPreviewNoSpare')}</div>}
              {preview.busy.length > 0 && <div>{t('mPreviewBusy', { list: few(preview.busy.map((x) => x.serialNumber), i18n) })}</div>}
            </>
          )}
        </div>
      )}
      {result && 'created' in result && <p className="note ok" role="status">{t('jobsCreated', { count: result.created })}</p>}
      {result && 'error' in result && <p className="note error" role="alert">{failure(result.error, i18n)}</p>}
      <button type="submit" className="primary" disabled={busy || work.length === 0 || !!endProblem || (target === 'site' && (!preview || preview.stop.length === 0))}>{startLabel}</button>
    </form>
  );
}
