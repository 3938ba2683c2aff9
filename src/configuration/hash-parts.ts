// What a configuration hash is made of, shared by the server (node:crypto) and the SDK (Web Crypto) so
// they always agree. The hash composes two parts: the values every terminal of a site shares (all but
// the terminal's own parameters) and the terminal's own (those the schema lets be set at the terminal
// level only: TID, MID). hash = SHA-256(HASH_TAG \n SHA-256(shared canonical JSON) \n own canonical JSON),
// so the server hashes the shared part once per site and each terminal's step is a small hash of its own.
// No I/O and nothing Node-specific.
import { canonicalJson } from '../shared/canonical-json.ts';
import type { ParameterSchema, Values } from './parameters.ts';

export const HASH_TAG = 'posfleet-configuration-v2';

/** Parameters set per terminal only (their `levels` is exactly ["terminal"]): a terminal's own part. */
export function ownParameters(schema: ParameterSchema): Set<string> {
  return new Set(Object.entries(schema).filter(([, s]) => s.levels?.length === 1 && s.levels[0] === 'terminal').map(([n]) => n));
}

/** The canonical JSON of the shared part and of the own part of a terminal's effective values. */
export function hashParts(values: Values, schema: ParameterSchema): { shared: string; own: string } {
  const own = ownParameters(schema);
  const shared: Values = {};
  const mine: Values = {};
  for (const [n, v] of Object.entries(values)) (own.has(n) ? mine : shared)[n] = v;
  return { shared: canonicalJson(shared), own: canonicalJson(mine) };
}

/** The text whose SHA-256 is the hash, from the shared part's SHA-256 (hex) and the own part's canonical JSON. */
export function combinedText(sharedSha256: string, ownCanonical: string): string {
  return `${HASH_TAG}\n${sharedSha256}\n${ownCanonical}`;
}
