// A terminal's data backups on its page: the list (kind, when, size, state, how long retention keeps
// it), download for those who may (admins and operators: the file stays encrypted), a restore onto
// this terminal, and the restores so far.
import { useCallback, useEffect, useState } from 'react';
import { api, type Me } from '../api.ts';
import { canMaintain, ErrorNote } from '../App.tsx';
import { useI18n } from '../i18n.tsx';
import type { BackupView, RestoreView } from '../../../src/terminal-data/terminal-data.schemas.ts';

export function TerminalBackups({ terminalId, me, reload }: { terminalId: string; me: Me; reload: string }) {
  const { t, tk, date } = useI18n();
  const [backups, setBackups] = useState<BackupView[] | null>(null);
  const [restores, setRestores] = useState<RestoreView[]>([]);
  const [error, setError] = useState<unknown>(null);
  const [note, setNote] = useState('');
  const load = useCallback(async () => {
    try {
      const [b, r] = await Promise.all([
        api<{ items: BackupView[] }>('GET', `/terminals/${terminalId}/backups`),
        api<{ items: RestoreView[] }>('GET', `/terminals/${terminalId}/restores`),
      ]);
      setBackups(b.items);
      setRestores(r.items);
      setError(null);
    } catch (e) {
      setError(e);
    }
  }, [terminalId]);
  useEffect(() => { void load(); }, [load, reload]);
  const restore = async (backupId: string) => {
    try {
      await api('POST', `/terminals/${terminalId}/restores`, { backupId });
      setNote(t('tdRestoreQueued'));
      await load();
    } catch (e) {
      setError(e);
    }
  };
  const maintain = canMaintain(me);
  const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;

  return (
    <section aria-labelledby="backups-title">
      <h2 id="backups-title">{t('tdBackups')}</h2>
      <p className="muted">{t('tdBackupsHint')}</p>
      {error ? <ErrorNote error={error} onRetry={() => void load()} /> : null}
      {note && <p role="status">{note}</p>}
      {backups && backups.length === 0 && <p>{t('tdNoBackups')}</p>}
      {backups && backups.length > 0 && (
        <div className="table-wrap">
          <table>
            <thead><tr>
              <th scope="col">{t('tdTakenAt')}</th><th scope="col">{t('tdKind')}</th><th scope="col">{t('tdSize')}</th>
              <th scope="col">{t('tdStateCol')}</th><th scope="col">{t('tdKeptUntil')}</th>{maintain && <th scope="col"><span className="sr-only">{t('tdDownload')}</span></th>}
            </tr></thead>
            <tbody>
              {backups.map((b) => (
                <tr key={b.id} data-backup={b.id}>
                  <td>{date(b.takenAt)}</td>
                  <td>{tk('tdKind', b.kind)}</td>
                  <td>{kb(b.sizeBytes)}</td>
                  <td><span className="state" data-state={b.state}>{tk('tdState', b.state)}</span></td>
                  <td>{b.state !== 'stored' ? '–' : b.keptUntil ? date(b.keptUntil) : b.kind === 'weekly' ? t('tdKeptWeekly') : t('tdKeptNewest')}</td>
                  {maintain && (
                    <td>
                      {b.state === 'stored' && <a href={`/api/v1/terminals/${terminalId}/backups/${b.id}/download`} download>{t('tdDownload')}</a>}{' '}
                      {b.state === 'stored' && <button type="button" className="secondary" onClick={() => void restore(b.id)} title={t('tdRestoreHint')}>{t('tdRestore')}</button>}
                    </td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {restores.length > 0 && (
        <>
          <h3>{t('tdRestores')}</h3>
          <ul className="plain">
            {restores.map((r) => (
              <li key={r.id} data-restore={r.id}>{date(r.requestedAt)} · {tk('tdReason', r.reason)} · <span className="state" data-state={r.state}>{tk('tdRestoreState', r.state)}</span></li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}
