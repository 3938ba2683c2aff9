// One terminal: what and where it is (merchant, site, model, tags, versions, network, location), its
// mode (live), latest health and open incidents, remote commands with their results, remote assistance
// (logs, screenshots, a message on its screen), its maintenance
// (start, finish, cancel) and its history (heartbeats as charts, versions, incidents, work orders, audit).
import { useCallback, useEffect, useState, type FormEvent } from 'react';
import {
  api, ApiError, cardFailures, COMMAND_TYPES, type Health, type HeartbeatRecord, type Incident, type Job, type Me, type Merchant, type Page, type Site,
  type Terminal, type TerminalCommand, type TerminalModel,
} from '../api.ts';
import { canMaintain, ErrorNote } from '../App.tsx';
import { InputField } from '../Field.tsx';
import { failure, localInputValue, waitingLine } from './Maintenance.tsx';
import { LineChart } from '../charts.tsx';
import { useI18n } from '../i18n.tsx';
import { displayMode, type LiveState } from '../live.ts';
import { ModeBadge } from './ModeBadge.tsx';
import { TerminalHistory } from './TerminalHistory.tsx';
import { TerminalBackups } from './TerminalBackups.tsx';
import { TerminalSecurity } from './TerminalSecurity.tsx';
import { HealthScoreCard } from './HealthScore.tsx';
import { SuspiciousReportForm } from './SuspiciousCases.tsx';
import { AssistanceFiles, ScreenMessages } from './RemoteAssistance.tsx';
import { can } from '../permissions.ts';
import { Link } from '../router.tsx';

interface Loaded {
  terminal: Terminal;
  health: Health | null;
  history: HeartbeatRecord[];
  jobs: Job[];
  site: Site | null;
  merchant: Merchant | null;
  model: TerminalModel | null;
  incidents: Incident[];
}

/** null when the caller may not see it (a technician sees the terminal, not always its merchant). */
const orNull = <T,>(p: Promise<T>): Promise<T | null> => p.catch((e: unknown) => { if (e instanceof ApiError && (e.status === 404 || e.status === 403)) return null; throw e; });

