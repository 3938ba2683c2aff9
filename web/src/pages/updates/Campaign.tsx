// One campaign: its state and current wave, each wave's installs as a progress bar with the counts in
// words, why it halted with the figures that made it halt, the terminals the filter matched but the
// package may not go to, and every terminal's install with the feedback it sent. The page refreshes
// whenever the live stream says the campaign's installs moved (every few seconds while the stream is
// down), so progress shows without reloading. Roles with rollouts:write pause, resume, cancel and roll back,
// each after a confirmation.
import { useCallback, useEffect, useState } from 'react';
import { allPages, api, query, type Campaign, type CampaignSummary, type Me, type MetricComparison, type Page, type PaymentsVerdict, type RolloutAction, type Wave } from '../../api.ts';
import { useAction } from '../../action.ts';
import { ActionError, ErrorNote } from '../../App.tsx';
import { ConfirmDialog } from '../../Dialog.tsx';
import { errorFor, InputField, SelectField, unplaced } from '../../Field.tsx';
import { browserTimeZone, dateTimeIn, number } from '../../format.ts';
import { useI18n } from '../../i18n.tsx';
import type { LiveState } from '../../live.ts';
import { can } from '../../permissions.ts';
import { Link, useRouter } from '../../router.tsx';
import { say } from '../../../../src/shared/messages/said.ts';
import { useMerchants } from '../Calendar.tsx';
import { CampaignChange } from '../ConfigurationChanges.tsx';
import { waitingLine } from '../Maintenance.tsx';
import { useSites } from '../Terminals.tsx';
import { ActionBadge, CampaignBadge, describeFilter, percent, useModels, usePolling, WaveBadge, WaveProgress } from './shared.tsx';

const ACTION_STATES = ['queued', 'scheduled', 'downloading', 'downloaded', 'installing', 'installed', 'succeeded', 'failed', 'skipped', 'cancelled'] as const;
const FINAL = ['completed', 'cancelled'];
const PAGE_SIZE = 25;
const POLL_MS = 3000;

/**
 * The server's reason in the reader's language, from the catalogue's key and parameters it kept beside its
 * English text; null when it kept none (a campaign from before) or the key is not in this dashboard's catalogue.
 */
function said(locale: 'zh-CN' | 'en', key: string | null | undefined, params: Record<string, unknown> | null | undefined): string | null {
  return key ? say(locale, { key, params }) : null;
}

const isPayments = (f: unknown): f is PaymentsVerdict => typeof f === 'object' && f !== null && Array.isArray((f as { metrics?: unknown }).metrics);
const isInstalls = (f: unknown): f is { failureRate: number; actions: Record<string, number> } =>
  typeof f === 'object' && f !== null && typeof (f as { failureRate?: unknown }).failureRate === 'number' && typeof (f as { actions?: unknown }).actions === 'object';

