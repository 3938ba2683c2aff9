// Suspicious activity (issue #5): every report is a case with an owner, a status and a history. The list
// (newest first, filtered by status), one case's page (its report, who changed what and why, an owner
// assigned and the status moved on by those who handle incidents), and the report form a terminal's page
// shows to roles that may report. The server decides every change (src/diagnostics/suspicious-cases*.ts);
// this only offers what the signed-in role may do and places the server's refusals beside their fields.
import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { api, ApiError, query, type Me, type Page } from '../api.ts';
import { useAction } from '../action.ts';
import { ActionError, ErrorNote } from '../App.tsx';
import { errorFor, InputField, SelectField, TextAreaField, unplaced } from '../Field.tsx';
import { useI18n } from '../i18n.tsx';
import { can } from '../permissions.ts';
import { Link } from '../router.tsx';

/** src/diagnostics/diagnostics.schemas.ts: SuspiciousCase and SuspiciousCaseWithHistory. */
export type CaseStatus = 'open' | 'investigating' | 'resolved' | 'dismissed';
export interface SuspiciousCase {
  id: string;
  incidentId: string;
  terminalId: string;
  serialNumber: string;
  siteId: string | null;
  merchantId: string | null;
  what: string;
  occurredAt: string;
  reportedBy: string;
  reportedAt: string;
  status: CaseStatus;
  ownerId: string | null;
  ownerName: string | null;
  updatedAt: string;
}
export interface CaseEvent { at: string; actor: string; changes: Record<string, [unknown, unknown]>; note: string | null }
export interface SuspiciousCaseWithHistory extends SuspiciousCase { history: CaseEvent[] }

/** The case's moves (src/diagnostics/suspicious-cases.ts); the server decides, this only offers them. */
const NEXT: Record<CaseStatus, readonly CaseStatus[]> = {
  open: ['investigating', 'resolved', 'dismissed'],
  investigating: ['resolved', 'dismissed'],
  resolved: [],
  dismissed: [],
};
const isClosed = (status: string) => status === 'resolved' || status === 'dismissed';
const FILTERS = ['unclosed', 'open', 'investigating', 'resolved', 'dismissed', 'all'] as const;
type Filter = (typeof FILTERS)[number];
/** Roles that may own a case: those holding incidents:write (src/access/roles.ts). */

