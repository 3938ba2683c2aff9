// Incidents: the faults the heartbeat rules (and people) opened, the worst first and, among equals, the
// one waiting longest; filtered by status, severity, rule, site, merchant, terminal and age, kept in the
// address so the overview's numbers open a filtered list. Acknowledge and resolve for roles that may,
// the troubleshooting guide walked step by step right under the incident it was opened from, and the
// incident's logs and screenshots (asked for, listed, downloaded) under it too.
import { Fragment, useCallback, useEffect, useRef, useState } from 'react';
import { allPages, api, query, type GuideRun, type Incident, type Me, type Merchant, type Page } from '../api.ts';
import { RULE_LABELS } from '../../../src/diagnostics/rule-labels.ts';
import { useRouter } from '../router.tsx';
import { ActionError, ErrorNote } from '../App.tsx';
import { SelectField } from '../Field.tsx';
import { useI18n } from '../i18n.tsx';
import type { LiveState } from '../live.ts';
import { Link } from '../router.tsx';
import { useSites } from './Terminals.tsx';
import { HealthScoreCard, ScoreBadge, useTerminalScores } from './HealthScore.tsx';
import { AssistanceFiles } from './RemoteAssistance.tsx';
import { SavedViews } from '../SavedViews.tsx';
import { SAVED_VIEW_PAGES } from '../../../src/saved-views/saved-views.rules.ts';

const STATUSES = ['unresolved', 'open', 'acknowledged', 'resolved', 'all'] as const;
type StatusFilter = (typeof STATUSES)[number];
const SEVERITIES = ['critical', 'high', 'medium', 'low'] as const;
/** Ages an operator asks about: older than an hour, a shift, a day, a week. */
const AGES = [1, 8, 24, 168] as const;
const FILTERS = SAVED_VIEW_PAGES.incidents;

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
  const [merchants, setMerchants] = useState<Merchant[]>([]);
  useEffect(() => { allPages<Merchant>('/merchants').then(setMerchants).catch(() => setMerchants([])); }, []);
  const [items, setItems] = useState<Incident[] | null>(null);
  const [loadError, setLoadError] = useState<unknown>(null);
  const [actionError, setActionError] = useState<unknown>(null);
  const [run, setRun] = useState<GuideRun | null>(null);
  /** The incident whose logs and screenshots are open under its row. */
  const [assistFor, setAssistFor] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const may = canHandleIncidents(me);
  /** Bumped by every load, so the scores follow what the list shows. */
  const [loaded, setLoaded] = useState(0);
  const scores = useTerminalScores(loaded);

  const load = useCallback(() => {
    setLoadError(null);
    api<Page<Incident>>('GET', `/incidents${query({ ...filters, status: status === 'all' ? undefined : status, sort: 'severity', limit: 200 })}`)
      .then((p) => { setItems(p.items); setLoaded((n) => n + 1); })
      .catch((e: unknown) => setLoadError(e));
  }, [filterKey]);
  useEffect(load, [load]);

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
  const post = (path: string) => act(async () => { await api('POST', path, {}); load(); });
  const startGuide = (incident: Incident) => act(async () => {
    setRun(await api<GuideRun>('POST', '/guide-runs', { incidentId: incident.id, locale }));
  });
  const answer = (stepId: string, outcome: string) => act(async () => {
    if (!run) return;
    const next = await api<GuideRun>('POST', `/guide-runs/${run.id}/answers`, { stepId, outcome });
    setRun(next);
    if (next.status !== 'running') load();
  });

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
      {/* A guide whose incident left the list (resolved by it) stays in sight where the list begins. */}
      {run && !items?.some((i) => i.id === run.incidentId) && <GuidePanel run={run} serial={serial(run.terminalId)} busy={busy} onAnswer={answer} onClose={() => setRun(null)} />}
      {loadError !== null ? <ErrorNote error={loadError} onRetry={load} />
        : items === null ? <p role="status">{t('loading')}</p>
          : items.length === 0 ? <p>{t('noIncidents')}</p> : (
            <div className="table-wrap">
              <table aria-labelledby="incidents-title">
                <thead>
                  <tr>
                    <th scope="col">{t('severity')}</th><th scope="col">{t('rule')}</th><th scope="col">{t('serialNumber')}</th><th scope="col">{t('terminalScore')}</th>
                    <th scope="col" className="wide">{t('site')}</th><th scope="col" className="wide">{t('firstSeen')}</th><th scope="col">{t('lastSeenAt')}</th>
                    <th scope="col">{t('status')}</th>{may && <th scope="col">{t('actions')}</th>}
                  </tr>
                </thead>
                <tbody>
                  {items.map((i) => {
                    const name = `${i.title[locale]} ${serial(i.terminalId)}`.trim();
                    return (
                      <Fragment key={i.id}>
                      <tr data-incident={i.id}>
                        <td><span className={`sev sev-${i.severity}`}>{tk('sev', i.severity)}</span></td>
                        <td>{i.title[locale] || i.rule}</td>
                        <td>{i.terminalId ? <Link href={`/terminals/${i.terminalId}`}>{serial(i.terminalId)}</Link> : ''}</td>
                        <td>{i.terminalId ? <ScoreBadge score={scores.get(i.terminalId) ?? 100} /> : ''}</td>
                        <td className="wide">{i.siteId ? siteName.get(i.siteId) ?? '' : ''}</td>
                        <td className="wide">{date(i.firstSeenAt)}</td>
                        <td>{date(i.lastSeenAt)}</td>
                        <td><span className="state" data-status={i.status}>{tk('inc', i.status)}</span></td>
                        {may && (
                          <td className="actions">
                            {i.status === 'open' && <button type="button" disabled={busy} aria-label={`${t('acknowledge')} ${name}`} onClick={() => void post(`/incidents/${i.id}/acknowledge`)}>{t('acknowledge')}</button>}
                            {i.status !== 'resolved' && <button type="button" disabled={busy} aria-label={`${t('resolve')} ${name}`} onClick={() => void post(`/incidents/${i.id}/resolve`)}>{t('resolve')}</button>}
                            {i.status !== 'resolved' && i.guideId && i.terminalId && (
                              <button type="button" disabled={busy} aria-label={`${t('troubleshoot')} ${name}`} onClick={() => void startGuide(i)}>{t('troubleshoot')}</button>
                            )}
                            {i.terminalId && (
                              <button type="button" className="secondary" aria-expanded={assistFor === i.id} aria-label={`${t('raOpen')} ${name}`}
                                onClick={() => setAssistFor(assistFor === i.id ? null : i.id)}>{t('raOpen')}</button>
                            )}
                          </td>
                        )}
                      </tr>
                      {assistFor === i.id && i.terminalId && (
                        <tr className="guide-row"><td colSpan={may ? 9 : 8}>
                          <AssistanceFiles terminalId={i.terminalId} incidentId={i.id} me={me} headingLevel={3} />
                        </td></tr>
                      )}
                      {run && run.incidentId === i.id && (
                        <tr className="guide-row"><td colSpan={may ? 9 : 8}>
                          {actionError !== null && <ActionError error={actionError} />}
                          <GuidePanel run={run} serial={serial(run.terminalId)} busy={busy} onAnswer={answer} onClose={() => setRun(null)} />
                        </td></tr>
                      )}
                      </Fragment>
                    );
                  })}
                </tbody>
              </table>
            </div>
          )}
      <HealthScoreCard query="" what={t('healthScoreFleet')} reload={String(loaded)} />
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