export function CampaignPage({ id, me, live }: { id: string; me: Me; live: LiveState }) {
  const { t, tk, date, time, locale } = useI18n();
  const sites = useSites();
  const merchants = useMerchants();
  const models = useModels();
  const [campaign, setCampaign] = useState<Campaign | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [checkedAt, setCheckedAt] = useState<string | null>(null);
  const load = useCallback(() => {
    api<Campaign>('GET', `/campaigns/${encodeURIComponent(id)}`)
      .then((c) => { setCampaign(c); setError(null); setCheckedAt(new Date().toISOString()); })
      .catch((e: unknown) => setError(e));
  }, [id]);
  useEffect(load, [load]);
  // The live stream carries this campaign's installs while it is in progress (and drops it once it
  // ends): look at the campaign again whenever they move. Without the stream, look every few seconds.
  const moved = live.campaigns === null ? null : JSON.stringify(live.campaigns.find((c) => c.id === id) ?? null);
  useEffect(() => { if (moved !== null) load(); }, [moved, load]);
  usePolling(load, POLL_MS, live.status !== 'live' || live.campaigns === null);

  const rolledBackBy = useRolledBackBy(campaign);
  // Which waves' figures are open, kept here rather than in each <details>: a live update that draws a
  // wave afresh leaves them as the user left them.
  const [figuresOpen, setFiguresOpen] = useState<ReadonlySet<number>>(new Set());
  const toggleFigures = useCallback((wave: number, open: boolean) => setFiguresOpen((was) => {
    if (was.has(wave) === open) return was;
    const next = new Set(was);
    if (open) next.add(wave); else next.delete(wave);
    return next;
  }), []);

  if (!campaign) {
    return (
      <section aria-labelledby="campaign-title">
        <p><Link href="/updates">{t('backToUpdates')}</Link></p>
        <h1 id="campaign-title">{t('campaign')}</h1>
        {error !== null ? <ErrorNote error={error} onRetry={load} /> : <p role="status">{t('loading')}</p>}
      </section>
    );
  }
  const s = campaign.settings;
  const waves = campaign.waves.length;
  const active = !FINAL.includes(campaign.state);
  // Changes whenever any install moves: the actions list refreshes with it.
  const progressKey = `${campaign.state}|${campaign.updatedAt}|${JSON.stringify(campaign.waves.map((w) => w.actions))}`;
  const excluded = Object.entries(campaign.excluded).filter(([, n]) => n > 0);

  return (
    <section aria-labelledby="campaign-title" className="campaign">
      <p><Link href="/updates">{t('backToUpdates')}</Link></p>
      <h1 id="campaign-title">{t('campaignTitle', { name: campaign.name })}</h1>
      <p className="mode-line" data-testid="campaign-status">
        <CampaignBadge state={campaign.state} />
        <span>{active ? t('waveOf', { wave: Math.min(campaign.currentWave, waves), waves }) : t('wavesCount', { count: waves })}</span>
        <span className="muted">{checkedAt && t('checkedAt', { at: time(checkedAt) })}</span>
      </p>
      {/* Said once when the state changes, not at every refresh. */}
      <p className="sr-only" aria-live="polite">{t('campaignStateIs', { state: tk('cstate', campaign.state) })}</p>
      {error !== null && <ErrorNote error={error} onRetry={load} />}
      {rolledBackBy && <p className="note">{t('rolledBackBy')} <Link href={`/updates/campaigns/${rolledBackBy.id}`}>{rolledBackBy.name}</Link></p>}
      {can(me, 'rollouts:write') && (
        <CampaignControls campaign={campaign} rolledBack={!!rolledBackBy} onChanged={(c) => { setCampaign(c); setCheckedAt(new Date().toISOString()); }} />
      )}
      {campaign.halt && <HaltCard campaign={campaign} />}

      <dl className="facts campaign-facts">
        <dt>{t('package')}</dt>
        {campaign.package.kind === 'configuration' && campaign.package.name === 'posfleet.configuration'
          ? <dd>{tk('pkind', 'configuration')}</dd>
          : <dd><Link href={`/updates/packages/${campaign.package.id}`}>{campaign.package.name} {campaign.package.version}</Link> ({tk('pkind', campaign.package.kind)})</dd>}
        {campaign.package.kind === 'configuration' && <CampaignChange changeId={campaign.package.version.replace(/:before$/, '')} />}
        <dt>{t('targetFilter')}</dt><dd>{describeFilter(campaign.filter, { sites, merchants, models }, t)}</dd>
        <dt>{t('wavePlan')}</dt><dd>{s.waves.map((w) => percent(w / 100, locale, 2)).join(' → ')}</dd>
        <dt>{t('maxFailureRate')}</dt><dd>{percent(s.maxFailureRate, locale)}</dd>
        <dt>{t('observeMinutes')}</dt><dd>{s.observeMinutes}</dd>
        <dt>{t('allowDowngrade')}</dt><dd>{s.allowDowngrade ? t('yes') : t('no')}</dd>
        <dt>{t('singleTerminalSites')}</dt><dd>{tk('stsite', s.singleTerminalSites ?? 'hold')}{s.singleTerminalSitesReason && <div className="muted break">{s.singleTerminalSitesReason}</div>}</dd>
        {campaign.rollbackOf && <><dt>{t('rollbackOf')}</dt><dd><Link href={`/updates/campaigns/${campaign.rollbackOf}`}>{t('openCampaign')}</Link></dd></>}
        <dt>{t('created')}</dt><dd>{date(campaign.createdAt)} · {campaign.createdBy}</dd>
        {campaign.endedAt && <><dt>{t('ended')}</dt><dd>{date(campaign.endedAt)}</dd></>}
      </dl>

      <h2 id="waves-title">{t('waves')}</h2>
      <ol className="waves" aria-labelledby="waves-title">
        {campaign.waves.map((w) => (
          <WaveCard key={w.wave} wave={w} current={active && w.wave === campaign.currentWave} figuresOpen={figuresOpen.has(w.wave)} onFigures={toggleFigures} />
        ))}
      </ol>

      <h2 id="excluded-title">{t('excludedTitle')}</h2>
      <p className="muted">{t('excludedHelp')}</p>
      {excluded.length === 0 ? <p>{t('noneExcluded')}</p> : (
        <div className="table-wrap narrow-table">
          <table aria-labelledby="excluded-title">
            <thead><tr><th scope="col">{t('reason')}</th><th scope="col">{t('terminalsCount')}</th></tr></thead>
            <tbody>
              {excluded.map(([reason, n]) => <tr key={reason} data-reason={reason}><td>{tk('excl', reason)}</td><td>{n}</td></tr>)}
            </tbody>
          </table>
        </div>
      )}

      <ActionList campaign={campaign} progressKey={progressKey} />
    </section>
  );
}

