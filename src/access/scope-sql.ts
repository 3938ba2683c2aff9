// Scope conditions shared by the repositories that list the estate, so every one narrows the same way.
import { sql, type RawBuilder } from 'kysely';
import type { Scope } from './roles.ts';

// Nothing at all: for reads a scope has no business with (technicians and other people's accounts).
export const NOTHING = sql<boolean>`1 = 0`;

/** The merchant a merchant-scoped caller may see ('' matches none for other scopes). */
export const merchantOf = (scope: Scope): string => (scope.kind === 'merchant' ? scope.merchantId : '');

/** The user a technician-scoped caller is ('' matches none for other scopes). */
const technicianOf = (scope: Scope): string => (scope.kind === 'technician' ? scope.userId : '');

/**
 * Technicians see exactly the terminals of the work orders assigned to them, the sites of those work
 * orders and the merchants of those sites. `column` names the id column to narrow, e.g. 'terminals.id'.
 */
export function technicianSees(kind: 'terminal' | 'site' | 'merchant', column: string, scope: Scope): RawBuilder<boolean> {
  const user = technicianOf(scope);
  const ref = sql.ref(column);
  if (kind === 'terminal') {
    return sql<boolean>`${ref} in (select wot.terminal_id from work_order_terminals wot inner join work_orders wo on wo.id = wot.work_order_id where wo.technician_id = ${user})`;
  }
  if (kind === 'site') return sql<boolean>`${ref} in (select wo.site_id from work_orders wo where wo.technician_id = ${user})`;
  return sql<boolean>`${ref} in (select s.merchant_id from work_orders wo inner join sites s on s.id = wo.site_id where wo.technician_id = ${user})`;
}
