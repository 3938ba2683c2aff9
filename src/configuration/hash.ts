// The hash a terminal and the server compare (see hash-parts.ts for what it is made of; the SDK
// computes the same with Web Crypto).
import { createHash } from 'node:crypto';
import { combinedText, hashParts } from './hash-parts.ts';
import type { ParameterSchema, Values } from './parameters.ts';

export const sha256Hex = (text: string) => createHash('sha256').update(text).digest('hex');

export function configurationHash(values: Values, schema: ParameterSchema): string {
  const { shared, own } = hashParts(values, schema);
  return sha256Hex(combinedText(sha256Hex(shared), own));
}
