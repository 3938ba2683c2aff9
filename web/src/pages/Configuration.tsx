// Terminal configuration: choose a level (fleet, merchant, site, group, terminal) and which one; see each
// parameter's value at that level and, for a terminal, its effective value and the level it came from;
// edit values with a field fitting each parameter's type (secrets stay hidden), see the diff before
// applying with a reason, and revert the level to an earlier version from its history. A merchant's
// user sees only the parameters the schema lets a merchant change. The level and scope live in the URL.
import { useCallback, useEffect, useMemo, useState, type FormEvent } from 'react';
import type { Static } from 'typebox';
import { allPages, api, ApiError, type Me, type Merchant, type Site, type Terminal } from '../api.ts';
import { ActionError, ErrorNote } from '../App.tsx';
import { useAction } from '../action.ts';
import { ConfirmDialog } from '../Dialog.tsx';
import { errorFor, InputField, SelectField, TextAreaField, unplaced } from '../Field.tsx';
import { useI18n, type I18n } from '../i18n.tsx';
import { browserTimeZone } from '../format.ts';
import { can } from '../permissions.ts';
import { useRouter } from '../router.tsx';
import { zoneLabel } from '../whose-time.ts';
import { PendingChanges } from './ConfigurationChanges.tsx';
import type { DiffView, EffectiveView, GroupView, LevelView, SchemaView, SetResult, VersionView } from '../../../src/configuration/configuration.schemas.ts';
import type { Level, ParameterSpec } from '../../../src/configuration/parameters.ts';

const LEVELS: readonly Level[] = ['fleet', 'merchant', 'site', 'group', 'terminal'];
const MERCHANT_LEVELS: readonly Level[] = ['merchant', 'site', 'terminal'];
const MASK = '******';

type Effective = Static<typeof EffectiveView>;
type Diff = Static<typeof DiffView>;
type Group = Static<typeof GroupView>;

const allowedAt = (spec: ParameterSpec, level: Level) => !spec.levels || spec.levels.includes(level);

/** A value in words: on/off, a list joined, a table's row count, "not set". */
function shown(spec: ParameterSpec | undefined, value: unknown, t: I18n['t']): string {
  if (value === null || value === undefined) return t('cfgNotSet');
  if (typeof value === 'boolean') return value ? t('cfgOn') : t('cfgOff');
  if (spec?.type === 'table' && Array.isArray(value)) return t('cfgRows', { count: value.length });
  if (Array.isArray(value)) return value.join(', ');
  return String(value);
}

/** A parameter's rules in the user's words, for a value the server refused against the schema. */
function rulesOf(spec: ParameterSpec, t: I18n['t']): string {
  const rules: string[] = [];
  if (spec.type === 'integer') rules.push(t('cfgRuleInteger'));
  if (spec.type === 'number') rules.push(t('cfgRuleNumber'));
  if (spec.minimum !== undefined || spec.maximum !== undefined) rules.push(t('cfgRuleRange', { min: spec.minimum ?? '…', max: spec.maximum ?? '…' }));
  if (spec.minLength !== undefined) rules.push(t('cfgRuleMinLength', { n: spec.minLength }));
  if (spec.maxLength !== undefined) rules.push(t('cfgRuleMaxLength', { n: spec.maxLength }));
  if (spec.pattern) rules.push(t('cfgRuleFormat'));
  if (spec.maxItems !== undefined) rules.push(t('cfgRuleMaxItems', { n: spec.maxItems }));
  if (spec.items || spec.columns) rules.push(t('cfgRuleItems'));
  const example = spec.type === 'string' && typeof spec.default === 'string' && !spec.secret ? spec.default : null;
  if (spec.pattern && example) rules.push(t('cfgRuleExample', { example }));
  return rules.join(' ');
}

/** A value before a change: none of its own at this level means the level above applied. */
const before = (spec: ParameterSpec | undefined, value: unknown, t: I18n['t']) => (value === null || value === undefined ? t('cfgInherited') : shown(spec, value, t));

/** What a field shows for a value set at this level. */
function asText(spec: ParameterSpec, value: unknown): string {
  if (value === undefined || value === null || value === MASK) return '';
  if (spec.type === 'list' && Array.isArray(value)) return value.join('\n');
  if (spec.type === 'table' && Array.isArray(value)) return value.map((row) => JSON.stringify(row)).join('\n');
  return String(value);
}

