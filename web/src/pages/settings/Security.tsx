// Settings → Security: how long a terminal may be away before a relocation case opens, whether it is
// locked and inspected, which tags mark mobile terminals, the key expiry warning, and the key policy
// per acquirer (the keys a terminal must hold, with the BDK id or KCV they must have).
import { useCallback, useEffect, useState, type FormEvent } from 'react';
import type { Static } from 'typebox';
import { api, type Me } from '../../api.ts';
import { ErrorNote } from '../../App.tsx';
import { useI18n } from '../../i18n.tsx';
import { can } from '../../permissions.ts';
import type { KeyPolicyView, SecuritySettingsView } from '../../../../src/security/security.schemas.ts';
import { KEY_TYPES, type KeyType } from '../../../../src/shared/terminal-security.ts';

type Settings = Static<typeof SecuritySettingsView>;
type Policy = Static<typeof KeyPolicyView>;

export function SecuritySettings({ me }: { me: Me }) {
  const { t } = useI18n();
  const [settings, setSettings] = useState<Settings | null>(null);
  const [policies, setPolicies] = useState<Policy[]>([]);
  const [error, setError] = useState<unknown>(null);
  const [note, setNote] = useState('');
  const [draft, setDraft] = useState({ grace: '', lock: true, tags: '', days: '' });
  const [policy, setPolicy] = useState<{ acquirer: string; keyType: KeyType; bdkId: string; kcv: string }>({ acquirer: '', keyType: 'TPK', bdkId: '', kcv: '' });
  const load = useCallback(async () => {
    try {
      const [s, p] = await Promise.all([api<Settings>('GET', '/security/settings'), api<{ items: Policy[] }>('GET', '/security/key-policies')]);
      setSettings(s);
      setDraft({ grace: String(s.relocationGraceMinutes), lock: s.lockOnRelocation, tags: s.mobileTags.join(', '), days: String(s.keyExpiryWarningDays) });
      setPolicies(p.items);
      setError(null);
    } catch (e) {
      setError(e);
    }
  }, []);
  useEffect(() => { void load(); }, [load]);
  const act = async (fn: () => Promise<unknown>) => {
    try {
      await fn();
      setNote(t('secSaved'));
      setError(null);
      await load();
    } catch (e) {
      setError(e);
    }
  };
  const saveSettings = (e: FormEvent) => {
    e.preventDefault();
    void act(() => api('PATCH', '/security/settings', {
      relocationGraceMinutes: Number(draft.grace), lockOnRelocation: draft.lock, keyExpiryWarningDays: Number(draft.days),
      mobileTags: draft.tags.split(/[,，\s]+/).map((x) => x.trim()).filter(Boolean),
    }));
  };
  const addPolicy = (e: FormEvent) => {
    e.preventDefault();
    void act(() => api('PUT', '/security/key-policies', {
      acquirer: policy.acquirer.trim(), keyType: policy.keyType, ...(policy.bdkId.trim() && { bdkId: policy.bdkId.trim() }), ...(policy.kcv.trim() && { kcv: policy.kcv.trim() }),
    }));
  };
  const editEstate = can(me, 'estate:write');
  const editPolicies = can(me, 'configuration:schemas');
  if (!settings) return error ? <ErrorNote error={error} onRetry={() => void load()} /> : null;
  return (
    <section aria-labelledby="security-settings-title">
      <h2 id="security-settings-title">{t('secSettingsTitle')}</h2>
      {error ? <ErrorNote error={error} /> : null}
      {note && <p role="status">{note}</p>}
      <form onSubmit={saveSettings} className="stack">
        <label>{t('secGraceMinutes')} <input name="relocationGraceMinutes" type="number" min={1} max={10080} required disabled={!editEstate} value={draft.grace} onChange={(e) => setDraft({ ...draft, grace: e.target.value })} /></label>
        <label className="inline"><input name="lockOnRelocation" type="checkbox" disabled={!editEstate} checked={draft.lock} onChange={(e) => setDraft({ ...draft, lock: e.target.checked })} /> {t('secLockOnRelocation')}</label>
        <label>{t('secMobileTags')} <input name="mobileTags" disabled={!editEstate} value={draft.tags} onChange={(e) => setDraft({ ...draft, tags: e.target.value })} /></label>
        <label>{t('secExpiryDays')} <input name="keyExpiryWarningDays" type="number" min={1} max={365} required disabled={!editEstate} value={draft.days} onChange={(e) => setDraft({ ...draft, days: e.target.value })} /></label>
        {editEstate && <button type="submit">{t('secSave')}</button>}
      </form>
      <h2>{t('secPolicies')}</h2>
      <p className="muted">{t('secPoliciesHint')}</p>
      {policies.length === 0 ? <p>{t('secNoPolicies')}</p> : (
        <div className="table-wrap">
          <table>
            <thead><tr>
              <th scope="col">{t('secPolicyAcquirer')}</th><th scope="col">{t('secKeyType')}</th><th scope="col">{t('secBdk')}</th><th scope="col">{t('secKcv')}</th>
              {editPolicies && <th scope="col"><span className="sr-only">{t('secPolicyRemove')}</span></th>}
            </tr></thead>
            <tbody>
              {policies.map((p) => (
                <tr key={`${p.acquirer} ${p.keyType}`} data-policy={`${p.acquirer} ${p.keyType}`}>
                  <td>{p.acquirer}</td><td>{p.keyType}</td><td>{p.bdkId ?? t('secAny')}</td><td>{p.kcv ?? t('secAny')}</td>
                  {editPolicies && <td><button type="button" onClick={() => void act(() => api('DELETE', `/security/key-policies/${encodeURIComponent(p.acquirer)}/${p.keyType}`))}>{t('secPolicyRemove')}</button></td>}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {editPolicies && (
        <form onSubmit={addPolicy} className="filters">
          <label>{t('secPolicyAcquirer')} <input name="acquirer" required value={policy.acquirer} onChange={(e) => setPolicy({ ...policy, acquirer: e.target.value })} /></label>
          <label>{t('secKeyType')} <select name="keyType" value={policy.keyType} onChange={(e) => setPolicy({ ...policy, keyType: e.target.value as KeyType })}>{KEY_TYPES.map((k) => <option key={k} value={k}>{k}</option>)}</select></label>
          <label>{t('secBdk')} <input name="bdkId" value={policy.bdkId} onChange={(e) => setPolicy({ ...policy, bdkId: e.target.value })} /></label>
          <label>{t('secKcv')} <input name="kcv" value={policy.kcv} onChange={(e) => setPolicy({ ...policy, kcv: e.target.value })} /></label>
          <button type="submit">{t('secPolicyAdd')}</button>
        </form>
      )}
    </section>
  );
}
