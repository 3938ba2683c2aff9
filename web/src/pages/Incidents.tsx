// Incidents: the faults the heartbeat rules (and people) opened, the worst first and, among equals, the
// one waiting longest; filtered by status, severity, rule, site, merchant, terminal and age, kept in the
// address so the overview's numbers open a filtered list. Acknowledge and resolve for roles that may,
// the troubleshooting guide walked step by step right under the incident it was opened from, and the
// incident's logs and screenshots (asked for, listed, downloaded) under it too.
import { Fragment, useEffect, useMemo, useRef, useState } from 'react';
import { useQuery } from '@tanstack/react-query';
import { getCoreRowModel, getPaginationRowModel, getSortedRowModel, useReactTable, flexRender, type ColumnDef, type PaginationState, type SortingState } from '@tanstack/react-table';
import { api, query, type GuideRun, type Incident, type Me, type Merchant, type Page } from '../api.ts';
import { RULE_LABELS } from '../../../src/diagnostics/rule-labels.ts';
import { useRouter } from '../router.tsx';
import { ActionError, ErrorNote } from '../App.tsx';
import { SelectField } from '../Field.tsx';
import { useI18n } from '../i18n.tsx';
import type { LiveState } from '../live.ts';
import { invalidate, useApiGet } from '../query.ts';
import { Link } from '../router.tsx';
import { TableHead, textSort, useAllPages } from '../table.tsx';
import { useSites } from './Terminals.tsx';
import { HealthScoreCard, ScoreBadge } from './HealthScore.tsx';
import { AssistanceFiles } from './RemoteAssistance.tsx';
import { SavedViews } from '../SavedViews.tsx';
import { SAVED_VIEW_PAGES } from '../../../src/saved-views/saved-views.rules.ts';

const STATUSES = ['unresolved', 'open', 'acknowledged', 'resolved', 'all'] as const;
type StatusFilter = (typeof STATUSES)[number];
const SEVERITIES = ['critical', 'high', 'medium', 'low'] as const;
/** A severity's weight: sorted descending, the worst comes first. */
const SEVERITY_WEIGHT: Record<string, number> = { critical: 4, high: 3, medium: 2, low: 1 };
const STATUS_ORDER: Record<string, number> = { open: 0, acknowledged: 1, resolved: 2 };
/** Ages an operator asks about: older than an hour, a shift, a day, a week. */
const AGES = [1, 8, 24, 168] as const;
const FILTERS = SAVED_VIEW_PAGES.incidents;
/**
 * The list is loaded whole — the server's worst first, up to this many — and sorted and paged in the
 * browser; more than this says so and asks for a narrower filter.
 */
const LOADED = 500;
const PAGE_SIZE = 50;
/** The order, and the list's own: the worst first, then the one waiting longest. */
const DEFAULT_SORT: SortingState = [{ id: 'severity', desc: true }, { id: 'firstSeen', desc: false }];

/** An incident with the values its columns sort by. */
interface IncidentRow { incident: Incident; severity: number; title: string; serial: string; score: number; site: string; status: number }

export const canHandleIncidents = (me: Me) => me.role === 'admin' || me.role === 'operator' || me.role === 'support';