export function SuspiciousCasesPage() {
  const { t, tk, date } = useI18n();
  const [status, setStatus] = useState<Filter>('unclosed');
  const [items, setItems] = useState<SuspiciousCase[] | null>(null);
  const [next, setNext] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);

  const fetchPage = useCallback((cursor: string | null) =>
    api<Page<SuspiciousCase>>('GET', `/suspicious-cases${query({ status: status === 'all' ? undefined : status, limit: 100, cursor })}`), [status]);
  const load = useCallback(() => {
    setError(null);
    setItems(null);
    fetchPage(null).then((p) => { setItems(p.items); setNext(p.nextCursor); }).catch((e: unknown) => setError(e));
  }, [fetchPage]);
  useEffect(load, [load]);
  const more = () => {
    fetchPage(next).then((p) => { setItems((old) => [...(old ?? []), ...p.items]); setNext(p.nextCursor); }).catch((e: unknown) => setError(e));
  };

  return (
    <section aria-labelledby="cases-title">
      <p><Link href="/incidents">{t('scBackToIncidents')}</Link></p>
      <h1 id="cases-title">{t('scTitle')}</h1>
      <p className="muted">{t('scHelp')}</p>
      <div className="filters">
        <SelectField label={t('status')} value={status} onChange={(e) => setStatus(e.target.value as Filter)}>
          {FILTERS.map((s) => <option key={s} value={s}>{tk('sc', s)}</option>)}
        </SelectField>
      </div>
      {error !== null ? <ErrorNote error={error} onRetry={load} />
        : items === null ? <p role="status">{t('loading')}</p>
          : items.length === 0 ? <p>{t('scNone')}</p> : (
            <>
              <div className="table-wrap">
                <table aria-labelledby="cases-title">
                  <thead>
                    <tr>
                      <th scope="col">{t('status')}</th><th scope="col">{t('serialNumber')}</th><th scope="col">{t('scWhat')}</th>
                      <th scope="col">{t('scOwner')}</th><th scope="col">{t('scReportedAt')}</th><th scope="col" className="wide">{t('scOccurredAt')}</th>
                    </tr>
                  </thead>
                  <tbody>
                    {items.map((c) => (
                      <tr key={c.id} data-case={c.id}>
                        <td><span className="state" data-status={c.status}>{tk('sc', c.status)}</span></td>
                        <td>{c.serialNumber}</td>
                        <td><Link href={`/suspicious-cases/${c.id}`}>{short(c.what)}</Link></td>
                        <td>{c.ownerName ?? <span className="muted">{t('scNoOwner')}</span>}</td>
                        <td>{date(c.reportedAt)}</td>
                        <td className="wide">{date(c.occurredAt)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
              {next && <button type="button" onClick={more}>{t('loadMore')}</button>}
            </>
          )}
    </section>
  );
}

const short = (text: string) => (text.length > 80 ? `${text.slice(0, 79)}…` : text);

/** People a case may be given to: the active users who handle incidents (the server's list). */
function useOwners(me: Me): { id: string; name: string }[] {
  const [owners, setOwners] = useState<{ id: string; name: string }[]>([]);
  const may = can(me, 'incidents:write');
  useEffect(() => {
    if (!may) return;
    api<{ items: { id: string; name: string }[] }>('GET', '/suspicious-cases/owners').then((r) => setOwners(r.items)).catch(() => setOwners([]));
  }, [may]);
  return owners;
}

export function SuspiciousCasePage({ id, me }: { id: string; me: Me }) {
  const { t, tk, date } = useI18n();
  const [kase, setKase] = useState<SuspiciousCaseWithHistory | null>(null);
  const [error, setError] = useState<unknown>(null);
  const load = useCallback(() => {
    setError(null);
    api<SuspiciousCaseWithHistory>('GET', `/suspicious-cases/${encodeURIComponent(id)}`).then(setKase).catch((e: unknown) => setError(e));
  }, [id]);
  useEffect(load, [load]);
  const owners = useOwners(me);

  if (error !== null) return <ErrorNote error={error} onRetry={load} />;
  if (!kase) return <p role="status">{t('loading')}</p>;
  const may = can(me, 'incidents:write');
  const closed = isClosed(kase.status);
  // Names for the owner ids the history holds: the users known here, else a short id.
  const names = new Map(owners.map((o) => [o.id, o.name]));
  if (kase.ownerId && kase.ownerName) names.set(kase.ownerId, kase.ownerName);
  names.set(me.userId, me.name);
  const nameOf = (value: unknown) => (typeof value === 'string' ? names.get(value) ?? value.slice(0, 8) : t('scNoOwner'));

  return (
    <section aria-labelledby="case-title" className="suspicious-case">
      <p><Link href="/suspicious-cases">{t('scBack')}</Link></p>
      <h1 id="case-title">{t('scCaseTitle', { serial: kase.serialNumber })}</h1>
      <dl className="facts">
        <dt>{t('status')}</dt><dd><span className="state" data-testid="case-status" data-status={kase.status}>{tk('sc', kase.status)}</span></dd>
        <dt>{t('scOwner')}</dt><dd data-testid="case-owner">{kase.ownerName ?? t('scNoOwner')}</dd>
        <dt>{t('terminal')}</dt><dd><Link href={`/terminals/${kase.terminalId}`}>{kase.serialNumber}</Link></dd>
        <dt>{t('scWhat')}</dt><dd className="break">{kase.what}</dd>
        <dt>{t('scOccurredAt')}</dt><dd>{date(kase.occurredAt)}</dd>
        <dt>{t('scReportedBy')}</dt><dd>{kase.reportedBy}</dd>
        <dt>{t('scReportedAt')}</dt><dd>{date(kase.reportedAt)}</dd>
      </dl>
      {can(me, 'cases:export') && (
        <p className="export-case">
          <a className="button-link" href={`/api/v1/suspicious-cases/${encodeURIComponent(kase.id)}/export`} download data-testid="export-case">{t('stExport')}</a>
          <br /><small className="muted">{t('stExportHint')}</small>
        </p>
      )}
      {closed && <p className="note">{t('scClosedNote')}</p>}
      {!may && !closed && <p className="note">{t('noPermission')}</p>}
      {may && !closed && (
        <div className="grid">
          <AssignForm kase={kase} owners={owners} onSaved={setKase} onRefused={load} />
          <StatusForm kase={kase} onSaved={setKase} onRefused={load} />
        </div>
      )}
      <h2 id="case-history-title">{t('scHistory')}</h2>
      <ol className="case-history" aria-labelledby="case-history-title">
        {kase.history.map((e, n) => (
          <li key={n} className="card" data-event={n}>
            <p><strong>{date(e.at)}</strong> · {t('scWho', { name: e.actor })}</p>
            <ul>
              {Object.entries(e.changes).map(([field, [from, to]]) => (
                <li key={field}>{field === 'status'
                  ? (from === null ? t('scChangeReported') : t('scChangeStatus', { from: tk('sc', String(from)), to: tk('sc', String(to)) }))
                  : field === 'ownerId' ? t('scChangeOwner', { from: nameOf(from), to: nameOf(to) })
                    : field === 'evidence' ? t('stEvidence', { rule: evidenceRule(to, tk) })
                      : `${field}: ${String(from)} → ${String(to)}`}</li>
              ))}
            </ul>
            {e.note && <p className="break">{t('scNoteLine', { note: e.note })}</p>}
          </li>
        ))}
      </ol>
    </section>
  );
}

function AssignForm({ kase, owners, onSaved, onRefused }: {
  kase: SuspiciousCase; owners: { id: string; name: string }[]; onSaved(c: SuspiciousCaseWithHistory): void; onRefused(): void;
}) {
  const { t } = useI18n();
  const [ownerId, setOwnerId] = useState('');
  const [note, setNote] = useState('');
  const action = useAction();
  const submit = (event: FormEvent) => {
    event.preventDefault();
    void action.run(async () => {
      try {
        const saved = await api<SuspiciousCaseWithHistory>('POST', `/suspicious-cases/${kase.id}/assign`, { ownerId, ...(note.trim() ? { note: note.trim() } : {}) });
        onSaved(saved);
        setOwnerId('');
        setNote('');
        return t('scAssigned', { name: saved.ownerName ?? '' });
      } catch (e) {
        if (e instanceof ApiError && e.status === 409) onRefused(); // changed meanwhile: show it as it is now
        throw e;
      }
    });
  };
  return (
    <form className="card" onSubmit={submit} aria-labelledby="case-assign-title" noValidate>
      <h2 id="case-assign-title">{t('scAssignTitle')}</h2>
      <SelectField label={t('scNewOwner')} required value={ownerId} onChange={(e) => setOwnerId(e.target.value)} error={errorFor(action.error, 'ownerId')}>
        <option value="">{t('choose')}</option>
        {owners.map((o) => <option key={o.id} value={o.id} disabled={o.id === kase.ownerId}>{o.name}</option>)}
      </SelectField>
      <TextAreaField label={t('noteOptional')} rows={2} maxLength={1000} value={note} onChange={(e) => setNote(e.target.value)} error={errorFor(action.error, 'note')} />
      <div aria-live="polite">
        {action.done && <p className="note ok" role="status">{action.done}</p>}
        {unplaced(action.error, ['ownerId', 'note']) && <ActionError error={action.error} />}
      </div>
      <button type="submit" disabled={action.busy || !ownerId}>{t('scAssign')}</button>
    </form>
  );
}

function StatusForm({ kase, onSaved, onRefused }: { kase: SuspiciousCase; onSaved(c: SuspiciousCaseWithHistory): void; onRefused(): void }) {
  const { t, tk } = useI18n();
  const moves = NEXT[kase.status];
  const [to, setTo] = useState<CaseStatus>(moves[0] ?? 'investigating');
  const [note, setNote] = useState('');
  const action = useAction();
  useEffect(() => { setTo(NEXT[kase.status][0] ?? 'investigating'); }, [kase.status]);
  const closing = isClosed(to);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    void action.run(async () => {
      try {
        // The note goes as typed (trimmed): the server says when a closing note is missing, beside the field.
        const saved = await api<SuspiciousCaseWithHistory>('POST', `/suspicious-cases/${kase.id}/status`, { status: to, ...(note.trim() ? { note: note.trim() } : {}) });
        onSaved(saved);
        setNote('');
        return t('scMoved', { status: tk('sc', saved.status) });
      } catch (e) {
        if (e instanceof ApiError && e.status === 409) onRefused();
        throw e;
      }
    });
  };
  return (
    <form className="card" onSubmit={submit} aria-labelledby="case-status-title" noValidate>
      <h2 id="case-status-title">{t('changeStatus')}</h2>
      <SelectField label={t('scNewStatus')} value={to} onChange={(e) => setTo(e.target.value as CaseStatus)} error={errorFor(action.error, 'status')}>
        {moves.map((s) => <option key={s} value={s}>{tk('sc', s)}</option>)}
      </SelectField>
      <TextAreaField label={closing ? t('scNoteRequired') : t('noteOptional')} rows={3} maxLength={2000} aria-required={closing} value={note}
        onChange={(e) => setNote(e.target.value)} hint={t('scNoteHint')} error={errorFor(action.error, 'note')} />
      <div aria-live="polite">
        {action.done && <p className="note ok" role="status">{action.done}</p>}
        {unplaced(action.error, ['status', 'note']) && <ActionError error={action.error} />}
      </div>
      <button type="submit" className={closing ? 'danger' : ''} disabled={action.busy}>{t('scMove', { status: tk('sc', to) })}</button>
    </form>
  );
}

/** "Report suspicious activity" on a terminal's page, for roles holding suspicious:report. */
export function SuspiciousReportForm({ terminalId, me }: { terminalId: string; me: Me }) {
  const { t } = useI18n();
  const [what, setWhat] = useState('');
  const [when, setWhen] = useState('');
  const [caseId, setCaseId] = useState<string | null>(null);
  const action = useAction();
  if (!can(me, 'suspicious:report')) return null;
  const submit = (event: FormEvent) => {
    event.preventDefault();
    setCaseId(null);
    void action.run(async () => {
      // datetime-local is the browser's local time; the API wants an instant.
      const at = when ? new Date(when) : null;
      const report = await api<{ id: string }>('POST', `/terminals/${encodeURIComponent(terminalId)}/suspicious-activity`, {
        what: what.trim(), ...(at && !Number.isNaN(at.getTime()) && { occurredAt: at.toISOString() }),
      });
      setWhat('');
      setWhen('');
      setCaseId(report.id);
      return t('scReported');
    });
  };
  return (
    <form className="card" onSubmit={submit} aria-labelledby="report-suspicious-title" noValidate>
      <h2 id="report-suspicious-title">{t('scReportTitle')}</h2>
      <TextAreaField label={t('scReportWhat')} required rows={3} maxLength={2000} value={what} onChange={(e) => setWhat(e.target.value)}
        hint={t('scReportWhatHint')} error={errorFor(action.error, 'what')} />
      <InputField label={t('scReportWhen')} type="datetime-local" value={when} onChange={(e) => setWhen(e.target.value)}
        hint={t('scReportWhenHint')} error={errorFor(action.error, 'occurredAt')} />
      <div aria-live="polite">
        {action.done && <p className="note ok" role="status">{action.done} {caseId && <Link href={`/suspicious-cases/${caseId}`}>{t('scOpenCase')}</Link>}</p>}
        {unplaced(action.error, ['what', 'occurredAt']) && <ActionError error={action.error} />}
      </div>
      <button type="submit" disabled={action.busy}>{t('scReportSend')}</button>
    </form>
  );
}

/** A rule's evidence in a case's history, by its rule's name in the viewer's language. */
function evidenceRule(evidence: unknown, tk: (prefix: string, key: string) => string): string {
  const rule = (evidence as { rule?: unknown } | null)?.rule;
  return typeof rule === 'string' ? tk('stRule', rule) : '';
}
