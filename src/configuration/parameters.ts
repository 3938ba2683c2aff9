// The pure rules of terminal configuration: what a parameter schema may declare, how it becomes a
// JSON Schema ajv checks values with, how the levels fleet → merchant → site → group → terminal merge
// into a terminal's effective configuration (each value with where it came from), its hash, and the
// diff of a change with secrets masked. No I/O and nothing Node-specific: the server, the SDK and the bench share it.
import { canonicalJson } from '../shared/canonical-json.ts';
import { Ajv, type ValidateFunction } from 'ajv';
import type { MessageKey } from '../shared/messages/format.ts';

export const LEVELS = ['fleet', 'merchant', 'site', 'group', 'terminal'] as const;
export type Level = (typeof LEVELS)[number];

export const PARAMETER_TYPES = ['string', 'number', 'integer', 'boolean', 'enum', 'list', 'table'] as const;
export type ParameterType = (typeof PARAMETER_TYPES)[number];

/** A column of a table parameter (e.g. a CAPK row's RID), or the items of a list. */
export interface ColumnSpec {
  type: 'string' | 'number' | 'integer' | 'boolean';
  pattern?: string;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
}

/** One parameter as an application declares it: a JSON Schema subset plus PosFleet's flags. */
export interface ParameterSpec {
  type: ParameterType;
  title?: { 'zh-CN'?: string; en?: string };
  required?: boolean;
  default?: unknown;
  /** Never shown: diffs, history and the dashboard print ******. */
  secret?: boolean;
  /** 'live': applied while trading (a receipt footer); 'maintenance': the terminal must be out of service (acquirer host, keys). */
  applies?: 'live' | 'maintenance';
  /** A merchant's users may set it for their own merchant, sites and terminals. */
  merchantEditable?: boolean;
  /** The levels it may be set at (all when absent); TID and MID: terminal only. */
  levels?: Level[];
  /**
   * Unique among terminals per value of the named parameter (the acquirer): 'terminal' means no two
   * terminals share it (TID), 'merchant' no two merchants (MID: a merchant's terminals share theirs).
   */
  unique?: { per: string; among: 'terminal' | 'merchant' };
  // JSON Schema constraints
  enum?: (string | number)[];
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  items?: ColumnSpec;
  columns?: Record<string, ColumnSpec & { required?: boolean }>;
  maxItems?: number;
}

export type ParameterSchema = Record<string, ParameterSpec>;
export type Values = Record<string, unknown>;

export const MASK = '******';

/** The JSON Schema of one parameter's value. */
export function jsonSchemaOf(spec: ParameterSpec): Record<string, unknown> {
  const column = (c: ColumnSpec) => ({ type: c.type, ...pick(c, ['pattern', 'maxLength', 'minimum', 'maximum']) });
  switch (spec.type) {
    case 'enum': return { enum: spec.enum ?? [] };
    case 'list': return { type: 'array', items: spec.items ? column(spec.items) : {}, ...pick(spec, ['maxItems']) };
    case 'table': {
      const columns = spec.columns ?? {};
      return {
        type: 'array', ...pick(spec, ['maxItems']),
        items: {
          type: 'object', additionalProperties: false,
          properties: Object.fromEntries(Object.entries(columns).map(([name, c]) => [name, column(c)])),
          required: Object.entries(columns).filter(([, c]) => c.required).map(([name]) => name),
        },
      };
    }
    default: return { type: spec.type, ...pick(spec, ['pattern', 'minLength', 'maxLength', 'minimum', 'maximum']) };
  }
}

function pick<T extends object>(o: T, keys: (keyof T)[]): Partial<T> {
  return Object.fromEntries(keys.filter((k) => o[k] !== undefined).map((k) => [k, o[k]])) as Partial<T>;
}

const NAME = /^[A-Za-z][A-Za-z0-9_.-]{0,63}$/;
const MAX_PARAMETERS = 1000;

/**
 * Why a value does not fit its parameter, as the catalogue's `configuration.value_invalid` says it: the rule
 * broken (ajv's keyword, or `unknown` for a name the schema lacks), where in a list or table (`item` 1-based,
 * 0 for the whole value; `column`, 'none' for a list item) and the rule's figures. Data, so each reader gets
 * it in their own language.
 */
