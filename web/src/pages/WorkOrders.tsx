// Work orders: the list, and one work order's page for the technician on site (phone-sized): its
// checklist answered pass / fail / n.a. item by item, and its status moved along the lifecycle.
import { useCallback, useEffect, useState } from 'react';
import { api, type Me, type WorkOrder, type WorkOrderSummary } from '../api.ts';
import { ActionError, ErrorNote } from '../App.tsx';
import { useI18n } from '../i18n.tsx';
import { Link } from '../router.tsx';
import { useSites } from './Terminals.tsx';

/** The lifecycle's moves (src/preventive/work-order-states.ts); the server decides, this only offers buttons. */
const NEXT: Record<string, readonly string[]> = {
  open: ['cancelled'],
  assigned: ['in_progress', 'on_hold', 'open', 'cancelled'],
  in_progress: ['done', 'on_hold', 'cancelled'],
  on_hold: ['in_progress', 'assigned', 'cancelled'],
  done: [],
  cancelled: [],
};
const TECHNICIAN_MOVES = ['in_progress', 'on_hold', 'done'];
const RESULTS = ['pass', 'fail', 'n/a'] as const;

export const canWorkOn = (me: Me) => me.role === 'admin' || me.role === 'operator' || me.role === 'technician';

export function WorkOrdersPage() {
  const { t, tk, date } = useI18n();
  const sites = useSites();
  const siteName = new Map(sites.map((s) => [s.id, s.name]));
  const [items, setItems] = useState<WorkOrderSummary[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const load = useCallback(() => {
    setError(null);
    api<{ items: WorkOrderSummary[] }>('GET', '/work-orders?limit=200').then((p) => setItems(p.items)).catch((e: unknown) => setError(e));
  }, []);
  useEffect(load, [load]);

  return (
    <section aria-labelledby="work-orders-title">
      <h1 id="work-orders-title">{t('workOrders')}</h1>
      {error !== null ? <ErrorNote error={error} onRetry={load} />
        : items === null ? <p role="status">{t('loading')}</p>
          : items.length === 0 ? <p>{t('noWorkOrders')}</p> : (
            <div className="table-wrap">
              <table aria-labelledby="work-orders-title">
                <thead>
                  <tr>
                    <th scope="col">{t('title')}</th><th scope="col">{t('status')}</th><th scope="col">{t('site')}</th>
                    <th scope="col" className="wide">{t('due')}</th><th scope="col" className="wide">{t('created')}</th>
                  </tr>
                </thead>
                <tbody>
                  {items.map((w) => (
                    <tr key={w.id}>
                      <td><Link href={`/work-orders/${w.id}`}>{w.title}</Link></td>
                      <td><span className="state" data-status={w.status}>{tk('wo', w.status)}</span></td>
                      <td>{siteName.get(w.siteId) ?? ''}</td>
                      <td className="wide">{date(w.dueAt)}</td>
                      <td className="wide">{date(w.createdAt)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
    </section>
  );
}

export function WorkOrderPage({ id, me }: { id: string; me: Me }) {
  const { t, tk, date, locale } = useI18n();
  const sites = useSites();
  const [order, setOrder] = useState<WorkOrder | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [actionError, setActionError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const load = useCallback(() => {
    setError(null);
    api<WorkOrder>('GET', `/work-orders/${encodeURIComponent(id)}`).then(setOrder).catch((e: unknown) => setError(e));
  }, [id]);
  useEffect(load, [load]);

  const act = async (path: string, body: unknown) => {
    setBusy(true);
    setActionError(null);
    try {
      setOrder(await api<WorkOrder>('POST', path, body));
    } catch (e) {
      setActionError(e);
      load(); // the order may have moved meanwhile: show it as it is now
    } finally {
      setBusy(false);
    }
  };

  if (error !== null) return <ErrorNote error={error} onRetry={load} />;
  if (!order) return <p role="status">{t('loading')}</p>;
  const may = canWorkOn(me);
  const closed = order.status === 'done' || order.status === 'cancelled';
  const moves = (NEXT[order.status] ?? []).filter((to) => me.role !== 'technician' || TECHNICIAN_MOVES.includes(to));
  const site = sites.find((s) => s.id === order.siteId);

  return (
    <section aria-labelledby="work-order-title" className="work-order">
      <p><Link href="/work-orders">{t('backToWorkOrders')}</Link></p>
      <h1 id="work-order-title">{t('workOrderTitle', { title: order.title })}</h1>
      <dl className="facts">
        <dt>{t('status')}</dt><dd><span className="state" data-testid="work-order-status" data-status={order.status}>{tk('wo', order.status)}</span></dd>
        <dt>{t('site')}</dt><dd>{site ? `${site.name} (${site.code})` : ''}</dd>
        {order.dueAt && <><dt>{t('due')}</dt><dd>{date(order.dueAt)}</dd></>}
      </dl>
      {actionError !== null && <ActionError error={actionError} />}
      {!may && <p className="note">{t('noPermission')}</p>}
      {may && moves.length > 0 && (
        <div className="status-moves" role="group" aria-label={t('changeStatus')}>
          {moves.map((to) => (
            <button key={to} type="button" className={to === 'cancelled' ? 'danger' : ''} disabled={busy} onClick={() => void act(`/work-orders/${order.id}/status`, { to })}>{tk('to', to)}</button>
          ))}
        </div>
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
                        disabled={busy || !may || closed}
                        onClick={() => void act(`/work-orders/${order.id}/checklist`, { results: [{ itemId: item.id, result: r }] })}>
                        {tk('result', r)}
                      </button>
                    ))}
                  </div>
                </fieldset>
              </li>
            );
          })}
        </ol>
      )}
    </section>
  );
}
