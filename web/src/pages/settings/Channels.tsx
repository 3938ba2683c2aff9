// Notification channels: where maintenance, work-order, incident and rollout events are sent (e-mail or signed
// webhook), for the whole fleet or one merchant. A webhook's secret is shown once, when it is created.
import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { api, type Channel } from '../../api.ts';
import { useAction } from '../../action.ts';
import { ActionError, ErrorNote } from '../../App.tsx';
import { errorFor, InputField, SelectField, unplaced } from '../../Field.tsx';
import { useI18n } from '../../i18n.tsx';
import { useMerchants } from '../Calendar.tsx';

/** src/notifications/notification-events.ts */
const EVENTS = [
  'maintenance.announced', 'maintenance.completed', 'maintenance.failed', 'workorder.due', 'workorder.overdue', 'workorder.escalated',
  'incident.opened', 'incident.reminder', 'incident.resolved', 'campaign.halted',
] as const;

export function ChannelsSettings() {
  const { t, tk } = useI18n();
  const merchants = useMerchants();
  const [items, setItems] = useState<Channel[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const change = useAction();
  const load = useCallback(() => {
    setError(null);
    api<{ items: Channel[] }>('GET', '/notification-channels').then((r) => setItems(r.items)).catch((e: unknown) => setError(e));
  }, []);
  useEffect(load, [load]);

  const toggle = (c: Channel) => void change.run(async () => {
    await api('PATCH', `/notification-channels/${c.id}`, { enabled: !c.enabled });
    load();
    return t(c.enabled ? 'channelDisabled' : 'channelEnabled', { name: c.name });
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
      </div>
      {error !== null && <ErrorNote error={error} onRetry={load} />}
      {items === null ? error === null && <p role="status">{t('loading')}</p> : items.length === 0 ? <p>{t('noChannels')}</p> : (
        <div className="table-wrap">
          <table aria-labelledby="channel-list-title">
            <thead>
              <tr>
                <th scope="col">{t('channelName')}</th><th scope="col">{t('channelKind')}</th><th scope="col" className="wide">{t('address')}</th>
                <th scope="col" className="wide">{t('events')}</th><th scope="col" className="wide">{t('merchant')}</th><th scope="col">{t('enabled')}</th>
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
                  <td><button type="button" className="danger" disabled={change.busy} aria-label={`${t('delete')} ${c.name}`} onClick={() => del(c)}>{t('delete')}</button></td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <p className="muted">{t('noTestSend')}</p>
    </section>
  );
}

function ChannelForm({ merchants, onCreated }: { merchants: { id: string; name: string }[]; onCreated(): void }) {
  const { t, tk } = useI18n();
  const [kind, setKind] = useState<'email' | 'webhook'>('email');
  const [name, setName] = useState('');
  const [address, setAddress] = useState('');
  const [events, setEvents] = useState<string[]>([]);
  const [locale, setLocale] = useState('');
  const [merchantId, setMerchantId] = useState('');
  const [secret, setSecret] = useState<string | null>(null);
  const action = useAction();

  const submit = (event: FormEvent) => {
    event.preventDefault();
    setSecret(null);
    void action.run(async () => {
      const created = await api<Channel & { secret: string | null }>('POST', '/notification-channels', {
        kind, name, address, events, ...(locale && { locale }), ...(merchantId && { merchantId }),
      });
      setSecret(created.secret);
      setName('');
      setAddress('');
      onCreated();
      return t('channelCreated', { name: created.name });
    });
  };

  return (
    <form className="card settings-form" onSubmit={submit} aria-labelledby="new-channel-title" noValidate>
      <h3 id="new-channel-title">{t('newChannel')}</h3>
      <SelectField label={t('channelKind')} value={kind} onChange={(e) => setKind(e.target.value as 'email' | 'webhook')} error={errorFor(action.error, 'kind')}>
        <option value="email">{tk('channel', 'email')}</option>
        <option value="webhook">{tk('channel', 'webhook')}</option>
      </SelectField>
      <InputField label={t('channelName')} required maxLength={200} value={name} onChange={(e) => setName(e.target.value)} error={errorFor(action.error, 'name')} />
      <InputField label={kind === 'email' ? t('emailAddress') : t('webhookUrl')} required type={kind === 'email' ? 'email' : 'url'} value={address} spellCheck={false}
        onChange={(e) => setAddress(e.target.value)} error={errorFor(action.error, 'address')} />
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
      <div aria-live="polite">
        {action.done && <p className="note ok" role="status">{action.done}</p>}
        {secret && <p className="note" data-testid="channel-secret">{t('secretOnce')} <code>{secret}</code></p>}
        {unplaced(action.error, ['kind', 'name', 'address', 'merchantId', 'locale', 'events']) && <ActionError error={action.error} />}
      </div>
      <button type="submit" disabled={action.busy}>{t('createChannel')}</button>
    </form>
  );
}
