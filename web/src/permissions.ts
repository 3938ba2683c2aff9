// What the signed-in role may use, so that pages offer only what the server would allow. A copy of the
// grants in src/access/roles.ts (the server still decides every request): /auth/me names the role, not
// its permissions. Keep the two in step.
import type { Me } from './api.ts';

export type Permission =
  | 'estate:read' | 'estate:write' | 'users:manage' | 'audit:read' | 'compliance:read' | 'maintenance:write'
  | 'notifications:write' | 'incidents:write' | 'workorders:read' | 'workorders:write' | 'workorders:update';

const GRANTS: Record<string, readonly Permission[]> = {
  admin: [
    'estate:read', 'estate:write', 'users:manage', 'audit:read', 'compliance:read', 'maintenance:write', 'notifications:write',
    'incidents:write', 'workorders:read', 'workorders:write', 'workorders:update',
  ],
  operator: [
    'estate:read', 'estate:write', 'compliance:read', 'maintenance:write', 'notifications:write',
    'workorders:read', 'workorders:write', 'workorders:update', 'incidents:write',
  ],
  support: ['estate:read', 'workorders:read', 'incidents:write'],
  technician: ['estate:read', 'workorders:read', 'workorders:update'],
  merchant: ['estate:read'],
  auditor: ['estate:read', 'audit:read', 'compliance:read', 'workorders:read'],
};

export const can = (me: Me, permission: Permission): boolean => GRANTS[me.role]?.includes(permission) ?? false;