/** The campaign that rolled this one back, if any: a rolled-back campaign has ended, so it is looked up only then. */
function useRolledBackBy(campaign: Campaign | null): CampaignSummary | null {
  const [by, setBy] = useState<CampaignSummary | null>(null);
  const id = campaign && FINAL.includes(campaign.state) && !campaign.rollbackOf ? campaign.id : null;
  useEffect(() => {
    if (!id) return;
    let current = true;
    allPages<CampaignSummary>('/campaigns', 1000).then((all) => { if (current) setBy(all.find((c) => c.rollbackOf === id) ?? null); }).catch(() => undefined);
    return () => { current = false; };
  }, [id]);
  return id ? by : null;
}

/** Why the wave waits, in words: the window (its time at the site), the continuity rule, a halt… */
function WaitingLine({ waiting: w }: { waiting: NonNullable<Wave['waiting']> }) {
  const { t, locale } = useI18n();
  const site = w.site?.name ?? '';
  const at = w.at && w.site ? t('wwSiteTime', { time: dateTimeIn(w.at, locale, w.site.timeZone, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }) })
    : w.at ? dateTimeIn(w.at, locale, browserTimeZone(), { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }) : '';
  const text = {
    window: t('wwWindow', { time: at, site, terminals: w.terminals }),
    continuity: t('wwContinuity', { site, terminals: w.terminals }),
    spare: t('wwSpare', { site, terminals: w.terminals }),
    no_room: t('wwNoRoom', { terminals: w.terminals }),
    observing: t('wwObserving', { time: at }),
    halted_payments: t('wwHaltedPayments'),
    halted_installs: t('wwHaltedInstalls'),
    paused: t('wwPaused'),
  }[w.code];
  return <p className="wave-waiting" data-testid="wave-waiting" data-code={w.code}>{text}</p>;
}

