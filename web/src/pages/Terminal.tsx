// One terminal: its mode (live), latest health, heartbeat history as charts, its maintenance jobs, and
// its history (versions, incidents, work orders, audit).
import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { api, ApiError, cardFailures, type Health, type HeartbeatRecord, type Job, type Me, type Page, type Terminal } from '../api.ts';
import { canMaintain, ErrorNote } from '../App.tsx';
import { LineChart } from '../charts.tsx';
import { useI18n } from '../i18n.tsx';
import { displayMode, type LiveState } from '../live.ts';
import { ModeBadge } from './ModeBadge.tsx';
import { TerminalHistory } from './TerminalHistory.tsx';
import { TerminalBackups } from './TerminalBackups.tsx';
import { HealthScoreCard } from './HealthScore.tsx';
import { SuspiciousReportForm } from './SuspiciousCases.tsx';
import { can } from '../permissions.ts';
import { Link } from '../router.tsx';

interface Loaded {
  terminal: Terminal;
  health: Health | null;
  history: HeartbeatRecord[];
  jobs: Job[];
}

export function TerminalPage({ id, me, live }: { id: string; me: Me; live: LiveState }) {
  const { t, tk, date, time } = useI18n();
  const [data, setData] = useState<Loaded | null>(null);
  const [error, setError] = useState<unknown>(null);
  const liveTerminal = live.fleet?.terminals.find((x) => x.id === id);
  // Reload the jobs and health when the live stream says the terminal's job or mode moved.
  const liveKey = liveTerminal ? `${liveTerminal.mode}|${liveTerminal.online}|${liveTerminal.job?.id ?? ''}|${liveTerminal.job?.state ?? ''}` : '';

  const load = useCallback(async () => {
    try {
      const terminal = await api<Terminal>('GET', `/terminals/${encodeURIComponent(id)}`);
      const [health, history, jobs] = await Promise.all([
        api<Health>('GET', `/terminals/${id}/health`).catch((e: unknown) => { if (e instanceof ApiError && e.status === 404) return null; throw e; }),
        api<Page<HeartbeatRecord>>('GET', `/terminals/${id}/heartbeats?limit=100`),
        api<{ items: Job[] }>('GET', `/terminals/${id}/maintenance-jobs`),
      ]);
      setData({ terminal, health, history: [...history.items].reverse(), jobs: jobs.items });
      setError(null);
    } catch (e) {
      setError(e);
    }
  }, [id]);
  useEffect(() => { void load(); }, [load, liveKey]);

  if (error) return <section aria-labelledby="terminal-title"><h1 id="terminal-title">{t('terminal')}</h1><ErrorNote error={error} onRetry={() => void load()} /></section>;
  if (!data) return <p role="status">{t('loading')}</p>;
  const { terminal, health, history, jobs } = data;
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
      <div className="grid">
        <section className="card" aria-labelledby="health-title">
          <h2 id="health-title">{t('latestHealth')}</h2>
          {!health || !report ? <p>{t('noHeartbeats')}</p> : (
            <dl className="facts">
              <dt>{t('lastSeen')}</dt><dd>{date(health.lastSeenAt)} ({health.online ? t('online') : t('offline')})</dd>
              <dt>{t('battery')}</dt><dd>{report.battery?.percent ?? '–'}</dd>
              <dt>{t('cardFailures')}</dt><dd>{cardFailures(report)}</dd>
              <dt>{t('latency')}</dt><dd>{report.network?.latencyMs ?? '–'}</dd>
              <dt>{t('temperature')}</dt><dd>{report.temperatureC ?? '–'}</dd>
              <dt>{t('paper')}</dt><dd>{report.printer?.paper ?? '–'}</dd>
              <dt>{t('appVersion')}</dt><dd>{terminal.appVersion ?? '–'}</dd>
              <dt>{t('firmwareVersion')}</dt><dd>{terminal.firmwareVersion ?? '–'}</dd>
            </dl>
          )}
        </section>
        <HealthScoreCard query={`terminalId=${encodeURIComponent(terminal.id)}`} what={terminal.serialNumber} reload={liveKey} />
        {canMaintain(me) && <LockBox terminalId={terminal.id} locked={mode === 'locked'} onDone={load} />}
        <SuspiciousReportForm terminalId={terminal.id} me={me} />
      </div>
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
                  <td>{j.reason}{j.waitingReason && <div className="muted">{t('waiting')}: {j.waitingReason}</div>}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <TerminalBackups terminalId={terminal.id} me={me} reload={liveKey} />
      <TerminalHistory terminalId={terminal.id} me={me} reload={liveKey} />
    </section>
  );
}

/** The printer's paper as a level a chart can draw. */
const PAPER_LEVEL: Record<string, number> = { ok: 2, low: 1, out: 0 };

function LockBox({ terminalId, locked, onDone }: { terminalId: string; locked: boolean; onDone(): Promise<void> }) {
  const { t } = useI18n();
  const [reason, setReason] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    try {
      await api('POST', `/terminals/${terminalId}/${locked ? 'unlock' : 'lock'}`, { reason });
      setReason('');
      setError(null);
      await onDone();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <section className="card" aria-labelledby="lock-title">
      <h2 id="lock-title">{t('lockTerminal')}</h2>
      <form onSubmit={submit}>
        <label>{locked ? t('unlockReason') : t('lockReason')}<input required minLength={locked ? 3 : 1} maxLength={500} value={reason} onChange={(e) => setReason(e.target.value)} /></label>
        {error !== null && <ErrorNote error={error} />}
        <button type="submit" disabled={busy}>{locked ? t('unlock') : t('lock')}</button>
      </form>
    </section>
  );
}