export function IncidentsPage({ me, live }: { me: Me; live: LiveState }) {
  const { t, tk, date, locale } = useI18n();
  const sites = useSites();
  const siteName = new Map(sites.map((s) => [s.id, s.name]));
  const serialOf = new Map((live.fleet?.terminals ?? []).map((x) => [x.id, x.serialNumber]));
  const serial = (id: string | null) => (id ? serialOf.get(id) ?? id.slice(0, 8) : '');
  const { path, navigate } = useRouter();
  const params = new URLSearchParams(path.split('?')[1] ?? '');
  const filters = Object.fromEntries(FILTERS.map((k) => [k, params.get(k) ?? ''])) as Record<(typeof FILTERS)[number], string>;
  const status = (STATUSES as readonly string[]).includes(filters.status) ? filters.status as StatusFilter : 'unresolved';
  const filterKey = FILTERS.map((k) => filters[k]).join('|');
  const setFilter = (key: (typeof FILTERS)[number], value: string) => navigate(`/incidents${query({ ...filters, [key]: value })}`);
  const merchants = useAllPages<Merchant>('/merchants').data ?? [];
  const listPath = `/incidents${query({ ...filters, status: status === 'all' ? undefined : status, sort: 'severity', limit: LOADED })}`;
  const list = useQuery({ queryKey: [listPath], queryFn: () => api<Page<Incident>>('GET', listPath) });
  const items = list.data?.items ?? null;
  const [actionError, setActionError] = useState<unknown>(null);
  const [run, setRun] = useState<GuideRun | null>(null);
  /** The incident whose logs and screenshots are open under its row. */
  const [assistFor, setAssistFor] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const may = canHandleIncidents(me);
  // The scores follow what the list shows: both refetch when an incident changed.
  const scoreList = useApiGet<{ items: { terminalId: string; score: number }[] }>('/health-scores/terminals?limit=1000');
  const scores = useMemo(() => new Map((scoreList.data?.items ?? []).map((i) => [i.terminalId, i.score])), [scoreList.data]);
  const [sorting, setSorting] = useState<SortingState>(DEFAULT_SORT);
  const [pagination, setPagination] = useState<PaginationState>({ pageIndex: 0, pageSize: PAGE_SIZE });
  useEffect(() => setPagination((p) => ({ ...p, pageIndex: 0 })), [filterKey]);
  const reload = () => { void invalidate('/incidents'); void invalidate('/health-score'); };

  const act = async (fn: () => Promise<void>) => {
    setBusy(true);
    setActionError(null);
    try {
      await fn();
    } catch (e) {
      setActionError(e);
    } finally {
      setBusy(false);
    }
  };
  const post = (path: string) => act(async () => { await api('POST', path, {}); reload(); });
  const startGuide = (incident: Incident) => act(async () => {
    setRun(await api<GuideRun>('POST', '/guide-runs', { incidentId: incident.id, locale }));
  });
  const answer = (stepId: string, outcome: string) => act(async () => {
    if (!run) return;
    const next = await api<GuideRun>('POST', `/guide-runs/${run.id}/answers`, { stepId, outcome });
    setRun(next);
    if (next.status !== 'running') reload();
  });

  // The rows carry every value a column sorts by, worded in the page's language: TanStack Table keeps a
  // row's values until its data changes, so a name or score that arrives later must change the data.
  const fleet = live.fleet;
  const rows = useMemo(() => (items ?? []).map((incident): IncidentRow => ({
    incident, severity: SEVERITY_WEIGHT[incident.severity] ?? 0, title: incident.title[locale] || incident.rule,
    serial: serial(incident.terminalId), score: incident.terminalId ? scores.get(incident.terminalId) ?? 100 : 101,
    site: incident.siteId ? siteName.get(incident.siteId) ?? '' : '', status: STATUS_ORDER[incident.status] ?? 9,
  })), [items, locale, scores, sites, fleet]);
  const byText = textSort<IncidentRow>(locale);
  const columns: ColumnDef<IncidentRow>[] = [
    {
      id: 'severity', accessorKey: 'severity', header: t('severity'), sortDescFirst: true,
      cell: ({ row }) => <span className={`sev sev-${row.original.incident.severity}`}>{tk('sev', row.original.incident.severity)}</span>,
    },
    { id: 'rule', accessorKey: 'title', header: t('rule'), sortingFn: byText },
    {
      id: 'serial', accessorKey: 'serial', header: t('serialNumber'), sortingFn: byText,
      cell: ({ row: { original: r } }) => (r.incident.terminalId ? <Link href={`/terminals/${r.incident.terminalId}`}>{r.serial}</Link> : ''),
    },
    {
      id: 'score', accessorKey: 'score', header: t('terminalScore'), sortDescFirst: false,
      cell: ({ row: { original: r } }) => (r.incident.terminalId ? <ScoreBadge score={r.score} /> : ''),
    },
    { id: 'site', accessorKey: 'site', header: t('site'), sortingFn: byText, meta: { className: 'wide' } },
    { id: 'firstSeen', accessorFn: (r) => r.incident.firstSeenAt, header: t('firstSeen'), sortingFn: 'text', sortDescFirst: false, meta: { className: 'wide' }, cell: ({ row }) => date(row.original.incident.firstSeenAt) },
    { id: 'lastSeen', accessorFn: (r) => r.incident.lastSeenAt, header: t('lastSeenAt'), sortingFn: 'text', sortDescFirst: true, cell: ({ row }) => date(row.original.incident.lastSeenAt) },
    {
      id: 'status', accessorKey: 'status', header: t('status'), sortDescFirst: false,
      cell: ({ row }) => <span className="state" data-status={row.original.incident.status}>{tk('inc', row.original.incident.status)}</span>,
    },
    ...(may ? [{
      id: 'actions', enableSorting: false, header: t('actions'), meta: { className: 'actions' },
      cell: ({ row: { original: { incident: i } } }) => {
        const name = `${i.title[locale]} ${serial(i.terminalId)}`.trim();
        return (
          <>
            {i.status === 'open' && <button type="button" disabled={busy} aria-label={`${t('acknowledge')} ${name}`} onClick={() => void post(`/incidents/${i.id}/acknowledge`)}>{t('acknowledge')}</button>}
            {i.status !== 'resolved' && <button type="button" disabled={busy} aria-label={`${t('resolve')} ${name}`} onClick={() => void post(`/incidents/${i.id}/resolve`)}>{t('resolve')}</button>}
            {i.status !== 'resolved' && i.guideId && i.terminalId && (
              <button type="button" disabled={busy} aria-label={`${t('troubleshoot')} ${name}`} onClick={() => void startGuide(i)}>{t('troubleshoot')}</button>
            )}
            {i.terminalId && (
              <button type="button" className="secondary" aria-expanded={assistFor === i.id} aria-label={`${t('raOpen')} ${name}`}
                onClick={() => setAssistFor(assistFor === i.id ? null : i.id)}>{t('raOpen')}</button>
            )}
          </>
        );
      },
    } satisfies ColumnDef<IncidentRow>] : []),
  ];
  const table = useReactTable({
    data: rows, columns, getRowId: (r) => r.incident.id,
    state: { sorting, pagination }, onSortingChange: setSorting, onPaginationChange: setPagination,
    getCoreRowModel: getCoreRowModel(), getSortedRowModel: getSortedRowModel(), getPaginationRowModel: getPaginationRowModel(),
    manualFiltering: true, autoResetPageIndex: false,
  });
  const shown = table.getRowModel().rows;
  const span = columns.length;
  const pages = table.getPageCount();

  return (
    <section aria-labelledby="incidents-title">
      <h1 id="incidents-title">{t('incidents')}</h1>
      <p><Link href="/suspicious-cases">{t('scCasesLink')}</Link> · <Link href="/guides">{t('gdNav')}</Link></p>
      <div className="filters" role="search" aria-label={t('filters')}>
        <SelectField label={t('status')} value={status} onChange={(e) => setFilter('status', e.target.value)}>
          {STATUSES.map((s) => <option key={s} value={s}>{tk('inc', s)}</option>)}
        </SelectField>
        <SelectField label={t('severity')} value={filters.severity} onChange={(e) => setFilter('severity', e.target.value)}>
          <option value="">{t('inAnySeverity')}</option>
          {SEVERITIES.map((s) => <option key={s} value={s}>{tk('sev', s)}</option>)}
        </SelectField>
        <SelectField label={t('rule')} value={filters.rule} onChange={(e) => setFilter('rule', e.target.value)}>
          <option value="">{t('tmAnyFault')}</option>
          {Object.entries(RULE_LABELS).map(([rule, label]) => <option key={rule} value={rule}>{label[locale]}</option>)}
        </SelectField>
        <SelectField label={t('site')} value={filters.siteId} onChange={(e) => setFilter('siteId', e.target.value)}>
          <option value="">{t('allSites')}</option>
          {sites.map((s) => <option key={s.id} value={s.id}>{s.name}</option>)}
        </SelectField>
        {merchants.length > 1 && (
          <SelectField label={t('tmMerchant')} value={filters.merchantId} onChange={(e) => setFilter('merchantId', e.target.value)}>
            <option value="">{t('inAnyMerchant')}</option>
            {merchants.map((m) => <option key={m.id} value={m.id}>{m.name}</option>)}
          </SelectField>
        )}
        <SelectField label={t('inAge')} value={filters.olderThanHours} onChange={(e) => setFilter('olderThanHours', e.target.value)}>
          <option value="">{t('inAnyAge')}</option>
          {AGES.map((h) => <option key={h} value={String(h)}>{t(h < 24 ? 'inOlderThanHours' : 'inOlderThanDays', { n: h < 24 ? h : h / 24 })}</option>)}
        </SelectField>
        {filters.terminalId && <button type="button" className="secondary" onClick={() => setFilter('terminalId', '')}>{t('inTerminalOnly', { serial: serial(filters.terminalId) })} ✕</button>}
      </div>
      <SavedViews page="incidents" query={path.split('?')[1] ?? ''} />
      {!may && <p className="note">{t('noPermission')}</p>}
      {actionError !== null && !run && <ActionError error={actionError} />}
      {/* A guide whose incident is not on this page (resolved by it, or paged away) stays in sight where the list begins. */}
      {run && !shown.some((r) => r.id === run.incidentId) && <GuidePanel run={run} serial={serial(run.terminalId)} busy={busy} onAnswer={answer} onClose={() => setRun(null)} />}
      {list.error && !items ? <ErrorNote error={list.error} onRetry={() => void list.refetch()} />
        : items === null ? <p role="status">{t('loading')}</p>
          : items.length === 0 ? <p>{t('noIncidents')}</p> : (
            <>
              {list.data?.nextCursor && <p className="note" data-testid="incidents-capped">{t('tbIncidentsCapped', { count: items.length })}</p>}
              <div className="table-wrap">
                <table className="sortable" aria-labelledby="incidents-title">
                  <TableHead table={table} />
                  <tbody>
                    {shown.map((row) => (
                      <Fragment key={row.id}>
                        <tr data-incident={row.id}>
                          {row.getVisibleCells().map((c) => <td key={c.id} className={c.column.columnDef.meta?.className}>{flexRender(c.column.columnDef.cell, c.getContext())}</td>)}
                        </tr>
                        {assistFor === row.id && row.original.incident.terminalId && (
                          <tr className="guide-row"><td colSpan={span}>
                            <AssistanceFiles terminalId={row.original.incident.terminalId} incidentId={row.id} me={me} headingLevel={3} />
                          </td></tr>
                        )}
                        {run && run.incidentId === row.id && (
                          <tr className="guide-row"><td colSpan={span}>
                            {actionError !== null && <ActionError error={actionError} />}
                            <GuidePanel run={run} serial={serial(run.terminalId)} busy={busy} onAnswer={answer} onClose={() => setRun(null)} />
                          </td></tr>
                        )}
                      </Fragment>
                    ))}
                  </tbody>
                </table>
              </div>
              <nav className="pager" aria-label={t('incidents')}>
                <span className="muted page-of" role="status">{pages > 1 ? `${t('tbPageOf', { page: pagination.pageIndex + 1, pages })} · ` : ''}{t('tbIncidentCount', { count: items.length })}</span>
                {JSON.stringify(sorting) !== JSON.stringify(DEFAULT_SORT) && <button type="button" className="secondary" onClick={() => setSorting(DEFAULT_SORT)}>{t('tbSortDefault')}</button>}
                {pages > 1 && (
                  <>
                    <button type="button" disabled={!table.getCanPreviousPage()} onClick={() => table.previousPage()}>{t('previous')}</button>
                    <button type="button" disabled={!table.getCanNextPage()} onClick={() => table.nextPage()}>{t('next')}</button>
                  </>
                )}
              </nav>
            </>
          )}
      <HealthScoreCard query="" what={t('healthScoreFleet')} reload={String(list.dataUpdatedAt)} />
    </section>
  );
}