function WaveCard({ wave, current, figuresOpen, onFigures }: { wave: Wave; current: boolean; figuresOpen: boolean; onFigures(wave: number, open: boolean): void }) {
  const { t, date, locale } = useI18n();
  const titleId = `wave-${wave.wave}-title`;
  const verdict = wave.verdict;
  const accepted = verdict?.acceptedBy;
  return (
    <li className={`wave card${current ? ' current' : ''}`} data-testid={`wave-${wave.wave}`} aria-labelledby={titleId}>
      <div className="wave-head">
        <h3 id={titleId}>{t('waveTitle', { wave: wave.wave, percent: percent(wave.percent / 100, locale, 2) })}</h3>
        <WaveBadge state={wave.state} />
        <span className="muted">{t('waveTerminals', { count: wave.terminals })}</span>
        {current && <span className="sr-only">{t('currentWave')}</span>}
      </div>
      {wave.waiting && <WaitingLine waiting={wave.waiting} />}
      <WaveProgress actions={wave.actions} label={t('waveCounts', { wave: wave.wave })} />
      {(wave.startedAt || wave.installedAt || wave.endedAt) && (
        <p className="muted wave-times">
          {[wave.startedAt && t('startedAt', { at: date(wave.startedAt) }), wave.installedAt && t('installedAt', { at: date(wave.installedAt) }), wave.endedAt && t('endedAt', { at: date(wave.endedAt) })]
            .filter(Boolean).join(' · ')}
        </p>
      )}
      {verdict && (
        <details className="verdict" open={figuresOpen} onToggle={(e) => onFigures(wave.wave, e.currentTarget.open)}>
          <summary>{t('waveFigures')}</summary>
          {typeof verdict.failureRate === 'number' && <p>{t('failureRate')}: {percent(verdict.failureRate, locale)}</p>}
          {verdict.payments && (verdict.payments.judged
            ? <MetricsTable metrics={verdict.payments.metrics} caption={t('paymentsFigures', { wave: wave.wave })} />
            : <p>{t('paymentsNotJudged', { note: said(locale, verdict.payments.noteKey, verdict.payments.noteParams) ?? verdict.payments.note ?? '' })}</p>)}
          {accepted && <p>{t('acceptedBy', { name: accepted })}</p>}
        </details>
      )}
    </li>
  );
}

function HaltCard({ campaign }: { campaign: Campaign }) {
  const { t, date, locale } = useI18n();
  const halt = campaign.halt!;
  const figures = halt.figures;
  const reason = said(locale, halt.reasonKey, halt.reasonParams);
  return (
    <section className="card halt" aria-labelledby="halt-title" data-testid="halt">
      <h2 id="halt-title">{t('haltedAtWave', { wave: halt.wave })}</h2>
      <p className="muted">{t('haltedWhen', { at: date(halt.at) })} {campaign.state === 'halted' && t('haltedWaiting')}</p>
      {isPayments(figures) && <p>{t('haltReasonPayments')}</p>}
      {isInstalls(figures) && <p>{t('haltReasonInstalls', { rate: percent(figures.failureRate, locale), max: percent(campaign.settings.maxFailureRate, locale) })}</p>}
      {isPayments(figures) && <MetricsTable metrics={figures.metrics} caption={t('haltFigures')} />}
      {isInstalls(figures) && <WaveProgress actions={figures.actions} label={t('haltFigures')} />}
      {/* Said from the catalogue in the reader's language; a halt from before it kept a key shows the server's English. */}
      {reason !== null
        ? <p className="halt-reason" data-testid="halt-reason">{reason}</p>
        : <p className="server-words"><span className="muted">{t('serverWords')}</span> {halt.reason}</p>}
    </section>
  );
}

