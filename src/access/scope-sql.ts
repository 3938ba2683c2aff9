// Scope conditions shared by the repositories that list the estate, so every one narrows the same way.
import { sql } from 'kysely';
import type { Scope } from './roles.ts';

// Technicians see only the terminals of their own work orders; until work orders exist, none.
export const NOTHING = sql<boolean>`1 = 0`;

/** The merchant a merchant-scoped caller may see ('' matches none for other scopes). */
export const merchantOf = (scope: Scope): string => (scope.kind === 'merchant' ? scope.merchantId : '');
