// A terminal's history beside its health: the versions it ran (and which campaign installed each),
// its incidents, its work orders, and what people and PosFleet did to it (the audit log, for roles
// that may read it). Each part loads on its own, so a role without one still sees the others.
import { useEffect, useState, type ReactNode } from 'react';
import { api, type Incident, type Me, type WorkOrderSummary } from '../api.ts';
import { ErrorNote } from '../App.tsx';
import { useI18n } from '../i18n.tsx';
import { can } from '../permissions.ts';
import { Link } from '../router.tsx';

interface VersionChange { kind: 'application' | 'firmware'; fromVersion: string | null; toVersion: string; at: string; campaignId: string | null }
interface AuditEntry { seq: number; at: string; actorName: string | null; actorType: string; action: string; outcome: string }

/** GET `path` once per terminal (and whenever `reload` changes); null while loading. */
function useList<T>(path: string | null, reload: unknown): { items: T[] | null; error: unknown } {
  const [state, setState] = useState<{ items: T[] | null; error: unknown }>({ items: null, error: null });
  useEffect(() => {
    if (!path) return;
    let stale = false;
    api<{ items: T[] }>('GET', path)
      .then((p) => { if (!stale) setState({ items: p.items, error: null }); })
      .catch((e: unknown) => { if (!stale) setState({ items: null, error: e }); });
    return () => { stale = true; };
  }, [path, reload]);
  return state;
}

export function TerminalHistory({ terminalId, me, reload }: { terminalId: string; me: Me; reload: unknown }) {
  const { t, tk, date, locale } = useI18n();
  const id = encodeURIComponent(terminalId);
  const versions = useList<VersionChange>(`/terminals/${id}/versions`, reload);
  const incidents = useList<Incident>(`/incidents?terminalId=${id}&limit=20`, reload);
  const workOrders = useList<WorkOrderSummary>(can(me, 'workorders:read') ? `/work-orders?terminalId=${id}&limit=20` : null, reload);
  const audit = useList<AuditEntry>(can(me, 'audit:read') ? `/audit?objectId=${id}&limit=20` : null, reload);

  return (
    <>
      <h2 id="versions-title">{t('versionHistory')}</h2>
      <Listed state={versions} empty={t('noVersionChanges')}>
        {(items) => (
          <table aria-labelledby="versions-title">
            <thead><tr><th scope="col">{t('when')}</th><th scope="col">{t('packageKind')}</th><th scope="col">{t('version')}</th><th scope="col">{t('installedBy')}</th></tr></thead>
            <tbody>
              {items.map((v) => (
                <tr key={`${v.kind}:${v.at}:${v.toVersion}`}>
                  <td>{date(v.at)}</td>
                  <td>{tk('pkind', v.kind)}</td>
                  <td>{v.fromVersion ? `${v.fromVersion} → ${v.toVersion}` : v.toVersion}</td>
                  <td>{v.campaignId ? <Link href={`/updates/campaigns/${encodeURIComponent(v.campaignId)}`}>{t('campaign')}</Link> : v.fromVersion ? t('installedOutside') : t('firstReported')}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Listed>

      <h2 id="terminal-incidents-title">{t('incidents')}</h2>
      <Listed state={incidents} empty={t('noIncidents')}>
        {(items) => (
          <table aria-labelledby="terminal-incidents-title">
            <thead><tr><th scope="col">{t('firstSeen')}</th><th scope="col">{t('incident')}</th><th scope="col">{t('severity')}</th><th scope="col">{t('status')}</th></tr></thead>
            <tbody>
              {items.map((i) => (
                <tr key={i.id}>
                  <td>{date(i.firstSeenAt)}</td>
                  <td>{i.title[locale] || i.title.en}</td>
                  <td><span className={`sev sev-${i.severity}`}>{tk('sev', i.severity)}</span></td>
                  <td><span className="state" data-status={i.status}>{tk('inc', i.status)}</span></td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Listed>

      {can(me, 'workorders:read') && (
        <>
          <h2 id="terminal-work-orders-title">{t('workOrders')}</h2>
          <Listed state={workOrders} empty={t('noWorkOrders')}>
            {(items) => (
              <table aria-labelledby="terminal-work-orders-title">
                <thead><tr><th scope="col">{t('title')}</th><th scope="col">{t('status')}</th><th scope="col">{t('created')}</th></tr></thead>
                <tbody>
                  {items.map((w) => (
                    <tr key={w.id}>
                      <td><Link href={`/work-orders/${encodeURIComponent(w.id)}`}>{w.title}</Link></td>
                      <td><span className="state" data-status={w.status}>{tk('wo', w.status)}</span></td>
                      <td>{date(w.createdAt)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </Listed>
        </>
      )}

      {can(me, 'audit:read') && (
        <>
          <h2 id="terminal-audit-title">{t('auditHistory')}</h2>
          <Listed state={audit} empty={t('noAuditEntries')}>
            {(items) => (
              <table aria-labelledby="terminal-audit-title">
                <thead><tr><th scope="col">{t('when')}</th><th scope="col">{t('who')}</th><th scope="col">{t('what')}</th><th scope="col">{t('outcome')}</th></tr></thead>
                <tbody>
                  {items.map((a) => (
                    <tr key={a.seq}>
                      <td>{date(a.at)}</td>
                      <td>{a.actorName ?? a.actorType}</td>
                      <td>{locale === 'en' ? <code>{a.action}</code> : auditInWords(a.action, tk)}</td>
                      <td>{tk('outcome', a.outcome)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </Listed>
        </>
      )}
    </>
  );
}

function Listed<T>({ state, empty, children }: { state: { items: T[] | null; error: unknown }; empty: string; children: (items: T[]) => ReactNode }) {
  const { t } = useI18n();
  if (state.error !== null) return <ErrorNote error={state.error} />;
  if (state.items === null) return <p role="status">{t('loading')}</p>;
  if (state.items.length === 0) return <p>{empty}</p>;
  return <div className="table-wrap">{children(state.items)}</div>;
}

/**
 * An audit entry's action ("POST /api/v1/terminals/:id/lock") in the reader's words: by what it did to the
 * terminal where the dashboard knows it, else by its kind (made, changed, deleted). English readers see
 * the action itself.
 */
function auditInWords(action: string, tk: (prefix: string, value: string) => string): string {
  const [method = '', path = ''] = action.split(' ');
  const last = path.split('/').filter(Boolean).at(-1) ?? '';
  const worded = tk('auditDid', last);
  return worded !== last ? worded : tk('auditDid', method);
}
