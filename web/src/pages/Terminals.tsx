// Terminals: the server's paged list (GET /api/v1/terminals) with text search and filters; each row's
// mode comes from the live stream, so it changes without reloading.
import { useEffect, useState, type FormEvent } from 'react';
import { api, query, type Page, type Site, type Terminal } from '../api.ts';
import { ErrorNote } from '../App.tsx';
import { SelectField } from '../Field.tsx';
import { useI18n } from '../i18n.tsx';
import { displayMode, type LiveState } from '../live.ts';
import { Link } from '../router.tsx';
import { ModeBadge } from './ModeBadge.tsx';

const PAGE_SIZE = 25;
const STATUSES = ['in_stock', 'active', 'in_repair', 'retired'];

interface Filters { q: string; siteId: string; status: string; online: string; tag: string }
const EMPTY: Filters = { q: '', siteId: '', status: '', online: '', tag: '' };

export function useSites() {
  const [sites, setSites] = useState<Site[]>([]);
  useEffect(() => {
    api<Page<Site>>('GET', '/sites?limit=1000').then((p) => setSites(p.items)).catch(() => setSites([]));
  }, []);
  return sites;
}

export function TerminalsPage({ live }: { live: LiveState }) {
  const { t, tk, date } = useI18n();
  const sites = useSites();
  const [draft, setDraft] = useState<Filters>(EMPTY);
  const [filters, setFilters] = useState<Filters>(EMPTY);
  // Keyset paging: the cursors of the pages before this one, so "previous" needs no offset.
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  const [page, setPage] = useState<Page<Terminal> | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [attempt, setAttempt] = useState(0);
  const cursor = cursors[cursors.length - 1];

  useEffect(() => {
    let current = true;
    setError(null);
    api<Page<Terminal>>('GET', `/terminals${query({ ...filters, limit: PAGE_SIZE, cursor })}`)
      .then((p) => { if (current) setPage(p); })
      .catch((e: unknown) => { if (current) setError(e); });
    return () => { current = false; };
  }, [filters, cursor, attempt]);

  const apply = (event: FormEvent) => {
    event.preventDefault();
    setFilters({ ...draft, q: draft.q.trim() });
    setCursors([undefined]);
  };
  const set = (key: keyof Filters) => (e: { target: { value: string } }) => setDraft({ ...draft, [key]: e.target.value });
  const siteName = new Map(sites.map((s) => [s.id, s.name]));
  const liveById = new Map((live.fleet?.terminals ?? []).map((x) => [x.id, x]));

  return (
    <section aria-labelledby="terminals-title">
      <h1 id="terminals-title">{t('terminals')}</h1>
      <form className="filters" role="search" aria-label={t('filters')} onSubmit={apply}>
        <label className="grow">{t('search')}<input type="search" placeholder={t('searchPlaceholder')} value={draft.q} onChange={set('q')} /></label>
        <SelectField label={t('site')} value={draft.siteId} onChange={set('siteId')}>
          <option value="">{t('allSites')}</option>
          {sites.map((s) => <option key={s.id} value={s.id}>{s.name}</option>)}
        </SelectField>
        <SelectField label={t('status')} value={draft.status} onChange={set('status')}>
          <option value="">{t('anyStatus')}</option>
          {STATUSES.map((s) => <option key={s} value={s}>{tk('status', s)}</option>)}
        </SelectField>
        <SelectField label={t('connectivity')} value={draft.online} onChange={set('online')}>
          <option value="">{t('any')}</option>
          <option value="true">{t('online')}</option>
          <option value="false">{t('offline')}</option>
        </SelectField>
        <label>{t('tag')}<input value={draft.tag} onChange={set('tag')} size={10} /></label>
        <button type="submit">{t('search')}</button>
      </form>
      {error ? <ErrorNote error={error} onRetry={() => setAttempt((n) => n + 1)} /> : !page ? <p role="status">{t('loading')}</p> : (
        <>
          <div className="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">{t('serialNumber')}</th>
                  <th scope="col">{t('site')}</th>
                  <th scope="col">{t('mode')}</th>
                  <th scope="col" className="wide">{t('status')}</th>
                  <th scope="col" className="wide">{t('lastSeen')}</th>
                  <th scope="col" className="wide">{t('appVersion')}</th>
                </tr>
              </thead>
              <tbody>
                {page.items.map((terminal) => {
                  const l = liveById.get(terminal.id);
                  return (
                    <tr key={terminal.id}>
                      <td><Link href={`/terminals/${terminal.id}`}>{terminal.serialNumber}</Link></td>
                      <td>{terminal.siteId ? siteName.get(terminal.siteId) ?? '' : ''}</td>
                      <td><ModeBadge mode={displayMode(l ?? { mode: 'normal', online: terminal.online })} /></td>
                      <td className="wide">{tk('status', terminal.status)}</td>
                      <td className="wide">{terminal.lastSeenAt ? date(terminal.lastSeenAt) : t('never')}</td>
                      <td className="wide">{terminal.appVersion ?? ''}</td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
          {page.items.length === 0 && <p className="note">{t('noTerminals')}</p>}
          <nav className="pager" aria-label={t('terminals')}>
            <button type="button" disabled={cursors.length === 1} onClick={() => setCursors(cursors.slice(0, -1))}>{t('previous')}</button>
            <button type="button" disabled={!page.nextCursor} onClick={() => page.nextCursor && setCursors([...cursors, page.nextCursor])}>{t('next')}</button>
          </nav>
        </>
      )}
    </section>
  );
}