/** A field's text as the value to send; what does not parse goes as typed, for the server to name. */
function fromText(spec: ParameterSpec, text: string): unknown {
  const lines = () => text.split('\n').map((l) => l.trim()).filter(Boolean);
  switch (spec.type) {
    case 'number': case 'integer': return text.trim() !== '' && Number.isFinite(Number(text)) ? Number(text) : text;
    case 'boolean': return text === 'true';
    case 'enum': return spec.enum?.find((e) => String(e) === text) ?? text;
    case 'list': return lines().map((l) => (spec.items && spec.items.type !== 'string' && Number.isFinite(Number(l)) ? Number(l) : l));
    case 'table': try { return lines().map((l) => JSON.parse(l) as unknown); } catch { return text; }
    default: return text;
  }
}

export function ConfigurationPage({ me }: { me: Me }) {
  const { t, tk } = useI18n();
  const { path, navigate } = useRouter();
  const query = new URLSearchParams(path.split('?')[1] ?? '');
  const merchantUser = me.merchantId !== null;
  const levels = merchantUser ? MERCHANT_LEVELS : LEVELS;
  const level = (levels as readonly string[]).includes(query.get('level') ?? '') ? query.get('level') as Level : levels[0]!;
  const scope = level === 'fleet' ? 'fleet' : query.get('scope') ?? '';
  const choose = (l: Level, s: string) => navigate(`/configuration?level=${l}${s && l !== 'fleet' ? `&scope=${encodeURIComponent(s)}` : ''}`);

  const [schema, setSchema] = useState<SchemaView | null | undefined>(undefined);
  const [merchants, setMerchants] = useState<Merchant[]>([]);
  const [sites, setSites] = useState<Site[]>([]);
  const [groups, setGroups] = useState<Group[]>([]);
  const [terminals, setTerminals] = useState<Terminal[]>([]);
  const [loadError, setLoadError] = useState<unknown>(null);
  useEffect(() => {
    Promise.all([
      api<{ items: SchemaView[] }>('GET', '/configuration/schemas').then((r) => setSchema(r.items.find((s) => s.current) ?? null)),
      allPages<Merchant>('/merchants').then(setMerchants),
      allPages<Site>('/sites').then(setSites),
      allPages<Terminal>('/terminals').then(setTerminals),
      merchantUser ? Promise.resolve() : api<{ items: Group[] }>('GET', '/configuration/groups').then((r) => setGroups(r.items)),
    ]).catch(setLoadError);
  }, [merchantUser]);

  const options: { id: string; name: string }[] = level === 'merchant' ? merchants.map((m) => ({ id: m.id, name: m.name }))
    : level === 'site' ? sites.map((s) => ({ id: s.id, name: `${s.name} (${s.code})` }))
      : level === 'group' ? groups.map((g) => ({ id: g.id, name: g.name }))
        : level === 'terminal' ? terminals.map((x) => ({ id: x.id, name: x.serialNumber })) : [];
  const nameOf = (l: string, id: string) => (l === 'merchant' ? merchants.find((m) => m.id === id)?.name
    : l === 'site' ? sites.find((s) => s.id === id)?.name : l === 'group' ? groups.find((g) => g.id === id)?.name
      : l === 'terminal' ? terminals.find((x) => x.id === id)?.serialNumber : undefined) ?? '';

  return (
    <section aria-labelledby="cfg-title" className="configuration">
      <h1 id="cfg-title">{t('cfgTitle')}</h1>
      <p className="muted">{t('cfgIntro')}</p>
      {merchantUser && <p className="note">{t('cfgMerchantOnly')}</p>}
      <div className="filters">
        <SelectField label={t('cfgLevel')} value={level} onChange={(e) => choose(e.target.value as Level, '')}>
          {levels.map((l) => <option key={l} value={l}>{tk('cfgLevel', l)}</option>)}
        </SelectField>
        {level !== 'fleet' && (
          <SelectField className="grow" label={tk('cfgLevel', level)} value={scope} onChange={(e) => choose(level, e.target.value)}>
            <option value="">{t('cfgChooseScope')}</option>
            {options.map((o) => <option key={o.id} value={o.id}>{o.name}</option>)}
          </SelectField>
        )}
      </div>
      {loadError ? <ErrorNote error={loadError} /> : null}
      {schema === null && <p className="note">{t('cfgNoSchema')}</p>}
      {schema && scope && (
        <LevelEditor key={`${level}/${scope}`} me={me} level={level} scope={scope}
          parameters={schema.parameters as Record<string, ParameterSpec>} nameOf={nameOf} />
      )}
    </section>
  );
}

