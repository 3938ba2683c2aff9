// The hash a terminal and the server compare (see hash-parts.ts for what it is made of; the SDK
// computes the same with Web Crypto).
import * as crypto from 'node:crypto';
import { combinedText, hashParts } from './hash-parts.ts';
import type { ParameterSchema, Values } from './parameters.ts';

// crypto.hash (Node >= 20.12) hashes in one call: half the time of a Hash object per terminal, and no
// object left for the garbage collector (a million of them after a fleet-level change).
const oneShot = (crypto as { hash?: (algorithm: string, data: string, encoding: 'hex') => string }).hash;
export const sha256Hex: (text: string) => string = oneShot
  ? (text) => oneShot('sha256', text, 'hex')
  : (text) => crypto.createHash('sha256').update(text).digest('hex');

export function configurationHash(values: Values, schema: ParameterSchema): string {
  const { shared, own } = hashParts(values, schema);
  return sha256Hex(combinedText(sha256Hex(shared), own));
}
