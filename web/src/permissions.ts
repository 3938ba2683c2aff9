// What the signed-in person may use, so that pages offer only what the server would allow. The server
// sends the grants with /auth/me and still decides every request.
import type { Me } from './api.ts';

export type Permission =
  | 'estate:read' | 'estate:write' | 'users:manage' | 'audit:read' | 'compliance:read' | 'maintenance:write'
  | 'notifications:write' | 'incidents:write' | 'workorders:read' | 'workorders:write' | 'workorders:update'
  | 'rollouts:read' | 'rollouts:write' | 'packages:publish' | 'suspicious:report'
  | 'terminals:command' | 'configuration:read' | 'configuration:write' | 'cases:export' | 'inspections:write' | 'care:confirm' | 'maintenance:move' | 'configuration:schemas';

export const can = (me: Me, permission: Permission): boolean => me.permissions.includes(permission);
