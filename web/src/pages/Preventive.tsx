// Preventive maintenance: the plans, and the tasks coming due under them, each with why its due date is
// what it is (the template's interval shortened or stretched by usage and the site's environment).
// Operators order a plan's due technician work as work orders, one per site visit.
import { useCallback, useEffect, useState } from 'react';
import { invalidate, useApiGet } from '../query.ts';
import { api, type Me, type Page, type WorkOrderSummary } from '../api.ts';
import { useAction } from '../action.ts';
import { ActionError, ErrorNote } from '../App.tsx';
import { SelectField } from '../Field.tsx';
import { browserTimeZone, number } from '../format.ts';
import { useI18n, type I18n } from '../i18n.tsx';
import { can } from '../permissions.ts';
import { Link } from '../router.tsx';
import { siteAndViewerTime } from '../whose-time.ts';
import { useSites } from './Terminals.tsx';

interface PlanSummary {
  id: string;
  name: string;
  templateIds: string[];
  schedule: string;
  startAt: string;
  createdBy: string;
  createdAt: string;
  tasks: number;
  overdue: number;
  dueWithin7Days: number;
  ordered: number;
}

interface DueReason { factor: string; value: number; reason: string }

interface DueTask {
  terminalId: string;
  serialNumber: string;
  siteId: string | null;
  siteName: string | null;
  templateId: string;
  templateName: { 'zh-CN': string; en: string };
  /** Who does it: a technician if any of its tasks needs one, else PosFleet remotely, else the merchant's staff. */
  performer: 'merchant' | 'technician' | 'remote';
  dueAt: string;
  baseDays: number;
  effectiveDays: number;
  anchor: string;
  lastDueAt: string | null;
  lastDoneAt: string | null;
  why: DueReason[];
  workOrderId: string | null;
}

const DAY = 86_400_000;
/** How far ahead the due list looks; null: every task of the plan. */
const HORIZONS = [7, 30, 90, null] as const;

export function PreventivePage({ me }: { me: Me }) {
  const { t } = useI18n();
  const list = useApiGet<{ items: PlanSummary[] }>('/preventive/plans');
  const plans = list.data?.items ?? null;
  const error = list.error;
  const [planId, setPlanId] = useState<string>('');
  const load = () => void list.refetch();
  // Ordering moves due tasks onto work orders: the plans' counts and the work-order lists change.
  const ordered = () => { void invalidate('/preventive'); void invalidate('/work-orders?'); };

  return (
    <section aria-labelledby="preventive-title" className="preventive">
      <h1 id="preventive-title">{t('preventive')}</h1>
      <p className="lead">{t('preventiveLead')}</p>
      {error ? <ErrorNote error={error} onRetry={load} />
        : plans === null ? <p role="status">{t('loading')}</p>
          : plans.length === 0 ? <p>{t('noPlans')}</p>
            : <Plans plans={plans} me={me} selected={planId} onSelect={setPlanId} onOrdered={ordered} />}
      {plans !== null && plans.length > 0 && <DueTasks plans={plans} planId={planId} onPlan={setPlanId} />}
    </section>
  );
}

