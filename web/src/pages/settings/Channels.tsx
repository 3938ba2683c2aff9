// Notification channels: where maintenance, work-order, incident and rollout events are sent (e-mail or signed
// webhook, WeCom or DingTalk group robot), for the whole fleet or one merchant. A webhook's secret is shown once, when it is created;
// a test message shows at once whether the address works.
// Each channel may have quiet hours and a rate limit: what waits is sent later as one digest.
import { useCallback, useEffect, useState, type FormEvent, type ReactNode } from 'react';
import { api, ApiError, type Channel, type ChannelKind } from '../../api.ts';
import { useAction } from '../../action.ts';
import { ActionError, ErrorNote } from '../../App.tsx';
import { errorFor, InputField, SelectField, unplaced } from '../../Field.tsx';
import { useI18n } from '../../i18n.tsx';
import { useMerchants } from '../Calendar.tsx';

/** src/notifications/notification-events.ts */
const EVENTS = [
  'maintenance.announced', 'maintenance.completed', 'maintenance.failed', 'maintenance.spare_needed', 'maintenance.spare_overdue', 'workorder.due', 'workorder.overdue', 'workorder.escalated',
  'incident.opened', 'incident.reminder', 'incident.resolved', 'campaign.halted', 'sparepart.low_stock',
] as const;

/** Quiet hours and rate limit as the API takes and gives them (src/notifications/notifications.schemas.ts). */
interface Limits {
  quietHours: { start: string; end: string; timeZone: string | null } | null;
  rateLimit: { max: number; periodMinutes: number } | null;
}
type LimitedChannel = Channel & Partial<Limits>;

/** The form's text, turned into Limits on submit (the server names the field of anything wrong). */
interface LimitsDraft {
  start: string;
  end: string;
  timeZone: string;
  max: string;
  period: string;
}
/** The fields LimitsFields shows errors for; an error naming another one is shown for the whole form. */
const LIMIT_FIELDS = ['quietHours.start', 'quietHours.end', 'quietHours.timeZone', 'rateLimit.max', 'rateLimit.periodMinutes'];
const NO_LIMITS: LimitsDraft = { start: '', end: '', timeZone: '', max: '', period: '60' };

function draftOf(c: LimitedChannel): LimitsDraft {
  return {
    start: c.quietHours?.start ?? '', end: c.quietHours?.end ?? '', timeZone: c.quietHours?.timeZone ?? '',
    max: c.rateLimit ? String(c.rateLimit.max) : '', period: c.rateLimit ? String(c.rateLimit.periodMinutes) : '60',
  };
}

function limitsOf(d: LimitsDraft): Limits {
  const quiet = d.start !== '' || d.end !== '';
  return {
    quietHours: quiet ? { start: d.start, end: d.end, timeZone: d.timeZone.trim() || null } : null,
    rateLimit: d.max.trim() !== '' ? { max: Number(d.max), periodMinutes: Number(d.period) } : null,
  };
}

function LimitsFields({ draft, onChange, error, legend }: { draft: LimitsDraft; onChange(d: LimitsDraft): void; error: unknown; legend: ReactNode }) {
  const { t } = useI18n();
  const set = (key: keyof LimitsDraft) => (e: { target: { value: string } }) => onChange({ ...draft, [key]: e.target.value });
  return (
    <fieldset className="limits">
      <legend>{legend}</legend>
      <p className="hint">{t('quietHint')}</p>
      <InputField label={t('quietStart')} type="time" value={draft.start} onChange={set('start')} error={errorFor(error, 'quietHours.start')} />
      <InputField label={t('quietEnd')} type="time" value={draft.end} onChange={set('end')} error={errorFor(error, 'quietHours.end')} />
      <InputField label={t('quietTimeZone')} value={draft.timeZone} spellCheck={false} placeholder="Asia/Shanghai" hint={t('quietTimeZoneHint')} onChange={set('timeZone')}
        error={errorFor(error, 'quietHours.timeZone')} />
      <InputField label={t('rateMax')} type="number" min={1} step={1} inputMode="numeric" value={draft.max} hint={t('rateHint')} onChange={set('max')}
        error={errorFor(error, 'rateLimit.max')} />
      <InputField label={t('ratePeriod')} type="number" min={1} step={1} inputMode="numeric" value={draft.period} onChange={set('period')} error={errorFor(error, 'rateLimit.periodMinutes')} />
    </fieldset>
  );
}

