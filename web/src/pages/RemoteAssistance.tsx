// Remote assistance, on the terminal page and under an incident: ask the terminal for its logs or a
// screenshot (for the incident, when opened from one), the files it uploaded (size, when, who asked)
// with a download for those who may assist terminals, and — on the terminal page — a message put on
// the terminal's screen with the staff's acknowledgement once they give it. A request or a message
// waits for the terminal's next heartbeat: the lists look again every few seconds until it is answered.
import { useCallback, useEffect, useState, type FormEvent } from 'react';
import type { ArtifactView, ScreenMessageView } from '../../../src/assistance/assistance.schemas.ts';
import { api, type Me } from '../api.ts';
import { useAction } from '../action.ts';
import { ActionError, ErrorNote } from '../App.tsx';
import { useI18n } from '../i18n.tsx';
import { can } from '../permissions.ts';

const LOOK_AGAIN_MS = 4_000;

/** "12.3 KB", "1.2 MB" */
export const fileSize = (bytes: number) => (bytes < 1024 * 1024 ? `${(bytes / 1024).toFixed(1)} KB` : `${(bytes / 1024 / 1024).toFixed(1)} MB`);

/** Calls `load` every few seconds while `waiting`. */
function useLookAgain(waiting: boolean, load: () => void) {
  useEffect(() => {
    if (!waiting) return;
    const timer = setInterval(load, LOOK_AGAIN_MS);
    return () => clearInterval(timer);
  }, [waiting, load]);
}

