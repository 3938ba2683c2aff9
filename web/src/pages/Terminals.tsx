// Terminals: the server's paged list (GET /api/v1/terminals) with its filters kept in the address (so a
// filtered list can be shared, and the overview's numbers open one), each terminal's health, open
// incidents, mode (live), model, merchant and version; and actions on the chosen terminals — tag,
// command, maintenance, CSV — with progress and a result per terminal.
import { useEffect, useMemo, useState, type FormEvent } from 'react';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { flexRender, getCoreRowModel, getSortedRowModel, useReactTable, type ColumnDef, type RowSelectionState, type SortingState, type Updater } from '@tanstack/react-table';
import { api, COMMAND_TYPES, query, type Me, type Merchant, type Page, type Site, type Terminal, type TerminalModel } from '../api.ts';
import { ErrorNote } from '../App.tsx';
import { SelectField } from '../Field.tsx';
import { useI18n, type I18n } from '../i18n.tsx';
import { displayMode, type LiveState } from '../live.ts';
import { can } from '../permissions.ts';
import { invalidate, useApiGet } from '../query.ts';
import { Link, useRouter } from '../router.tsx';
import { SavedViews } from '../SavedViews.tsx';
import { TableHead, textSort, useAllPages } from '../table.tsx';
import { SAVED_VIEW_PAGES } from '../../../src/saved-views/saved-views.rules.ts';
import { RULE_LABELS } from '../../../src/diagnostics/rule-labels.ts';
import { ModeBadge } from './ModeBadge.tsx';
import { ScoreBadge } from './HealthScore.tsx';
import { failure, localInputValue } from './Maintenance.tsx';

const PAGE_SIZE = 25;
const STATUSES = ['in_stock', 'active', 'in_repair', 'retired'];
const MODES = ['normal', 'maintenance', 'locked', 'offline'] as const;
const FAULTS = Object.keys(RULE_LABELS);
/** A mode's place when sorting: what needs looking at first. */
const MODE_ORDER: Record<string, number> = { locked: 0, offline: 1, maintenance: 2, normal: 3 };

const FILTER_KEYS = SAVED_VIEW_PAGES.terminals;
type Filters = Record<(typeof FILTER_KEYS)[number], string>;

/** The sites the caller sees (the first 1,000), cached for every page that names sites. */
export function useSites(): Site[] {
  return useApiGet<Page<Site>>('/sites?limit=1000').data?.items ?? [];
}

/** A row of the list (and of its CSV export): the terminal with what the page knows about it. */
interface TerminalRow {
  terminal: Terminal;
  serial: string; merchant: string; site: string; model: string; mode: string; modeRank: number;
  health: number; incidents: number; version: string; firmware: string; online: string; tags: string; lastSeen: string;
}

