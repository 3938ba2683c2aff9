// Uploading a signed software package in the browser. The publisher signed a short statement (kind,
// name, version, size, SHA-256) with their Ed25519 key; the statement file they got when signing fills
// this form, or its facts are typed in. The browser works out the file's size and SHA-256 itself
// (WebCrypto) and says at once when the file is not the one that was signed; then it declares the
// package (the server checks the signature), uploads the file with progress (the server checks size and
// SHA-256), and shows the server's verdict — or its refusal — in the reader's language.
import { useEffect, useId, useState, type ChangeEvent, type FormEvent } from 'react';
import { api, ApiError, uploadFile, type Me, type Package, type PublisherKey } from '../../api.ts';
import { InputField, SelectField, TextAreaField } from '../../Field.tsx';
import { number } from '../../format.ts';
import { useI18n, type I18n, type MessageKey } from '../../i18n.tsx';
import { can } from '../../permissions.ts';
import { Link } from '../../router.tsx';
import { useModels } from './shared.tsx';

const KINDS = ['application', 'firmware', 'configuration', 'parameters'] as const;
/** The server's pattern for a file name (src/rollouts/rollouts.schemas.ts PackageInput.fileName). */
const FILE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/** What signing wrote beside the package: the signed facts (src/cli/publisher.ts PackageManifest). */
interface Statement { kind?: string; name?: string; version?: string; fileName?: string; size?: number; sha256?: string; keyId?: string; signature?: string }

interface Measured { name: string; size: number; sha256: string }

async function sha256Hex(file: Blob): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', await file.arrayBuffer());
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/** A file name the server takes, from the one chosen (spaces and other characters become "-"). */
const serverFileName = (name: string) => (FILE_NAME.test(name) ? name : name.replace(/^[^A-Za-z0-9]+/, '').replace(/[^A-Za-z0-9._-]/g, '-').slice(0, 128) || 'package.bin');

const bytes = (n: number, locale: string) => (n >= 1024 * 1024 ? `${(n / (1024 * 1024)).toFixed(1)} MB` : n >= 1024 ? `${(n / 1024).toFixed(1)} KB` : `${number(n, locale)} B`);

/** Why the server refused, from the field it names: never its English text. */
function refusal(error: unknown, { t }: I18n): string {
  if (!(error instanceof ApiError)) return t('upNetwork');
  if (error.status === 403) return t('noPermission');
  if (error.status === 413 || error.code === 'payload_too_large') return t('upTooLarge');
  const byField: Record<string, MessageKey> = {
    signature: 'upBadSignature', keyId: 'upBadKey', sha256: 'upBadSha', size: 'upBadSize', compatibleModels: 'upBadModels',
    name: 'upBadName', fileName: 'upBadName', minInstalledVersion: 'upBadVersion',
  };
  if (error.field === 'version') return t(error.status === 409 ? 'upVersionExists' : 'upBadVersion');
  if (error.field && byField[error.field]) return t(byField[error.field]!);
  if (error.status === 409) return t('upAlreadyUploaded');
  if (error.status < 500) return t('woCheckField');
  return t('woFailedServer');
}