export interface Violation {
  rule: string;
  item: number;
  column: string;
  expected: string;
  limit: number;
  pattern: string;
  allowed: string;
  [param: string]: string | number;
}

/** A schema an application declares that cannot be taken: the field, and the catalogue's words for why. */
export interface SchemaFault { field: string; key: SchemaFaultKey; params: Record<string, string | number> }
export type SchemaFaultKey = Extract<MessageKey, `configuration.schema_${string}` | 'configuration.value_invalid'>;

/** What is wrong with a schema an application declares, or null. */
export function schemaProblem(parameters: ParameterSchema): SchemaFault | null {
  const ajv = new Ajv({ allErrors: false, strict: false });
  const names = Object.keys(parameters);
  if (names.length === 0) return { field: 'parameters', key: 'configuration.schema_empty', params: {} };
  if (names.length > MAX_PARAMETERS) return { field: 'parameters', key: 'configuration.schema_too_many', params: { max: MAX_PARAMETERS } };
  for (const [name, spec] of Object.entries(parameters)) {
    const at = `parameters.${name}`;
    if (!NAME.test(name)) return { field: at, key: 'configuration.schema_name', params: {} };
    if (!PARAMETER_TYPES.includes(spec.type)) return { field: `${at}.type`, key: 'configuration.schema_type', params: { parameter: name, types: PARAMETER_TYPES.join(', ') } };
    if (spec.type === 'enum' && !(spec.enum?.length)) return { field: `${at}.enum`, key: 'configuration.schema_enum_values', params: { parameter: name } };
    if (spec.type === 'table' && !spec.columns) return { field: `${at}.columns`, key: 'configuration.schema_table_columns', params: { parameter: name } };
    if (spec.levels?.some((l) => !LEVELS.includes(l))) return { field: `${at}.levels`, key: 'configuration.schema_levels', params: { parameter: name, levels: LEVELS.join(', ') } };
    if (spec.unique && !parameters[spec.unique.per]) return { field: `${at}.unique.per`, key: 'configuration.schema_unique_per', params: { parameter: name, per: spec.unique.per } };
    let check: ValidateFunction;
    try {
      check = ajv.compile(jsonSchemaOf(spec));
    } catch {
      return { field: at, key: 'configuration.schema_invalid', params: { parameter: name } };
    }
    if (spec.default !== undefined && !check(spec.default)) return { field: `${at}.default`, key: 'configuration.value_invalid', params: { ...violationOf(check), where: 'default', parameter: name, line: 0, level: '' } };
  }
  return null;
}

/** Checks values against a schema: compiled once per schema. */
export class SchemaChecker {
  private readonly checks = new Map<string, ValidateFunction>();

  constructor(readonly parameters: ParameterSchema) {
    const ajv = new Ajv({ allErrors: false, strict: false });
    for (const [name, spec] of Object.entries(parameters)) this.checks.set(name, ajv.compile(jsonSchemaOf(spec)));
  }

  /** Why the value does not fit the parameter (in English, for the terminal's log), or null. */
  problem(parameter: string, value: unknown): string | null {
    const check = this.checks.get(parameter);
    if (!check) return 'is not a parameter of the schema';
    if (value === null) return null; // null clears the value at its level
    return check(value) ? null : ajvMessage(check);
  }

  /** Why the value does not fit the parameter, as data for the catalogue, or null. */
  violation(parameter: string, value: unknown): Violation | null {
    const check = this.checks.get(parameter);
    if (!check) return { ...NO_VIOLATION, rule: 'unknown' };
    if (value === null) return null;
    return check(value) ? null : violationOf(check);
  }

  /** The first parameter (with its reason) of an effective configuration that fails the schema: required ones missing included. */
  firstProblem(values: Values): [string, string] | null {
    for (const [name, spec] of Object.entries(this.parameters)) {
      if (values[name] === undefined) {
        if (spec.required) return [name, 'is required and has no value'];
        continue;
      }
      const problem = this.problem(name, values[name]);
      if (problem) return [name, problem];
    }
    for (const name of Object.keys(values)) if (!this.checks.has(name)) return [name, 'is not a parameter of the schema'];
    return null;
  }
}

