// Work orders: the list (created here from a site or a terminal, filtered by status, site and technician,
// the filter kept in the URL), and one work order's page, where it lives from created to completed:
// assigned to a technician (the server's suggestions first), started, its checklist answered with
// photos, the spare parts used and the time spent recorded, signed by the customer on the phone, and
// completed. The most prominent button is always the next step; cancelling is secondary and asks why.
import { useEffect, useId, useState, type ChangeEvent, type FormEvent } from 'react';
import { useMutation, useQueries } from '@tanstack/react-query';
import {
  api, ApiError, query, type ChecklistItem, type ChecklistPhoto, type Me, type Page, type SparePart, type Suggestions, type Technician,
  type Terminal, type WorkOrder, type WorkOrderSummary,
} from '../api.ts';
import { useAction } from '../action.ts';
import { invalidate, queryClient, useApiGet } from '../query.ts';
import { ErrorNote } from '../App.tsx';
import { ConfirmDialog } from '../Dialog.tsx';
import { errorFor, InputField, SelectField, TextAreaField } from '../Field.tsx';
import { useI18n, type I18n, type MessageKey } from '../i18n.tsx';
import { can } from '../permissions.ts';
import { PhotoError, preparePhoto } from '../photo.ts';
import { Link, useRouter } from '../router.tsx';
import { SignaturePad } from '../SignaturePad.tsx';
import { useSites } from './Terminals.tsx';

const STATUSES = ['open', 'assigned', 'in_progress', 'on_hold', 'done', 'cancelled'] as const;
const RESULTS = ['pass', 'fail', 'n/a'] as const;

export const canWorkOn = (me: Me) => me.role === 'admin' || me.role === 'operator' || me.role === 'technician';

/** Technicians, for names and filters; a role that may not list them gets none (the page still works). */
function useTechnicians(): Technician[] {
  return useApiGet<{ items: Technician[] }>('/technicians').data?.items ?? NONE;
}
const NONE: never[] = [];

/** A refused change in the reader's language, from what the server names (code, field), never its English text. */
export function woRefusal(error: unknown, { t }: I18n): string {
  if (error instanceof PhotoError) return t(error.reason === 'too_large' ? 'photoTooLarge' : 'photoNotImage');
  if (!(error instanceof ApiError)) return t('woFailedNetwork');
  if (error.status === 403) return t('noPermission');
  if (error.status === 404) return t('notFound');
  if (error.status === 409 && error.field === 'checklist') return t('woChecklistIncomplete');
  // The catalogue's sentence in the page's language says how many are left ("仓库 SH-DEPOT 的 HEAD-1 库存仅有 2 件。").
  if (error.status === 409 && error.field === 'quantity') return error.message || t('woNotEnoughParts');
  if (error.status === 409) return t('woChangedMeanwhile');
  if (error.status === 400 || error.status === 422) return t('woCheckField');
  return t('woFailedServer');
}

// ---- the list

type ListFilters = { status: string; siteId: string; technicianId: string };