function LimitsSummary({ channel }: { channel: LimitedChannel }) {
  const { t } = useI18n();
  const q = channel.quietHours;
  const r = channel.rateLimit;
  return (
    <>
      {q ? `${t('quietRange', { start: q.start, end: q.end })} (${q.timeZone ?? t('merchantZone')})` : t('noQuietHours')}
      {' · '}
      {r ? t('rateLimitShort', { max: r.max, minutes: r.periodMinutes }) : t('noRateLimit')}
    </>
  );
}

/** Changes one channel's quiet hours and rate limit (PATCH). */
function LimitsEditor({ channel, onSaved, onClose }: { channel: LimitedChannel; onSaved(): void; onClose(): void }) {
  const { t } = useI18n();
  const [draft, setDraft] = useState<LimitsDraft>(() => draftOf(channel));
  const action = useAction();
  const submit = (event: FormEvent) => {
    event.preventDefault();
    void action.run(async () => {
      await api('PATCH', `/notification-channels/${channel.id}`, limitsOf(draft));
      onSaved();
      return t('limitsSaved', { name: channel.name });
    });
  };
  return (
    <form className="card settings-form" onSubmit={submit} aria-label={t('limitsOf', { name: channel.name })} data-limits-of={channel.id} noValidate>
      <LimitsFields draft={draft} onChange={setDraft} error={action.error} legend={t('limitsOf', { name: channel.name })} />
      <div aria-live="polite">
        {action.done && <p className="note ok" role="status">{action.done}</p>}
        {unplaced(action.error, LIMIT_FIELDS) && <ActionError error={action.error} />}
      </div>
      <button type="submit" disabled={action.busy}>{t('save')}</button>{' '}
      <button type="button" onClick={onClose}>{t('close')}</button>
    </form>
  );
}

