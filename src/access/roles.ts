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
  'incidents:write', // acknowledge and resolve incidents, request self-tests, run troubleshooting guides
  'suspicious:report', // report suspicious activity or fraud at a terminal in one's scope
  'cases:export', // export a suspicious-activity case as a signed bundle for an acquirer or the police
  'workorders:read', // work orders, preventive templates and plans, technicians, spare parts
  'workorders:write', // templates, plans, creating and assigning work orders, technicians, spare parts
  'workorders:update', // work on a work order: status, checklist, parts (technicians: their own only)
  'workorders:request', // file a work order request for a site or terminal in one's scope (merchant users: their own)
  'rollouts:read', // packages, publisher keys, campaigns and their progress, the fleet's versions
  'rollouts:write', // start, pause, resume, cancel and roll back campaigns
  'packages:publish', // register publisher keys, declare and upload signed packages
  'configuration:read', // parameter schemas, values per level, effective configurations, history
  'configuration:write', // set and revert values (merchant users: only what the schema marks merchant-editable, for their own)
  'configuration:schemas', // register parameter schemas, save groups, import and export TID/MID
  'care:confirm', // answer the daily care tasks of the shop's staff (merchant users: at their own sites)
  'maintenance:move', // move a planned maintenance job within the policy (merchant users: their own)
] as const;
export type Permission = (typeof PERMISSIONS)[number];

const GRANTS: Record<Role, readonly Permission[]> = {
  admin: PERMISSIONS,
  operator: [
    'estate:read', 'estate:write', 'terminals:command', 'terminals:enrol', 'compliance:read', 'inspections:write', 'maintenance:write', 'notifications:write',
    'workorders:read', 'workorders:write', 'workorders:update', 'workorders:request', 'incidents:write', 'suspicious:report', 'rollouts:read', 'rollouts:write', 'packages:publish',
    'configuration:read', 'configuration:write', 'configuration:schemas', 'cases:export', 'care:confirm', 'maintenance:move',
  ],
  support: ['estate:read', 'terminals:command', 'workorders:read', 'workorders:request', 'incidents:write', 'suspicious:report', 'rollouts:read', 'configuration:read'],
  technician: ['estate:read', 'inspections:write', 'workorders:read', 'workorders:update', 'suspicious:report', 'configuration:read'],
  merchant: ['estate:read', 'suspicious:report', 'workorders:request', 'configuration:read', 'configuration:write', 'care:confirm', 'maintenance:move'],
  auditor: ['estate:read', 'audit:read', 'compliance:read', 'workorders:read', 'rollouts:read', 'configuration:read'],
};

/** Permissions a read-only API token keeps. */
const READ_ONLY: readonly Permission[] = ['estate:read', 'audit:read', 'compliance:read', 'workorders:read', 'rollouts:read', 'configuration:read'];

export function can(role: Role, permission: Permission, tokenScope: 'full' | 'read' = 'full'): boolean {
  if (tokenScope === 'read' && !READ_ONLY.includes(permission)) return false;
  return GRANTS[role].includes(permission);
}

/**
 * The part of the estate a person sees. Merchant users see their own merchant only; technicians
 * only the terminals of the work orders assigned to them (with those terminals' sites and merchants);
 * the rest the fleet.
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
