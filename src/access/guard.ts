// Guards every /api/v1 route: each route declares the permission it needs (checked when the route is
// registered, so none can be forgotten), and every request is authenticated, CSRF-checked when it
// comes from a browser session, and authorised before its handler runs.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { fromCatalogue } from '../shared/errors.ts';
import { SESSION_COOKIE, type AuthenticationService, type Principal } from './authentication.service.ts';
import { can, PERMISSIONS, type Permission } from './roles.ts';

export type RoutePermission = Permission | 'signed-in' | 'public';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** What a caller needs for this route; required on every /api/v1 route. */
    permission?: RoutePermission;
    /** Reads of security-relevant data are audited like changes. */
    auditRead?: boolean;
    /** The handler writes its own audit entry (e.g. sign-in, which knows who tried). */
    auditedByHandler?: boolean;
    /** Body fields kept in the audit entry beside the status: why an operator did it (an override's reason, a note). */
    auditBody?: readonly string[];
    /** High-rate device telemetry: only refused attempts are audited. */
    telemetry?: boolean;
    /** Reachable with an expired password: to change it, see who you are, sign out. */
    allowExpiredPassword?: boolean;
  }
  interface FastifyRequest {
    /** Set on every /api/v1 route but public ones. */
    principal: Principal;
  }
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
const KNOWN = new Set<string>([...PERMISSIONS, 'signed-in', 'public']);

export function installGuard(api: FastifyInstance, access: AuthenticationService): void {
  api.addHook('onRoute', (route) => {
    const permission = route.config?.permission;
    if (!permission || !KNOWN.has(permission)) throw new Error(`route ${route.method} ${route.url} must declare config.permission`);
  });

  api.addHook('onRequest', async (request) => {
    const permission = request.routeOptions.config.permission;
    if (permission === 'public') return;
    const principal = await access.authenticate(request.headers.authorization, request.cookies[SESSION_COOKIE]);
    request.principal = principal;
    if (!SAFE_METHODS.has(request.method)) {
      access.assertCsrf(principal, header(request, 'x-csrf-token'));
      // A read-only token reads; it can neither change data nor mint, revoke or reconfigure credentials.
      if (principal.tokenScope === 'read') throw fromCatalogue('forbidden', 'auth.read_only_token');
    }
    if (principal.mustChangePassword && !request.routeOptions.config.allowExpiredPassword) {
      throw fromCatalogue('forbidden', 'auth.password_expired', {}, { field: 'password' });
    }
    if (permission && permission !== 'signed-in' && !can(principal.role, permission, principal.tokenScope)) {
      // The role and the permission in words (auth.role_may_not); `permission` stays as declared for scripts.
      throw fromCatalogue('forbidden', 'auth.role_may_not', {
        role: principal.role, permission, action: permission.replace(':', '_'), readOnly: principal.tokenScope === 'read' ? 'yes' : 'no',
      });
    }
  });
}

function header(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}
