// One package: what it is, which terminal models it is for, how it is signed (key and SHA-256), its
// release notes in the reader's language, and — when it is ready — a way to start a campaign with it.
import { useCallback, useEffect, useState } from 'react';
import { api, type Me, type Package, type PublisherKey } from '../../api.ts';
import { ErrorNote } from '../../App.tsx';
import { number } from '../../format.ts';
import { useI18n } from '../../i18n.tsx';
import { can } from '../../permissions.ts';
import { Link } from '../../router.tsx';
import { modelName, useModels } from './shared.tsx';

export function PackagePage({ id, me }: { id: string; me: Me }) {
  const { t, tk, date, locale } = useI18n();
  const models = useModels();
  const [pkg, setPkg] = useState<Package | null>(null);
  const [key, setKey] = useState<PublisherKey | null>(null);
  const [error, setError] = useState<unknown>(null);
  const load = useCallback(() => {
    setError(null);
    Promise.all([api<Package>('GET', `/packages/${encodeURIComponent(id)}`), api<{ items: PublisherKey[] }>('GET', '/publisher-keys')])
      .then(([p, keys]) => { setPkg(p); setKey(keys.items.find((k) => k.id === p.keyId) ?? null); })
      .catch((e: unknown) => setError(e));
  }, [id]);
  useEffect(load, [load]);

  if (!pkg) {
    return (
      <section aria-labelledby="package-title">
        <p><Link href="/updates">{t('backToUpdates')}</Link></p>
        <h1 id="package-title">{t('package')}</h1>
        {error !== null ? <ErrorNote error={error} onRetry={load} /> : <p role="status">{t('loading')}</p>}
      </section>
    );
  }
  const notes = pkg.releaseNotes[locale].trim() || pkg.releaseNotes[locale === 'en' ? 'zh-CN' : 'en'].trim();
  return (
    <section aria-labelledby="package-title">
      <p><Link href="/updates">{t('backToUpdates')}</Link></p>
      <h1 id="package-title">{t('packageTitle', { name: pkg.name, version: pkg.version })}</h1>
      <p className="mode-line">
        {pkg.ready ? <span className="flag flag-ready">{t('ready')}</span> : <span className="flag">{t('notReady')}</span>}
        {pkg.securityPatch && <span className="flag flag-security">{t('securityPatch')}</span>}
      </p>
      {pkg.ready && !key?.revokedAt && can(me, 'rollouts:write') && (
        <p><Link className="button-link" href={`/updates/campaigns/new?package=${encodeURIComponent(pkg.id)}`}>{t('startWithPackage')}</Link></p>
      )}
      <dl className="facts package-facts">
        <dt>{t('packageKind')}</dt><dd>{tk('pkind', pkg.kind)}</dd>
        <dt>{t('version')}</dt><dd>{pkg.version}</dd>
        <dt>{t('compatibleModels')}</dt><dd>{pkg.compatibleModels.map((m) => modelName(models, m)).join(', ')}</dd>
        <dt>{t('minInstalledVersion')}</dt><dd>{pkg.minInstalledVersion ?? '—'}</dd>
        <dt>{t('fileName')}</dt><dd className="break">{pkg.fileName} ({t('bytes', { size: number(pkg.size, locale) })})</dd>
        <dt>SHA-256</dt><dd><code className="break">{pkg.sha256}</code></dd>
        <dt>{t('signedBy')}</dt>
        <dd>{key ? (key.revokedAt ? t('keyRevoked', { name: key.name }) : key.name) : ''} <code className="break">{pkg.keyId}</code></dd>
        <dt>{t('uploaded')}</dt><dd>{pkg.uploadedAt ? date(pkg.uploadedAt) : t('notReady')}</dd>
        <dt>{t('created')}</dt><dd>{date(pkg.createdAt)} · {pkg.createdBy}</dd>
      </dl>
      <h2>{t('releaseNotes')}</h2>
      {notes ? <p className="release-notes">{notes}</p> : <p className="muted">{t('none')}</p>}
    </section>
  );
}