export function WorkOrdersPage({ me }: { me: Me }) {
  const { t, tk, date } = useI18n();
  const { path, navigate } = useRouter();
  const params = new URLSearchParams(path.split('?')[1] ?? '');
  const filters: ListFilters = { status: params.get('status') ?? '', siteId: params.get('siteId') ?? '', technicianId: params.get('technicianId') ?? '' };
  const creating = params.get('new') === '1';
  const sites = useSites();
  const technicians = useTechnicians();
  const siteName = new Map(sites.map((s) => [s.id, s.name]));
  const techName = new Map(technicians.map((x) => [x.id, x.name]));
  const listQuery = query({ limit: 200, status: filters.status, siteId: filters.siteId, technicianId: filters.technicianId });
  const list = useApiGet<{ items: WorkOrderSummary[] }>(`/work-orders${listQuery}`);
  const items = list.data?.items ?? null;
  const error = list.error;
  const load = () => void list.refetch();

  /** The filter goes into the address, so a filtered list can be shared and survives a reload. */
  const setFilter = (key: keyof ListFilters, value: string) => navigate(`/work-orders${query({ ...filters, [key]: value })}`);

  return (
    <section aria-labelledby="work-orders-title">
      <div className="title-row">
        <h1 id="work-orders-title">{t('workOrders')}</h1>
        {can(me, 'workorders:write') && !creating && (
          <button type="button" onClick={() => navigate(`/work-orders${query({ ...filters, new: '1' })}`)}>{t('woNew')}</button>
        )}
      </div>
      {can(me, 'workorders:write') && creating && (
        <CreateWorkOrder sites={sites} initialSiteId={params.get('siteId') ?? ''} initialTerminalId={params.get('terminalId') ?? ''}
          onCancel={() => navigate(`/work-orders${query(filters)}`)} />
      )}
      <div className="filters" role="search" aria-label={t('filters')}>
        <SelectField label={t('status')} value={filters.status} onChange={(e) => setFilter('status', e.target.value)}>
          <option value="">{t('anyStatus')}</option>
          {STATUSES.map((s) => <option key={s} value={s}>{tk('wo', s)}</option>)}
        </SelectField>
        <SelectField label={t('site')} value={filters.siteId} onChange={(e) => setFilter('siteId', e.target.value)}>
          <option value="">{t('allSites')}</option>
          {sites.map((s) => <option key={s.id} value={s.id}>{s.name} ({s.code})</option>)}
        </SelectField>
        {technicians.length > 0 && me.role !== 'technician' && (
          <SelectField label={t('woTechnician')} value={filters.technicianId} onChange={(e) => setFilter('technicianId', e.target.value)}>
            <option value="">{t('woAnyTechnician')}</option>
            {technicians.map((x) => <option key={x.id} value={x.id}>{x.name}</option>)}
          </SelectField>
        )}
      </div>
      {error ? <ErrorNote error={error} onRetry={load} />
        : items === null ? <p role="status">{t('loading')}</p>
          : me.role === 'technician' && !filters.status && !filters.siteId ? <MyDay items={items} siteName={siteName} />
          : items.length === 0 ? <p>{filters.status || filters.siteId || filters.technicianId ? t('woNoneMatch') : t('noWorkOrders')}</p> : (
            <div className="table-wrap">
              <table aria-labelledby="work-orders-title">
                <thead>
                  <tr>
                    <th scope="col">{t('title')}</th><th scope="col">{t('status')}</th><th scope="col">{t('site')}</th>
                    <th scope="col" className="wide">{t('woTechnician')}</th><th scope="col" className="wide">{t('due')}</th>
                  </tr>
                </thead>
                <tbody>
                  {items.map((w) => (
                    <tr key={w.id}>
                      <td><Link href={`/work-orders/${w.id}`}>{w.title}</Link></td>
                      <td><span className="state" data-status={w.status}>{tk('wo', w.status)}</span></td>
                      <td>{siteName.get(w.siteId) ?? ''}</td>
                      <td className="wide">{w.technicianId ? techName.get(w.technicianId) ?? '' : t('woUnassigned')}</td>
                      <td className="wide">{date(w.dueAt)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
    </section>
  );
}

const CLOSED = new Set(['done', 'cancelled']);
const dueTime = (w: WorkOrderSummary) => (w.dueAt ? Date.parse(w.dueAt) : Number.POSITIVE_INFINITY);

/**
 * A technician's own work orders (the server gives a technician only theirs), as their day on the
 * phone: what is due today (by the phone's clock) and overdue first, the oldest due first; then what
 * comes later; then what is finished. Each is one large link with its site and due time.
 */
function MyDay({ items, siteName }: { items: WorkOrderSummary[]; siteName: Map<string, string> }) {
  const { t } = useI18n();
  const endOfToday = new Date();
  endOfToday.setHours(24, 0, 0, 0);
  const open = items.filter((w) => !CLOSED.has(w.status)).sort((a, b) => dueTime(a) - dueTime(b));
  const today = open.filter((w) => dueTime(w) < endOfToday.getTime());
  const later = open.filter((w) => dueTime(w) >= endOfToday.getTime());
  const finished = items.filter((w) => CLOSED.has(w.status));
  return (
    <div className="my-day">
      <p className="muted" role="status">{t('woTodayCount', { count: today.length })}</p>
      <WorkOrderCards id="wo-today" title={t('woToday')} items={today} empty={t('woNothingToday')} siteName={siteName} />
      <WorkOrderCards id="wo-later" title={t('woLater')} items={later} empty={t('woNothingLater')} siteName={siteName} />
      {finished.length > 0 && <WorkOrderCards id="wo-finished" title={t('woFinished')} items={finished} empty="" siteName={siteName} />}
    </div>
  );
}

function WorkOrderCards({ id, title, items, empty, siteName }: { id: string; title: string; items: WorkOrderSummary[]; empty: string; siteName: Map<string, string> }) {
  const { t, tk, date } = useI18n();
  const now = Date.now();
  return (
    <section aria-labelledby={id}>
      <h2 id={id}>{title}</h2>
      {items.length === 0 ? <p>{empty}</p> : (
        <ul className="wo-cards" aria-labelledby={id}>
          {items.map((w) => {
            const overdue = !CLOSED.has(w.status) && dueTime(w) < now;
            return (
              <li key={w.id}>
                <Link href={`/work-orders/${w.id}`} className={`wo-card${overdue ? ' overdue' : ''}`}>
                  <span className="wo-card-title">{w.title}</span>
                  <span className="wo-card-site">{siteName.get(w.siteId) ?? ''}</span>
                  <span className="wo-card-meta">
                    <span className="state" data-status={w.status}>{tk('wo', w.status)}</span>
                    {overdue && <span className="sev sev-high">{t('woOverdue')}</span>}
                    <span>{w.dueAt ? t('woDueAt', { at: date(w.dueAt) }) : t('woNoDue')}</span>
                  </span>
                </Link>
              </li>
            );
          })}
        </ul>
      )}
    </section>
  );
}

/** A new work order for a site (and, optionally, one of its terminals), with an optional checklist. */
function CreateWorkOrder({ sites, initialSiteId, initialTerminalId, onCancel }: {
  sites: { id: string; name: string; code: string }[]; initialSiteId: string; initialTerminalId: string; onCancel(): void;
}) {
  const i18n = useI18n();
  const { t } = i18n;
  const { navigate } = useRouter();
  const [siteId, setSiteId] = useState(initialSiteId);
  const [terminalId, setTerminalId] = useState(initialTerminalId);
  const [title, setTitle] = useState('');
  const [due, setDue] = useState('');
  const [checklist, setChecklist] = useState('');
  const terminals = useApiGet<Page<Terminal>>(siteId ? `/terminals${query({ siteId, limit: 100 })}` : null).data?.items ?? NONE;
  const save = useAction();

  const submit = (event: FormEvent) => {
    event.preventDefault();
    void save.run(async () => {
      // One line per checklist item; what a person types is the same in both languages.
      const items = checklist.split('\n').map((l) => l.trim()).filter(Boolean).map((text) => ({ text: { 'zh-CN': text, en: text }, required: true }));
      const created = await api<WorkOrder>('POST', '/work-orders', {
        title: title.trim(), siteId, ...(terminalId && { terminalIds: [terminalId] }), ...(due && { dueAt: new Date(due).toISOString() }),
        ...(items.length && { checklist: items }),
      });
      queryClient.setQueryData([`/work-orders/${encodeURIComponent(created.id)}`], created);
      void invalidate('/work-orders?');
      navigate(`/work-orders/${created.id}`);
    });
  };
  const fieldError = (field: string) => (errorFor(save.error, field) ? t('woCheckField') : null);
  return (
    <form className="card wo-create" onSubmit={submit} aria-labelledby="wo-new-title" noValidate>
      <h2 id="wo-new-title">{t('woNew')}</h2>
      <SelectField label={t('site')} required value={siteId} error={fieldError('siteId')} onChange={(e) => { setSiteId(e.target.value); setTerminalId(''); }}>
        <option value="">{t('choose')}</option>
        {sites.map((s) => <option key={s.id} value={s.id}>{s.name} ({s.code})</option>)}
      </SelectField>
      <SelectField label={t('woTerminalOptional')} value={terminalId} disabled={!siteId} onChange={(e) => setTerminalId(e.target.value)}>
        <option value="">{t('woWholeSite')}</option>
        {terminals.map((x) => <option key={x.id} value={x.id}>{x.serialNumber}</option>)}
      </SelectField>
      <InputField label={t('title')} required maxLength={200} value={title} error={fieldError('title')} onChange={(e) => setTitle(e.target.value)} />
      <InputField label={t('woDueOptional')} type="datetime-local" value={due} hint={t('woYourTime')} onChange={(e) => setDue(e.target.value)} />
      <TextAreaField label={t('woChecklistLines')} rows={3} value={checklist} hint={t('woChecklistLinesHint')} onChange={(e) => setChecklist(e.target.value)} />
      {save.error !== null && !errorFor(save.error, 'siteId') && !errorFor(save.error, 'title') && <p className="note error" role="alert">{woRefusal(save.error, i18n)}</p>}
      <div className="buttons">
        <button type="submit" disabled={save.busy || !siteId || !title.trim()}>{t('woCreate')}</button>
        <button type="button" className="secondary" onClick={onCancel}>{t('woDiscard')}</button>
      </div>
    </form>
  );
}

// ---- one work order

export function WorkOrderPage({ id, me }: { id: string; me: Me }) {
  const i18n = useI18n();
  const { t, tk, date, locale } = i18n;
  const sites = useSites();
  const technicians = useTechnicians();
  const orderPath = `/work-orders/${encodeURIComponent(id)}`;
  const orderQuery = useApiGet<WorkOrder>(orderPath);
  const order = orderQuery.data ?? null;
  const error = orderQuery.error;
  const load = () => void orderQuery.refetch();
  const setOrder = (change: (o: WorkOrder | undefined) => WorkOrder | undefined) => queryClient.setQueryData<WorkOrder>([orderPath], change);
  const [cancelling, setCancelling] = useState(false);
  const [cancelReason, setCancelReason] = useState('');
  const terminalQueries = useQueries({
    queries: (order?.terminalIds ?? []).map((tid) => {
      const path = `/terminals/${encodeURIComponent(tid)}`;
      return { queryKey: [path], queryFn: () => api<Terminal>('GET', path) };
    }),
  });
  const serials = new Map(terminalQueries.flatMap((q) => (q.data ? [[q.data.id, q.data.serialNumber] as const] : [])));

  /** One change; the answer is the order as it is now. A refusal reloads it (it may have moved meanwhile). */
  const change = useMutation({
    mutationFn: ({ path, body }: { path: string; body: unknown }) => api<WorkOrder>('POST', path, body),
    onSuccess: (answer) => {
      setOrder(() => answer);
      // The lists show its new status; parts used leave the depot's stock.
      void invalidate('/work-orders?');
      void invalidate('/spare-parts');
    },
    onError: () => void invalidate(orderPath),
  });
  const busy = change.isPending;
  const actionError = change.error;
  const act = async (path: string, body: unknown): Promise<boolean> => {
    try {
      await change.mutateAsync({ path, body });
      return true;
    } catch {
      return false;
    }
  };
  const move = (to: string, extra: Record<string, unknown> = {}) => act(`/work-orders/${encodeURIComponent(id)}/status`, { to, ...extra });

  const photoAdded = (itemId: string, photo: ChecklistPhoto) => setOrder((o) => o && {
    ...o, checklist: o.checklist.map((i) => (i.id === itemId ? { ...i, photos: [...i.photos, photo] } : i)),
  });

  if (error) return <ErrorNote error={error} onRetry={load} />;
  if (!order) return <p role="status">{t('loading')}</p>;
  const may = canWorkOn(me);
  const mayManage = can(me, 'workorders:write');
  const isTechnician = me.role === 'technician';
  const closed = order.status === 'done' || order.status === 'cancelled';
  const site = sites.find((s) => s.id === order.siteId);
  const technician = technicians.find((x) => x.id === order.technicianId);
  const working = order.status === 'in_progress';

  return (
    <section aria-labelledby="work-order-title" className="work-order">
      <p><Link href="/work-orders">{t('backToWorkOrders')}</Link></p>
      <h1 id="work-order-title">{t('workOrderTitle', { title: order.title })}</h1>
      <dl className="facts">
        <dt>{t('status')}</dt><dd><span className="state" data-testid="work-order-status" data-status={order.status}>{tk('wo', order.status)}</span></dd>
        <dt>{t('site')}</dt><dd>{site ? `${site.name} (${site.code})` : ''}</dd>
        {site?.address && <><dt>{t('woAddress')}</dt><dd>{site.address}</dd></>}
        {order.terminalIds.length > 0 && <><dt>{t('terminals')}</dt><dd>{order.terminalIds.map((tid) => serials.get(tid) ?? '').filter(Boolean).join(', ')}</dd></>}
        <dt>{t('woTechnician')}</dt><dd>{order.technicianId ? technician?.name ?? '' : t('woUnassigned')}</dd>
        {order.dueAt && <><dt>{t('due')}</dt><dd>{date(order.dueAt)}</dd></>}
        {order.minutesSpent > 0 && <><dt>{t('woTimeSpent')}</dt><dd>{t('woMinutes', { n: order.minutesSpent })}</dd></>}
      </dl>

      {actionError !== null && !shortOfStock(actionError) && <p className="note error" role="alert">{woRefusal(actionError, i18n)}</p>}
      {!may && <p className="note">{t('noPermission')}</p>}

      {may && !closed && (
        <div className="card next-step" role="region" aria-labelledby="next-step-title">
          <h2 id="next-step-title">{t('woNextStep')}</h2>
          {order.status === 'open' && (mayManage
            ? <AssignForm order={order} technicians={technicians} busy={busy} onAssign={(technicianId) => act(`/work-orders/${encodeURIComponent(id)}/assign`, { technicianId })} primary />
            : <p>{t('woWaitsForAssignment')}</p>)}
          {(order.status === 'assigned' || order.status === 'on_hold') && (
            <>
              <p>{order.status === 'assigned' ? t('woStartHint') : t('woResumeHint')}</p>
              <button type="button" className="primary" disabled={busy} onClick={() => void move('in_progress')}>{order.status === 'assigned' ? t('to_in_progress') : t('woResume')}</button>
            </>
          )}
          {working && <p>{t('woWorkHint')}</p>}
        </div>
      )}

      {may && !closed && (
        <div className="buttons secondary-actions" role="group" aria-label={t('woOtherActions')}>
          {(order.status === 'assigned' || working) && <button type="button" className="secondary" disabled={busy} onClick={() => void move('on_hold')}>{t('to_on_hold')}</button>}
          {!isTechnician && <button type="button" className="danger" disabled={busy} onClick={() => { setCancelReason(''); setCancelling(true); }}>{t('woCancel')}</button>}
        </div>
      )}
      {mayManage && (order.status === 'assigned' || order.status === 'on_hold') && (
        <details className="reassign">
          <summary>{t('woReassign')}</summary>
          <AssignForm order={order} technicians={technicians} busy={busy} onAssign={(technicianId) => act(`/work-orders/${encodeURIComponent(id)}/assign`, { technicianId })} />
        </details>
      )}

      <h2 id="checklist-title">{t('checklist')}</h2>
      {order.checklist.length === 0 ? <p>{t('noChecklist')}</p> : (
        <ol className="checklist" aria-labelledby="checklist-title">
          {order.checklist.map((item) => {
            const text = item.text[locale];
            return (
              <li key={item.id}>
                <fieldset>
                  <legend>{text}{item.required && <span className="muted"> {t('required')}</span>}</legend>
                  <div className="results">
                    {RESULTS.map((r) => (
                      <button key={r} type="button" className={`result result-${r.replace('/', '')}`} aria-pressed={item.result === r}
                        disabled={busy || !may || !working}
                        onClick={() => void act(`/work-orders/${order.id}/checklist`, { results: [{ itemId: item.id, result: r }] })}>
                        {tk('result', r)}
                      </button>
                    ))}
                  </div>
                  <ItemPhotos orderId={order.id} item={item} text={text} canAdd={may && working} onAdded={(photo) => photoAdded(item.id, photo)} />
                </fieldset>
              </li>
            );
          })}
        </ol>
      )}
      {may && !closed && !working && order.checklist.length > 0 && <p className="hint">{t('woChecklistAfterStart')}</p>}

      <PartsUsed order={order} canAdd={may && working} busy={busy} onUse={(partId, quantity) => act(`/work-orders/${encodeURIComponent(id)}/parts`, { partId, quantity })}
        quantityError={actionError !== null && shortOfStock(actionError) ? woRefusal(actionError, i18n) : undefined} />

      {may && working && <Completion order={order} busy={busy} onComplete={(input) => move('done', input)} />}

      {order.signature && (
        <>
          <h2>{t('woSignature')}</h2>
          <figure className="signed">
            {order.signature.image && <img src={order.signature.image} alt={t('woSignatureOf', { name: order.signature.name })} width={300} height={110} />}
            <figcaption>{t('woSignedBy', { name: order.signature.name, at: date(order.signature.signedAt) })}</figcaption>
          </figure>
        </>
      )}

      <h2 id="wo-history-title">{t('woHistory')}</h2>
      <ol className="plain wo-history" aria-labelledby="wo-history-title">
        {order.history.map((h, n) => (
          <li key={n}>
            <span className="muted">{date(h.at)}</span> {h.from ? `${tk('wo', h.from)} → ${tk('wo', h.to)}` : tk('wo', h.to)} · {h.by}
            {h.to === 'cancelled' && h.note && <div>{t('woCancelReasonShown', { reason: h.note })}</div>}
          </li>
        ))}
      </ol>

      <ConfirmDialog open={cancelling} title={t('woCancelTitle')} confirmLabel={t('woCancelConfirm')} danger busy={busy}
        onClose={() => setCancelling(false)}
        onConfirm={() => {
          if (cancelReason.trim().length < 3) return;
          void move('cancelled', { note: cancelReason.trim() }).then((ok) => ok && setCancelling(false));
        }}>
        <p>{t('woCancelText')}</p>
        <TextAreaField label={t('woCancelReason')} required rows={3} maxLength={1000} value={cancelReason} hint={t('woCancelReasonHint')} onChange={(e) => setCancelReason(e.target.value)} />
      </ConfirmDialog>
    </section>
  );
}

/** Which technician: the server's ranking first (region, skill, load), said in the reader's words. */
function AssignForm({ order, technicians, busy, onAssign, primary }: {
  order: WorkOrder; technicians: Technician[]; busy: boolean; onAssign(technicianId: string): Promise<boolean>; primary?: boolean;
}) {
  const { t } = useI18n();
  const sites = useSites();
  const suggestions = useApiGet<Suggestions>(`/work-orders/${encodeURIComponent(order.id)}/suggestions`);
  // No suggestions (refused or failed) still leaves every technician to choose from.
  const ranked = suggestions.data ? suggestions.data.items.map((x) => x.technicianId) : suggestions.error ? [] : null;
  const [choice, setChoice] = useState('');
  const suggested = (ranked ?? []).filter((x) => x !== order.technicianId);
  useEffect(() => { if (!choice && suggested[0]) setChoice(suggested[0]); }, [suggested, choice]);
  const rank = (x: Technician) => { const i = suggested.indexOf(x.id); return i < 0 ? Number.MAX_SAFE_INTEGER : i; };
  const options = technicians.filter((x) => x.id !== order.technicianId).sort((a, b) => rank(a) - rank(b) || a.name.localeCompare(b.name));
  const siteCode = sites.find((s) => s.id === order.siteId)?.code ?? '';
  const chosen = options.find((x) => x.id === choice);
  const why = (x: Technician) => {
    const region = x.regions.find((r) => siteCode.toUpperCase().startsWith(r.toUpperCase()));
    return [region ? t('woWhyRegion', { region }) : t('woWhyOtherRegion'), t('woWhyLoad', { n: x.openWorkOrders })].join(' · ');
  };
  if (ranked === null) return <p role="status">{t('loading')}</p>;
  if (options.length === 0) return <p className="note">{t('woNoTechnicians')}</p>;
  return (
    <form className="assign" onSubmit={(e) => { e.preventDefault(); if (choice) void onAssign(choice); }}>
      <SelectField label={t('woTechnician')} value={choice} onChange={(e) => setChoice(e.target.value)} hint={chosen ? why(chosen) : undefined}>
        <option value="">{t('choose')}</option>
        {options.map((x, n) => <option key={x.id} value={x.id}>{n === 0 && suggested[0] === x.id ? t('woSuggested', { name: x.name }) : x.name}</option>)}
      </SelectField>
      <button type="submit" className={primary ? 'primary' : ''} disabled={busy || !choice}>{t('woAssign')}</button>
    </form>
  );
}

/** A refusal for taking more spares than the depot holds: said beside the quantity, not at the top of the page. */
const shortOfStock = (error: unknown) => error instanceof ApiError && error.status === 409 && error.field === 'quantity';

/** Spare parts taken for this work order, and the form that takes one more out of stock. */
function PartsUsed({ order, canAdd, busy, onUse, quantityError }: {
  order: WorkOrder; canAdd: boolean; busy: boolean; onUse(partId: string, quantity: number): Promise<boolean>; quantityError?: string | undefined;
}) {
  const { t, date } = useI18n();
  const parts = useApiGet<{ items: SparePart[] }>(canAdd ? '/spare-parts' : null).data?.items ?? NONE;
  const [partId, setPartId] = useState('');
  const [quantity, setQuantity] = useState('1');
  if (!canAdd && order.parts.length === 0) return null;
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const n = Number(quantity);
    if (!partId || !Number.isInteger(n) || n < 1) return;
    void onUse(partId, n).then((ok) => { if (ok) { setPartId(''); setQuantity('1'); } });
  };
  return (
    <>
      <h2 id="wo-parts-title">{t('woPartsUsed')}</h2>
      {order.parts.length === 0 ? <p>{t('woNoParts')}</p> : (
        <ul className="plain" aria-labelledby="wo-parts-title">
          {order.parts.map((p, n) => <li key={n}>{t('woPartLine', { quantity: p.quantity, sku: p.sku, depot: p.depot })} <span className="muted">· {p.by} · {date(p.at)}</span></li>)}
        </ul>
      )}
      {canAdd && (
        <form className="parts-form" onSubmit={submit} aria-label={t('woRecordPart')}>
          <SelectField label={t('woPart')} value={partId} onChange={(e) => setPartId(e.target.value)}>
            <option value="">{t('choose')}</option>
            {parts.map((p) => <option key={p.id} value={p.id}>{t('woPartOption', { name: p.name, sku: p.sku, depot: p.depot, quantity: p.quantity })}</option>)}
          </SelectField>
          <InputField label={t('woQuantity')} type="number" inputMode="numeric" min={1} value={quantity} onChange={(e) => setQuantity(e.target.value)} error={quantityError} />
          <button type="submit" className="secondary" disabled={busy || !partId}>{t('woRecordPart')}</button>
        </form>
      )}
    </>
  );
}

/** Time spent, the customer's name and signature, then complete: the work order's last step. */
function Completion({ order, busy, onComplete }: { order: WorkOrder; busy: boolean; onComplete(input: Record<string, unknown>): Promise<boolean> }) {
  const { t } = useI18n();
  const [minutes, setMinutes] = useState('');
  const [name, setName] = useState('');
  const [image, setImage] = useState<string | null>(null);
  const [problem, setProblem] = useState<MessageKey | null>(null);
  const unanswered = order.checklist.filter((i) => i.required && i.result === null).length;
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const n = Number(minutes);
    if (unanswered > 0) return setProblem('woChecklistIncomplete');
    if (!minutes || !Number.isInteger(n) || n < 1) return setProblem('woTimeRequired');
    if (!name.trim() || !image) return setProblem('woSignatureRequired');
    setProblem(null);
    void onComplete({ minutesSpent: n, signature: { name: name.trim(), image } });
  };
  return (
    <form className="card completion" onSubmit={submit} aria-labelledby="wo-complete-title" noValidate>
      <h2 id="wo-complete-title">{t('woComplete')}</h2>
      {unanswered > 0 && <p className="hint">{t('woStillToAnswer', { n: unanswered })}</p>}
      <InputField label={t('woTimeSpentMinutes')} type="number" inputMode="numeric" min={1} required value={minutes}
        error={problem === 'woTimeRequired' ? t('woTimeRequired') : null} onChange={(e) => setMinutes(e.target.value)} />
      <InputField label={t('woSignerName')} required maxLength={200} autoComplete="off" value={name} onChange={(e) => setName(e.target.value)} />
      <SignaturePad label={t('woSignatureArea')} disabled={busy} onChange={(drawn) => { setImage(drawn); if (drawn) setProblem(null); }} />
      {problem && problem !== 'woTimeRequired' && <p className="note error" role="alert">{t(problem)}</p>}
      <button type="submit" className="primary" disabled={busy}>{t('woCompleteButton')}</button>
    </form>
  );
}

/**
 * The photos of one checklist item, as thumbnails, and the button that opens the phone's camera. A photo
 * too large for the server is made smaller here first; what went wrong is said beside the item.
 */
function ItemPhotos({ orderId, item, text, canAdd, onAdded }: {
  orderId: string; item: ChecklistItem; text: string; canAdd: boolean; onAdded(photo: ChecklistPhoto): void;
}) {
  const i18n = useI18n();
  const { t, date } = i18n;
  const id = useId();
  const upload = useAction();

  const choose = (event: ChangeEvent<HTMLInputElement>) => {
    const file = event.target.files?.[0];
    event.target.value = ''; // the same photo may be chosen again after a refusal
    if (!file) return;
    void upload.run(async () => {
      const photo = await preparePhoto(file);
      const saved = await api<ChecklistPhoto>('POST', `/work-orders/${encodeURIComponent(orderId)}/checklist/${encodeURIComponent(item.id)}/photos`, {
        photo: { contentType: photo.contentType, dataBase64: photo.dataBase64 },
      });
      onAdded(saved);
      return photo.redrawnFrom === null ? t('photoAdded')
        : t('photoAddedSmaller', { from: megabytes(photo.redrawnFrom), to: megabytes(photo.sizeBytes) });
    });
  };

  if (item.photos.length === 0 && !canAdd) return null;
  return (
    <div className="item-photos">
      {item.photos.length > 0 && (
        <ul className="photos" aria-label={t('photosOf', { item: text })}>
          {item.photos.map((p, n) => (
            <li key={p.id}>
              <a href={p.url} target="_blank" rel="noopener">
                <img src={p.url} width={72} height={72} loading="lazy" decoding="async"
                  alt={t('photoAlt', { n: n + 1, item: text, by: p.takenBy, at: date(p.takenAt) })} />
              </a>
            </li>
          ))}
        </ul>
      )}
      {canAdd && (
        <>
          <div className="photo-add">
            <input id={id} className="photo-input" type="file" accept="image/jpeg,image/png" capture="environment" disabled={upload.busy}
              aria-describedby={`${id}-note`} {...(upload.error !== null && { 'aria-invalid': true })} onChange={choose} />
            <label htmlFor={id}>{t('addPhoto')}<span className="sr-only">{t('photoFor', { item: text })}</span></label>
          </div>
          <div id={`${id}-note`} aria-live="polite">
            {upload.busy && <p className="hint">{t('photoUploading')}</p>}
            {upload.done && <p className="hint">{upload.done}</p>}
            {upload.error !== null && <p className="field-error">{woRefusal(upload.error, i18n)}</p>}
          </div>
        </>
      )}
    </div>
  );
}

const megabytes = (bytes: number) => `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