/** Logs and screenshots of one terminal; with `incidentId`, those asked for that incident (and new ones are asked for it). */
export function AssistanceFiles({ terminalId, incidentId, me, headingLevel = 2 }: { terminalId: string; incidentId?: string; me: Me; headingLevel?: 2 | 3 }) {
  const { t, tk, date } = useI18n();
  const [files, setFiles] = useState<ArtifactView[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [asked, setAsked] = useState<string[]>([]);
  const action = useAction();
  const assist = can(me, 'terminals:command');
  const listPath = incidentId ? `/incidents/${encodeURIComponent(incidentId)}/files` : `/terminals/${encodeURIComponent(terminalId)}/files`;
  const load = useCallback(() => {
    api<{ items: ArtifactView[] }>('GET', listPath).then((p) => { setFiles(p.items); setError(null); }).catch((e: unknown) => setError(e));
  }, [listPath]);
  useEffect(load, [load]);
  // Asked for and not yet stored (or refused): keep looking.
  const open = asked.filter((commandId) => !(files ?? []).some((f) => f.commandId === commandId && f.state !== 'uploading'));
  useLookAgain(open.length > 0, load);

  const request = (kind: ArtifactView['kind']) => void action.run(async () => {
    const res = await api<{ commandId: string }>('POST', `/terminals/${encodeURIComponent(terminalId)}/files/requests`, { kind, ...(incidentId && { incidentId }) });
    const again = asked.includes(res.commandId);
    if (!again) setAsked((a) => [...a, res.commandId]);
    return again ? t('raAlreadyAsked') : t(kind === 'logs' ? 'raAsked_logs' : 'raAsked_screenshot');
  });
  const Heading = `h${headingLevel}` as const;
  const titleId = `assistance-title-${incidentId ?? terminalId}`;

  return (
    <section className="card assistance" aria-labelledby={titleId}>
      <Heading id={titleId}>{incidentId ? t('raOpen') : t('raTitle')}</Heading>
      {assist && (
        <>
          <p className="muted">{t('raLead')}</p>
          <div className="command-buttons" role="group" aria-label={t('raTitle')}>
            <button type="button" className="secondary" disabled={action.busy} onClick={() => request('logs')}>{t('raCollectLogs')}</button>
            <button type="button" className="secondary" disabled={action.busy} onClick={() => request('screenshot')}>{t('raScreenshot')}</button>
          </div>
        </>
      )}
      {action.done && <p className="note ok" role="status">{action.done}</p>}
      {action.error !== null && <ActionError error={action.error} />}
      {open.length > 0 && <p className="muted" role="status">{t('raWaiting')}</p>}
      <h3>{t('raFiles')}</h3>
      {error !== null ? <ErrorNote error={error} onRetry={load} />
        : files === null ? <p role="status">{t('loading')}</p>
          : files.length === 0 ? <p className="muted">{t('raNoFiles')}</p> : (
            <div className="table-wrap">
              <table aria-label={t('raFiles')}>
                <thead><tr>
                  <th scope="col">{t('raKind')}</th><th scope="col">{t('raTakenAt')}</th>
                  <th scope="col">{t('raState')}</th>{assist && <th scope="col"><span className="sr-only">{t('raDownload')}</span></th>}
                </tr></thead>
                <tbody>
                  {files.map((f) => (
                    <tr key={f.id} data-file={f.id}>
                      <td>{tk('raKind', f.kind)} · {fileSize(f.sizeBytes)}{f.truncated && <div className="muted">{t('raTruncated')}</div>}</td>
                      <td>{date(f.takenAt)}{f.requestedBy && <div className="muted">{t('raAskedByName', { name: f.requestedBy })}</div>}</td>
                      <td>
                        <span className="state" data-state={f.state}>{tk('raState', f.state)}</span>
                        {f.keptUntil && <div className="muted">{t('raKeptUntil', { date: date(f.keptUntil) })}</div>}
                      </td>
                      {assist && (
                        <td>
                          {f.state === 'stored' && (
                            <a className="button-link" href={`/api/v1/terminals/${encodeURIComponent(f.terminalId)}/files/${encodeURIComponent(f.id)}/download`} download={f.fileName}
                              aria-label={t('raDownloadNamed', { name: f.fileName })}>{t('raDownload')}</a>
                          )}
                        </td>
                      )}
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
    </section>
  );
}

/** A message for the terminal's screen, and those sent before with when and by whom the staff acknowledged them. */
export function ScreenMessages({ terminalId, me }: { terminalId: string; me: Me }) {
  const { t, tk, date } = useI18n();
  const [items, setItems] = useState<ScreenMessageView[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [text, setText] = useState('');
  const action = useAction();
  const path = `/terminals/${encodeURIComponent(terminalId)}/messages`;
  const load = useCallback(() => {
    api<{ items: ScreenMessageView[] }>('GET', path).then((p) => { setItems(p.items); setError(null); }).catch((e: unknown) => setError(e));
  }, [path]);
  useEffect(load, [load]);
  useLookAgain((items ?? []).some((m) => m.state !== 'acknowledged'), load);
  const send = (event: FormEvent) => {
    event.preventDefault();
    void action.run(async () => {
      await api('POST', path, { text });
      setText('');
      load();
      return t('raSent');
    });
  };
  return (
    <section className="card screen-messages" aria-labelledby="screen-messages-title">
      <h2 id="screen-messages-title">{t('raMessages')}</h2>
      {can(me, 'terminals:command') && (
        <form onSubmit={send}>
          <label>{t('raMessageText')}
            <textarea required maxLength={500} rows={3} value={text} onChange={(e) => setText(e.target.value)} aria-describedby="screen-message-hint" />
          </label>
          <p id="screen-message-hint" className="muted">{t('raMessageHint')}</p>
          <button type="submit" disabled={action.busy || !text.trim()}>{t('raSend')}</button>
        </form>
      )}
      {action.done && <p className="note ok" role="status">{action.done}</p>}
      {action.error !== null && <ActionError error={action.error} />}
      {error !== null ? <ErrorNote error={error} onRetry={load} />
        : items === null ? <p role="status">{t('loading')}</p>
          : items.length === 0 ? <p className="muted">{t('raNoMessages')}</p> : (
            <ul className="plain messages" aria-label={t('raMessages')}>
              {items.slice(0, 10).map((m) => (
                <li key={m.id} data-message={m.id} data-state={m.state}>
                  <div>“{m.text}”</div>
                  <div className="muted">{t('raSentBy', { name: m.sentBy, time: date(m.sentAt) })}</div>
                  <div>
                    <span className="state" data-state={m.state}>{tk('raMsgState', m.state)}</span>
                    {m.acknowledgedAt && <> · {t('raAcknowledgedBy', { name: m.acknowledgedBy ?? '–', time: date(m.acknowledgedAt) })}</>}
                  </div>
                </li>
              ))}
            </ul>
          )}
    </section>
  );
}
