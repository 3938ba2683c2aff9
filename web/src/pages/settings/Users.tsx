// Users and roles (admins only): every account with its role, a role change per account (a merchant user
// is bound to its merchant), disabling and enabling an account, a temporary password, and a form for a new
// account with its first password.
import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { api, type Me, type Merchant, type User } from '../../api.ts';
import { useAction } from '../../action.ts';
import { ActionError, ErrorNote } from '../../App.tsx';
import { errorFor, InputField, SelectField, unplaced } from '../../Field.tsx';
import { useI18n } from '../../i18n.tsx';
import { useMerchants } from '../Calendar.tsx';

/** src/access/roles.ts */
const ROLES = ['admin', 'operator', 'support', 'technician', 'merchant', 'auditor'] as const;

export function UsersSettings({ me }: { me: Me }) {
  const { t } = useI18n();
  const merchants = useMerchants();
  const [items, setItems] = useState<User[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const load = useCallback(() => {
    setError(null);
    api<{ items: User[] }>('GET', '/users').then((r) => setItems(r.items)).catch((e: unknown) => setError(e));
  }, []);
  useEffect(load, [load]);

  return (
    <section aria-labelledby="users-title">
      <h2 id="users-title">{t('usersAndRoles')}</h2>
      <p className="muted">{t('rolesHelp')}</p>
      <UserForm merchants={merchants} onCreated={load} />
      <h3 id="user-list-title">{t('allUsers')}</h3>
      {error !== null && <ErrorNote error={error} onRetry={load} />}
      {items === null ? error === null && <p role="status">{t('loading')}</p> : (
        <ul className="user-list" aria-labelledby="user-list-title">
          {items.map((u) => <UserRow key={u.id} user={u} self={u.id === me.userId} merchants={merchants} onChanged={load} />)}
        </ul>
      )}
    </section>
  );
}

function UserRow({ user, self, merchants, onChanged }: { user: User; self: boolean; merchants: Merchant[]; onChanged(): void }) {
  const { t, tk } = useI18n();
  const [role, setRole] = useState(user.role);
  const [merchantId, setMerchantId] = useState(user.merchantId ?? '');
  const [resetting, setResetting] = useState(false);
  const [password, setPassword] = useState('');
  const [reason, setReason] = useState('');
  const action = useAction();
  const submit = (event: FormEvent) => {
    event.preventDefault();
    void action.run(async () => {
      const saved = await api<User | { state: 'awaiting_approval' }>('PATCH', `/users/${user.id}`, {
        role, ...(role === 'merchant' && { merchantId: merchantId || null }), ...(reason.trim() !== '' && { reason: reason.trim() }),
      });
      // A role change waits for a second person (four eyes): nothing changed yet.
      if ('state' in saved && saved.state === 'awaiting_approval') return t('apRoleHeld', { name: user.name });
      onChanged();
      return t('roleChanged', { name: (saved as User).name, role: tk('role', (saved as User).role) });
    });
  };
  const toggle = () => {
    if (!user.disabledAt && !window.confirm(t('stConfirmDisable', { name: user.name }))) return;
    void action.run(async () => {
      await api<User>('POST', `/users/${user.id}/${user.disabledAt ? 'enable' : 'disable'}`);
      onChanged();
      return t(user.disabledAt ? 'stEnabledDone' : 'stDisabledDone', { name: user.name });
    });
  };
  const reset = (event: FormEvent) => {
    event.preventDefault();
    void action.run(async () => {
      await api<User>('POST', `/users/${user.id}/password-reset`, { password });
      setPassword('');
      setResetting(false);
      onChanged();
      return t('stResetDone', { name: user.name });
    });
  };
  const status = [user.lockedUntil && t('lockedOut'), user.totpEnabled && t('totpOn')].filter(Boolean).join(' · ');
  const merchant = user.merchantId ? merchants.find((m) => m.id === user.merchantId)?.name : null;
  return (
    <li className={`card user${user.disabledAt ? ' user-disabled' : ''}`} data-user={user.email}>
      <div className="user-who">
        <strong>{user.name}</strong> <span className="muted break">{user.email}</span>
        <span className="badge badge-role" data-testid={`role-${user.email}`}>{tk('role', user.role)}</span>
        {user.disabledAt && <span className="badge badge-disabled">{t('stDisabledBadge')}</span>}
        {merchant && <span className="muted">{t('stMerchantOf', { name: merchant })}</span>}
        {status && <span className="muted">{status}</span>}
      </div>
      {self ? <p className="muted">{t('ownRole')}</p> : (
        <>
          <form className="filters" onSubmit={submit} noValidate>
            <SelectField label={t('roleOf', { name: user.name })} value={role} onChange={(e) => setRole(e.target.value)} error={errorFor(action.error, 'role')}>
              {ROLES.map((r) => <option key={r} value={r}>{tk('role', r)}</option>)}
            </SelectField>
            {role === 'merchant' && (
              <SelectField label={t('merchant')} value={merchantId} onChange={(e) => setMerchantId(e.target.value)} error={errorFor(action.error, 'merchantId')}>
                <option value="">{t('choose')}</option>
                {merchants.map((m) => <option key={m.id} value={m.id}>{m.name}</option>)}
              </SelectField>
            )}
            {role !== user.role && (
              <InputField label={t('apRoleReason')} maxLength={500} value={reason} onChange={(e) => setReason(e.target.value)} error={errorFor(action.error, 'reason')} />
            )}
            <button type="submit" disabled={action.busy || (role === user.role && (merchantId || null) === user.merchantId)}>{t('changeRole')}</button>
          </form>
          <div className="buttons">
            <button type="button" className={user.disabledAt ? 'secondary' : 'danger'} disabled={action.busy} onClick={toggle}
              aria-label={t(user.disabledAt ? 'stEnableOf' : 'stDisableOf', { name: user.name })}>{t(user.disabledAt ? 'stEnable' : 'stDisable')}</button>
            <button type="button" className="secondary" aria-expanded={resetting} disabled={action.busy} onClick={() => setResetting(!resetting)}>{t('stResetPassword')}</button>
          </div>
          {resetting && (
            <form className="settings-form" onSubmit={reset} aria-label={t('stResetPasswordOf', { name: user.name })} noValidate>
              <InputField label={t('stResetPasswordOf', { name: user.name })} type="password" autoComplete="new-password" required value={password}
                onChange={(e) => setPassword(e.target.value)} hint={`${t('passwordRule')} ${t('stResetHint')}`} error={errorFor(action.error, 'password')} />
              <div className="buttons">
                <button type="submit" disabled={action.busy}>{t('stResetPassword')}</button>
                <button type="button" className="secondary" onClick={() => { setResetting(false); action.reset(); }}>{t('stCancel')}</button>
              </div>
            </form>
          )}
        </>
      )}
      <div aria-live="polite">
        {action.done && <p className="note ok" role="status">{action.done}</p>}
        {unplaced(action.error, ['role', 'merchantId', ...(resetting ? ['password'] : [])]) && <ActionError error={action.error} />}
      </div>
    </li>
  );
}

function UserForm({ merchants, onCreated }: { merchants: Merchant[]; onCreated(): void }) {
  const { t, tk } = useI18n();
  const [form, setForm] = useState({ email: '', name: '', role: 'operator', merchantId: '', locale: 'zh-CN', password: '' });
  const action = useAction();
  const set = (key: keyof typeof form) => (e: { target: { value: string } }) => setForm({ ...form, [key]: e.target.value });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    void action.run(async () => {
      const created = await api<User>('POST', '/users', {
        email: form.email, name: form.name, role: form.role, locale: form.locale, password: form.password,
        ...(form.role === 'merchant' && { merchantId: form.merchantId || null }),
      });
      setForm({ ...form, email: '', name: '', password: '' });
      onCreated();
      return t('userCreated', { name: created.name, role: tk('role', created.role) });
    });
  };
  return (
    <form className="card settings-form" onSubmit={submit} aria-labelledby="new-user-title" noValidate>
      <h3 id="new-user-title">{t('newUser')}</h3>
      <InputField label={t('email')} type="email" autoComplete="off" required value={form.email} onChange={set('email')} error={errorFor(action.error, 'email')} />
      <InputField label={t('userName')} required maxLength={200} value={form.name} onChange={set('name')} error={errorFor(action.error, 'name')} />
      <SelectField label={t('role')} value={form.role} onChange={set('role')} error={errorFor(action.error, 'role')}>
        {ROLES.map((r) => <option key={r} value={r}>{tk('role', r)}</option>)}
      </SelectField>
      {form.role === 'merchant' && (
        <SelectField label={t('merchant')} required value={form.merchantId} onChange={set('merchantId')} error={errorFor(action.error, 'merchantId')}>
          <option value="">{t('choose')}</option>
          {merchants.map((m) => <option key={m.id} value={m.id}>{m.name}</option>)}
        </SelectField>
      )}
      <SelectField label={t('userLanguage')} value={form.locale} onChange={set('locale')} error={errorFor(action.error, 'locale')}>
        <option value="zh-CN" lang="zh-CN">简体中文</option>
        <option value="en" lang="en">English</option>
      </SelectField>
      <InputField label={t('initialPassword')} type="password" autoComplete="new-password" required value={form.password} onChange={set('password')}
        hint={t('passwordRule')} error={errorFor(action.error, 'password')} />
      <div aria-live="polite">
        {action.done && <p className="note ok" role="status">{action.done}</p>}
        {unplaced(action.error, ['email', 'name', 'role', 'merchantId', 'locale', 'password']) && <ActionError error={action.error} />}
      </div>
      <button type="submit" disabled={action.busy}>{t('createUser')}</button>
    </form>
  );
}
