// Preventive-maintenance templates: the list, and a template's names and base interval edited in place.
// Its tasks and checklists are shown; changing them stays with the API (a structured document).
import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { api, type Me, type PreventiveTemplate } from '../../api.ts';
import { useAction } from '../../action.ts';
import { ActionError, ErrorNote } from '../../App.tsx';
import { errorFor, InputField, unplaced } from '../../Field.tsx';
import { useI18n } from '../../i18n.tsx';
import { can } from '../../permissions.ts';

export function TemplatesSettings({ me }: { me: Me }) {
  const { t, locale } = useI18n();
  const [items, setItems] = useState<PreventiveTemplate[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [editing, setEditing] = useState<string | null>(null);
  const mayEdit = can(me, 'workorders:write');
  const load = useCallback(() => {
    setError(null);
    api<{ items: PreventiveTemplate[] }>('GET', '/preventive/templates').then((r) => setItems(r.items)).catch((e: unknown) => setError(e));
  }, []);
  useEffect(load, [load]);
  const chosen = items?.find((x) => x.id === editing);

  return (
    <section aria-labelledby="templates-title">
      <h2 id="templates-title">{t('templates')}</h2>
      {!mayEdit && <p className="note">{t('noPermission')}</p>}
      {error !== null && <ErrorNote error={error} onRetry={load} />}
      {items === null ? error === null && <p role="status">{t('loading')}</p> : (
        <div className="table-wrap">
          <table aria-labelledby="templates-title">
            <thead>
              <tr>
                <th scope="col">{t('templateName')}</th><th scope="col">{t('intervalDays')}</th>
                <th scope="col" className="wide">{t('tasks')}</th>{mayEdit && <th scope="col"><span className="sr-only">{t('actions')}</span></th>}
              </tr>
            </thead>
            <tbody>
              {items.map((x) => (
                <tr key={x.id} data-template={x.code}>
                  <th scope="row">{x.name[locale]}{x.builtin && <span className="muted"> · {t('builtin')}</span>}</th>
                  <td data-testid={`interval-${x.code}`}>{x.intervalDays}</td>
                  <td className="wide">{x.tasks.map((task) => task.name[locale]).join(', ')}</td>
                  {mayEdit && (
                    <td><button type="button" className="secondary" aria-label={`${t('edit')} ${x.name[locale]}`} onClick={() => setEditing(x.id)}>{t('edit')}</button></td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {chosen && <TemplateForm key={chosen.id} template={chosen} onSaved={(saved) => { setItems((list) => list?.map((x) => (x.id === saved.id ? saved : x)) ?? null); }} onClose={() => setEditing(null)} />}
    </section>
  );
}

function TemplateForm({ template, onSaved, onClose }: { template: PreventiveTemplate; onSaved(t: PreventiveTemplate): void; onClose(): void }) {
  const { t, tk, locale } = useI18n();
  const [zh, setZh] = useState(template.name['zh-CN']);
  const [en, setEn] = useState(template.name.en);
  const [interval, setIntervalDays] = useState(String(template.intervalDays));
  const action = useAction();
  const submit = (event: FormEvent) => {
    event.preventDefault();
    void action.run(async () => {
      const saved = await api<PreventiveTemplate>('PATCH', `/preventive/templates/${template.id}`, { name: { 'zh-CN': zh, en }, intervalDays: interval.trim() === '' ? null : Number(interval) });
      onSaved(saved);
      return t('saved');
    });
  };
  return (
    <form className="card settings-form" onSubmit={submit} aria-labelledby="template-form-title" noValidate>
      <h3 id="template-form-title">{t('editTemplate', { name: template.name[locale] })}</h3>
      <InputField label={t('nameZh')} lang="zh-CN" required value={zh} onChange={(e) => setZh(e.target.value)} error={errorFor(action.error, 'name.zh-CN')} />
      <InputField label={t('nameEn')} lang="en" required value={en} onChange={(e) => setEn(e.target.value)} error={errorFor(action.error, 'name.en')} />
      <InputField label={t('intervalDays')} type="number" inputMode="decimal" required value={interval} onChange={(e) => setIntervalDays(e.target.value)}
        error={errorFor(action.error, 'intervalDays')} hint={t('intervalHint')} />
      <h4>{t('tasks')}</h4>
      <ul className="plain">
        {template.tasks.map((task) => (
          <li key={task.code}>{task.name[locale]} <span className="muted">· {tk('performer', task.performer)} · {t('checklistItems', { count: task.checklist.length })}</span></li>
        ))}
      </ul>
      <div aria-live="polite">
        {action.done && <p className="note ok" role="status">{action.done}</p>}
        {unplaced(action.error, ['name', 'intervalDays']) && <ActionError error={action.error} />}
      </div>
      <div className="buttons">
        <button type="submit" disabled={action.busy}>{t('save')}</button>
        <button type="button" className="secondary" onClick={onClose}>{t('close')}</button>
      </div>
    </form>
  );
}
