// Maintenance windows: every window with its next opening in its own time zone, a form to define one
// for a site or a merchant (once, weekly-style RRULE or cron, read in the target's time zone), and delete.
import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { allPages, api, ApiError, type MaintenanceWindow, type Me } from '../../api.ts';
import { useAction } from '../../action.ts';
import { ActionError, ErrorNote } from '../../App.tsx';
import { errorFor, InputField, SelectField, unplaced } from '../../Field.tsx';
import { dateTimeIn, wallToIso } from '../../format.ts';
import { useI18n } from '../../i18n.tsx';
import { can } from '../../permissions.ts';
import { useMerchants } from '../Calendar.tsx';
import { useSites } from '../Terminals.tsx';

const KINDS = ['once', 'rrule', 'cron'] as const;

export function WindowsSettings({ me }: { me: Me }) {
  const { t, tk, locale } = useI18n();
  const sites = useSites();
  const merchants = useMerchants();
  const [items, setItems] = useState<MaintenanceWindow[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const remove = useAction();
  const mayEdit = can(me, 'maintenance:write');
  const load = useCallback(() => {
    setError(null);
    allPages<MaintenanceWindow>('/maintenance/windows', 1000).then(setItems).catch((e: unknown) => setError(e));
  }, []);
  useEffect(load, [load]);

  const target = (w: MaintenanceWindow) => {
    if (w.target.siteId) return `${t('site')}: ${sites.find((s) => s.id === w.target.siteId)?.name ?? w.target.siteId}`;
    if (w.target.merchantId) return `${t('merchant')}: ${merchants.find((m) => m.id === w.target.merchantId)?.name ?? w.target.merchantId}`;
    if (w.target.terminalId) return `${t('terminal')}: ${w.target.terminalId.slice(0, 8)}`;
    return `${t('targetFilter')}: ${Object.entries(w.target.filter ?? {}).map(([k, v]) => `${k}=${v}`).join(', ')}`;
  };
  const schedule = (w: MaintenanceWindow) => (w.schedule.kind === 'once' && w.schedule.start ? dateTimeIn(w.schedule.start, locale, w.timeZone)
    : w.schedule.rrule ?? w.schedule.cron ?? '');
  const del = (w: MaintenanceWindow) => {
    if (!window.confirm(t('confirmDeleteWindow', { name: w.name }))) return;
    void remove.run(async () => {
      await api('DELETE', `/maintenance/windows/${w.id}`);
      load();
      return t('windowDeleted', { name: w.name });
    });
  };

  return (
    <section aria-labelledby="windows-title">
      <h2 id="windows-title">{t('windows')}</h2>
      {mayEdit ? <WindowForm onCreated={load} /> : <p className="note">{t('noPermission')}</p>}
      <h3 id="window-list-title">{t('allWindows')}</h3>
      <div aria-live="polite">
        {remove.done && <p className="note ok" role="status">{remove.done}</p>}
        {remove.error !== null && <ActionError error={remove.error} />}
      </div>
      {error !== null && <ErrorNote error={error} onRetry={load} />}
      {items === null ? error === null && <p role="status">{t('loading')}</p> : items.length === 0 ? <p>{t('noWindows')}</p> : (
        <div className="table-wrap">
          <table aria-labelledby="window-list-title">
            <thead>
              <tr>
                <th scope="col">{t('windowName')}</th><th scope="col">{t('appliesTo')}</th><th scope="col" className="wide">{t('schedule')}</th>
                <th scope="col" className="wide">{t('durationMinutes')}</th><th scope="col">{t('nextOpening')}</th>
                {mayEdit && <th scope="col"><span className="sr-only">{t('actions')}</span></th>}
              </tr>
            </thead>
            <tbody>
              {items.map((w) => (
                <tr key={w.id} data-window={w.id}>
                  <th scope="row">{w.name}</th>
                  <td>{target(w)}</td>
                  <td className="wide">{tk('kind', w.schedule.kind)}: {schedule(w)}</td>
                  <td className="wide">{w.schedule.durationMinutes}</td>
                  <td>{w.next ? `${dateTimeIn(w.next.start, locale, w.timeZone)} (${w.timeZone})` : '—'}</td>
                  {mayEdit && <td><button type="button" className="danger" disabled={remove.busy} aria-label={`${t('delete')} ${w.name}`} onClick={() => del(w)}>{t('delete')}</button></td>}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

function WindowForm({ onCreated }: { onCreated(): void }) {
  const { t, tk, locale } = useI18n();
  const sites = useSites();
  const merchants = useMerchants();
  const [name, setName] = useState('');
  const [targetKind, setTargetKind] = useState<'site' | 'merchant'>('site');
  const [targetId, setTargetId] = useState('');
  const [kind, setKind] = useState<(typeof KINDS)[number]>('once');
  const [start, setStart] = useState('');
  const [rule, setRule] = useState('FREQ=WEEKLY;BYDAY=TU;BYHOUR=2;BYMINUTE=0');
  const [cron, setCron] = useState('0 2 * * 1-5');
  const [duration, setDuration] = useState('60');
  const [timeZone, setTimeZone] = useState('');
  const action = useAction();
  const targetZone = targetKind === 'site' ? sites.find((s) => s.id === targetId)?.timeZone : merchants.find((m) => m.id === targetId)?.timeZone;
  const zone = timeZone.trim() || targetZone || '';
  const fields = ['name', 'target', 'schedule', 'timeZone'];

  const submit = (event: FormEvent) => {
    event.preventDefault();
    void action.run(async () => {
      const schedule = {
        kind, durationMinutes: duration.trim() === '' ? null : Number(duration),
        ...(kind === 'once' && start && { start: zone ? wallToIso(start, zone) : start }),
        ...(kind === 'rrule' && { rrule: rule }),
        ...(kind === 'cron' && { cron }),
      };
      const body = {
        name, schedule, ...(timeZone.trim() && { timeZone: timeZone.trim() }),
        target: targetId ? { [targetKind === 'site' ? 'siteId' : 'merchantId']: targetId } : {},
      };
      const w = await api<MaintenanceWindow>('POST', '/maintenance/windows', body);
      onCreated();
      setName('');
      return t('windowCreated', { name: w.name, when: w.next ? `${dateTimeIn(w.next.start, locale, w.timeZone)} (${w.timeZone})` : '—' });
    });
  };
  // What names the schedule as a whole (or its kind) shows beside the kind.
  const scheduleError = errorFor(action.error, 'schedule.kind') ?? (action.error instanceof ApiError && action.error.field === 'schedule' ? action.error.message : null);

  return (
    <form className="card settings-form" onSubmit={submit} aria-labelledby="new-window-title" noValidate>
      <h3 id="new-window-title">{t('newWindow')}</h3>
      <InputField label={t('windowName')} required maxLength={200} value={name} onChange={(e) => setName(e.target.value)} error={errorFor(action.error, 'name')} />
      <fieldset>
        <legend>{t('appliesTo')}</legend>
        <label className="inline"><input type="radio" name="window-target" checked={targetKind === 'site'} onChange={() => { setTargetKind('site'); setTargetId(''); }} /> {t('site')}</label>
        <label className="inline"><input type="radio" name="window-target" checked={targetKind === 'merchant'} onChange={() => { setTargetKind('merchant'); setTargetId(''); }} /> {t('merchant')}</label>
        <SelectField label={targetKind === 'site' ? t('site') : t('merchant')} required value={targetId} onChange={(e) => setTargetId(e.target.value)} error={errorFor(action.error, 'target')}>
          <option value="">{t('choose')}</option>
          {targetKind === 'site'
            ? sites.map((s) => <option key={s.id} value={s.id}>{s.name} ({s.code})</option>)
            : merchants.map((m) => <option key={m.id} value={m.id}>{m.name}</option>)}
        </SelectField>
      </fieldset>
      <SelectField label={t('scheduleKind')} value={kind} onChange={(e) => setKind(e.target.value as (typeof KINDS)[number])} error={scheduleError}>
        {KINDS.map((k) => <option key={k} value={k}>{tk('kind', k)}</option>)}
      </SelectField>
      {kind === 'once' && (
        <InputField label={t('startsAt')} type="datetime-local" required value={start} onChange={(e) => setStart(e.target.value)}
          hint={zone ? t('localTimeIn', { zone }) : t('chooseTargetFirst')} error={errorFor(action.error, 'schedule.start')} />
      )}
      {kind === 'rrule' && (
        <InputField label={t('rrule')} required value={rule} spellCheck={false} onChange={(e) => setRule(e.target.value)} hint={t('rruleHint')} error={errorFor(action.error, 'schedule.rrule')} />
      )}
      {kind === 'cron' && (
        <InputField label={t('cron')} required value={cron} spellCheck={false} onChange={(e) => setCron(e.target.value)} hint={t('cronHint')} error={errorFor(action.error, 'schedule.cron')} />
      )}
      <InputField label={t('durationMinutes')} type="number" inputMode="numeric" required value={duration} onChange={(e) => setDuration(e.target.value)}
        error={errorFor(action.error, 'schedule.durationMinutes')} />
      <InputField label={t('timeZoneOptional')} value={timeZone} placeholder={targetZone ?? 'Asia/Shanghai'} spellCheck={false} onChange={(e) => setTimeZone(e.target.value)}
        error={errorFor(action.error, 'timeZone')} />
      <div aria-live="polite">
        {action.done && <p className="note ok" role="status">{action.done}</p>}
        {unplaced(action.error, fields) && <ActionError error={action.error} />}
      </div>
      <button type="submit" disabled={action.busy}>{t('createWindow')}</button>
    </form>
  );
}
