// Maintenance: put a site or some terminals into maintenance ("功能维护中") with a reason, follow the
// open jobs live, and lock or unlock terminals. Roles that may not change anything only look.
import { useState, type FormEvent } from 'react';
import { api, type Me, type Page, type Terminal } from '../api.ts';
import { canMaintain, ErrorNote } from '../App.tsx';
import { SelectField } from '../Field.tsx';
import { useI18n } from '../i18n.tsx';
import type { LiveState } from '../live.ts';
import { Link } from '../router.tsx';
import { useSites } from './Terminals.tsx';
import { ModeBadge } from './ModeBadge.tsx';

const WORK = ['update', 'upgrade', 'repair', 'data_sync', 'security_hardening'] as const;

/** Terminal ids for serial numbers typed by a person; unknown serials are named back. */
async function resolveSerials(text: string): Promise<{ ids: string[]; unknown: string[] }> {
  const serials = [...new Set(text.split(/[\s,;，]+/).map((s) => s.trim()).filter(Boolean))];
  const ids: string[] = [];
  const unknown: string[] = [];
  for (const serial of serials) {
    const page = await api<Page<Terminal>>('GET', `/terminals?q=${encodeURIComponent(serial)}&limit=50`);
    const match = page.items.find((x) => x.serialNumber.toLowerCase() === serial.toLowerCase());
    if (match) ids.push(match.id);
    else unknown.push(serial);
  }
  return { ids, unknown };
}

export function MaintenancePage({ me, live }: { me: Me; live: LiveState }) {
  const { t, tk, date } = useI18n();
  const sites = useSites();
  const siteName = new Map(sites.map((s) => [s.id, s.name]));
  const terminals = live.fleet?.terminals ?? [];
  const open = terminals.filter((x) => x.job);
  const locked = terminals.filter((x) => x.mode === 'locked');
  const [actionError, setActionError] = useState<unknown>(null);
  const act = async (path: string, body: unknown) => {
    try {
      setActionError(null);
      await api('POST', path, body);
    } catch (e) {
      setActionError(e);
    }
  };

  return (
    <section aria-labelledby="maintenance-title">
      <h1 id="maintenance-title">{t('maintenance')}</h1>
      {canMaintain(me) ? <MaintenanceForm sites={sites} /> : <p className="note">{t('noPermission')}</p>}
      <h2 id="open-jobs">{t('openJobs')}</h2>
      {actionError !== null && <ErrorNote error={actionError} />}
      {!live.fleet ? <p role="status">{t('loading')}</p> : open.length === 0 ? <p>{t('noJobs')}</p> : (
        <div className="table-wrap">
          <table aria-labelledby="open-jobs">
            <thead>
              <tr>
                <th scope="col">{t('serialNumber')}</th><th scope="col">{t('site')}</th><th scope="col">{t('mode')}</th><th scope="col">{t('state')}</th>
                <th scope="col" className="wide">{t('work')}</th><th scope="col">{t('reason')}</th><th scope="col" className="wide">{t('created')}</th>
                {canMaintain(me) && <th scope="col"><span className="sr-only">{t('abort')}</span></th>}
              </tr>
            </thead>
            <tbody>
              {open.map((x) => (
                <tr key={x.job!.id}>
                  <td><Link href={`/terminals/${x.id}`}>{x.serialNumber}</Link></td>
                  <td>{x.siteId ? siteName.get(x.siteId) ?? '' : ''}</td>
                  <td><ModeBadge mode={x.mode === 'normal' && !x.online ? 'offline' : x.mode} /></td>
                  <td><span className="state" data-state={x.job!.state}>{tk('state', x.job!.state)}</span>{x.job!.waitingReason && <div className="muted">{x.job!.waitingReason}</div>}</td>
                  <td className="wide">{x.job!.work.map((w) => tk('work', w)).join(', ')}</td>
                  <td>{x.job!.reason}</td>
                  <td className="wide">{date(x.job!.createdAt)}</td>
                  {canMaintain(me) && (
                    <td>
                      <button type="button" aria-label={`${t('abort')} ${x.serialNumber}`} onClick={() => void act(`/maintenance/jobs/${x.job!.id}/abort`, {})}>{t('abort')}</button>
                    </td>
                  )}
                </tr>
              ))}
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
                {canMaintain(me) && <Link href={`/terminals/${x.id}`} aria-label={`${t('unlock')} ${x.serialNumber}`}>{t('unlock')}…</Link>}
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}

function MaintenanceForm({ sites }: { sites: { id: string; name: string; code: string }[] }) {
  const { t, tk } = useI18n();
  const [target, setTarget] = useState<'site' | 'terminals'>('site');
  const [siteId, setSiteId] = useState('');
  const [serials, setSerials] = useState('');
  const [work, setWork] = useState<string[]>(['update']);
  const [reason, setReason] = useState('');
  const [override, setOverride] = useState('');
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<{ ok: string } | { error: unknown } | null>(null);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setResult(null);
    try {
      let selection: { siteId: string } | { terminalIds: string[] };
      if (target === 'site') selection = { siteId };
      else {
        const { ids, unknown } = await resolveSerials(serials);
        if (unknown.length || !ids.length) throw new Error(t('unknownSerials', { list: unknown.join(', ') }));
        selection = { terminalIds: ids };
      }
      const answer = await api<{ items: unknown[] }>('POST', '/maintenance/jobs', { ...selection, work, reason, ...(override.trim() && { overrideReason: override.trim() }) });
      setResult({ ok: t('jobsCreated', { count: answer.items.length }) });
      setReason('');
      setOverride('');
    } catch (e) {
      setResult({ error: e });
    } finally {
      setBusy(false);
    }
  };

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
      <label>{t('overrideReason')}<input maxLength={500} value={override} onChange={(e) => setOverride(e.target.value)} /></label>
      {result && 'ok' in result && <p className="note ok" role="status">{result.ok}</p>}
      {result && 'error' in result && <ErrorNote error={result.error} />}
      <button type="submit" disabled={busy || work.length === 0}>{t('submit')}</button>
    </form>
  );
}