function ajvMessage(check: ValidateFunction): string {
  const e = check.errors?.[0];
  if (!e) return 'is not valid';
  if (e.keyword === 'enum') return `must be one of ${(e.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v)).join(', ')}`;
  return `${e.instancePath ? `${e.instancePath.slice(1).replaceAll('/', '.')} ` : ''}${e.message ?? 'is not valid'}`;
}

const NO_VIOLATION: Violation = { rule: 'other', item: 0, column: 'none', expected: '', limit: 0, pattern: '', allowed: '' };
const RULES = new Set(['type', 'enum', 'pattern', 'minLength', 'maxLength', 'minimum', 'maximum', 'maxItems', 'required', 'additionalProperties']);

/** ajv's first error as a Violation: the keyword, the list item or table cell, and the figures of the rule. */
function violationOf(check: ValidateFunction): Violation {
  const e = check.errors?.[0];
  if (!e) return NO_VIOLATION;
  const p = e.params as { type?: string; allowedValues?: unknown[]; pattern?: string; limit?: number; missingProperty?: string; additionalProperty?: string };
  const [index, cell] = e.instancePath.split('/').slice(1);
  const column = p.missingProperty ?? p.additionalProperty ?? cell;
  return {
    rule: RULES.has(e.keyword) ? e.keyword : 'other',
    item: index === undefined ? 0 : Number(index) + 1,
    column: column ?? 'none',
    expected: p.type ?? '',
    limit: p.limit ?? 0,
    pattern: p.pattern ?? '',
    allowed: (p.allowedValues ?? []).map((v) => JSON.stringify(v)).join(', '),
  };
}

/** Where an effective value came from: a level (with its id) or the schema's default. */
export interface Source { level: Level | 'default'; scopeId: string }

/** The layers of a terminal, from the fleet down: each one's values with its level and id. */
export interface Layer { level: Level; scopeId: string; values: Values }

/** A terminal's effective configuration: defaults, then each layer overriding the one above. */
export function effective(parameters: ParameterSchema, layers: Layer[]): { values: Values; sources: Record<string, Source> } {
  const values: Values = {};
  const sources: Record<string, Source> = {};
  for (const [name, spec] of Object.entries(parameters)) {
    if (spec.default !== undefined) {
      values[name] = spec.default;
      sources[name] = { level: 'default', scopeId: '' };
    }
  }
  for (const layer of layers) {
    for (const [name, value] of Object.entries(layer.values)) {
      if (!(name in parameters)) continue; // a parameter the current schema dropped
      values[name] = value;
      sources[name] = { level: layer.level, scopeId: layer.scopeId };
    }
  }
  return { values, sources };
}

/** JSON with object keys sorted at every depth: the same values always give the same text. */
export { canonicalJson };

export interface Change { parameter: string; old: unknown; new: unknown }

/** What changed between two sets of values, parameter by parameter (sorted by name). */
export function diff(before: Values, after: Values): Change[] {
  const names = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
  return names
    .filter((n) => canonicalJson(before[n] ?? null) !== canonicalJson(after[n] ?? null))
    .map((n) => ({ parameter: n, old: before[n] ?? null, new: after[n] ?? null }));
}

/** The parameters whose values differ between two configurations (what the SDK reports on drift). */
export function differingParameters(a: Values, b: Values): string[] {
  return diff(a, b).map((c) => c.parameter);
}

/** A change as a person may see it: a secret's old and new values masked (set or cleared still shows). */
export function maskChange(change: Change, parameters: ParameterSchema): Change {
  if (!parameters[change.parameter]?.secret) return change;
  return { parameter: change.parameter, old: change.old === null ? null : MASK, new: change.new === null ? null : MASK };
}

export function maskValues(values: Values, parameters: ParameterSchema): Values {
  return Object.fromEntries(Object.entries(values).map(([k, v]) => [k, parameters[k]?.secret && v !== null ? MASK : v]));
}

/** Does any change need the terminal out of service? */
export function needsMaintenance(changes: Change[], parameters: ParameterSchema): boolean {
  return changes.some((c) => parameters[c.parameter]?.applies === 'maintenance');
}