export function TerminalPage({ id, me, live }: { id: string; me: Me; live: LiveState }) {
  const i18n = useI18n();
  const { t, tk, date, time } = i18n;
  const [data, setData] = useState<Loaded | null>(null);
  const [error, setError] = useState<unknown>(null);
  const liveTerminal = live.fleet?.terminals.find((x) => x.id === id);
  // Reload the jobs and health when the live stream says the terminal's job or mode moved.
  const liveKey = liveTerminal ? `${liveTerminal.mode}|${liveTerminal.online}|${liveTerminal.job?.id ?? ''}|${liveTerminal.job?.state ?? ''}` : '';

  const load = useCallback(async () => {
    try {
      const terminal = await api<Terminal>('GET', `/terminals/${encodeURIComponent(id)}`);
      const tid = encodeURIComponent(terminal.id);
      const [health, history, jobs, site, merchant, model, incidents] = await Promise.all([
        orNull(api<Health>('GET', `/terminals/${tid}/health`)),
        api<Page<HeartbeatRecord>>('GET', `/terminals/${tid}/heartbeats?limit=100`),
        api<{ items: Job[] }>('GET', `/terminals/${tid}/maintenance-jobs`),
        terminal.siteId ? orNull(api<Site>('GET', `/sites/${encodeURIComponent(terminal.siteId)}`)) : null,
        terminal.merchantId ? orNull(api<Merchant>('GET', `/merchants/${encodeURIComponent(terminal.merchantId)}`)) : null,
        orNull(api<TerminalModel>('GET', `/terminal-models/${encodeURIComponent(terminal.modelId)}`)),
        api<Page<Incident>>('GET', `/incidents?terminalId=${tid}&status=unresolved&limit=50`),
      ]);
      setData({ terminal, health, history: [...history.items].reverse(), jobs: jobs.items, site, merchant, model, incidents: sortIncidents(incidents.items) });
      setError(null);
    } catch (e) {
      setError(e);
    }
  }, [id]);
  useEffect(() => { void load(); }, [load, liveKey]);

  if (error) return <section aria-labelledby="terminal-title"><h1 id="terminal-title">{t('terminal')}</h1><ErrorNote error={error} onRetry={() => void load()} /></section>;
  if (!data) return <p role="status">{t('loading')}</p>;
  const { terminal, health, history, jobs, site, merchant, model, incidents } = data;
  const openJob = jobs.find((j) => OPEN_JOB.includes(j.state)) ?? null;
  const mode = displayMode(liveTerminal ?? { mode: 'normal', online: terminal.online });
  const labels = history.map((h) => time(h.receivedAt));
  const report = health?.report;

  return (
    <section aria-labelledby="terminal-title">
      <h1 id="terminal-title">{t('terminal')} {terminal.serialNumber}</h1>
      <p className="mode-line">{t('mode')}: <ModeBadge mode={mode} /> {liveTerminal?.reason && <span className="reason">{liveTerminal.reason}</span>}</p>
      {can(me, 'workorders:write') && terminal.siteId && (
        <p><Link href={`/work-orders?new=1&siteId=${encodeURIComponent(terminal.siteId)}&terminalId=${encodeURIComponent(terminal.id)}`}>{t('woNewForTerminal')}</Link></p>
      )}
      {can(me, 'configuration:read') && <p><Link href={`/configuration?level=terminal&scope=${encodeURIComponent(terminal.id)}`}>{t('cfgOfTerminal')}</Link></p>}
      <div className="grid">
        <Identity terminal={terminal} site={site} merchant={merchant} model={model} reported={report?.network} />
        <OpenIncidents terminalId={terminal.id} incidents={incidents} />
        <section className="card" aria-labelledby="health-title">
          <h2 id="health-title">{t('latestHealth')}</h2>
          {!health || !report ? <p>{t('noHeartbeats')}</p> : (
            <dl className="facts">
              <dt>{t('lastSeen')}</dt><dd>{date(health.lastSeenAt)} ({health.online ? t('online') : t('offline')})</dd>
              <dt>{t('battery')}</dt><dd>{report.battery?.percent ?? '–'}</dd>
              <dt>{t('cardFailures')}</dt><dd>{cardFailures(report)}</dd>
              <dt>{t('latency')}</dt><dd>{report.network?.latencyMs ?? '–'}</dd>
              <dt>{t('temperature')}</dt><dd>{report.temperatureC ?? '–'}</dd>
              <dt>{t('paper')}</dt><dd>{report.printer?.paper ? tk('paper', report.printer.paper) : '–'}</dd>
              <dt>{t('appVersion')}</dt><dd>{terminal.appVersion ?? '–'}</dd>
              <dt>{t('firmwareVersion')}</dt><dd>{terminal.firmwareVersion ?? '–'}</dd>
            </dl>
          )}
        </section>
        <HealthScoreCard query={`terminalId=${encodeURIComponent(terminal.id)}`} what={terminal.serialNumber} reload={liveKey} />
        {can(me, 'terminals:command') && <Commands terminalId={terminal.id} online={terminal.online} reload={liveKey} />}
        <AssistanceFiles terminalId={terminal.id} me={me} />
        <ScreenMessages terminalId={terminal.id} me={me} />
        {canMaintain(me) && <MaintenanceBox terminalId={terminal.id} job={openJob} onDone={load} />}
        {canMaintain(me) && <LockBox terminalId={terminal.id} locked={mode === 'locked'} onDone={load} />}
        <SuspiciousReportForm terminalId={terminal.id} me={me} />
      </div>
      {!can(me, 'terminals:command') && <CommandHistory terminalId={terminal.id} reload={liveKey} />}
      <h2>{t('history')}</h2>
      {history.length === 0 ? <p>{t('noHeartbeats')}</p> : (
        <div className="charts">
          <LineChart title={t('battery')} labels={labels} values={history.map((h) => h.report.battery?.percent ?? null)} min={0} />
          <LineChart title={t('cardFailures')} labels={labels} values={history.map((h) => cardFailures(h.report))} />
          <LineChart title={t('latency')} labels={labels} values={history.map((h) => h.report.network?.latencyMs ?? null)} />
          <LineChart title={t('paperLevel')} labels={labels} values={history.map((h) => PAPER_LEVEL[h.report.printer?.paper ?? ''] ?? null)} min={0} />
        </div>
      )}
      <h2>{t('jobs')}</h2>
      {jobs.length === 0 ? <p>{t('noJobs')}</p> : (
        <div className="table-wrap">
          <table>
            <thead><tr><th scope="col">{t('created')}</th><th scope="col">{t('state')}</th><th scope="col">{t('work')}</th><th scope="col">{t('reason')}</th></tr></thead>
            <tbody>
              {jobs.map((j) => (
                <tr key={j.id}>
                  <td>{date(j.createdAt)}</td>
                  <td><span className="state" data-state={j.state}>{tk('state', j.state)}</span></td>
                  <td>{j.work.map((w) => tk('work', w)).join(', ')}</td>
                  <td>{j.reason}{j.waitingReason && <div className="muted">{waitingLine(i18n, j.waitingReason, j.waitingCode)}</div>}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <TerminalSecurity terminalId={terminal.id} siteId={terminal.siteId} me={me} reload={liveKey} />
      <TerminalBackups terminalId={terminal.id} me={me} reload={liveKey} />
      <TerminalHistory terminalId={terminal.id} me={me} reload={liveKey} />
    </section>
  );
}

const OPEN_JOB = ['scheduled', 'announced', 'draining', 'in_maintenance', 'restarting', 'verifying', 'failed'];
const RUNNING_JOB = ['draining', 'in_maintenance', 'restarting', 'verifying'];
const SEVERITY_ORDER: Record<string, number> = { critical: 0, high: 1, medium: 2, low: 3 };

/** The worst first; among equals, the oldest first (it has waited longest). */
export const sortIncidents = (items: Incident[]) => [...items].sort((a, b) =>
  (SEVERITY_ORDER[a.severity] ?? 9) - (SEVERITY_ORDER[b.severity] ?? 9) || a.firstSeenAt.localeCompare(b.firstSeenAt));

function Identity({ terminal, site, merchant, model, reported }: {
  terminal: Terminal; site: Site | null; merchant: Merchant | null; model: TerminalModel | null; reported: { type?: string; signalDbm?: number } | undefined;
}) {
  const { t, tk } = useI18n();
  // The estate record's network, else what the terminal last reported, with its signal.
  const networkType = terminal.networkType ?? reported?.type;
  const network = [networkType ? tk('network', networkType) : null, reported?.signalDbm !== undefined ? `${reported.signalDbm} dBm` : null].filter(Boolean).join(' · ');
  const place = site && [site.address, site.latitude != null && site.longitude != null ? `${site.latitude.toFixed(4)}, ${site.longitude.toFixed(4)}` : null].filter(Boolean).join(' · ');
  return (
    <section className="card" aria-labelledby="identity-title">
      <h2 id="identity-title">{t('tmIdentity')}</h2>
      <dl className="facts" data-testid="identity">
        <dt>{t('serialNumber')}</dt><dd>{terminal.serialNumber}</dd>
        <dt>{t('tmMerchant')}</dt><dd>{merchant?.name ?? '–'}</dd>
        <dt>{t('site')}</dt><dd>{site ? <><Link href={`/terminals?siteId=${encodeURIComponent(site.id)}`}>{site.name} ({site.code})</Link> · <Link href={`/sites/${encodeURIComponent(site.id)}`}>{t('stSitePage')}</Link></> : t('tmNotAtSite')}</dd>
        <dt>{t('tmModel')}</dt><dd>{model ? `${model.vendor} ${model.model}` : '–'}</dd>
        <dt>{t('status')}</dt><dd>{tk('status', terminal.status)}</dd>
        <dt>{t('tmTags')}</dt><dd>{terminal.tags.length ? terminal.tags.map((tag) => <span key={tag} className="tag">{tag}</span>) : t('tmNoTags')}</dd>
        <dt>{t('appVersion')}</dt><dd>{terminal.appVersion ?? '–'}</dd>
        <dt>{t('firmwareVersion')}</dt><dd>{terminal.firmwareVersion ?? '–'}</dd>
        <dt>{t('tmNetwork')}</dt><dd>{network || '–'}</dd>
        {site && <><dt>{t('tmLocation')}</dt><dd>{place || t('tmNoLocation')}</dd></>}
        {site && <><dt>{t('tmTimeZone')}</dt><dd>{site.timeZone}</dd></>}
      </dl>
    </section>
  );
}

function OpenIncidents({ terminalId, incidents }: { terminalId: string; incidents: Incident[] }) {
  const { t, tk, date, locale } = useI18n();
  return (
    <section className="card" aria-labelledby="open-incidents-title">
      <h2 id="open-incidents-title">{t('tmOpenIncidents')} ({incidents.length})</h2>
      {incidents.length === 0 ? <p className="note ok">{t('tmNoOpenIncidents')}</p> : (
        <ul className="plain">
          {incidents.map((i) => (
            <li key={i.id} data-incident={i.id}>
              <span className={`sev sev-${i.severity}`}>{tk('sev', i.severity)}</span> {i.title[locale] || i.rule} <span className="muted">{t('tmSince', { when: date(i.firstSeenAt) })}</span>
            </li>
          ))}
        </ul>
      )}
      <p><Link href={`/incidents?terminalId=${encodeURIComponent(terminalId)}`}>{t('tmAllIncidents')}</Link></p>
    </section>
  );
}

function useCommands(terminalId: string, reload: unknown) {
  const [items, setItems] = useState<TerminalCommand[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const load = useCallback(() => {
    api<{ items: TerminalCommand[] }>('GET', `/terminals/${encodeURIComponent(terminalId)}/commands`)
      .then((p) => { setItems(p.items); setError(null); }).catch((e: unknown) => setError(e));
  }, [terminalId]);
  useEffect(load, [load, reload]);
  // A command waits for the next heartbeat: look again every few seconds until every one has a result.
  const waiting = items?.some((c) => c.status === 'pending' || c.status === 'delivered') ?? false;
  useEffect(() => {
    if (!waiting) return;
    const timer = setInterval(load, 5_000);
    return () => clearInterval(timer);
  }, [waiting, load]);
  return { items, error, load };
}

function Commands({ terminalId, online, reload }: { terminalId: string; online: boolean; reload: unknown }) {
  const i18n = useI18n();
  const { t, tk } = i18n;
  const { items, error, load } = useCommands(terminalId, reload);
  const [sending, setSending] = useState<string | null>(null);
  const [said, setSaid] = useState<{ ok: boolean; text: string } | null>(null);
  const waiting = new Set((items ?? []).filter((c) => c.status === 'pending').map((c) => c.type));
  const send = async (type: string) => {
    setSending(type);
    setSaid(null);
    try {
      const before = new Set((items ?? []).map((c) => c.id));
      const command = await api<TerminalCommand>('POST', `/terminals/${encodeURIComponent(terminalId)}/commands`, { type });
      setSaid({ ok: true, text: t(before.has(command.id) ? 'tmAlreadyQueued' : 'tmQueued', { command: tk('cmd', type) }) });
      load();
    } catch (e) {
      setSaid({ ok: false, text: failure(e, i18n) });
    } finally {
      setSending(null);
    }
  };
  return (
    <section className="card commands" aria-labelledby="commands-title">
      <h2 id="commands-title">{t('tmCommands')}</h2>
      <p className="muted">{online ? t('tmCommandsLead') : t('tmCommandsOffline')}</p>
      <div className="command-buttons" role="group" aria-label={t('tmCommands')}>
        {COMMAND_TYPES.map((type) => (
          <button key={type} type="button" className="secondary" disabled={sending !== null || waiting.has(type)} onClick={() => void send(type)}>
            {sending === type ? t('tmSending') : tk('cmd', type)}{waiting.has(type) && sending !== type ? ` · ${t('tmWaiting')}` : ''}
          </button>
        ))}
      </div>
      {said && <p className={`note ${said.ok ? 'ok' : 'error'}`} role={said.ok ? 'status' : 'alert'}>{said.text}</p>}
      {error !== null && <ErrorNote error={error} onRetry={load} />}
      <CommandTable items={items} />
    </section>
  );
}

function CommandHistory({ terminalId, reload }: { terminalId: string; reload: unknown }) {
  const { t } = useI18n();
  const { items, error, load } = useCommands(terminalId, reload);
  return (
    <section aria-labelledby="command-history-title">
      <h2 id="command-history-title">{t('tmCommandHistory')}</h2>
      {error !== null ? <ErrorNote error={error} onRetry={load} /> : <CommandTable items={items} />}
    </section>
  );
}

/** What the terminal reported, as short "key: value" pairs (the output is the terminal's own words). */
function resultText(result: unknown): string {
  if (result === null || typeof result !== 'object') return '';
  return Object.entries(result as Record<string, unknown>)
    .map(([k, v]) => `${k}: ${typeof v === 'string' ? v : JSON.stringify(v)}`).join(' · ').slice(0, 200);
}

function CommandTable({ items }: { items: TerminalCommand[] | null }) {
  const { t, tk, date } = useI18n();
  if (items === null) return <p role="status">{t('loading')}</p>;
  if (items.length === 0) return <p className="muted">{t('tmNoCommands')}</p>;
  return (
    <div className="table-wrap">
      <table aria-label={t('tmCommandHistory')}>
        <thead><tr><th scope="col">{t('tmCommand')}</th><th scope="col">{t('state')}</th><th scope="col" className="wide">{t('tmSentAt')}</th><th scope="col" className="wide">{t('tmSentBy')}</th><th scope="col">{t('tmResult')}</th></tr></thead>
        <tbody>
          {items.slice(0, 10).map((c) => (
            <tr key={c.id} data-command={c.type}>
              <td>{tk('cmd', c.type)}</td>
              <td><span className="state" data-status={c.status}>{tk('cmdStatus', c.status)}</span></td>
              <td className="wide">{date(c.createdAt)}</td>
              <td className="wide">{c.createdBy ?? ''}</td>
              <td>{c.completedAt ? `${date(c.completedAt)} ${resultText(c.result)}` : ''}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function MaintenanceBox({ terminalId, job, onDone }: { terminalId: string; job: Job | null; onDone(): Promise<void> }) {
  const i18n = useI18n();
  const { t, tk } = i18n;
  const [reason, setReason] = useState('');
  const [end, setEnd] = useState(() => localInputValue(new Date(Date.now() + 2 * 3_600_000)));
  const [busy, setBusy] = useState(false);
  const [said, setSaid] = useState<{ ok: boolean; text: string } | null>(null);
  const minutes = Math.round((new Date(end).getTime() - Date.now()) / 60_000);
  const endProblem = !end || !Number.isFinite(minutes) || minutes < 1 || minutes > 24 * 60 ? t('mEndTimeInvalid') : null;
  const run = async (fn: () => Promise<string>) => {
    setBusy(true);
    setSaid(null);
    try {
      setSaid({ ok: true, text: await fn() });
      await onDone();
    } catch (e) {
      setSaid({ ok: false, text: failure(e, i18n) });
    } finally {
      setBusy(false);
    }
  };
  const start = (event: FormEvent) => {
    event.preventDefault();
    if (endProblem) return;
    void run(async () => {
      await api('POST', '/maintenance/jobs', { terminalIds: [terminalId], work: ['repair'], reason, expectedMinutes: minutes, maxMinutes: minutes });
      setReason('');
      return t('tmMaintenanceStarted');
    });
  };
  const move = (action: 'finish' | 'abort') => run(async () => {
    const { items } = await api<{ items: { outcome: string; state: string | null }[] }>('POST', '/maintenance/jobs/group', { action, jobIds: [job!.id] });
    return t('tmJobEnded', { state: tk('state', items[0]?.state ?? '') });
  });
  return (
    <section className="card" aria-labelledby="terminal-maintenance-title">
      <h2 id="terminal-maintenance-title">{t('tmMaintenance')}</h2>
      {job ? (
        <>
          <p>{t('tmMaintenanceOpen', { state: tk('state', job.state) })}</p>
          <div className="command-buttons">
            {RUNNING_JOB.includes(job.state) && <button type="button" className="secondary" disabled={busy} onClick={() => void move('finish')}>{t('tmFinishJob')}</button>}
            {job.state !== 'failed' && <button type="button" className="danger" disabled={busy} onClick={() => void move('abort')}>{t('tmCancelJob')}</button>}
          </div>
        </>
      ) : (
        <form onSubmit={start}>
          <label>{t('reason')}<input required maxLength={500} value={reason} onChange={(e) => setReason(e.target.value)} /></label>
          <InputField label={t('mEndTime')} type="datetime-local" required value={end} error={endProblem} onChange={(e) => setEnd(e.target.value)} />
          <button type="submit" disabled={busy || !!endProblem}>{t('tmMaintenanceStart')}</button>
        </form>
      )}
      {said && <p className={`note ${said.ok ? 'ok' : 'error'}`} role={said.ok ? 'status' : 'alert'}>{said.text}</p>}
    </section>
  );
}

/** The printer's paper as a level a chart can draw. */
const PAPER_LEVEL: Record<string, number> = { ok: 2, low: 1, out: 0 };

function LockBox({ terminalId, locked, onDone }: { terminalId: string; locked: boolean; onDone(): Promise<void> }) {
  const { t, tk } = useI18n();
  const [reason, setReason] = useState('');
  const [tamper, setTamper] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [held, setHeld] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  // The active lock's kind: a tamper or relocation lock is lifted only with a second person's approval.
  const [active, setActive] = useState<{ kind: string; reason: string } | null>(null);
  useEffect(() => {
    if (!locked) return setActive(null);
    api<{ items: { kind: string; reason: string; liftedAt: string | null }[] }>('GET', `/terminals/${terminalId}/locks`)
      .then((r) => setActive(r.items.find((l) => l.liftedAt === null) ?? null)).catch(() => setActive(null));
  }, [terminalId, locked]);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    try {
      const answer = await api<{ state?: string; message?: string }>('POST', `/terminals/${terminalId}/${locked ? 'unlock' : 'lock'}`, locked ? { reason } : { reason, kind: tamper ? 'tamper' : 'manual' });
      setHeld(answer.state === 'awaiting_approval' ? answer.message ?? t('sdUnlockHeld') : null);
      setReason('');
      setTamper(false);
      setError(null);
      await onDone();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  const fourEyes = active !== null && active.kind !== 'manual';
  return (
    <section className="card" aria-labelledby="lock-title">
      <h2 id="lock-title">{t('lockTerminal')}</h2>
      {active && (
        <p className={fourEyes ? 'note warn lock-kind' : 'lock-kind'} data-lock-kind={active.kind}>
          {tk('sdLockKind', active.kind)}{fourEyes && <> · {t('sdFourEyesLift')}</>}
        </p>
      )}
      <div aria-live="polite">{held && <p className="note" role="status">{held}</p>}</div>
      <form onSubmit={submit}>
        <label>{locked ? t('unlockReason') : t('lockReason')}<input required minLength={locked ? 3 : 1} maxLength={500} value={reason} onChange={(e) => setReason(e.target.value)} /></label>
        {!locked && <label className="inline"><input type="checkbox" checked={tamper} onChange={(e) => setTamper(e.target.checked)} /> {t('sdTamperLock')}</label>}
        {error !== null && <ErrorNote error={error} />}
        <button type="submit" disabled={busy}>{locked ? (fourEyes ? t('sdAskUnlock') : t('unlock')) : t('lock')}</button>
      </form>
    </section>
  );
}