/** The payments comparison: updated terminals against comparable ones still on the old version. */
function MetricsTable({ metrics, caption }: { metrics: MetricComparison[]; caption: string }) {
  const { t, tk, locale } = useI18n();
  const isRate = (m: MetricComparison) => m.metric !== 'reboots_per_terminal_hour';
  const value = (m: MetricComparison, x: number) => (isRate(m) ? percent(x, locale, 2) : number(x, locale, 2));
  const signed = (x: number, text: string) => (x > 0 ? `+${text}` : text);
  const columns = [t('metric'), t('updatedTerminals'), t('comparisonTerminals'), t('difference'), t('zScore'), t('worse')];
  const difference = (m: MetricComparison) => (isRate(m)
    ? t('percentPoints', { value: signed(m.difference, number(m.difference * 100, locale, 2)) })
    : signed(m.difference, number(m.difference, locale, 2)));
  return (
    <div className="table-wrap">
      {/* Explicit roles: on a phone the rows are stacked as cards (CSS), which must not cost the table its semantics. */}
      <table className="metrics wrap-head" role="table">
        <caption>{caption}</caption>
        <thead role="rowgroup">
          <tr role="row">
            {columns.map((c) => <th key={c} scope="col" role="columnheader">{c}</th>)}
          </tr>
        </thead>
        <tbody role="rowgroup">
          {metrics.map((m) => (
            <tr key={m.metric} role="row" data-metric={m.metric} className={m.worse ? 'worse' : ''}>
              <th scope="row" role="rowheader">{tk('metric', m.metric)}</th>
              <td role="cell" className="num" data-label={columns[1]}>{value(m, m.updated)}</td>
              <td role="cell" className="num" data-label={columns[2]}>{value(m, m.comparison)}</td>
              <td role="cell" className="num" data-label={columns[3]}>{difference(m)}</td>
              <td role="cell" className="num" data-label={columns[4]}>{number(m.z, locale, 1)}</td>
              <td role="cell" data-label={columns[5]}>{m.worse ? <strong className="flag flag-worse">{t('yes')}</strong> : t('no')}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

type Move = 'pause' | 'resume' | 'cancel' | 'rollback';

function CampaignControls({ campaign, rolledBack, onChanged }: { campaign: Campaign; rolledBack: boolean; onChanged(c: Campaign): void }) {
  const { t, locale } = useI18n();
  const { navigate } = useRouter();
  const [open, setOpen] = useState<Move | null>(null);
  const [note, setNote] = useState('');
  const [rate, setRate] = useState('');
  const action = useAction();
  // The confirmation stays only while the campaign is as the change left it (a halt may follow a resume).
  const [doneIn, setDoneIn] = useState<string | null>(null);
  const state = campaign.state;
  const updated = campaign.waves.reduce((n, w) => n + (w.actions.succeeded ?? 0) + (w.actions.installed ?? 0), 0);
  const offered: Move[] = [
    ...(state === 'running' ? ['pause' as const] : []),
    ...(state === 'paused' || state === 'halted' ? ['resume' as const] : []),
    ...(!FINAL.includes(state) ? ['cancel' as const] : []),
    ...(!campaign.rollbackOf && !rolledBack && updated > 0 ? ['rollback' as const] : []),
  ];
  const show = (move: Move) => { action.reset(); setNote(''); setRate(''); setOpen(move); };
  const close = () => { setOpen(null); };
  const DONE: Record<Exclude<Move, 'rollback'>, 'campaignPaused' | 'campaignResumed' | 'campaignCancelled'> = { pause: 'campaignPaused', resume: 'campaignResumed', cancel: 'campaignCancelled' };

  const confirm = () => {
    const move = open;
    if (!move) return;
    void action.run(async () => {
      if (move === 'rollback') {
        const started = await api<Campaign>('POST', `/campaigns/${campaign.id}/rollback`, {});
        setOpen(null);
        navigate(`/updates/campaigns/${started.id}`);
        return t('rollbackStarted', { name: started.name });
      }
      const body: { note?: string; maxFailureRate?: number } = { ...(note.trim() && { note: note.trim() }) };
      if (move === 'resume' && rate.trim() !== '') body.maxFailureRate = Number(rate) / 100;
      const changed = await api<Campaign>('POST', `/campaigns/${campaign.id}/${move}`, body);
      onChanged(changed);
      setDoneIn(changed.state);
      setOpen(null);
      return t(DONE[move]);
    });
  };
  if (!offered.length && !(action.done && doneIn === state)) return null;

  return (
    <div className="campaign-controls">
      <div className="buttons" role="group" aria-label={t('changeCampaign')}>
        {offered.map((move) => (
          <button key={move} type="button" className={move === 'cancel' || move === 'rollback' ? 'danger' : move === 'pause' ? 'secondary' : ''}
            disabled={action.busy} onClick={() => show(move)}>
            {t(move === 'cancel' ? 'cancelCampaign' : move === 'rollback' ? 'rollback' : move)}
          </button>
        ))}
      </div>
      <div aria-live="polite">
        {action.done && open === null && doneIn === state && <p className="note ok" role="status">{action.done}</p>}
      </div>
      <ConfirmDialog
        open={open !== null}
        title={open ? t(`confirm_${open}_title`) : ''}
        confirmLabel={open === 'cancel' ? t('cancelCampaign') : open ? t(open) : ''}
        danger={open === 'cancel' || open === 'rollback'}
        busy={action.busy}
        onConfirm={confirm}
        onClose={close}
      >
        {open && <p>{t(open === 'resume' ? (state === 'halted' ? 'confirm_resume_halted' : 'confirm_resume_paused') : `confirm_${open}_text`)}</p>}
        {open === 'resume' && (
          <InputField label={t('newMaxFailureRate')} type="number" inputMode="decimal" min={0} max={100} step="any" value={rate}
            onChange={(e) => setRate(e.target.value)} hint={t('currentValue', { value: percent(campaign.settings.maxFailureRate, locale) })}
            error={errorFor(action.error, 'maxFailureRate')} />
        )}
        {open && open !== 'rollback' && (
          <InputField label={t('noteOptional')} maxLength={500} value={note} onChange={(e) => setNote(e.target.value)} error={errorFor(action.error, 'note')} />
        )}
        <div aria-live="polite">{unplaced(action.error, ['maxFailureRate', 'note']) && <ActionError error={action.error} />}</div>
      </ConfirmDialog>
    </div>
  );
}

function ActionList({ campaign, progressKey }: { campaign: Campaign; progressKey: string }) {
  const { t, tk, date, locale } = useI18n();
  const [wave, setWave] = useState('');
  const [state, setState] = useState('');
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  const [page, setPage] = useState<Page<RolloutAction> | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [expanded, setExpanded] = useState<Set<number>>(new Set());
  const cursor = cursors[cursors.length - 1];
  const load = useCallback(() => {
    api<Page<RolloutAction>>('GET', `/campaigns/${campaign.id}/actions${query({ wave, state, limit: PAGE_SIZE, cursor })}`)
      .then((p) => { setPage(p); setError(null); })
      .catch((e: unknown) => setError(e));
  }, [campaign.id, wave, state, cursor]);
  useEffect(load, [load, progressKey]);
  const filter = (set: (v: string) => void) => (e: { target: { value: string } }) => { set(e.target.value); setCursors([undefined]); };
  const toggle = (id: number) => setExpanded((old) => {
    const next = new Set(old);
    if (next.has(id)) next.delete(id);
    else next.add(id);
    return next;
  });

  return (
    <section aria-labelledby="actions-title">
      <h2 id="actions-title">{t('campaignActions')}</h2>
      <div className="filters" role="group" aria-label={t('filters')}>
        <SelectField label={t('wave')} value={wave} onChange={filter(setWave)}>
          <option value="">{t('allWaves')}</option>
          {campaign.waves.map((w) => <option key={w.wave} value={w.wave}>{t('waveTitle', { wave: w.wave, percent: percent(w.percent / 100, locale, 2) })}</option>)}
        </SelectField>
        <SelectField label={t('state')} value={state} onChange={filter(setState)}>
          <option value="">{t('anyState')}</option>
          {ACTION_STATES.map((s) => <option key={s} value={s}>{tk('astate', s)}</option>)}
        </SelectField>
      </div>
      {error !== null && <ErrorNote error={error} onRetry={load} />}
      {page === null ? error === null && <p role="status">{t('loading')}</p> : page.items.length === 0 ? <p>{t('noTerminals')}</p> : (
        <>
          <div className="table-wrap">
            <table aria-labelledby="actions-title" className="actions-table">
              <thead>
                <tr>
                  <th scope="col">{t('terminal')}</th><th scope="col">{t('wave')}</th><th scope="col">{t('state')}</th>
                  <th scope="col" className="wide">{t('previousVersion')}</th><th scope="col" className="wide">{t('updated')}</th>
                  <th scope="col"><span className="sr-only">{t('feedback')}</span></th>
                </tr>
              </thead>
              <tbody>
                {page.items.map((a) => (
                  <ActionRow key={a.id} action={a} open={expanded.has(a.id)} onToggle={() => toggle(a.id)} progressKey={progressKey} date={date} />
                ))}
              </tbody>
            </table>
          </div>
          {(cursors.length > 1 || page.nextCursor) && (
            <nav className="pager" aria-label={t('campaignActions')}>
              <button type="button" disabled={cursors.length === 1} onClick={() => setCursors(cursors.slice(0, -1))}>{t('previous')}</button>
              <button type="button" disabled={!page.nextCursor} onClick={() => page.nextCursor && setCursors([...cursors, page.nextCursor])}>{t('next')}</button>
            </nav>
          )}
        </>
      )}
    </section>
  );
}

function ActionRow({ action: a, open, onToggle, progressKey, date }: { action: RolloutAction; open: boolean; onToggle(): void; progressKey: string; date(iso: string | null | undefined): string }) {
  const i18n = useI18n();
  const { t, tk, locale } = i18n;
  const panel = `feedback-${a.id}`;
  // Why an install failed, was cancelled or put back in the queue: the catalogue's sentence in the reader's
  // language; an action from before it kept one shows the server's English to English readers only (others
  // read the state and the wave's reason in words above). A skipped install says why in the reader's words
  // from its code (the row names the terminal already; the sentence would only repeat it).
  const serverWords = locale === 'en';
  const skip = a.state === 'skipped' && a.skipReason ? tk('skip', a.skipReason) : null;
  const reason = said(locale, a.reasonKey, a.reasonParams) ?? (serverWords ? a.reason : null);
  return (
    <>
      <tr data-action={a.id} data-serial={a.serialNumber}>
        <th scope="row"><Link href={`/terminals/${a.terminalId}`}>{a.serialNumber}</Link></th>
        <td>{a.wave}</td>
        <td data-testid="action-state">
          <ActionBadge state={a.state} />
          {skip ? <div className="skip-reason" data-skip-reason={a.skipReason}>{skip}</div> : reason && <div className="muted break" data-reason-key={a.reasonKey ?? undefined}>{reason}</div>}
          {a.waiting && <div className="muted break" data-waiting={a.waitingCode ?? undefined}>{waitingLine(i18n, a.waiting, a.waitingCode)}</div>}
        </td>
        <td className="wide">{a.previousVersion?.endsWith(':before') ? t('ccPreviousConfiguration') : a.previousVersion ?? '—'}</td>
        <td className="wide">{date(a.updatedAt)}</td>
        <td>
          <button type="button" className="secondary" aria-expanded={open} aria-controls={panel} aria-label={t('feedbackOf', { serial: a.serialNumber })} onClick={onToggle}>
            {t('feedback')}
          </button>
        </td>
      </tr>
      {open && (
        <tr className="feedback-row">
          <td colSpan={6} id={panel}><FeedbackHistory campaignId={a.campaignId} actionId={a.id} serial={a.serialNumber} progressKey={progressKey} /></td>
        </tr>
      )}
    </>
  );
}

/** Everything the terminal reported on its install, oldest first, with what each report changed. */
function FeedbackHistory({ campaignId, actionId, serial, progressKey }: { campaignId: string; actionId: number; serial: string; progressKey: string }) {
  const { t, date } = useI18n();
  const [detail, setDetail] = useState<RolloutAction | null>(null);
  const [error, setError] = useState<unknown>(null);
  const load = useCallback(() => {
    api<RolloutAction>('GET', `/campaigns/${campaignId}/actions/${actionId}`).then((d) => { setDetail(d); setError(null); }).catch((e: unknown) => setError(e));
  }, [campaignId, actionId]);
  useEffect(load, [load, progressKey]);
  if (error !== null) return <ErrorNote error={error} onRetry={load} />;
  if (!detail) return <p role="status">{t('loading')}</p>;
  const feedback = detail.feedback ?? [];
  return (
    <div className="feedback" role="region" aria-label={t('feedbackOf', { serial })}>
      {feedback.length === 0 ? <p>{t('noFeedback')}</p> : (
        <ol>
          {feedback.map((f, i) => {
            const body = (typeof f.body === 'object' && f.body !== null ? f.body : {}) as { details?: unknown; progress?: { done?: number; of?: number } };
            const details = Array.isArray(body.details) ? body.details.filter((d): d is string => typeof d === 'string') : [];
            return (
              <li key={`${f.receivedAt}-${i}`} data-status={f.status}>
                <span className="when">{date(f.receivedAt)}</span>
                <ActionBadge state={f.status} />
                <span className="muted">{t('fromSource', { source: f.source })}</span>
                {body.progress?.of ? <span className="muted">{body.progress.done ?? 0}/{body.progress.of}</span> : null}
                <span className="effect">{f.effect}</span>
                {details.length > 0 && <span className="break">{details.join('; ')}</span>}
              </li>
            );
          })}
        </ol>
      )}
    </div>
  );
}
