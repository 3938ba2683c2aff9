// Work orders: the list, and one work order's page for the technician on site (phone-sized): its
// checklist answered pass / fail / n.a. item by item, with photos taken at each item, and its status
// moved along the lifecycle.
import { useCallback, useEffect, useId, useState, type ChangeEvent } from 'react';
import { api, ApiError, type ChecklistItem, type ChecklistPhoto, type Me, type WorkOrder, type WorkOrderSummary } from '../api.ts';
import { useAction } from '../action.ts';
import { ActionError, ErrorNote } from '../App.tsx';
import { useI18n, type I18n } from '../i18n.tsx';
import { PhotoError, preparePhoto } from '../photo.ts';
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

  const photoAdded = (itemId: string, photo: ChecklistPhoto) => setOrder((o) => o && {
    ...o, checklist: o.checklist.map((i) => (i.id === itemId ? { ...i, photos: [...i.photos, photo] } : i)),
  });

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
                  <ItemPhotos orderId={order.id} item={item} text={text} canAdd={may && !closed} onAdded={(photo) => photoAdded(item.id, photo)} />
                </fieldset>
              </li>
            );
          })}
        </ol>
      )}
    </section>
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
            {upload.error !== null && <p className="field-error">{photoError(upload.error, i18n)}</p>}
          </div>
        </>
      )}
    </div>
  );
}

function photoError(error: unknown, { t }: I18n): string {
  if (error instanceof PhotoError) return t(error.reason === 'too_large' ? 'photoTooLarge' : 'photoNotImage');
  if (error instanceof ApiError && error.status === 403) return t('noPermission');
  if (error instanceof ApiError && error.status < 500) return t('refused', { message: error.message });
  return t('error', { message: error instanceof Error ? error.message : String(error) });
}

const megabytes = (bytes: number) => `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