export function TerminalsPage({ me, live }: { me: Me; live: LiveState }) {
  const i18n = useI18n();
  const { t, tk, date, locale } = i18n;
  const { path, navigate } = useRouter();
  const params = new URLSearchParams(path.split('?')[1] ?? '');
  const filters = Object.fromEntries(FILTER_KEYS.map((k) => [k, params.get(k) ?? ''])) as Filters;
  const filterKey = FILTER_KEYS.map((k) => filters[k]).join('|');
  const sites = useSites();
  const merchants = useAllPages<Merchant>('/merchants').data ?? [];
  const models = useAllPages<TerminalModel>('/terminal-models').data ?? [];
  const [draft, setDraft] = useState({ q: filters.q, tag: filters.tag, appVersion: filters.appVersion });
  // Keyset paging over the server's pages (25 terminals, in serial-number order): the cursors of the pages
  // before this one, so "previous" needs no offset.
  // A new filter starts again at the first page (without a request for the old cursor first).
  const [paging, setPaging] = useState<{ key: string; cursors: (string | undefined)[] }>({ key: filterKey, cursors: [undefined] });
  const cursors = paging.key === filterKey ? paging.cursors : [undefined];
  const setCursors = (next: (string | undefined)[]) => setPaging({ key: filterKey, cursors: next });
  const cursor = cursors[cursors.length - 1];
  const listPath = `/terminals${query({ ...filters, limit: PAGE_SIZE, cursor })}`;
  // The page shown stays while the next one loads (no flash of "Loading…" between pages).
  const list = useQuery({ queryKey: [listPath], queryFn: () => api<Page<Terminal>>('GET', listPath), placeholderData: keepPreviousData });
  const page = list.data ?? null;
  /** Each terminal's health score and open incidents (terminals not listed score 100 with none open). */
  const scoreList = useApiGet<{ items: { terminalId: string; score: number; incidents: number }[] }>('/health-scores/terminals?limit=1000');
  const scores = useMemo(() => new Map((scoreList.data?.items ?? []).map((i) => [i.terminalId, i])), [scoreList.data]);
  // The chosen terminals, across pages and filters (so a choice survives paging): TanStack's selection state.
  const [selected, setSelected] = useState(new Map<string, Terminal>());
  const [sorting, setSorting] = useState<SortingState>([]);

  useEffect(() => { setDraft({ q: filters.q, tag: filters.tag, appVersion: filters.appVersion }); }, [filterKey]);

  const go = (next: Partial<Filters>) => navigate(`/terminals${query({ ...filters, ...next })}`);
  const apply = (event: FormEvent) => {
    event.preventDefault();
    go({ q: draft.q.trim(), tag: draft.tag.trim(), appVersion: draft.appVersion.trim() });
  };
  const pick = (key: keyof Filters) => (e: { target: { value: string } }) => go({ [key]: e.target.value });
  const siteName = new Map(sites.map((s) => [s.id, s.name]));
  const merchantName = new Map(merchants.map((m) => [m.id, m.name]));
  const modelName = new Map(models.map((m) => [m.id, `${m.vendor} ${m.model}`]));
  const liveById = new Map((live.fleet?.terminals ?? []).map((x) => [x.id, x]));
  const modeOf = (terminal: Terminal) => displayMode(liveById.get(terminal.id) ?? { mode: 'normal', online: terminal.online });
  const anyFilter = FILTER_KEYS.some((k) => filters[k]);
  const row = (terminal: Terminal): TerminalRow => {
    const score = scores.get(terminal.id);
    const mode = modeOf(terminal);
    return {
      terminal, serial: terminal.serialNumber, merchant: terminal.merchantId ? merchantName.get(terminal.merchantId) ?? '' : '',
      site: terminal.siteId ? siteName.get(terminal.siteId) ?? '' : '', model: modelName.get(terminal.modelId) ?? '',
      mode: tk('mode', mode), modeRank: MODE_ORDER[mode] ?? 9, health: score?.score ?? 100, incidents: score?.incidents ?? 0,
      version: terminal.appVersion ?? '', firmware: terminal.firmwareVersion ?? '', online: terminal.online ? t('tmYes') : t('tmNo'),
      tags: terminal.tags.join(' '), lastSeen: terminal.lastSeenAt ?? '',
    };
  };
  const rows = (page?.items ?? []).map(row);

  const byText = textSort<TerminalRow>(locale);
  const columns: ColumnDef<TerminalRow>[] = [
    {
      id: 'select', enableSorting: false, meta: { className: 'select' },
      header: ({ table }) => <input type="checkbox" aria-label={t('tmSelectAll')} checked={table.getRowModel().rows.length > 0 && table.getIsAllPageRowsSelected()} onChange={table.getToggleAllPageRowsSelectedHandler()} />,
      cell: ({ row: r }) => <input type="checkbox" aria-label={t('tmSelect', { serial: r.original.serial })} checked={r.getIsSelected()} onChange={r.getToggleSelectedHandler()} />,
    },
    { id: 'serial', accessorKey: 'serial', header: t('serialNumber'), sortingFn: byText, cell: ({ row: r }) => <Link href={`/terminals/${r.original.terminal.id}`}>{r.original.serial}</Link> },
    { id: 'health', accessorKey: 'health', header: t('tmHealth'), sortDescFirst: false, cell: ({ row: r }) => <ScoreBadge score={r.original.health} /> },
    {
      id: 'incidents', accessorKey: 'incidents', header: t('tmIncidentsCol'), sortDescFirst: true,
      cell: ({ row: r }) => (r.original.incidents ? <Link className="count-link" href={`/incidents?terminalId=${encodeURIComponent(r.original.terminal.id)}`}>{r.original.incidents}</Link> : '0'),
    },
    { id: 'mode', accessorKey: 'modeRank', header: t('mode'), sortDescFirst: false, cell: ({ row: r }) => <ModeBadge mode={modeOf(r.original.terminal)} /> },
    { id: 'merchant', accessorKey: 'merchant', header: t('tmMerchant'), sortingFn: byText, meta: { className: 'wide' } },
    { id: 'site', accessorKey: 'site', header: t('site'), sortingFn: byText, meta: { className: 'wide' } },
    { id: 'model', accessorKey: 'model', header: t('tmModel'), sortingFn: byText, meta: { className: 'wide' } },
    { id: 'version', accessorKey: 'version', header: t('appVersion'), sortingFn: byText, meta: { className: 'wide' } },
    {
      id: 'lastSeen', accessorKey: 'lastSeen', header: t('lastSeen'), sortingFn: 'text', sortDescFirst: true, meta: { className: 'wide' },
      cell: ({ row: r }) => (r.original.lastSeen ? date(r.original.lastSeen) : t('never')),
    },
  ];
  const rowSelection: RowSelectionState = Object.fromEntries([...selected.keys()].map((id) => [id, true]));
  const onRowSelectionChange = (updater: Updater<RowSelectionState>) => {
    const next = typeof updater === 'function' ? updater(rowSelection) : updater;
    const onPage = new Map((page?.items ?? []).map((x) => [x.id, x]));
    setSelected(new Map(Object.keys(next).filter((id) => next[id]).flatMap((id) => {
      const terminal = selected.get(id) ?? onPage.get(id);
      return terminal ? [[id, terminal] as const] : [];
    })));
  };
  const table = useReactTable({
    data: rows, columns, getRowId: (r) => r.terminal.id,
    state: { sorting, rowSelection }, onSortingChange: setSorting, onRowSelectionChange,
    getCoreRowModel: getCoreRowModel(), getSortedRowModel: getSortedRowModel(),
    manualPagination: true, manualFiltering: true, enableMultiSort: false,
  });
  const refresh = () => { void invalidate('/terminals'); void invalidate('/health-scores'); };
  const morePages = !!page && (cursors.length > 1 || !!page.nextCursor);

  return (
    <section aria-labelledby="terminals-title">
      <h1 id="terminals-title">{t('terminals')}</h1>
      <form className="filters" role="search" aria-label={t('filters')} onSubmit={apply}>
        <label className="grow">{t('search')}<input type="search" placeholder={t('searchPlaceholder')} value={draft.q} onChange={(e) => setDraft({ ...draft, q: e.target.value })} /></label>
        <SelectField label={t('tmFault')} value={filters.fault} onChange={pick('fault')}>
          <option value="">{t('tmAnyFault')}</option>
          {FAULTS.map((f) => <option key={f} value={f}>{RULE_LABELS[f as keyof typeof RULE_LABELS][locale]}</option>)}
        </SelectField>
        <SelectField label={t('mode')} value={filters.mode} onChange={pick('mode')}>
          <option value="">{t('tmAnyMode')}</option>
          {MODES.map((m) => <option key={m} value={m}>{tk('mode', m)}</option>)}
        </SelectField>
        <SelectField label={t('tmModel')} value={filters.modelId} onChange={pick('modelId')}>
          <option value="">{t('tmAnyModel')}</option>
          {models.map((m) => <option key={m.id} value={m.id}>{m.vendor} {m.model}</option>)}
        </SelectField>
        <SelectField label={t('connectivity')} value={filters.online} onChange={pick('online')}>
          <option value="">{t('any')}</option>
          <option value="true">{t('online')}</option>
          <option value="false">{t('offline')}</option>
        </SelectField>
        <SelectField label={t('site')} value={filters.siteId} onChange={pick('siteId')}>
          <option value="">{t('allSites')}</option>
          {sites.map((s) => <option key={s.id} value={s.id}>{s.name}</option>)}
        </SelectField>
        <SelectField label={t('status')} value={filters.status} onChange={pick('status')}>
          <option value="">{t('anyStatus')}</option>
          {STATUSES.map((s) => <option key={s} value={s}>{tk('status', s)}</option>)}
        </SelectField>
        <label>{t('tmVersion')}<input value={draft.appVersion} placeholder={t('tmVersionHint')} onChange={(e) => setDraft({ ...draft, appVersion: e.target.value })} size={8} /></label>
        <label>{t('tag')}<input value={draft.tag} onChange={(e) => setDraft({ ...draft, tag: e.target.value })} size={10} /></label>
        <button type="submit">{t('search')}</button>
        {anyFilter && <button type="button" className="secondary" onClick={() => navigate('/terminals')}>{t('tmClear')}</button>}
      </form>
      <SavedViews page="terminals" query={path.split('?')[1] ?? ''} />
      <BulkActions me={me} selected={[...selected.values()]} rows={(chosen) => chosen.map(row)} onClear={() => setSelected(new Map())} onDone={refresh} i18n={i18n} />
      {list.error && !page ? <ErrorNote error={list.error} onRetry={() => void list.refetch()} /> : !page ? <p role="status">{t('loading')}</p> : (
        <>
          <div className="table-wrap">
            <table className="sortable" aria-labelledby="terminals-title" aria-busy={list.isPlaceholderData || undefined}>
              <TableHead table={table} />
              <tbody>
                {table.getRowModel().rows.map((r) => (
                  <tr key={r.id} data-serial={r.original.serial}>
                    {r.getVisibleCells().map((c) => <td key={c.id} className={c.column.columnDef.meta?.className}>{flexRender(c.column.columnDef.cell, c.getContext())}</td>)}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {page.items.length === 0 && <p className="note">{t('noTerminals')}</p>}
          {sorting.length > 0 && morePages && <p className="muted" data-testid="sorted-in-page">{t('tbSortedInPage', { count: page.items.length })}</p>}
          <nav className="pager" aria-label={t('terminals')}>
            <button type="button" disabled={cursors.length === 1} onClick={() => setCursors(cursors.slice(0, -1))}>{t('previous')}</button>
            <button type="button" disabled={!page.nextCursor || list.isPlaceholderData} onClick={() => page.nextCursor && setCursors([...cursors, page.nextCursor])}>{t('next')}</button>
          </nav>
        </>
      )}
    </section>
  );
}

type BulkKind = 'tag' | 'untag' | 'command' | 'maintenance';
interface BulkOutcome { terminalId: string; serial: string; ok: boolean; text: string }

/** A CSV cell: quoted when it holds a separator, quote or line break; a formula-looking cell made inert. */
const cell = (value: string | number) => {
  let text = String(value);
  if (/^[=+\-@]/.test(text)) text = `'${text}`;
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
};

function BulkActions({ me, selected, rows, onClear, onDone, i18n }: {
  me: Me; selected: Terminal[]; rows(list: Terminal[]): TerminalRow[]; onClear(): void; onDone(): void; i18n: I18n;
}) {
  const { t, tk } = i18n;
  const [kind, setKind] = useState<BulkKind>('tag');
  const [tag, setTag] = useState('');
  const [command, setCommand] = useState<string>('self_test');
  const [reason, setReason] = useState('');
  const [end, setEnd] = useState(() => localInputValue(new Date(Date.now() + 2 * 3_600_000)));
  const [progress, setProgress] = useState<{ done: number; total: number } | null>(null);
  const [outcomes, setOutcomes] = useState<BulkOutcome[] | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const running = progress !== null && progress.done < progress.total;
  const serialOf = new Map(selected.map((x) => [x.id, x.serialNumber]));
  const kinds: BulkKind[] = [
    ...(can(me, 'estate:write') ? ['tag', 'untag'] as const : []),
    ...(can(me, 'terminals:command') ? ['command'] as const : []),
    ...(can(me, 'maintenance:write') ? ['maintenance'] as const : []),
  ];

  if (selected.length === 0) return <p className="muted" data-testid="bulk-hint">{t('tmNoSelection')}</p>;

  const exportCsv = () => {
    const header = [t('tmCsvSerial'), t('tmCsvMerchant'), t('tmCsvSite'), t('tmCsvModel'), t('tmCsvMode'), t('tmCsvHealth'), t('tmCsvIncidents'), t('tmCsvVersion'), t('tmCsvFirmware'), t('tmCsvOnline'), t('tmCsvTags')];
    const lines = rows(selected).map((r) => [r.serial, r.merchant, r.site, r.model, r.mode, r.health, r.incidents, r.version, r.firmware, r.online, r.tags].map((v) => cell(v ?? '')).join(','));
    // A byte-order mark so spreadsheet programs read the Chinese names as UTF-8.
    const blob = new Blob(['\ufeff', [header.map(cell).join(','), ...lines].join('\r\n')], { type: 'text/csv;charset=utf-8' });
    const a = document.createElement('a');
    a.href = URL.createObjectURL(blob);
    a.download = 'terminals.csv';
    a.click();
    URL.revokeObjectURL(a.href);
  };

  const run = async (event: FormEvent) => {
    event.preventDefault();
    const ids = selected.map((x) => x.id);
    setOutcomes(null);
    setProblem(null);
    setProgress({ done: 0, total: ids.length });
    const results: BulkOutcome[] = [];
    const say = (terminalId: string, ok: boolean, text: string) => results.push({ terminalId, serial: serialOf.get(terminalId) ?? '', ok, text });
    try {
      if (kind === 'tag' || kind === 'untag') {
        const { items } = await api<{ items: { terminalId: string; outcome: string }[] }>('POST', '/terminals/bulk/tags', { terminalIds: ids, [kind === 'tag' ? 'add' : 'remove']: [tag.trim()] });
        for (const i of items) say(i.terminalId, i.outcome !== 'not_found', t(`tmOutcome_${i.outcome}` as 'tmOutcome_tagged'));
        setProgress({ done: ids.length, total: ids.length });
      } else if (kind === 'command') {
        const { items } = await api<{ items: { terminalId: string; outcome: string }[] }>('POST', '/terminals/bulk/commands', { terminalIds: ids, type: command });
        for (const i of items) say(i.terminalId, i.outcome !== 'not_found', t(`tmOutcome_${i.outcome}` as 'tmOutcome_queued'));
        setProgress({ done: ids.length, total: ids.length });
      } else {
        // One request per terminal, so each gets its own answer (one refused does not refuse the rest).
        const minutes = Math.round((new Date(end).getTime() - Date.now()) / 60_000);
        for (const [n, terminalId] of ids.entries()) {
          try {
            await api('POST', '/maintenance/jobs', { terminalIds: [terminalId], work: ['repair'], reason, expectedMinutes: minutes, maxMinutes: minutes });
            say(terminalId, true, t('tmOutcome_started'));
          } catch (e) {
            say(terminalId, false, t('tmOutcome_refused', { why: failure(e, i18n) }));
          }
          setProgress({ done: n + 1, total: ids.length });
        }
      }
      setOutcomes(results);
      onDone();
    } catch (e) {
      setProblem(failure(e, i18n));
      setProgress(null);
    }
  };
  const ok = outcomes?.filter((o) => o.ok).length ?? 0;
  const minutes = Math.round((new Date(end).getTime() - Date.now()) / 60_000);
  const endProblem = kind === 'maintenance' && (!Number.isFinite(minutes) || minutes < 1 || minutes > 24 * 60);

  return (
    <section className="card" aria-labelledby="bulk-title">
      <h2 id="bulk-title">{t('tmBulk')} <span className="muted">{t('tmSelected', { count: selected.length })}</span></h2>
      <form className="bulk" onSubmit={run}>
        {kinds.length > 0 && (
          <SelectField label={t('actions')} value={kind} onChange={(e) => setKind(e.target.value as BulkKind)}>
            {kinds.map((k) => <option key={k} value={k}>{t(k === 'tag' ? 'tmBulkTag' : k === 'untag' ? 'tmBulkUntag' : k === 'command' ? 'tmBulkCommand' : 'tmBulkMaintenance')}</option>)}
          </SelectField>
        )}
        {(kind === 'tag' || kind === 'untag') && <label>{t('tmBulkTagValue')}<input required pattern="[\p{L}\p{N}][\p{L}\p{N}._:\-]{0,39}" value={tag} onChange={(e) => setTag(e.target.value)} size={12} /></label>}
        {kind === 'command' && (
          <SelectField label={t('tmCommand')} value={command} onChange={(e) => setCommand(e.target.value)}>
            {COMMAND_TYPES.map((c) => <option key={c} value={c}>{tk('cmd', c)}</option>)}
          </SelectField>
        )}
        {kind === 'maintenance' && (
          <>
            <label>{t('reason')}<input required maxLength={500} value={reason} onChange={(e) => setReason(e.target.value)} /></label>
            <label>{t('mEndTime')}<input type="datetime-local" required value={end} onChange={(e) => setEnd(e.target.value)} /></label>
          </>
        )}
        {kinds.length > 0 && <button type="submit" disabled={running || endProblem}>{t('tmBulkApply', { count: selected.length })}</button>}
        <button type="button" className="secondary" onClick={exportCsv}>{t('tmBulkExport')}</button>
        <button type="button" className="secondary" disabled={running} onClick={() => { onClear(); setOutcomes(null); setProgress(null); }}>{t('tmClearSelection')}</button>
      </form>
      {progress && running && (
        <div className="progress-line" role="status">
          {t('tmBulkRunning', { done: progress.done, total: progress.total })}
          <progress max={progress.total} value={progress.done} />
        </div>
      )}
      {problem && <p className="note error" role="alert">{problem}</p>}
      {outcomes && (
        <div className="bulk-results">
          <p className={`note ${ok === outcomes.length ? 'ok' : ''}`} role="status">{t('tmBulkDone', { ok, total: outcomes.length })}</p>
          <table aria-label={t('tmBulkResults')}>
            <thead><tr><th scope="col">{t('serialNumber')}</th><th scope="col">{t('tmResult')}</th></tr></thead>
            <tbody>{outcomes.map((o) => <tr key={o.terminalId} data-ok={o.ok}><td>{o.serial}</td><td>{o.text}</td></tr>)}</tbody>
          </table>
        </div>
      )}
    </section>
  );
}
