// Approvals (审批): the high-risk operations waiting for a second person, each with what is asked, who
// asked and why, and approve / reject for those who may decide it; one's own requests show their state.
// Below, the requests decided lately. The server decides who may decide what (the operation's permission).
import { useId, useState } from 'react';
import { useMutation } from '@tanstack/react-query';
import { api, ApiError } from '../api.ts';
import { invalidate, useApiGet } from '../query.ts';
import { useI18n } from '../i18n.tsx';
import { Link } from '../router.tsx';
import { ErrorNote } from '../App.tsx';
import type { ApprovalView } from '../../../src/approvals/approvals.schemas.ts';
import { formatMessage, type MessageParams } from '../../../src/shared/messages/format.ts';

/** A four-eyes request as the server shows it (src/approvals/approvals.schemas.ts). */
export type Approval = ApprovalView;

export function ApprovalsPage() {
  const { t } = useI18n();
  const list = useApiGet<{ items: Approval[] }>('/approvals');
  // Said at the page: a decided request moves from one list to the other.
  const [done, setDone] = useState<string | null>(null);
  if (list.error) return <ErrorNote error={list.error} onRetry={() => void list.refetch()} />;
  const items = list.data?.items ?? null;
  const pending = (items ?? []).filter((a) => a.state === 'awaiting_approval');
  const decided = (items ?? []).filter((a) => a.state !== 'awaiting_approval').slice(0, 20);
  return (
    <section aria-labelledby="approvals-title" className="approvals">
      <h1 id="approvals-title">{t('apTitle')}</h1>
      <p className="muted">{t('apLead')}</p>
      <div aria-live="polite">{done && <p className="note ok" role="status">{done}</p>}</div>
      {items === null ? <p role="status">{t('loading')}</p> : (
        <>
          <p className="note waiting-for-me" data-waiting-for-me={pending.filter((a) => a.canDecide).length}>{t('sdWaitingForMe', { count: pending.filter((a) => a.canDecide).length })}</p>
          <h2>{t('apPending')} ({pending.length})</h2>
          {pending.length === 0 ? <p className="note">{t('apNone')}</p>
            : <ul className="plain approval-list">{pending.map((a) => <ApprovalCard key={a.id} approval={a} onChanged={setDone} />)}</ul>}
          <h2>{t('apRecent')}</h2>
          {decided.length === 0 ? <p className="muted">{t('apNoneDecided')}</p>
            : <ul className="plain approval-list">{decided.map((a) => <ApprovalCard key={a.id} approval={a} onChanged={setDone} />)}</ul>}
        </>
      )}
    </section>
  );
}

/** What is asked, in the reader's words. */
export function ApprovalSummary({ approval }: { approval: Approval }) {
  const { t, tk } = useI18n();
  const s = approval.summary;
  const text = approval.kind === 'campaign' ? t('apSumCampaign', { name: String(s.name ?? ''), terminals: Number(s.terminals ?? 0), package: String(s.package ?? '') })
    : approval.kind === 'role_change' ? t('apSumRole', { user: String(s.user ?? ''), from: tk('role', String(s.from ?? '')), to: tk('role', String(s.to ?? '')) })
      : approval.kind === 'tamper_unlock' ? (s.lockKind ? t('sdSumUnlock', { kind: tk('apKindLock', String(s.lockKind)), lockReason: String(s.lockReason ?? '') }) : t('apSumUnlock', { lockReason: String(s.lockReason ?? '') }))
        : approval.kind === 'continuity_override' ? t('apSumOverride', { terminals: Number(s.terminals ?? 0), overrideReason: String(s.overrideReason ?? '') })
          : t('apSumParams', { parameters: Array.isArray(s.parameters) ? s.parameters.join(', ') : '', level: tk('cfgLevel', String(s.level ?? '')), terminals: Number(s.terminals ?? 0) });
  return <p className="approval-summary">{text}</p>;
}

function ApprovalCard({ approval: a, onChanged }: { approval: Approval; onChanged(done: string): void }) {
  const { t, tk, date, locale } = useI18n();
  const decision = useMutation({
    mutationFn: (how: 'approve' | 'reject') => api('POST', `/approvals/${a.id}/${how}`, how === 'approve' ? {} : { reason: rejectReason.trim() }),
    // The buttons stay disabled until the lists show the decision.
    onSuccess: (_, how) => { onChanged(how === 'approve' ? t('apApproved') : t('apRejectedDone')); return invalidate('/approvals'); },
  });
  const busy = decision.isPending;
  // The server says why in the reader's language (your own request, expired, no permission).
  const message = decision.error ? (decision.error instanceof ApiError ? decision.error.message : String(decision.error)) : null;
  const [rejecting, setRejecting] = useState(false);
  const [rejectReason, setRejectReason] = useState('');
  const reasonId = useId();
  const decide = (how: 'approve' | 'reject') => decision.mutate(how);
  const titleId = `approval-${a.id}`;
  // What the operation answered when it ran: the campaign it made, or why it failed (in the page's
  // language when the server kept the reason's catalogue entry).
  const result = (a.result ?? {}) as { id?: string; error?: string; key?: string; params?: MessageParams };
  const failure = (result.key && formatMessage(locale, result.key, result.params)) || result.error;
  return (
    <li className={`card approval approval-${a.state}`} aria-labelledby={titleId} data-testid="approval">
      <div className="approval-head">
        <h3 id={titleId}>{tk('apKind', a.kind)}</h3>
        <span className={`badge approval-state-${a.state}`}>{tk('apState', a.state)}</span>
      </div>
      <ApprovalSummary approval={a} />
      <p>{t('apReason', { reason: a.reason })}</p>
      <p className="muted">{t('apRequestedBy', { name: a.requestedBy.name, at: date(a.requestedAt) })}{a.state === 'awaiting_approval' && ` · ${t('apExpires', { at: date(a.expiresAt) })}`}</p>
      {a.decidedBy && a.decidedAt && <p className="muted">{t('apDecidedBy', { state: tk('apState', a.state), name: a.decidedBy.name, at: date(a.decidedAt) })}</p>}
      {a.decisionNote && <p>{t('apNote', { note: a.decisionNote })}</p>}
      {a.kind === 'campaign' && result.id && <p><Link href={`/updates/campaigns/${result.id}`}>{t('apOpenCampaign')}</Link></p>}
      {a.state === 'failed' && failure && (result.key
        ? <p className="note error">{failure}</p>
        : <p className="server-words"><span className="muted">{t('serverWords')}</span> {failure}</p>)}
      {a.state === 'awaiting_approval' && !a.canDecide && <p className="note">{t('apOwn')}</p>}
      {a.canDecide && (
        <div className="actions">
          <button type="button" disabled={busy} onClick={() => decide('approve')}>{t('apApprove')}</button>
          {!rejecting && <button type="button" className="secondary" disabled={busy} onClick={() => setRejecting(true)}>{t('apReject')}</button>}
        </div>
      )}
      {a.canDecide && rejecting && (
        <div className="field">
          <label htmlFor={reasonId}>{t('apRejectReason')}</label>
          <input id={reasonId} value={rejectReason} maxLength={500} onChange={(e) => setRejectReason(e.target.value)} />
          <button type="button" disabled={busy || rejectReason.trim().length < 3} onClick={() => decide('reject')}>{t('apConfirmReject')}</button>
        </div>
      )}
      {message && <p className="note error" role="alert">{message}</p>}
    </li>
  );
}
