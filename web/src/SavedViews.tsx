// Saved views: the signed-in user's named filters of a list page (GET/POST/DELETE /api/v1/saved-views),
// kept on the server so they follow the user from the desk to the phone. Choosing one opens the list
// with its filters in the address; the filters on screen can be saved under a name; the view now open
// can be removed.
import { useEffect, useState, type FormEvent } from 'react';
import { api } from './api.ts';
import { useAction } from './action.ts';
import { ActionError } from './App.tsx';
import { errorFor, InputField, SelectField } from './Field.tsx';
import { useI18n } from './i18n.tsx';
import { useRouter } from './router.tsx';
import { normaliseQuery, type SavedViewPage } from '../../src/saved-views/saved-views.rules.ts';
import type { SavedView } from '../../src/saved-views/saved-views.schemas.ts';

/** The page's saved views; `query` is the address query the list shows now. */
export function SavedViews({ page, query }: { page: SavedViewPage; query: string }) {
  const { t } = useI18n();
  const { navigate } = useRouter();
  const [views, setViews] = useState<SavedView[]>([]);
  const [naming, setNaming] = useState(false);
  const [name, setName] = useState('');
  const action = useAction();
  const load = () => api<{ items: SavedView[] }>('GET', `/saved-views?page=${page}`).then((r) => setViews(r.items)).catch(() => setViews([]));
  useEffect(() => { void load(); }, [page]);

  const normal = normaliseQuery(page, query);
  const current = 'query' in normal ? normal.query : null;
  const open = views.find((v) => v.query === current);
  const save = (event: FormEvent) => {
    event.preventDefault();
    void action.run(async () => {
      const saved = await api<SavedView>('POST', '/saved-views', { page, name, query });
      setNaming(false);
      setName('');
      await load();
      return t('svSaved', { name: saved.name });
    });
  };
  const remove = (view: SavedView) => action.run(async () => {
    await api('DELETE', `/saved-views/${view.id}`);
    await load();
    return t('svRemoved', { name: view.name });
  });

  return (
    <div className="saved-views filters" role="group" aria-label={t('svTitle')}>
      {views.length > 0 && (
        <SelectField label={t('svOpen')} value={open?.id ?? ''} onChange={(e) => { const v = views.find((x) => x.id === e.target.value); if (v) navigate(`/${page}?${v.query}`); }}>
          <option value="">{t('svChoose')}</option>
          {views.map((v) => <option key={v.id} value={v.id}>{v.name}</option>)}
        </SelectField>
      )}
      {open && <button type="button" className="secondary" disabled={action.busy} onClick={() => void remove(open)}>{t('svRemove', { name: open.name })}</button>}
      {!open && current && !naming && <button type="button" className="secondary" onClick={() => { action.reset(); setNaming(true); }}>{t('svSave')}</button>}
      {naming && (
        <form className="filters" aria-label={t('svSave')} onSubmit={save}>
          <InputField label={t('svName')} value={name} placeholder={t('svNameHint')} maxLength={60} required autoFocus onChange={(e) => setName(e.target.value)} error={errorFor(action.error, 'name')} />
          <button type="submit" disabled={action.busy}>{t('svConfirm')}</button>
          <button type="button" className="secondary" onClick={() => { setNaming(false); action.reset(); }}>{t('svCancel')}</button>
        </form>
      )}
      {action.done && <p role="status" className="note">{action.done}</p>}
      {action.error !== null && !errorFor(action.error, 'name') && <ActionError error={action.error} />}
    </div>
  );
}
