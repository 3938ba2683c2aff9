// Spares and backup terminals: stock per depot (levels below their minimum stand out, in words as well
// as colour), the stock ledger (who moved what, when, why, and what was left), the backup-terminal
// pools, and the chain of custody of terminals taken out of sites for repair. Operators restock;
// people who work on work orders move a terminal's custody along (the server decides every step).
import { useState, type FormEvent } from 'react';
import { invalidate, useApiGet } from '../query.ts';
import { api, type Me } from '../api.ts';
import { useAction } from '../action.ts';
import { ActionError, ErrorNote } from '../App.tsx';
import { errorFor, InputField, SelectField, unplaced } from '../Field.tsx';
import { useI18n } from '../i18n.tsx';
import { can } from '../permissions.ts';
import { Link } from '../router.tsx';

interface Depot { id: string; code: string; name: string; region: string | null; parts: number; lowParts: number }
interface Part { id: string; depot: string; sku: string; name: string; quantity: number; minimum: number; belowMinimum: boolean; lowSince: string | null }
interface LedgerEntry {
  id: string; partId: string; sku: string; depot: string; kind: string | null; quantity: number; balance: number | null;
  reason: string | null; by: string; at: string; workOrderId: string | null;
}
interface Pool { id: string; code: string; name: string; depotId: string | null; siteId: string | null; terminals: { terminalId: string; serialNumber: string }[] }
interface Custody {
  id: string; terminalId: string; serialNumber: string; workOrderId: string; state: string; next: string[];
  steps: { from: string | null; to: string; by: string; at: string; note: string | null }[];
}

interface SparesData { depots: Depot[]; parts: Part[]; ledger: LedgerEntry[]; pools: Pool[]; custody: Custody[] }

export function SparesPage({ me }: { me: Me }) {
  const { t } = useI18n();
  const depots = useApiGet<{ items: Depot[] }>('/depots');
  const parts = useApiGet<{ items: Part[] }>('/spare-parts');
  const ledger = useApiGet<{ items: LedgerEntry[] }>('/stock-ledger?limit=50');
  const pools = useApiGet<{ items: Pool[] }>('/backup-pools');
  const custody = useApiGet<{ items: Custody[] }>('/custody?open=true');
  const queries = [depots, parts, ledger, pools, custody];
  const error = queries.find((q) => q.error)?.error ?? null;
  const data: SparesData | null = depots.data && parts.data && ledger.data && pools.data && custody.data
    ? { depots: depots.data.items, parts: parts.data.items, ledger: ledger.data.items, pools: pools.data.items, custody: custody.data.items }
    : null;
  const load = () => { for (const q of queries) if (q.error) void q.refetch(); };
  // A restock or a custody step moves stock, the ledger, a pool and the custody list.
  const changed = async () => { await Promise.all(['/spare-parts', '/stock-ledger', '/backup-pools', '/custody'].map(invalidate)); };

  return (
    <section aria-labelledby="spares-title" className="spares">
      <h1 id="spares-title">{t('sparesTitle')}</h1>
      {error ? <ErrorNote error={error} onRetry={load} />
        : data === null ? <p role="status">{t('loading')}</p> : (
          <>
            <Stock data={data} me={me} onChanged={changed} />
            <Ledger entries={data.ledger} />
            <Pools pools={data.pools} depots={data.depots} />
            <CustodyList custody={data.custody} pools={data.pools} me={me} onChanged={changed} />
          </>
        )}
    </section>
  );
}