function Plans({ plans, me, selected, onSelect, onOrdered }: { plans: PlanSummary[]; me: Me; selected: string; onSelect(id: string): void; onOrdered(): void }) {
  const { t, tk, date, locale } = useI18n();
  const action = useAction();
  const mayOrder = can(me, 'workorders:write');
  const [outcome, setOutcome] = useState<OrderOutcome | null>(null);
  const order = (plan: PlanSummary) => action.run(async () => {
    setOutcome(null);
    // The technician work due within the coming week, one work order per site visit.
    const answer = await api<OrderOutcome>('POST', `/preventive/plans/${encodeURIComponent(plan.id)}/work-orders`, { until: new Date(Date.now() + 7 * DAY).toISOString() });
    onOrdered();
    setOutcome(answer);
    return answer.items.length > 0 ? t('pvOrdered', { count: answer.items.length, tasks: answer.tasksOrdered, plan: plan.name }) : t('pvNothingOrdered', { plan: plan.name });
  });
  return (
    <>
      <h2 id="plans-title">{t('plans')}</h2>
      <div className="table-wrap">
        <table aria-labelledby="plans-title">
          <thead>
            <tr>
              <th scope="col">{t('plan')}</th><th scope="col" className="wide">{t('schedule')}</th>
              <th scope="col">{t('dueTasks')}</th><th scope="col">{t('overdue')}</th><th scope="col">{t('dueWithin7Days')}</th>
              <th scope="col" className="wide">{t('ordered')}</th><th scope="col" className="wide">{t('created')}</th>
              {mayOrder && <th scope="col"><span className="sr-only">{t('orderDueWork')}</span></th>}
            </tr>
          </thead>
          <tbody>
            {plans.map((p) => (
              <tr key={p.id} aria-selected={p.id === selected}>
                <td>
                  <button type="button" className="link" aria-pressed={p.id === selected} onClick={() => onSelect(p.id === selected ? '' : p.id)}>{p.name}</button>
                </td>
                <td className="wide">{tk('schedule', p.schedule)}</td>
                <td>{number(p.tasks, locale)}</td>
                <td><span className={p.overdue > 0 ? 'count bad' : 'count'}>{number(p.overdue, locale)}</span></td>
                <td>{number(p.dueWithin7Days, locale)}</td>
                <td className="wide">{number(p.ordered, locale)}</td>
                <td className="wide">{date(p.createdAt)}</td>
                {mayOrder && (
                  <td>
                    <button type="button" className="secondary" disabled={action.busy} onClick={() => void order(p)} aria-label={t('orderDueWorkOf', { plan: p.name })}>{t('orderDueWork')}</button>
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <div aria-live="polite" data-testid="order-outcome">
        {action.done && <p className="note ok" role="status">{action.done}</p>}
        {outcome && <OrderExplained outcome={outcome} />}
      </div>
      {action.error !== null && <ActionError error={action.error} />}
    </>
  );
}

/** What "order due work" answered: work orders created, and why the plan's other tasks got none. */
interface OrderOutcome {
  items: WorkOrderSummary[];
  tasksOrdered: number;
  skipped: { reason: string; tasks: number; firstDueAt: string | null }[];
  noTechnicianInRegion: { siteId: string; siteName: string; workOrderId: string }[];
}

function OrderExplained({ outcome }: { outcome: OrderOutcome }) {
  const { t, tk, date } = useI18n();
  return (
    <div className="note">
      {outcome.skipped.length > 0 && (
        <>
          <p>{t('pvWhyNot')}</p>
          <ul data-testid="order-skipped">
            {outcome.skipped.map((s) => (
              <li key={s.reason} data-reason={s.reason}>{tk('pvSkip', s.reason).replace('{count}', String(s.tasks)).replace('{date}', date(s.firstDueAt))}</li>
            ))}
          </ul>
        </>
      )}
      {outcome.noTechnicianInRegion.map((u) => (
        <p key={u.workOrderId} data-testid="order-uncovered">
          {t('pvNoTechnician', { site: u.siteName })} <Link href={`/work-orders/${encodeURIComponent(u.workOrderId)}`}>{t('pvOpenOrder')}</Link>
        </p>
      ))}
    </div>
  );
}

function DueTasks({ plans, planId, onPlan }: { plans: PlanSummary[]; planId: string; onPlan(id: string): void }) {
  const { t, tk, locale } = useI18n();
  const sites = useSites();
  const [siteId, setSiteId] = useState('');
  const [horizon, setHorizon] = useState<(typeof HORIZONS)[number]>(30);
  const [tasks, setTasks] = useState<DueTask[] | null>(null);
  const [next, setNext] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  // Taken once per filter change, so "now" and the horizon do not move while paging.
  const [before, setBefore] = useState<string | null>(null);

  const fetchPage = useCallback((cursor: string | null, until: string | null) => {
    const query = new URLSearchParams({ limit: '100' });
    if (planId) query.set('planId', planId);
    if (siteId) query.set('siteId', siteId);
    if (until) query.set('before', until);
    if (cursor) query.set('cursor', cursor);
    return api<Page<DueTask>>('GET', `/preventive/due?${query.toString()}`);
  }, [planId, siteId]);

  useEffect(() => {
    const until = horizon === null ? null : new Date(Date.now() + horizon * DAY).toISOString();
    setBefore(until);
    setTasks(null);
    setError(null);
    let stale = false;
    fetchPage(null, until)
      .then((p) => { if (!stale) { setTasks(p.items); setNext(p.nextCursor); } })
      .catch((e: unknown) => { if (!stale) setError(e); });
    return () => { stale = true; };
  }, [fetchPage, horizon]);

  const more = () => {
    if (!next) return;
    fetchPage(next, before).then((p) => { setTasks((ts) => [...(ts ?? []), ...p.items]); setNext(p.nextCursor); }).catch((e: unknown) => setError(e));
  };

  const now = Date.now();
  return (
    <>
      <h2 id="due-title">{t('dueTasks')}</h2>
      <form className="filters" onSubmit={(e) => e.preventDefault()} aria-label={t('filters')}>
        <SelectField label={t('plan')} value={planId} onChange={(e) => onPlan(e.target.value)}>
          <option value="">{t('allPlans')}</option>
          {plans.map((p) => <option key={p.id} value={p.id}>{p.name}</option>)}
        </SelectField>
        <SelectField label={t('site')} value={siteId} onChange={(e) => setSiteId(e.target.value)}>
          <option value="">{t('allSites')}</option>
          {sites.map((s) => <option key={s.id} value={s.id}>{s.name}</option>)}
        </SelectField>
        <SelectField label={t('dueBefore')} value={horizon === null ? '' : String(horizon)} onChange={(e) => setHorizon(e.target.value ? (Number(e.target.value) as 7 | 30 | 90) : null)}>
          {HORIZONS.map((h) => <option key={h ?? 'all'} value={h ?? ''}>{h === null ? t('anyTime') : t('nextDays', { days: h })}</option>)}
        </SelectField>
      </form>
      {error !== null ? <ErrorNote error={error} />
        : tasks === null ? <p role="status">{t('loading')}</p>
          : tasks.length === 0 ? <p>{t('noDueTasks')}</p> : (
            <ol className="due-list" aria-labelledby="due-title">
              {tasks.map((task) => {
                const timeZone = sites.find((s) => s.id === task.siteId)?.timeZone;
                const overdue = !task.workOrderId && Date.parse(task.dueAt) < now;
                return (
                  <li key={`${task.terminalId}:${task.templateId}`} className={overdue ? 'due overdue' : 'due'} data-testid="due-task">
                    <div className="due-head">
                      <strong>{task.templateName[locale] || task.templateName.en}</strong>
                      <time dateTime={task.dueAt}>{timeZone ? siteAndViewerTime(task.dueAt, timeZone, browserTimeZone(), locale) : new Date(task.dueAt).toLocaleString(locale)}</time>
                      {overdue && <span className="state" data-status="overdue">{t('overdue')}</span>}
                    </div>
                    <div className="due-where">
                      <Link href={`/terminals/${encodeURIComponent(task.terminalId)}`}>{task.serialNumber}</Link>
                      {task.siteName && <span> · {task.siteName}</span>}
                      <span> · {tk('performer', task.performer === 'merchant' ? 'merchant_staff' : task.performer)}</span>
                      {task.workOrderId && <span> · <Link href={`/work-orders/${encodeURIComponent(task.workOrderId)}`}>{t('workOrder')}</Link></span>}
                    </div>
                    <details>
                      <summary>{t('whyThisDate')}</summary>
                      <Why task={task} />
                    </details>
                  </li>
                );
              })}
            </ol>
          )}
      {next && <button type="button" onClick={more}>{t('loadMore')}</button>}
    </>
  );
}


/** The due date's derivation: the interval, each factor that changed it, and the date it counts from. */
function Why({ task }: { task: DueTask }) {
  const { t, tk, date, locale } = useI18n();
  const from = task.anchor === 'last_completion' ? t('anchorCompletion', { at: date(task.lastDoneAt) })
    : task.anchor === 'last_due' ? t('anchorLastDue', { at: date(task.lastDueAt) }) : t('anchorStart');
  return (
    <ul className="why">
      <li>{t('whyInterval', { base: number(task.baseDays, locale, 1), effective: number(task.effectiveDays, locale, 1) })}</li>
      {task.why.map((w) => (
        <li key={w.factor}>
          {/* A worn part (part:battery) brings the task forward to now: no interval factor to show. */}
          {w.factor.startsWith('part:') ? t('whyPartDue', { part: tk('wornPart', w.factor.slice(5)) })
            : t('whyFactor', { factor: factorLabel(w.factor, t, tk), value: number(w.value, locale, 2) })}
          {locale === 'en' ? ` — ${w.reason}` : ''}
        </li>
      ))}
      <li>{from}</li>
    </ul>
  );
}

function factorLabel(factor: string, t: I18n['t'], tk: I18n['tk']): string {
  const [kind, detail] = factor.split(':');
  if (kind === 'environment') return t('factorEnvironment', { condition: tk('environment', detail ?? '') });
  if (kind === 'usage') return t('factorUsage');
  if (kind === 'minimum') return t('factorMinimum');
  if (kind === 'meter') return tk('meter', detail ?? '');
  return t('factorOther', { factor });
}