function GuidePanel({ run, serial, busy, onAnswer, onClose }: { run: GuideRun; serial: string; busy: boolean; onAnswer(stepId: string, outcome: string): void; onClose(): void }) {
  const { t } = useI18n();
  // The guide opens under the incident it came from: bring it into view where the user is looking.
  const ref = useRef<HTMLElement>(null);
  useEffect(() => { ref.current?.scrollIntoView({ block: 'nearest' }); }, [run.id]);
  return (
    <section ref={ref} className="card guide" aria-labelledby="guide-title">
      <h2 id="guide-title">{t('guideFor', { title: run.title, serial })}</h2>
      {run.learnedOrder && <p className="muted" data-testid="learned-order">{t('gdRunOrder', { reason: run.learnedOrder.reason })}</p>}
      {run.status === 'running' && run.step ? (
        <>
          <p className="instruction" data-step={run.step.id}>{run.step.instruction}</p>
          <div className="outcomes" role="group" aria-label={run.step.instruction}>
            {run.step.outcomes.map((o) => (
              <button key={o.id} type="button" disabled={busy} onClick={() => onAnswer(run.step!.id, o.id)}>{o.label}</button>
            ))}
          </div>
        </>
      ) : run.status === 'resolved' ? <p className="note ok" role="status">{t('guideResolved')}</p>
        : <p className="note" role="status">{t('guideEscalated', { parts: run.escalation?.parts.join(', ') ?? '' })}</p>}
      <button type="button" className="secondary" onClick={onClose}>{t('close')}</button>
    </section>
  );
}