function LevelEditor({ me, level, scope, parameters, nameOf }: {
  me: Me; level: Level; scope: string; parameters: Record<string, ParameterSpec>; nameOf(level: string, id: string): string;
}) {
  const { t, tk, locale, date } = useI18n();
  const [values, setValues] = useState<Static<typeof LevelView> | null>(null);
  const [effective, setEffective] = useState<Effective | null>(null);
  const [history, setHistory] = useState<VersionView[]>([]);
  const [loadError, setLoadError] = useState<unknown>(null);
  const [draft, setDraft] = useState<Record<string, string>>({});
  const [removed, setRemoved] = useState<Set<string>>(new Set());
  const [diff, setDiff] = useState<Diff | null>(null);
  const [reason, setReason] = useState('');
  const [reverting, setReverting] = useState<number | null>(null);
  const [revertReason, setRevertReason] = useState('');
  const [changesSeen, setChangesSeen] = useState(0);
  const action = useAction();
  const revertAction = useAction();
  const merchantUser = me.merchantId !== null;
  const writable = can(me, 'configuration:write');
  const zone = zoneLabel(browserTimeZone(), locale);
  const base = `/configuration/levels/${level}/${encodeURIComponent(scope)}`;

  const load = useCallback(async () => {
    try {
      const [v, h, e] = await Promise.all([
        api<Static<typeof LevelView>>('GET', base),
        api<{ items: VersionView[] }>('GET', `${base}/history`),
        level === 'terminal' ? api<Effective>('GET', `/terminals/${encodeURIComponent(scope)}/configuration`) : Promise.resolve(null),
      ]);
      setValues(v);
      setHistory(h.items);
      setEffective(e);
      setLoadError(null);
    } catch (e) {
      setLoadError(e);
    }
  }, [base, level, scope]);
  useEffect(() => { void load(); }, [load]);

  /** The refusal beside a field: a schema check (400) said with the parameter's rules in the user's words, others as the server said them. */
  const fieldError = (name: string) => {
    const message = errorFor(action.error, `values.${name}`);
    if (!message || !(action.error instanceof ApiError) || action.error.status !== 400) return message;
    return t('cfgInvalid', { name: title(name), rules: rulesOf(parameters[name]!, t) });
  };
  const title = useCallback((name: string) => parameters[name]?.title?.[locale] ?? parameters[name]?.title?.en ?? name, [parameters, locale]);
  const allowedHere = (spec: ParameterSpec) => allowedAt(spec, level);
  const names = useMemo(() => Object.keys(parameters).filter((name) => {
    const spec = parameters[name]!;
    if (merchantUser && !spec.merchantEditable) return false;
    return level === 'terminal' || allowedAt(spec, level);
  }), [parameters, merchantUser, level]);

  const pending = (): Record<string, unknown> => {
    const out: Record<string, unknown> = {};
    for (const name of removed) out[name] = null;
    for (const [name, text] of Object.entries(draft)) if (!removed.has(name)) out[name] = fromText(parameters[name]!, text);
    return out;
  };
  const edit = (name: string, text: string) => { setDraft((d) => ({ ...d, [name]: text })); setDiff(null); };
  const toggleRemove = (name: string) => {
    setRemoved((r) => { const next = new Set(r); if (next.has(name)) next.delete(name); else next.add(name); return next; });
    setDiff(null);
  };
  const preview = (event: FormEvent) => {
    event.preventDefault();
    const changes = pending();
    if (Object.keys(changes).length === 0) { setDiff(null); void action.run(async () => t('cfgNoChanges')); return; }
    void action.run(async () => { setDiff(await api<Diff>('POST', `${base}/diff`, { values: changes })); });
  };
  const apply = (event: FormEvent) => {
    event.preventDefault();
    void action.run(async () => {
      const result = await api<Static<typeof SetResult> | { state: 'awaiting_approval' }>('PATCH', base, { values: pending(), reason, ...(values && { expectedVersion: values.version }) });
      setDraft({}); setRemoved(new Set()); setDiff(null); setReason('');
      // Acquirer and key parameters wait for a second person (four eyes): nothing changed yet.
      if ('state' in result && result.state === 'awaiting_approval') return t('apParamsHeld');
      await load();
      setChangesSeen((n) => n + 1);
      const applied = result as Static<typeof SetResult>;
      return applied.pending ? t('ccHeld') : t('cfgApplied', { version: applied.version });
    });
  };
  const revert = () => {
    if (reverting === null) return;
    void revertAction.run(async () => {
      const result = await api<Static<typeof SetResult>>('POST', `${base}/revert`, { version: reverting - 1, reason: revertReason });
      setReverting(null); setRevertReason('');
      await load();
      return t('cfgReverted', { version: result.version });
    });
  };
  const sourceWords = (source: Effective['parameters'][number]['source']) => (source.level === 'default' ? t('cfgSourceDefault')
    : source.level === 'fleet' ? tk('cfgLevel', 'fleet') : t('cfgSourceOf', { level: tk('cfgLevel', source.level), name: nameOf(source.level, source.scopeId) || source.scopeId }));

  if (loadError) return <ErrorNote error={loadError} onRetry={() => void load()} />;
  if (!values) return <p role="status">{t('loading')}</p>;
  const fieldNames = names.map((n) => `values.${n}`);

  return (
    <>
      {effective && effective.differing.length > 0 && (
        <p className="note error" role="status">{t('cfgDiffering', { names: effective.differing.map(title).join(', ') })}</p>
      )}
      <form onSubmit={preview} noValidate aria-label={t('cfgTitle')}>
        {names.length === 0 && <p className="note">{t('cfgNoEditable')}</p>}
        <ul className="params">
          {names.map((name) => {
            const spec = parameters[name]!;
            const here = values.values[name];
            const eff = effective?.parameters.find((p) => p.name === name);
            const editable = writable && allowedHere(spec);
            const text = draft[name] ?? asText(spec, here);
            const fieldProps = {
              label: title(name), error: fieldError(name), disabled: !editable || removed.has(name) || action.busy,
            };
            return (
              <li key={name} className="param" data-parameter={name}>
                <div className="param-head">
                  <strong>{title(name)}</strong>
                  <span className="muted">{spec.applies === 'maintenance' ? t('cfgNeedsMaintenance') : t('cfgLive')}</span>
                </div>
                <dl className="facts">
                  <dt>{t('cfgAtLevel')}</dt>
                  <dd data-at-level>{here === undefined ? t('cfgInherited') : shown(spec, here, t)}</dd>
                  {eff && <><dt>{t('cfgEffective')}</dt><dd data-effective className="break">{shown(spec, eff.value, t)}</dd></>}
                  {eff && <><dt>{t('cfgSource')}</dt><dd data-source>{sourceWords(eff.source)}</dd></>}
                </dl>
                {editable && (
                  <div className="param-edit">
                    {spec.type === 'boolean' ? (
                      <SelectField {...fieldProps} value={text} onChange={(e) => edit(name, e.target.value)}>
                        <option value="">{t('cfgInherited')}</option>
                        <option value="true">{t('cfgOn')}</option>
                        <option value="false">{t('cfgOff')}</option>
                      </SelectField>
                    ) : spec.type === 'enum' ? (
                      <SelectField {...fieldProps} value={text} onChange={(e) => edit(name, e.target.value)}>
                        <option value="">{t('cfgInherited')}</option>
                        {(spec.enum ?? []).map((e) => <option key={String(e)} value={String(e)}>{String(e)}</option>)}
                      </SelectField>
                    ) : spec.type === 'list' || spec.type === 'table' ? (
                      <TextAreaField {...fieldProps} rows={3} value={text} hint={spec.type === 'list' ? t('cfgListHint') : t('cfgTableHint')} onChange={(e) => edit(name, e.target.value)} />
                    ) : (
                      <InputField {...fieldProps} type={spec.secret ? 'password' : spec.type === 'string' ? 'text' : 'number'} autoComplete="off"
                        value={text} placeholder={spec.secret && here === MASK ? MASK : eff ? shown(spec, eff.value, t) : ''}
                        hint={spec.secret ? t('cfgSecretHint') : undefined} onChange={(e) => edit(name, e.target.value)} />
                    )}
                    {here !== undefined && (
                      <label className="inline">
                        <input type="checkbox" checked={removed.has(name)} onChange={() => toggleRemove(name)} /> {t('cfgRemove')}
                      </label>
                    )}
                  </div>
                )}
              </li>
            );
          })}
        </ul>
        {writable && names.some((n) => allowedHere(parameters[n]!)) && (
          <div className="buttons preview-bar"><button type="submit" disabled={action.busy}>{t('cfgPreview')}</button></div>
        )}
      </form>
      {action.done && <p className="note ok" role="status">{action.done}</p>}
      {unplaced(action.error, fieldNames) && <ActionError error={action.error} />}

      {diff && (
        <form className="card diff" onSubmit={apply} noValidate aria-labelledby="cfg-diff-title">
          <h2 id="cfg-diff-title">{t('cfgDiffTitle')}</h2>
          <div className="table-wrap">
            <table>
              <thead><tr><th scope="col">{t('cfgParameter')}</th><th scope="col">{t('cfgOld')}</th><th scope="col">{t('cfgNew')}</th></tr></thead>
              <tbody>
                {diff.changes.map((c) => (
                  <tr key={c.parameter} data-change={c.parameter}>
                    <td>{title(c.parameter)}</td>
                    <td className="break">{before(parameters[c.parameter], c.old, t)}</td>
                    <td className="break">{c.new === null ? t('cfgRemoved') : shown(parameters[c.parameter], c.new, t)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <p data-diff-terminals>{t('cfgTerminalsAffected', { count: diff.terminals })}</p>
          <p className={diff.needsMaintenance ? 'note' : 'muted'}>{diff.needsMaintenance ? t('cfgDiffNeedsMaintenance') : t('cfgDiffLive')}</p>
          <InputField label={t('cfgReason')} hint={t('cfgReasonHint')} value={reason} required maxLength={500}
            error={errorFor(action.error, 'reason')} onChange={(e) => setReason(e.target.value)} />
          <div className="buttons">
            <button type="submit" disabled={action.busy || reason.trim() === ''}>{t('cfgApply')}</button>
            <button type="button" className="secondary" onClick={() => { setDraft({}); setRemoved(new Set()); setDiff(null); action.reset(); }}>{t('cfgDiscard')}</button>
          </div>
        </form>
      )}

      <PendingChanges me={me} level={level} scope={scope} reload={changesSeen} title={title}
        describe={(c) => `${title(c.parameter)}: ${before(parameters[c.parameter], c.old, t)} → ${c.new === null ? t('cfgRemoved') : shown(parameters[c.parameter], c.new, t)}`} />

      <section aria-labelledby="cfg-history-title">
        <h2 id="cfg-history-title">{t('cfgHistory')}</h2>
        {revertAction.done && <p className="note ok" role="status">{revertAction.done}</p>}
        {revertAction.error && !reverting ? <ActionError error={revertAction.error} /> : null}
        {history.length === 0 && <p>{t('cfgNoHistory')}</p>}
        <ol className="plain history">
          {history.map((v) => (
            <li key={v.version} className="card" data-version={v.version}>
              <div className="param-head">
                <strong>{t('cfgVersion', { version: v.version })}</strong>
                <span className="muted">{t('cfgBy', { who: v.createdBy, when: `${date(v.createdAt)} ${zone}` })}</span>
              </div>
              <p className="reason">{v.reason}{v.revertsTo !== null && ` · ${t('cfgRevertsTo', { version: v.revertsTo + 1 })}`}</p>
              <ul className="plain">
                {v.changes.map((c) => (
                  <li key={c.parameter} className="break">{title(c.parameter)}: {before(parameters[c.parameter], c.old, t)} → {c.new === null ? t('cfgRemoved') : shown(parameters[c.parameter], c.new, t)}</li>
                ))}
              </ul>
              {writable && (
                <button type="button" className="secondary" onClick={() => { revertAction.reset(); setReverting(v.version); }}>{t('cfgRevert')}</button>
              )}
            </li>
          ))}
        </ol>
      </section>
      <ConfirmDialog open={reverting !== null} title={t('cfgRevertTitle', { version: reverting ?? 0 })} confirmLabel={t('cfgRevert')} busy={revertAction.busy || revertReason.trim() === ''}
        onConfirm={revert} onClose={() => setReverting(null)}>
        <p>{t('cfgRevertHint', { version: reverting ?? 0 })}</p>
        <InputField label={t('cfgReason')} value={revertReason} required maxLength={500} error={errorFor(revertAction.error, 'reason')} onChange={(e) => setRevertReason(e.target.value)} />
        {revertAction.error && !errorFor(revertAction.error, 'reason') ? <ActionError error={revertAction.error} /> : null}
      </ConfirmDialog>
    </>
  );
}
