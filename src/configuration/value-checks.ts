// The rules a change to one level's values must pass before it is stored: the schema, the levels each
// parameter may be set at, what a merchant may edit, and TID/MID uniqueness per acquirer. Read from the
// store's memory only (no I/O); every refusal names the parameter and the level.
import { AppError, conflict, invalid } from '../shared/errors.ts';
import type { Actor, ConfigurationStore } from './configuration-store.ts';
import { diff, type Change, type Level, type Values } from './parameters.ts';

/** Checks a change to one level; returns the level's values after it and the diff. */
export function checkChange(store: ConfigurationStore, level: Level, scopeId: string, values: Values, actor: Actor): { after: Values; changes: Change[] } {
  const current = store.current;
  if (!current) throw conflict('no parameter schema is registered yet: POST /api/v1/configuration/schemas first', 'parameters');
  const parameters = store.parameters;
  const before = store.cache.levelValues(level, scopeId);
  const after: Values = { ...before };
  for (const [name, value] of Object.entries(values)) {
    const field = `values.${name}`;
    const spec = parameters[name];
    if (!spec) throw invalid(field, `${name} at ${level} level: is not a parameter of ${current.application} ${current.version}`);
    if (spec.levels && !spec.levels.includes(level)) throw invalid(field, `${name} at ${level} level: may be set at ${spec.levels.join(', ')} level only`);
    if (actor.scope.kind !== 'fleet' && !spec.merchantEditable) throw new AppError('forbidden', `${name} at ${level} level: a merchant may not change it`, field);
    const problem = store.checker.problem(name, value);
    if (problem) throw invalid(field, `${name} at ${level} level: ${problem}`);
    if (value === null) delete after[name];
    else after[name] = value;
  }
  if (level === 'terminal') checkUnique(store, scopeId, after);
  return { after, changes: diff(before, after) };
}

/**
 * TID and MID: unique per acquirer (TID among terminals, MID among merchants). 409 names the parameter.
 * `pending`: other terminals' values about to be stored with it (a CSV import), checked against each other too.
 */
export function checkUnique(store: ConfigurationStore, terminalId: string, own: Values, pending?: Map<string, Values>): void {
  const cache = store.cache;
  const mine = cache.placement(terminalId);
  const effectiveOf = (id: string, values?: Values) => ({ ...cache.effectiveOf(id).values, ...(values ?? pending?.get(id) ?? {}) });
  const me = effectiveOf(terminalId, own);
  for (const [name, spec] of Object.entries(store.parameters)) {
    if (!spec.unique || me[name] === undefined) continue;
    const clash = (otherId: string, value: unknown) => {
      if (otherId === terminalId || value !== me[name]) return false;
      const other = effectiveOf(otherId);
      if (other[spec.unique!.per] !== me[spec.unique!.per]) return false;
      return spec.unique!.among === 'terminal' || cache.placement(otherId)?.merchantId !== mine?.merchantId;
    };
    for (const [otherId, value] of cache.terminalValues(name)) {
      if (clash(otherId, pending?.get(otherId)?.[name] ?? value)) throw conflict(`${name} ${String(me[name])} is already used by terminal ${otherId} for ${spec.unique.per} ${String(me[spec.unique.per])}`, `values.${name}`);
    }
    for (const [otherId, values] of pending ?? []) {
      if (values[name] !== undefined && cache.levelValues('terminal', otherId)[name] === undefined && clash(otherId, values[name])) {
        throw conflict(`${name} ${String(me[name])} is given to terminal ${otherId} too for ${spec.unique.per} ${String(me[spec.unique.per])}`, `values.${name}`);
      }
    }
  }
}