function Stock({ data, me, onChanged }: { data: SparesData; me: Me; onChanged(): void }) {
  const { t } = useI18n();
  const [depot, setDepot] = useState('');
  const [lowOnly, setLowOnly] = useState(false);
  const shown = data.parts.filter((p) => (!depot || p.depot === depot) && (!lowOnly || p.belowMinimum));
  const low = data.parts.filter((p) => p.belowMinimum).length;
  return (
    <>
      <h2 id="stock-title">{t('sparesStock')}</h2>
      <p className={low ? 'note error' : 'note'} role="status">{low ? t('sparesLowCount', { n: low }) : t('sparesNoneLow')}</p>
      <form className="filters" onSubmit={(e) => e.preventDefault()} aria-label={t('filters')}>
        <SelectField label={t('sparesDepot')} value={depot} onChange={(e) => setDepot(e.target.value)}>
          <option value="">{t('sparesAllDepots')}</option>
          {data.depots.map((d) => <option key={d.id} value={d.code}>{d.name === d.code ? d.code : `${d.name} (${d.code})`}</option>)}
        </SelectField>
        <label className="inline"><input type="checkbox" checked={lowOnly} onChange={(e) => setLowOnly(e.target.checked)} /> {t('sparesLowOnly')}</label>
      </form>
      {shown.length === 0 ? <p>{t('sparesNoStock')}</p> : (
        <div className="table-wrap">
          <table aria-labelledby="stock-title">
            <thead>
              <tr>
                <th scope="col">{t('sparesPart')}</th><th scope="col">{t('sparesDepot')}</th>
                <th scope="col">{t('sparesLevel')}</th><th scope="col" className="wide">{t('sparesMinimum')}</th>
              </tr>
            </thead>
            <tbody>
              {shown.map((p) => (
                <tr key={p.id} className={p.belowMinimum ? 'low' : undefined}>
                  <td>{p.name} <span className="muted">{p.sku}</span></td>
                  <td>{p.depot}</td>
                  <td>
                    {p.quantity}
                    {p.belowMinimum && <> <span className="badge badge-locked">{t('sparesBelowMinimum', { minimum: p.minimum })}</span></>}
                  </td>
                  <td className="wide">{p.minimum}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {can(me, 'workorders:write') && data.parts.length > 0 && <Restock parts={data.parts} onDone={onChanged} />}
    </>
  );
}

function Restock({ parts, onDone }: { parts: Part[]; onDone(): void }) {
  const { t } = useI18n();
  const action = useAction();
  const [partId, setPartId] = useState(parts[0]?.id ?? '');
  const [quantity, setQuantity] = useState('');
  const [reason, setReason] = useState('');
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const part = parts.find((p) => p.id === partId);
    void action.run(async () => {
      const saved = await api<Part>('POST', `/spare-parts/${encodeURIComponent(partId)}/restock`, { quantity: Number(quantity), ...(reason.trim() && { reason: reason.trim() }) });
      setQuantity('');
      setReason('');
      onDone();
      return t('sparesRestocked', { name: part?.name ?? '', depot: saved.depot, quantity: saved.quantity });
    });
  };
  return (
    <form className="card" onSubmit={submit} aria-labelledby="restock-title" noValidate>
      <h3 id="restock-title">{t('sparesRestock')}</h3>
      <SelectField label={t('sparesPart')} value={partId} onChange={(e) => setPartId(e.target.value)}>
        {parts.map((p) => <option key={p.id} value={p.id}>{`${p.name} (${p.sku}), ${p.depot}`}</option>)}
      </SelectField>
      <InputField label={t('sparesQuantity')} type="number" inputMode="numeric" min={1} required value={quantity} onChange={(e) => setQuantity(e.target.value)}
        error={errorFor(action.error, 'quantity')} />
      <InputField label={t('sparesReason')} value={reason} maxLength={2000} onChange={(e) => setReason(e.target.value)} error={errorFor(action.error, 'reason')} />
      <button type="submit" disabled={action.busy || !partId}>{t('sparesRestock')}</button>
      <div aria-live="polite">
        {action.done && <p className="hint">{action.done}</p>}
        {unplaced(action.error, ['quantity', 'reason']) && <ActionError error={action.error} />}
      </div>
    </form>
  );
}

function Ledger({ entries }: { entries: LedgerEntry[] }) {
  const { t, tk, date } = useI18n();
  return (
    <>
      <h2 id="ledger-title">{t('sparesLedger')}</h2>
      {entries.length === 0 ? <p>{t('sparesNoMoves')}</p> : (
        <div className="table-wrap">
          <table aria-labelledby="ledger-title">
            <thead>
              <tr>
                <th scope="col">{t('sparesWhen')}</th><th scope="col">{t('sparesPart')}</th><th scope="col">{t('sparesMove')}</th>
                <th scope="col">{t('sparesChange')}</th><th scope="col" className="wide">{t('sparesLevelAfter')}</th>
                <th scope="col" className="wide">{t('sparesBy')}</th><th scope="col" className="wide">{t('sparesReason')}</th>
              </tr>
            </thead>
            <tbody>
              {entries.map((e) => (
                <tr key={e.id}>
                  <td>{date(e.at)}</td>
                  <td>{e.sku} <span className="muted">{e.depot}</span></td>
                  <td>{e.kind ? tk('move', e.kind) : ''}{e.workOrderId && <> (<Link href={`/work-orders/${e.workOrderId}`}>{t('sparesWorkOrder')}</Link>)</>}</td>
                  <td>{e.quantity > 0 ? `+${e.quantity}` : e.quantity}</td>
                  <td className="wide">{e.balance ?? ''}</td>
                  <td className="wide">{e.by}</td>
                  <td className="wide">{e.reason ?? ''}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}

function Pools({ pools, depots }: { pools: Pool[]; depots: Depot[] }) {
  const { t } = useI18n();
  const depotName = new Map(depots.map((d) => [d.id, d.name]));
  return (
    <>
      <h2 id="pools-title">{t('sparesPools')}</h2>
      {pools.length === 0 ? <p>{t('sparesNoPools')}</p> : (
        <ul className="pools" aria-labelledby="pools-title">
          {pools.map((p) => (
            <li key={p.id}>
              <strong>{p.name}</strong> <span className="muted">{p.code}</span>{' '}
              {p.depotId ? t('sparesAtDepot', { depot: depotName.get(p.depotId) ?? '' }) : t('sparesAtSite')}
              {': '}
              {p.terminals.length === 0 ? t('sparesPoolEmpty') : t('sparesPoolSpares', { n: p.terminals.length })}
              {p.terminals.length > 0 && (
                <ul>
                  {p.terminals.map((x) => <li key={x.terminalId}><Link href={`/terminals/${x.terminalId}`}>{x.serialNumber}</Link></li>)}
                </ul>
              )}
            </li>
          ))}
        </ul>
      )}
    </>
  );
}

function CustodyList({ custody, pools, me, onChanged }: { custody: Custody[]; pools: Pool[]; me: Me; onChanged(): void }) {
  const { t } = useI18n();
  return (
    <>
      <h2 id="custody-title">{t('sparesCustody')}</h2>
      {custody.length === 0 ? <p>{t('sparesNoCustody')}</p> : (
        <ul className="custody" aria-labelledby="custody-title">
          {custody.map((c) => <CustodyItem key={c.id} custody={c} pools={pools} mayStep={can(me, 'workorders:update')} onChanged={onChanged} />)}
        </ul>
      )}
    </>
  );
}

function CustodyItem({ custody, pools, mayStep, onChanged }: { custody: Custody; pools: Pool[]; mayStep: boolean; onChanged(): void }) {
  const { t, tk, date } = useI18n();
  const action = useAction();
  const [poolId, setPoolId] = useState(pools[0]?.id ?? '');
  const last = custody.steps.at(-1);
  const step = (to: string) => void action.run(async () => {
    await api('POST', `/custody/${encodeURIComponent(custody.id)}/steps`, { to, ...(to === 'back_in_pool' && { poolId }) });
    onChanged();
    return t('sparesStepped', { serial: custody.serialNumber, state: tk('custody', to) });
  });
  return (
    <li className="card">
      <p>
        <Link href={`/terminals/${custody.terminalId}`}>{custody.serialNumber}</Link>{' '}
        <span className="state" data-status={custody.state}>{tk('custody', custody.state)}</span>{' '}
        {last && <span className="muted">{t('sparesSince', { at: date(last.at), by: last.by })}</span>}{' '}
        <Link href={`/work-orders/${custody.workOrderId}`}>{t('sparesWorkOrder')}</Link>
      </p>
      <ol className="steps" aria-label={t('sparesStepsOf', { serial: custody.serialNumber })}>
        {custody.steps.map((s, i) => <li key={i}>{tk('custody', s.to)}: {date(s.at)}, {s.by}{s.note ? ` (${s.note})` : ''}</li>)}
      </ol>
      {mayStep && custody.next.length > 0 && (
        <div className="status-moves" role="group" aria-label={t('sparesNextStep', { serial: custody.serialNumber })}>
          {custody.next.includes('back_in_pool') && pools.length > 0 && (
            <SelectField label={t('sparesBackTo')} value={poolId} onChange={(e) => setPoolId(e.target.value)}>
              {pools.map((p) => <option key={p.id} value={p.id}>{p.name}</option>)}
            </SelectField>
          )}
          {custody.next.map((to) => (
            <button key={to} type="button" className={to === 'scrapped' ? 'danger' : ''} disabled={action.busy || (to === 'back_in_pool' && !poolId)} onClick={() => step(to)}>
              {tk('toCustody', to)}
            </button>
          ))}
        </div>
      )}
      <div aria-live="polite">
        {action.done && <p className="hint">{action.done}</p>}
        {action.error !== null && <ActionError error={action.error} />}
      </div>
    </li>
  );
}
