// Who may do what: roles, the permissions each holds, and the part of the estate each may see.
// Pure data and functions; routes name the permission they need, repositories apply the scope.

export const ROLES = ['admin', 'operator', 'support', 'technician', 'merchant', 'auditor'] as const;
export type Role = (typeof ROLES)[number];

export const PERMISSIONS = [
  'estate:read', // merchants, sites, models, terminals, their health and history
  'estate:write', // create, change, delete, import
  'terminals:command', // send commands such as a self-test to a terminal
  'terminals:enrol', // enrolment codes, revoking terminal credentials
  'users:manage', // operator accounts and their roles
  'audit:read', // the audit log and its verification
  'compliance:read', // PCI DSS evidence and reports
  'inspections:write', // record a device inspection (PCI DSS 9.5.1.2)
  'maintenance:write', // put terminals into maintenance, plan windows, lock and unlock
  'notifications:write', // notification channels, deliveries and their replay
] as const;
export type Permission = (typeof PERMISSIONS)[number];

const GRANTS: Record<Role, readonly Permission[]> = {
  admin: PERMISSIONS,
  operator: ['estate:read', 'estate:write', 'terminals:command', 'terminals:enrol', 'compliance:read', 'inspections:write', 'maintenance:write', 'notifications:write'],
  support: ['estate:read', 'terminals:command'],
  technician: ['estate:read', 'inspections:write'],
  merchant: ['estate:read'],
  auditor: ['estate:read', 'audit:read', 'compliance:read'],
};

/** Permissions a read-only API token keeps. */
const READ_ONLY: readonly Permission[] = ['estate:read', 'audit:read', 'compliance:read'];

export function can(role: Role, permission: Permission, tokenScope: 'full' | 'read' = 'full'): boolean {
  if (tokenScope === 'read' && !READ_ONLY.includes(permission)) return false;
  return GRANTS[role].includes(permission);
}

/**
 * The part of the estate a person sees. Merchant users see their own merchant only; technicians
 * only the terminals of their own work orders (none until work orders exist); the rest the fleet.
 */
export type Scope = { kind: 'fleet' } | { kind: 'merchant'; merchantId: string } | { kind: 'technician'; userId: string };

export function scopeOf(user: { id: string; role: Role; merchantId: string | null }): Scope {
  if (user.role === 'merchant') return { kind: 'merchant', merchantId: user.merchantId ?? '' };
  if (user.role === 'technician') return { kind: 'technician', userId: user.id };
  return { kind: 'fleet' };
}

export const FLEET: Scope = { kind: 'fleet' };

export function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value);
}
