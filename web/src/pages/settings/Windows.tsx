// Maintenance windows: every window with its recurrence in words ("每周一 02:00–04:00") and its next
// opening in the site's time and the viewer's, a form to define one for a site or a merchant (once, or
// on chosen days every week, read in the target's time zone), edit and delete.
import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { allPages, api, ApiError, type MaintenanceWindow, type Me } from '../../api.ts';
import { useAction } from '../../action.ts';
import { ActionError, ErrorNote } from '../../App.tsx';
import { errorFor, InputField, SelectField, unplaced } from '../../Field.tsx';
import { browserTimeZone, dateTimeIn, wallToIso } from '../../format.ts';
import { useI18n } from '../../i18n.tsx';
import { can } from '../../permissions.ts';
import { dayName, recurrenceInWords, rruleOf, weeklyOf, WEEKDAYS, type Weekday } from '../../recurrence.ts';
import { siteAndViewerTime } from '../../whose-time.ts';
import { useMerchants } from '../Calendar.tsx';
import { useSites } from '../Terminals.tsx';

export function WindowsSettings({ me }: { me: Me }) {
  const { t, locale } = useI18n();
  const sites = useSites();
  const merchants = useMerchants();
  const [items, setItems] = useState<MaintenanceWindow[] | null>(null);
  const [editing, setEditing] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const remove = useAction();
  const mayEdit = can(me, 'maintenance:write');
  const load = useCallback(() => {
    setError(null);
    allPages<MaintenanceWindow>('/maintenance/windows', 1000).then(setItems).catch((e: unknown) => setError(e));
  }, []);
  useEffect(load, [load]);

  const target = (w: MaintenanceWindow) => {
    if (w.target.siteId) return `${t('site')}: ${sites.find((s) => s.id === w.target.siteId)?.name ?? '…'}`;
    if (w.target.merchantId) return `${t('merchant')}: ${merchants.find((m) => m.id === w.target.merchantId)?.name ?? '…'}`;
    if (w.target.terminalId) return t('terminal');
    return t('targetFilter');
  };
  const viewer = browserTimeZone();
  const schedule = (w: MaintenanceWindow) => (w.schedule.kind === 'once' && w.schedule.start
    ? siteAndViewerTime(w.schedule.start, w.timeZone, viewer, locale)
    : recurrenceInWords(w.schedule, locale));
  const del = (w: MaintenanceWindow) => {
    if (!window.confirm(t('confirmDeleteWindow', { name: w.name }))) return;
    void remove.run(async () => {
      await api('DELETE', `/maintenance/windows/${w.id}`);
      load();
      return t('windowDeleted', { name: w.name });
    });
  };
  const editingWindow = items?.find((w) => w.id === editing);

  return (
    <section aria-labelledby="windows-title">
      <h2 id="windows-title">{t('windows')}</h2>
      {mayEdit ? <WindowForm key="new" onSaved={load} /> : <p className="note">{t('noPermission')}</p>}
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
                <th scope="col">{t('windowName')}</th><th scope="col" className="wide">{t('appliesTo')}</th><th scope="col">{t('schedule')}</th>
                <th scope="col" className="wide">{t('nextOpening')}</th>
                {mayEdit && <th scope="col"><span className="sr-only">{t('actions')}</span></th>}
              </tr>
            </thead>
            <tbody>
              {items.map((w) => (
                <tr key={w.id} data-window={w.id}>
                  <th scope="row">{w.name}</th>
                  <td className="wide">{target(w)}</td>
                  <td data-testid="window-schedule">{schedule(w)}</td>
                  <td className="wide">{w.next ? siteAndViewerTime(w.next.start, w.timeZone, viewer, locale) : '—'}</td>
                  {mayEdit && (
                    <td className="row-actions">
                      <button type="button" className="secondary" aria-expanded={editing === w.id} aria-label={t('stEditOf', { name: w.name })}
                        onClick={() => setEditing(editing === w.id ? null : w.id)}>{t('edit')}</button>
                      <button type="button" className="danger" disabled={remove.busy} aria-label={`${t('delete')} ${w.name}`} onClick={() => del(w)}>{t('delete')}</button>
                    </td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {editingWindow && <WindowForm key={editingWindow.id} window={editingWindow} onSaved={load} onClose={() => setEditing(null)} />}
    </section>
  );
}

type Repeat = 'once' | 'weekly';

/** A new window, or (with `window`) an existing one's name and schedule (its target cannot change). */
function WindowForm({ window: existing, onSaved, onClose }: { window?: MaintenanceWindow; onSaved(): void; onClose?(): void }) {
  const { t, locale } = useI18n();
  const sites = useSites();
  const merchants = useMerchants();
  const weekly = existing ? weeklyOf(existing.schedule) : null;
  const [name, setName] = useState(existing?.name ?? '');
  const [targetKind, setTargetKind] = useState<'site' | 'merchant'>('site');
  const [targetId, setTargetId] = useState('');
  const [repeat, setRepeat] = useState<Repeat>(!existing || existing.schedule.kind === 'once' ? 'once' : 'weekly');
  const [start, setStart] = useState(existing?.schedule.kind === 'once' && existing.schedule.start
    ? dateTimeIn(existing.schedule.start, 'sv-SE', existing.timeZone, { year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).replace(' ', 'T')
    : '');
  const [days, setDays] = useState<Weekday[]>(weekly?.days ?? ['TU']);
  const [time, setTime] = useState(weekly?.time ?? '02:00');
  const [duration, setDuration] = useState(String(existing?.schedule.durationMinutes ?? 60));
  const action = useAction();
  const targetZone = existing?.timeZone ?? (targetKind === 'site' ? sites.find((s) => s.id === targetId)?.timeZone : merchants.find((m) => m.id === targetId)?.timeZone);
  const fields = ['name', 'target', 'schedule', 'schedule.start', 'schedule.rrule', 'schedule.durationMinutes', 'days'];
  const titleId = existing ? `edit-window-${existing.id}` : 'new-window-title';

  const submit = (event: FormEvent) => {
    event.preventDefault();
    void action.run(async () => {
      if (repeat === 'weekly' && days.length === 0) throw new ApiError(400, 'validation_error', t('stChooseDay'), 'days');
      const schedule = {
        kind: repeat === 'once' ? 'once' : 'rrule', durationMinutes: duration.trim() === '' ? null : Number(duration),
        ...(repeat === 'once' && start && { start: targetZone ? wallToIso(start, targetZone) : start }),
        ...(repeat === 'weekly' && { rrule: rruleOf({ days, time }) }),
      };
      const w = existing
        ? await api<MaintenanceWindow>('PATCH', `/maintenance/windows/${existing.id}`, { name, schedule })
        : await api<MaintenanceWindow>('POST', '/maintenance/windows', { name, schedule, target: targetId ? { [targetKind === 'site' ? 'siteId' : 'merchantId']: targetId } : {} });
      onSaved();
      if (!existing) setName('');
      const when = w.next ? siteAndViewerTime(w.next.start, w.timeZone, browserTimeZone(), locale) : '—';
      return t(existing ? 'stWindowSaved' : 'windowCreated', { name: w.name, when });
    });
  };
  const scheduleError = errorFor(action.error, 'schedule.kind') ?? (action.error instanceof ApiError && action.error.field === 'schedule' ? action.error.message : null);

  return (
    <form className="card settings-form" onSubmit={submit} aria-labelledby={titleId} noValidate data-window-form={existing?.id ?? 'new'}>
      <h3 id={titleId}>{existing ? t('stEditWindow', { name: existing.name }) : t('newWindow')}</h3>
      <InputField label={t('windowName')} required maxLength={200} value={name} onChange={(e) => setName(e.target.value)} error={errorFor(action.error, 'name')} />
      {!existing && (
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
      )}
      <SelectField label={t('stRepeat')} value={repeat} onChange={(e) => setRepeat(e.target.value as Repeat)} error={scheduleError}>
        <option value="once">{t('stOnce')}</option>
        <option value="weekly">{t('stWeekly')}</option>
      </SelectField>
      {existing && !weekly && existing.schedule.kind !== 'once' && <p className="note">{t('stCustomKept')}</p>}
      {repeat === 'once' ? (
        <InputField label={t('startsAt')} type="datetime-local" required value={start} onChange={(e) => setStart(e.target.value)}
          hint={targetZone ? t('localTimeIn', { zone: targetZone }) : t('chooseTargetFirst')} error={errorFor(action.error, 'schedule.start')} />
      ) : (
        <>
          <fieldset className="days">
            <legend>{t('stDays')}</legend>
            <div className="checks">
              {WEEKDAYS.map((d) => (
                <label key={d} className="inline">
                  <input type="checkbox" checked={days.includes(d)} onChange={(e) => setDays(e.target.checked ? WEEKDAYS.filter((x) => x === d || days.includes(x)) : days.filter((x) => x !== d))} /> {dayName(d, locale)}
                </label>
              ))}
            </div>
            {(errorFor(action.error, 'days') ?? errorFor(action.error, 'schedule.rrule')) && <span className="field-error">{errorFor(action.error, 'days') ?? errorFor(action.error, 'schedule.rrule')}</span>}
          </fieldset>
          <InputField label={t('stStartTime')} type="time" required value={time} onChange={(e) => setTime(e.target.value)} />
        </>
      )}
      <InputField label={t('durationMinutes')} type="number" inputMode="numeric" required value={duration} onChange={(e) => setDuration(e.target.value)}
        error={errorFor(action.error, 'schedule.durationMinutes')} />
      {repeat === 'weekly' && days.length > 0 && (
        <p className="hint" data-testid="window-preview">{recurrenceInWords({ kind: 'rrule', rrule: rruleOf({ days, time }), durationMinutes: Number(duration) || 0 }, locale)}</p>
      )}
      {targetZone && repeat === 'weekly' && <p className="hint">{t('stTimeZoneOf', { zone: targetZone })}</p>}
      <div aria-live="polite">
        {action.done && <p className="note ok" role="status">{action.done}</p>}
        {unplaced(action.error, fields) && <ActionError error={action.error} />}
      </div>
      <div className="buttons">
        <button type="submit" disabled={action.busy}>{existing ? t('save') : t('createWindow')}</button>
        {onClose && <button type="button" className="secondary" onClick={onClose}>{t('close')}</button>}
      </div>
    </form>
  );
}
