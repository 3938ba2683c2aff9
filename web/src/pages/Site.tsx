// One site: its opening hours, edited per weekday in the site's time zone (the suspicious-trading rule
// flags sales outside them), and its staff training records (PCI DSS 9.5.1.3: who was trained to detect
// tampered or swapped terminals, when).
import { useState, type FormEvent } from 'react';
import { api, type Me, type Site } from '../api.ts';
import { invalidate, queryClient, useApiGet } from '../query.ts';
import { useAction } from '../action.ts';
import { ActionError, ErrorNote } from '../App.tsx';
import { errorFor, InputField } from '../Field.tsx';
import { useI18n } from '../i18n.tsx';
import { can } from '../permissions.ts';
import { Link } from '../router.tsx';
import './security.css';

const DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
type Day = (typeof DAYS)[number];
type Hours = Partial<Record<Day, { open: string; close: string }[]>>;
type SiteWithHours = Site & { openingHours: Hours };
type DraftDay = { closed: boolean; open: string; close: string };
interface TrainingRecord { id: string; personName: string; trainedOn: string; topics: ('tamper' | 'substitution')[]; trainer: string | null; recordedBy: string }

const draftOf = (hours: Hours): Record<Day, DraftDay> => Object.fromEntries(DAYS.map((d) => {
  const first = hours[d]?.[0];
  return [d, first ? { closed: false, open: first.open, close: first.close } : { closed: true, open: '09:00', close: '21:00' }];
})) as Record<Day, DraftDay>;

export function SitePage({ id, me }: { id: string; me: Me }) {
  const { t } = useI18n();
  const path = `/sites/${encodeURIComponent(id)}`;
  const query = useApiGet<SiteWithHours>(path);
  const site = query.data;
  if (query.error) return <ErrorNote error={query.error} onRetry={() => void query.refetch()} />;
  if (!site) return <p role="status">{t('loading')}</p>;
  return (
    <section aria-labelledby="site-title" className="site-page">
      <h1 id="site-title">{t('stSiteTitle', { name: `${site.name} (${site.code})` })}</h1>
      <p><Link href={`/terminals?siteId=${encodeURIComponent(site.id)}`}>{t('stSiteTerminals')}</Link></p>
      <OpeningHoursForm site={site} mayEdit={can(me, 'estate:write')} onSaved={(saved) => { queryClient.setQueryData([path], saved); void invalidate('/sites'); }} />
      {can(me, 'compliance:read') && <Training siteId={site.id} mayRecord={can(me, 'inspections:write')} />}
    </section>
  );
}

function OpeningHoursForm({ site, mayEdit, onSaved }: { site: SiteWithHours; mayEdit: boolean; onSaved: (s: SiteWithHours) => void }) {
  const { t } = useI18n();
  const [draft, setDraft] = useState(() => draftOf(site.openingHours));
  const action = useAction();
  const none = DAYS.every((d) => !site.openingHours[d]?.length);
  const set = (day: Day, change: Partial<DraftDay>) => setDraft({ ...draft, [day]: { ...draft[day], ...change } });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    void action.run(async () => {
      const openingHours: Hours = Object.fromEntries(DAYS.map((d) => [d, draft[d].closed ? [] : [{ open: draft[d].open, close: draft[d].close }]]));
      onSaved(await api<SiteWithHours>('PATCH', `/sites/${encodeURIComponent(site.id)}`, { openingHours }));
      return t('stHoursSaved');
    });
  };
  return (
    <form className="card" onSubmit={submit} aria-labelledby="hours-title" noValidate>
      <h2 id="hours-title">{t('stHours')}</h2>
      <p className="muted">{t('stHoursHelp', { zone: site.timeZone })}</p>
      {none && <p className="note" data-testid="no-hours">{t('stHoursNone')}</p>}
      <fieldset disabled={!mayEdit} className="hours">
        {DAYS.map((d, i) => (
          <div key={d} className="hours-row" data-day={d}>
            <strong>{t(`stDay_${d}`)}</strong>
            <label className="check"><input type="checkbox" checked={draft[d].closed} onChange={(e) => set(d, { closed: e.target.checked })} /> {t('stClosedDay')}</label>
            {!draft[d].closed && (
              <>
                <InputField label={t('stOpen')} type="time" value={draft[d].open} onChange={(e) => set(d, { open: e.target.value })} error={errorFor(action.error, `openingHours.${d}.0`)} />
                <InputField label={t('stClose')} type="time" value={draft[d].close} onChange={(e) => set(d, { close: e.target.value })} data-index={i} />
              </>
            )}
          </div>
        ))}
      </fieldset>
      <div aria-live="polite">
        {action.done && <p className="note ok" role="status">{action.done}</p>}
        {action.error !== null && <ActionError error={action.error} />}
      </div>
      {mayEdit && <div className="buttons"><button type="submit" disabled={action.busy}>{t('stSaveHours')}</button></div>}
    </form>
  );
}