export function ChannelsSettings() {
  const { t, tk } = useI18n();
  const merchants = useMerchants();
  const [items, setItems] = useState<LimitedChannel[] | null>(null);
  const [editing, setEditing] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const change = useAction();
  const load = useCallback(() => {
    setError(null);
    api<{ items: LimitedChannel[] }>('GET', '/notification-channels').then((r) => setItems(r.items)).catch((e: unknown) => setError(e));
  }, []);
  useEffect(load, [load]);

  const toggle = (c: Channel) => void change.run(async () => {
    await api('PATCH', `/notification-channels/${c.id}`, { enabled: !c.enabled });
    load();
    return t(c.enabled ? 'channelDisabled' : 'channelEnabled', { name: c.name });
  });
  const test = useAction();
  const sendTest = (c: Channel) => void test.run(async () => {
    const r = await api<{ ok: boolean; statusCode: number | null; error: string | null; durationMs: number }>('POST', `/notification-channels/${c.id}/test`);
    const status = r.statusCode === null ? '' : t('stTestHttp', { status: r.statusCode });
    if (!r.ok) throw new Error(t('stTestFailed', { name: c.name, error: r.statusCode === null ? t('stTestUnreachable') : t('stTestAnswered', { status: r.statusCode }) }));
    return t('stTestOk', { name: c.name, status, ms: r.durationMs });
  });
  const del = (c: Channel) => {
    if (!window.confirm(t('confirmDeleteChannel', { name: c.name }))) return;
    void change.run(async () => {
      await api('DELETE', `/notification-channels/${c.id}`);
      load();
      return t('channelDeleted', { name: c.name });
    });
  };

  return (
    <section aria-labelledby="channels-title">
      <h2 id="channels-title">{t('channels')}</h2>
      <ChannelForm merchants={merchants} onCreated={load} />
      <h3 id="channel-list-title">{t('allChannels')}</h3>
      <div aria-live="polite">
        {change.done && <p className="note ok" role="status">{change.done}</p>}
        {change.error !== null && <ActionError error={change.error} />}
        {test.busy && <p className="note" role="status">{t('stTestSending')}</p>}
        {test.done && <p className="note ok" role="status" data-testid="channel-test-result">{test.done}</p>}
        {test.error !== null && (test.error instanceof ApiError ? <ActionError error={test.error} /> : <p className="note error" role="alert" data-testid="channel-test-result">{(test.error as Error).message}</p>)}
      </div>
      <p className="muted">{t('stTestHint')}</p>
      {error !== null && <ErrorNote error={error} onRetry={load} />}
      {items === null ? error === null && <p role="status">{t('loading')}</p> : items.length === 0 ? <p>{t('noChannels')}</p> : (
        <div className="table-wrap">
          <table aria-labelledby="channel-list-title">
            <thead>
              <tr>
                <th scope="col">{t('channelName')}</th><th scope="col">{t('channelKind')}</th><th scope="col" className="wide">{t('address')}</th>
                <th scope="col" className="wide">{t('events')}</th><th scope="col" className="wide">{t('merchant')}</th><th scope="col">{t('enabled')}</th>
                <th scope="col">{t('quietAndLimitShort')}</th>
                <th scope="col"><span className="sr-only">{t('actions')}</span></th>
              </tr>
            </thead>
            <tbody>
              {items.map((c) => (
                <tr key={c.id} data-channel={c.id}>
                  <th scope="row">{c.name}</th>
                  <td>{tk('channel', c.kind)}</td>
                  <td className="wide break">{c.address}</td>
                  <td className="wide">{c.events.length === 0 ? t('allEvents') : c.events.map((e) => tk('event', e)).join(', ')}</td>
                  <td className="wide">{c.merchantId ? merchants.find((m) => m.id === c.merchantId)?.name ?? '' : t('wholeFleet')}</td>
                  <td>
                    <label className="inline"><input type="checkbox" checked={c.enabled} disabled={change.busy} onChange={() => toggle(c)} /> <span className="sr-only">{t('enabledOf', { name: c.name })}</span>{c.enabled ? t('yes') : t('no')}</label>
                  </td>
                  {/* Not "wide": a phone needs the button too. */}
                  <td>
                    <LimitsSummary channel={c} />{' '}
                    <button type="button" aria-label={t('editLimitsOf', { name: c.name })} aria-expanded={editing === c.id} onClick={() => setEditing(editing === c.id ? null : c.id)}>{t('edit')}</button>
                  </td>
                  <td className="row-actions">
                    <button type="button" className="secondary" disabled={test.busy || !c.enabled} aria-label={t('stSendTestOf', { name: c.name })} onClick={() => sendTest(c)}>{t('stSendTest')}</button>
                    <button type="button" className="danger" disabled={change.busy} aria-label={`${t('delete')} ${c.name}`} onClick={() => del(c)}>{t('delete')}</button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {editing && items?.some((c) => c.id === editing) && (
        <LimitsEditor key={editing} channel={items.find((c) => c.id === editing)!} onSaved={load} onClose={() => setEditing(null)} />
      )}
    </section>
  );
}

const CHANNEL_KINDS: readonly ChannelKind[] = ['email', 'webhook', 'wecom', 'dingtalk'];
const ADDRESS_LABEL = { email: 'emailAddress', webhook: 'webhookUrl', wecom: 'stWecomUrl', dingtalk: 'stDingtalkUrl' } as const;

function ChannelForm({ merchants, onCreated }: { merchants: { id: string; name: string }[]; onCreated(): void }) {
  const { t, tk } = useI18n();
  const [kind, setKind] = useState<ChannelKind>('email');
  const [robotSecret, setRobotSecret] = useState('');
  const [name, setName] = useState('');
  const [address, setAddress] = useState('');
  const [events, setEvents] = useState<string[]>([]);
  const [locale, setLocale] = useState('');
  const [merchantId, setMerchantId] = useState('');
  const [secret, setSecret] = useState<string | null>(null);
  const [limits, setLimits] = useState<LimitsDraft>(NO_LIMITS);
  const action = useAction();

  const submit = (event: FormEvent) => {
    event.preventDefault();
    setSecret(null);
    void action.run(async () => {
      const created = await api<Channel & { secret: string | null }>('POST', '/notification-channels', {
        kind, name, address, events, ...(kind === 'dingtalk' && robotSecret !== '' && { secret: robotSecret }), ...(locale && { locale }), ...(merchantId && { merchantId }), ...limitsOf(limits),
      });
      setSecret(created.secret);
      setName('');
      setAddress('');
      setRobotSecret('');
      onCreated();
      return t('channelCreated', { name: created.name });
    });
  };

  return (
    <form className="card settings-form" onSubmit={submit} aria-labelledby="new-channel-title" noValidate>
      <h3 id="new-channel-title">{t('newChannel')}</h3>
      <SelectField label={t('channelKind')} value={kind} onChange={(e) => setKind(e.target.value as ChannelKind)} error={errorFor(action.error, 'kind')}>
        {CHANNEL_KINDS.map((k) => <option key={k} value={k}>{tk('channel', k)}</option>)}
      </SelectField>
      <InputField label={t('channelName')} required maxLength={200} value={name} onChange={(e) => setName(e.target.value)} error={errorFor(action.error, 'name')} />
      <InputField label={t(ADDRESS_LABEL[kind])} required type={kind === 'email' ? 'email' : 'url'} value={address} spellCheck={false}
        onChange={(e) => setAddress(e.target.value)} error={errorFor(action.error, 'address')} {...((kind === 'wecom' || kind === 'dingtalk') && { hint: t('stRobotHint') })} />
      {kind === 'dingtalk' && (
        <InputField label={t('stDingtalkSecret')} required type="password" autoComplete="off" minLength={16} maxLength={200} value={robotSecret} spellCheck={false}
          onChange={(e) => setRobotSecret(e.target.value)} error={errorFor(action.error, 'secret')} hint={t('stDingtalkSecretHint')} />
      )}
      <SelectField label={t('merchant')} value={merchantId} onChange={(e) => setMerchantId(e.target.value)} error={errorFor(action.error, 'merchantId')}>
        <option value="">{t('wholeFleet')}</option>
        {merchants.map((m) => <option key={m.id} value={m.id}>{m.name}</option>)}
      </SelectField>
      <SelectField label={t('messageLanguage')} value={locale} onChange={(e) => setLocale(e.target.value)} error={errorFor(action.error, 'locale')}>
        <option value="">{t('followMerchant')}</option>
        <option value="zh-CN" lang="zh-CN">简体中文</option>
        <option value="en" lang="en">English</option>
      </SelectField>
      <fieldset aria-describedby="events-hint">
        <legend>{t('events')}</legend>
        <p id="events-hint" className="hint">{t('eventsHint')}</p>
        <div className="checks">
          {EVENTS.map((e) => (
            <label key={e} className="inline">
              <input type="checkbox" checked={events.includes(e)} onChange={(x) => setEvents(x.target.checked ? [...events, e] : events.filter((y) => y !== e))} /> {tk('event', e)}
            </label>
          ))}
        </div>
        {errorFor(action.error, 'events') && <span className="field-error">{errorFor(action.error, 'events')}</span>}
      </fieldset>
      <LimitsFields draft={limits} onChange={setLimits} error={action.error} legend={t('quietAndLimit')} />
      <div aria-live="polite">
        {action.done && <p className="note ok" role="status">{action.done}</p>}
        {secret && <p className="note" data-testid="channel-secret">{t('secretOnce')} <code>{secret}</code></p>}
        {unplaced(action.error, ['kind', 'name', 'address', 'secret', 'merchantId', 'locale', 'events', ...LIMIT_FIELDS]) && <ActionError error={action.error} />}
      </div>
      <button type="submit" disabled={action.busy}>{t('createChannel')}</button>
    </form>
  );
}
