// The JSON body parser: secure-json-parse (as Fastify's own: __proto__ and constructor.prototype keys
// are refused) plus the checks that keep hostile text out of storage. NUL characters (PostgreSQL
// cannot store them), lone UTF-16 surrogates (not valid Unicode) and nesting deeper than any PosFleet
// document are refused with a 400 before validation.
import sjson from 'secure-json-parse';
import { fromCatalogue } from './errors.ts';

const MAX_DEPTH = 32;

export function parseJsonBody(text: string): unknown {
  if (text.includes('\\u0000')) throw fromCatalogue('validation_error', 'common.body_nul', {}, { field: 'body' });
  // A 1 KB document cannot nest deeper than the limit in a way that hurts; only longer ones are scanned.
  if (text.length > 1024 && nestingDepth(text) > MAX_DEPTH) {
    throw fromCatalogue('validation_error', 'common.body_too_deep', { max: MAX_DEPTH }, { field: 'body' });
  }
  let value: unknown;
  try {
    value = sjson.parse(text, undefined, { protoAction: 'error', constructorAction: 'error' });
  } catch (error) {
    throw fromCatalogue('validation_error', 'common.body_not_json', { detail: (error as Error).message }, { field: 'body' });
  }
  if (/\\u[dD][89a-fA-F]/.test(text)) assertWellFormed(value, 'body');
  return value;
}

function nestingDepth(text: string): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92) i++; // backslash: skip the escaped character
      else if (c === 34) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 123 || c === 91) max = Math.max(max, ++depth);
    else if (c === 125 || c === 93) depth--;
  }
  return max;
}

function assertWellFormed(value: unknown, path: string): void {
  if (typeof value === 'string') {
    if (!value.isWellFormed()) throw fromCatalogue('validation_error', 'common.lone_surrogate', { field: path }, { field: path });
  } else if (Array.isArray(value)) {
    value.forEach((item, i) => assertWellFormed(item, `${path}.${i}`));
  } else if (value && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      assertWellFormed(key, path);
      assertWellFormed(item, path === 'body' ? key : `${path}.${key}`);
    }
  }
}
