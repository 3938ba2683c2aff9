// The rules a change to one level's values must pass before it is stored: the schema, the levels each
// parameter may be set at, what a merchant may edit, and TID/MID uniqueness per acquirer. Read from the
// store's memory (a clash's other terminal is named by its serial); every refusal names the parameter and the level.
import { fromCatalogue, invalidField, refused } from '../shared/errors.ts';
import type { Actor, ConfigurationStore } from './configuration-store.ts';
import { diff, type Change, type Level, type Values } from './parameters.ts';

/** Checks a change to one level; returns the level's values after it and the diff. */
export async function checkChange(store: ConfigurationStore, level: Level, scopeId: string, values: Values, actor: Actor): Promise<{ after: Values; changes: Change[] }> {
  const current = store.current;
  if (!current) throw refused('configuration.no_schema', {}, { field: 'parameters' });
  const parameters = store.parameters;
  const before = store.cache.levelValues(level, scopeId);
  const after: Values = { ...before };
  for (const [name, value] of Object.entries(values)) {
    const field = `values.${name}`;
    const spec = parameters[name];
    if (!spec) throw invalidField(field, 'configuration.not_a_parameter', { parameter: name, level, application: current.application, version: current.version });
    if (spec.levels && !spec.levels.includes(level)) {
      throw invalidField(field, 'configuration.wrong_level', { parameter: name, level, first: spec.levels[0] ?? '', others: spec.levels.length - 1 });
    }
    if (actor.scope.kind !== 'fleet' && !spec.merchantEditable) throw fromCatalogue('forbidden', 'configuration.merchant_may_not', { parameter: name, level }, { field });
    const violation = store.checker.violation(name, value);
    if (violation) throw invalidField(field, 'configuration.value_invalid', { ...violation, where: 'level', parameter: name, level, line: 0 });
    if (value === null) delete after[name];
    else after[name] = value;
  }
  if (level === 'terminal') await checkUnique(store, scopeId, after);
  return { after, changes: diff(before, after) };
}

/** Two terminals that would share a value that must be unique (for the same value of `per`, the acquirer). */
export interface Clash { parameter: string; value: string; otherId: string; again: 'yes' | 'no'; per: string; perValue: string }

/**
 * TID and MID: unique per acquirer (TID among terminals, MID among merchants). 409 names the parameter and
 * the other terminal by its serial number.
 * `pending`: other terminals' values about to be stored with it (a CSV import), checked against each other too.
 */
export async function checkUnique(store: ConfigurationStore, terminalId: string, own: Values, pending?: Map<string, Values>): Promise<void> {
  const clash = findClash(store, terminalId, own, pending);
  if (!clash) return;
  const { otherId, ...params } = clash;
  throw refused('configuration.value_taken', { ...params, serial: await store.serialOf(otherId), where: 'level', line: 0 }, { field: `values.${clash.parameter}`, retryable: false });
}

function findClash(store: ConfigurationStore, terminalId: string, own: Values, pending?: Map<string, Values>): Clash | null {
  const cache = store.cache;
  const mine = cache.placement(terminalId);
  const effectiveOf = (id: string, values?: Values) => ({ ...cache.effectiveOf(id).values, ...(values ?? pending?.get(id) ?? {}) });
  const me = effectiveOf(terminalId, own);
  for (const [name, spec] of Object.entries(store.parameters)) {
    if (!spec.unique || me[name] === undefined) continue;
    const per = spec.unique.per;
    const clashes = (otherId: string, value: unknown) => {
      if (otherId === terminalId || value !== me[name]) return false;
      const other = effectiveOf(otherId);
      if (other[per] !== me[per]) return false;
      return spec.unique!.among === 'terminal' || cache.placement(otherId)?.merchantId !== mine?.merchantId;
    };
    const found = (otherId: string, again: Clash['again']): Clash => ({ parameter: name, value: String(me[name]), otherId, again, per, perValue: String(me[per]) });
    for (const [otherId, value] of cache.terminalValues(name)) {
      if (clashes(otherId, pending?.get(otherId)?.[name] ?? value)) return found(otherId, 'no');
    }
    for (const [otherId, values] of pending ?? []) {
      if (values[name] !== undefined && cache.levelValues('terminal', otherId)[name] === undefined && clashes(otherId, values[name])) return found(otherId, 'yes');
    }
  }
  return null;
}