export function UploadPackagePage({ me }: { me: Me }) {
  const i18n = useI18n();
  const { t, tk, locale } = i18n;
  const models = useModels();
  const fileId = useId();
  const [keys, setKeys] = useState<PublisherKey[]>([]);
  const [file, setFile] = useState<File | null>(null);
  const [measured, setMeasured] = useState<Measured | 'working' | null>(null);
  const [statement, setStatement] = useState<Statement | null>(null);
  const [statementProblem, setStatementProblem] = useState(false);
  const [kind, setKind] = useState<string>('application');
  const [name, setName] = useState('');
  const [version, setVersion] = useState('');
  const [keyId, setKeyId] = useState('');
  const [signature, setSignature] = useState('');
  const [compatible, setCompatible] = useState<string[]>([]);
  const [securityPatch, setSecurityPatch] = useState(false);
  const [notesZh, setNotesZh] = useState('');
  const [notesEn, setNotesEn] = useState('');
  const [stage, setStage] = useState<'idle' | 'declaring' | 'uploading'>('idle');
  const [sent, setSent] = useState(0);
  const [declared, setDeclared] = useState<{ id: string; sha256: string } | null>(null);
  const [verdict, setVerdict] = useState<{ ok: Package } | { refused: unknown } | null>(null);

  useEffect(() => {
    api<{ items: PublisherKey[] }>('GET', '/publisher-keys').then((k) => setKeys(k.items.filter((x) => !x.revokedAt))).catch(() => setKeys([]));
  }, []);

  const chooseFile = (event: ChangeEvent<HTMLInputElement>) => {
    const chosen = event.target.files?.[0] ?? null;
    setFile(chosen);
    setVerdict(null);
    if (!chosen) { setMeasured(null); return; }
    setMeasured('working');
    void sha256Hex(chosen).then((sha256) => setMeasured({ name: chosen.name, size: chosen.size, sha256 }));
  };
  const chooseStatement = (event: ChangeEvent<HTMLInputElement>) => {
    const chosen = event.target.files?.[0];
    setStatementProblem(false);
    if (!chosen) return;
    void chosen.text().then((text) => {
      let parsed: Statement;
      try { parsed = JSON.parse(text) as Statement; } catch { setStatementProblem(true); return; }
      if (typeof parsed !== 'object' || !parsed || typeof parsed.signature !== 'string') { setStatementProblem(true); return; }
      setStatement(parsed);
      if (parsed.kind && (KINDS as readonly string[]).includes(parsed.kind)) setKind(parsed.kind);
      if (parsed.name) setName(parsed.name);
      if (parsed.version) setVersion(parsed.version);
      if (parsed.keyId) setKeyId(parsed.keyId);
      setSignature(parsed.signature);
    });
  };

  const facts = measured && measured !== 'working' ? measured : null;
  // The file must be the one the statement names: else the server would refuse it after the upload.
  const mismatch = facts && statement && ((statement.sha256 && statement.sha256.toLowerCase() !== facts.sha256) || (statement.size !== undefined && statement.size !== facts.size));
  const keyKnown = !keyId || keys.some((k) => k.id === keyId);
  const busy = stage !== 'idle';
  const ready = !!facts && !mismatch && !!name.trim() && !!version.trim() && !!keyId && keyKnown && !!signature.trim() && compatible.length > 0;

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!ready || !file || !facts) return;
    setVerdict(null);
    setSent(0);
    try {
      let id = declared && declared.sha256 === facts.sha256 ? declared.id : null;
      if (!id) {
        setStage('declaring');
        const notes = notesZh.trim() || notesEn.trim() ? { releaseNotes: { 'zh-CN': notesZh.trim() || notesEn.trim(), en: notesEn.trim() || notesZh.trim() } } : {};
        const pkg = await api<Package>('POST', '/packages', {
          kind, name: name.trim(), version: version.trim(), fileName: serverFileName(statement?.fileName ?? facts.name), size: facts.size, sha256: facts.sha256,
          signature: signature.trim(), keyId, compatibleModels: compatible, securityPatch, ...notes,
        });
        id = pkg.id;
        setDeclared({ id, sha256: facts.sha256 });
      }
      setStage('uploading');
      const pkg = await uploadFile<Package>(`/packages/${encodeURIComponent(id)}/content`, file, (n) => setSent(n));
      setVerdict({ ok: pkg });
    } catch (e) {
      setVerdict({ refused: e });
    } finally {
      setStage('idle');
    }
  };

  if (!can(me, 'packages:publish')) {
    return (
      <section aria-labelledby="upload-title">
        <p><Link href="/updates">{t('backToUpdates')}</Link></p>
        <h1 id="upload-title">{t('upTitle')}</h1>
        <p className="note">{t('noPermission')}</p>
      </section>
    );
  }
  const key = verdict && 'ok' in verdict ? keys.find((k) => k.id === verdict.ok.keyId) : undefined;
  return (
    <section aria-labelledby="upload-title" className="upload-package">
      <p><Link href="/updates">{t('backToUpdates')}</Link></p>
      <h1 id="upload-title">{t('upTitle')}</h1>
      <p className="lead">{t('upLead')}</p>
      <form className="card" onSubmit={submit} aria-labelledby="upload-title" noValidate>
        <div className="field">
          <label htmlFor={fileId}>{t('upFile')}</label>
          <input id={fileId} type="file" disabled={busy} onChange={chooseFile} aria-describedby={`${fileId}-facts`} />
          <div id={`${fileId}-facts`} className="hint" aria-live="polite">
            {measured === 'working' && t('upHashing')}
            {facts && <span className="break">{t('upMeasured', { size: bytes(facts.size, locale), bytes: number(facts.size, locale), sha: facts.sha256 })}</span>}
          </div>
        </div>
        <fieldset>
          <legend>{t('upStatement')}</legend>
          <div className="field">
            <label htmlFor={`${fileId}-st`}>{t('upStatementFile')}</label>
            <input id={`${fileId}-st`} type="file" accept=".json,application/json" disabled={busy} onChange={chooseStatement} aria-describedby={`${fileId}-st-hint`} />
            <span id={`${fileId}-st-hint`} className="hint">{t('upStatementHint')}</span>
            {statementProblem && <span className="field-error" role="alert">{t('upStatementUnreadable')}</span>}
          </div>
          <SelectField label={t('packageKind')} value={kind} disabled={busy} onChange={(e) => setKind(e.target.value)}>
            {KINDS.map((k) => <option key={k} value={k}>{tk('pkind', k)}</option>)}
          </SelectField>
          <InputField label={t('upName')} value={name} disabled={busy} maxLength={64} hint={t('upNameHint')} onChange={(e) => setName(e.target.value)} />
          <InputField label={t('upVersion')} value={version} disabled={busy} maxLength={40} hint={t('upVersionHint')} onChange={(e) => setVersion(e.target.value)} />
          <SelectField label={t('upKey')} value={keyId} disabled={busy} error={keyKnown ? null : t('upBadKey')} onChange={(e) => setKeyId(e.target.value)}>
            <option value="">{t('choose')}</option>
            {!keyKnown && <option value={keyId}>{keyId}</option>}
            {keys.map((k) => <option key={k.id} value={k.id}>{t('upKeyOption', { name: k.name, id: k.id.slice(0, 12) })}</option>)}
          </SelectField>
          <TextAreaField label={t('upSignature')} value={signature} disabled={busy} rows={2} maxLength={200} hint={t('upSignatureHint')} onChange={(e) => setSignature(e.target.value)} />
        </fieldset>
        {mismatch && <p className="note error" role="alert">{t('upMismatch')}</p>}
        <fieldset>
          <legend>{t('upModels')}</legend>
          {models.map((m) => (
            <label key={m.id} className="inline">
              <input type="checkbox" checked={compatible.includes(m.id)} disabled={busy}
                onChange={(e) => setCompatible(e.target.checked ? [...compatible, m.id] : compatible.filter((x) => x !== m.id))} /> {m.vendor} {m.model}
            </label>
          ))}
        </fieldset>
        <label className="inline"><input type="checkbox" checked={securityPatch} disabled={busy} onChange={(e) => setSecurityPatch(e.target.checked)} /> {t('securityPatch')}</label>
        <TextAreaField label={t('upNotesZh')} value={notesZh} rows={2} disabled={busy} onChange={(e) => setNotesZh(e.target.value)} />
        <TextAreaField label={t('upNotesEn')} value={notesEn} rows={2} disabled={busy} onChange={(e) => setNotesEn(e.target.value)} />
        {stage !== 'idle' && (
          <label className="progress-line" aria-live="polite">
            <span>{stage === 'declaring' ? t('upDeclaring') : t('upUploading', { percent: facts ? Math.floor((sent / Math.max(1, facts.size)) * 100) : 0 })}</span>
            <progress max={facts?.size ?? 1} value={stage === 'declaring' ? 0 : sent} />
          </label>
        )}
        {verdict && 'refused' in verdict && <div className="note error" role="alert"><strong>{t('upRefused')}</strong> {refusal(verdict.refused, i18n)}</div>}
        {verdict && 'ok' in verdict && (
          <div className="note ok verdict" role="status">
            <strong>{t('upAccepted', { name: verdict.ok.name, version: verdict.ok.version })}</strong>
            <ul className="plain">
              <li>✓ {t('upSignatureChecked', { key: key?.name ?? verdict.ok.keyId.slice(0, 12) })}</li>
              <li className="break">✓ {t('upShaChecked', { sha: verdict.ok.sha256 })}</li>
            </ul>
            <div className="buttons">
              {can(me, 'rollouts:write') && <Link className="button-link" href={`/updates/campaigns/new?package=${encodeURIComponent(verdict.ok.id)}`}>{t('upStartCampaign')}</Link>}
              <Link href={`/updates/packages/${verdict.ok.id}`}>{t('upOpenPackage')}</Link>
            </div>
          </div>
        )}
        <button type="submit" className="primary" disabled={busy || !ready || (!!verdict && 'ok' in verdict)}>{t('upSubmit')}</button>
      </form>
    </section>
  );
}