function Training({ siteId, mayRecord }: { siteId: string; mayRecord: boolean }) {
  const { t } = useI18n();
  const path = `/sites/${encodeURIComponent(siteId)}/training-records`;
  const list = useApiGet<{ items: TrainingRecord[] }>(path);
  const items = list.data?.items ?? null;
  const [person, setPerson] = useState('');
  const [trainedOn, setTrainedOn] = useState(() => new Date().toISOString().slice(0, 10));
  const [topics, setTopics] = useState<('tamper' | 'substitution')[]>(['tamper', 'substitution']);
  const [trainer, setTrainer] = useState('');
  const action = useAction();
  const toggle = (topic: 'tamper' | 'substitution') => setTopics(topics.includes(topic) ? topics.filter((x) => x !== topic) : [...topics, topic]);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    void action.run(async () => {
      await api('POST', path, { personName: person, trainedOn, topics, ...(trainer.trim() && { trainer }) });
      setPerson('');
      await invalidate(path);
      return t('stTrainingSaved');
    });
  };
  return (
    <section className="card" aria-labelledby="training-title">
      <h2 id="training-title">{t('stTraining')}</h2>
      <p className="muted">{t('stTrainingHelp')}</p>
      {list.error && <ErrorNote error={list.error} onRetry={() => void list.refetch()} />}
      {items && items.length === 0 && <p data-testid="no-training">{t('stNoTraining')}</p>}
      {items && items.length > 0 && (
        <div className="table-scroll">
          <table data-testid="training">
            <thead><tr><th>{t('stTrainedOn')}</th><th>{t('stPerson')}</th><th>{t('stTopics')}</th><th>{t('stTrainer')}</th></tr></thead>
            <tbody>{items.map((r) => <tr key={r.id}><td>{r.trainedOn}</td><td>{r.personName}</td><td>{r.topics.map((x) => t(`stTopic_${x}`)).join('、')}</td><td>{r.trainer ?? '–'}</td></tr>)}</tbody>
          </table>
        </div>
      )}
      {mayRecord && (
        <form onSubmit={submit} noValidate aria-label={t('stRecordTraining')}>
          <div className="field-grid">
            <InputField label={t('stPerson')} value={person} onChange={(e) => setPerson(e.target.value)} error={errorFor(action.error, 'personName')} />
            <InputField label={t('stTrainedOn')} type="date" value={trainedOn} onChange={(e) => setTrainedOn(e.target.value)} error={errorFor(action.error, 'trainedOn')} />
            <InputField label={t('stTrainer')} value={trainer} onChange={(e) => setTrainer(e.target.value)} />
          </div>
          <fieldset className="checks">
            <legend>{t('stTopics')}</legend>
            {(['tamper', 'substitution'] as const).map((x) => (
              <label key={x} className="check"><input type="checkbox" checked={topics.includes(x)} onChange={() => toggle(x)} /> {t(`stTopic_${x}`)}</label>
            ))}
            {errorFor(action.error, 'topics') && <p className="field-error">{errorFor(action.error, 'topics')}</p>}
          </fieldset>
          <div aria-live="polite">
            {action.done && <p className="note ok" role="status">{action.done}</p>}
            {action.error !== null && !['personName', 'trainedOn', 'topics'].some((f) => errorFor(action.error, f)) && <ActionError error={action.error} />}
          </div>
          <div className="buttons"><button type="submit" disabled={action.busy}>{t('stRecordTraining')}</button></div>
        </form>
      )}
    </section>
  );
}
