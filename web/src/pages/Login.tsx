// Sign-in: email, password and (when enabled) a TOTP code; the session cookie is set by the server.
import { useState, type FormEvent } from 'react';
import { api, ApiError, type Me } from '../api.ts';
import { useI18n } from '../i18n.tsx';

export function LoginPage({ onSignedIn }: { onSignedIn(me: Me): void }) {
  const { t } = useI18n();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [totp, setTotp] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const answer = await api<{ me: Me }>('POST', '/auth/login', { email, password, ...(totp && { totp }) });
      onSignedIn(answer.me);
    } catch (e) {
      setError(e instanceof ApiError ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="card login" aria-labelledby="login-title">
      <h1 id="login-title">{t('signIn')}</h1>
      <form onSubmit={submit}>
        <label>{t('email')}<input type="email" autoComplete="username" required value={email} onChange={(e) => setEmail(e.target.value)} /></label>
        <label>{t('password')}<input type="password" autoComplete="current-password" required value={password} onChange={(e) => setPassword(e.target.value)} /></label>
        <label>{t('totp')}<input inputMode="numeric" autoComplete="one-time-code" value={totp} onChange={(e) => setTotp(e.target.value)} /></label>
        {error && <p className="note error" role="alert">{error}</p>}
        <button type="submit" disabled={busy}>{busy ? t('signingIn') : t('signIn')}</button>
      </form>
    </section>
  );
}
