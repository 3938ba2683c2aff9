// The hash a terminal and the server compare: SHA-256 of the canonical JSON of the effective values
// (the SDK computes the same with Web Crypto).
import { createHash } from 'node:crypto';
import { canonicalJson, type Values } from './parameters.ts';

export function configurationHash(values: Values): string {
  return createHash('sha256').update(canonicalJson(values)).digest('hex');
}
