// Sign-in, sessions, users and API tokens over HTTP (/api/v1/auth, /users, /tokens).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { AuditService } from '../audit/audit.service.ts';
import { invalidField } from '../shared/errors.ts';
import { HeldAnswer, localeOf, type FourEyes } from '../shared/four-eyes.ts';
import { errorResponses, IdParams, operatorSecurity } from '../shared/http-schemas.ts';
import type { AccessService } from './access.service.ts';
import { SESSION_COOKIE, type Principal } from './authentication.service.ts';
import { LoginAnswer, LoginInput, Me, NewToken, PasswordChange, PasswordReset, Token, TokenInput, TotpConfirm, TotpSetup, User, UserInput, UserPatch } from './access.schemas.ts';
import { can, PERMISSIONS } from './roles.ts';

const tags = ['access'];
const security = operatorSecurity;

export const me = (p: Principal) => ({
  userId: p.userId, name: p.name, role: p.role, merchantId: p.merchantId, via: p.via, csrfToken: p.csrfToken, mustChangePassword: p.mustChangePassword,
  permissions: PERMISSIONS.filter((permission) => can(p.role, permission, p.tokenScope)),
});

export const accessRoutes = (access: AccessService, audit: AuditService, cookieSecure: boolean, fourEyes: FourEyes): FastifyPluginAsyncTypebox => async (app) => {
  app.post('/auth/login', {
    config: {
      permission: 'public', auditedByHandler: true,
      // Per address and account, after the body is read; account lockout stops slower guessing.
      rateLimit: { max: 10, timeWindow: '1 minute', hook: 'preHandler', keyGenerator: (req) => `${req.ip}|${String((req.body as { email?: unknown } | undefined)?.email).toLowerCase()}` },
    },
    schema: { tags, operationId: 'signIn', summary: 'Sign in with email and password', description: 'Answers the session cookie (httpOnly) and who you are; a TOTP code is needed once set up. Rate-limited per address and account.', body: LoginInput, response: { 200: LoginAnswer, ...errorResponses } },
  }, async (req, reply) => {
    const base = { action: 'auth.login', objectType: 'users', sourceIp: req.ip, requestId: req.id };
    const result = await access.login(req.body.email, req.body.password, req.body.totp, req.ip);
    if (!result.ok) {
      await audit.record({ ...base, actorType: 'anonymous', actorName: req.body.email, objectId: result.userId, outcome: 'failure', details: { reason: result.reason } });
      throw result.error;
    }
    const { cookie, expiresAt, principal } = result;
    await audit.record({ ...base, actorType: 'user', actorId: principal.userId, actorName: principal.name, objectId: principal.userId, outcome: 'success' });
    reply.setCookie(SESSION_COOKIE, cookie, { httpOnly: true, secure: cookieSecure, sameSite: 'strict', path: '/', expires: new Date(expiresAt) });
    return { expiresAt, me: me(principal) };
  });

  app.post('/auth/logout', {
    config: { permission: 'signed-in', allowExpiredPassword: true },
    schema: { tags, security, operationId: 'signOut', summary: 'Sign out', response: { 204: Type.Null(), ...errorResponses } },
  }, async (req, reply) => {
    if (req.principal.sessionId) await access.logout(req.principal.sessionId);
    reply.clearCookie(SESSION_COOKIE, { path: '/' });
    return reply.code(204).send(null);
  });

  app.get('/auth/me', {
    config: { permission: 'signed-in', allowExpiredPassword: true },
    schema: { tags, security, operationId: 'getMe', summary: 'Who is signed in, and what they may do', description: "The caller's role, merchant, CSRF token and permissions.", response: { 200: Me, ...errorResponses } },
  }, (req) => me(req.principal));

  app.post('/auth/password', {
    config: { permission: 'signed-in', allowExpiredPassword: true },
    schema: { tags, security, operationId: 'changePassword', summary: 'Change your own password', body: PasswordChange, response: { 204: Type.Null(), ...errorResponses } },
  }, async (req, reply) => {
    await access.changePassword(req.principal.userId, req.body.currentPassword, req.body.newPassword);
    return reply.code(204).send(null);
  });

  app.post('/auth/totp', {
    config: { permission: 'signed-in' },
    schema: { tags, security, operationId: 'startTotpSetup', summary: 'Start two-factor (TOTP) set-up', description: 'Starts TOTP set-up: scan the URI, then confirm with a code.', response: { 200: TotpSetup, ...errorResponses } },
  }, (req) => access.beginTotp(req.principal.userId));

  app.post('/auth/totp/confirm', {
    config: { permission: 'signed-in' },
    schema: { tags, security, operationId: 'confirmTotpSetup', summary: 'Confirm two-factor (TOTP) set-up with a code', body: TotpConfirm, response: { 204: Type.Null(), ...errorResponses } },
  }, async (req, reply) => {
    await access.enableTotp(req.principal.userId, req.body.code);
    return reply.code(204).send(null);
  });

  // ---- users (admins)
  app.get('/users', {
    config: { permission: 'users:manage', auditRead: true },
    schema: { tags, security, operationId: 'listUsers', summary: 'List user accounts', response: { 200: Type.Object({ items: Type.Array(User) }), ...errorResponses } },
  }, async () => ({ items: await access.listUsers() }));
  app.post('/users', {
    config: { permission: 'users:manage' },
    schema: { tags, security, operationId: 'createUser', summary: 'Create a user account', body: UserInput, response: { 201: User, ...errorResponses } },
  }, async (req, reply) => reply.code(201).send(await access.createUser(req.body)));
  app.get('/users/:id', {
    config: { permission: 'users:manage', auditRead: true },
    schema: { tags, security, operationId: 'getUser', summary: 'A user account', params: IdParams, response: { 200: User, ...errorResponses } },
  }, (req) => access.getUser(req.params.id));
  app.patch('/users/:id', {
    config: { permission: 'users:manage', auditBody: ['role', 'reason'] },
    schema: {
      tags, security, operationId: 'updateUser', summary: 'Change a user account', params: IdParams, body: UserPatch, response: { 200: User, 202: HeldAnswer, ...errorResponses },
      description: 'A change of role is held (202, state awaiting_approval) until a second person approves it (four eyes); give the reason. The whole change then runs as asked.',
    },
  }, async (req, reply) => {
    const { reason, ...patch } = req.body;
    const user = await access.getUser(req.params.id);
    if (patch.role !== undefined && patch.role !== user.role) {
      if (patch.password !== undefined) throw invalidField('password', 'user.password_with_role_change');
      const held = await fourEyes.hold({
        kind: 'role_change', payload: { userId: user.id, patch }, summary: { user: user.name, email: user.email, from: user.role, to: patch.role },
        objectId: user.id, reason, field: 'reason',
      }, req.principal, localeOf(req.principal.locale, req.headers['accept-language']));
      if (held) return reply.code(202).send(held);
    }
    return access.updateUser(req.params.id, patch);
  });
  app.post('/users/:id/disable', {
    config: { permission: 'users:manage' },
    schema: {
      tags, security, params: IdParams, response: { 200: User, ...errorResponses },
      operationId: 'disableUser', summary: 'Disable an account', description: 'The account can no longer sign in; its sessions and API tokens stop working at once. Disabling twice changes nothing.',
    },
  }, (req) => {
    if (req.params.id === req.principal.userId) throw invalidField('id', 'user.cannot_disable_self');
    return access.setDisabled(req.params.id, true);
  });
  app.post('/users/:id/enable', {
    config: { permission: 'users:manage' },
    schema: { tags, security, params: IdParams, response: { 200: User, ...errorResponses }, operationId: 'enableUser', summary: 'Enable a disabled account', description: 'The account can sign in again (its old sessions stay ended).' },
  }, (req) => access.setDisabled(req.params.id, false));
  app.post('/users/:id/password-reset', {
    config: { permission: 'users:manage' },
    schema: {
      tags, security, params: IdParams, body: PasswordReset, response: { 200: User, ...errorResponses },
      operationId: 'resetUserPassword', summary: 'Set a temporary password',
      description: 'The user must change it at the next sign-in; every session of the account ends and a lock is lifted.',
    },
  }, (req) => access.resetUserPassword(req.params.id, req.body.password));
  app.post('/users/:id/unlock', {
    config: { permission: 'users:manage' },
    schema: { tags, security, operationId: 'unlockUser', summary: 'Unlock an account locked by failed sign-ins', params: IdParams, response: { 200: User, ...errorResponses } },
  }, (req) => access.unlockUser(req.params.id));

  // ---- API tokens (each user their own)
  app.get('/tokens', {
    config: { permission: 'signed-in' },
    schema: { tags, security, operationId: 'listTokens', summary: 'Your API tokens', response: { 200: Type.Object({ items: Type.Array(Token) }), ...errorResponses } },
  }, async (req) => ({ items: await access.listTokens(req.principal.userId) }));
  app.post('/tokens', {
    config: { permission: 'signed-in' },
    schema: { tags, security, operationId: 'createToken', summary: 'Create an API token', description: "The token's secret is in this answer only.", body: TokenInput, response: { 201: NewToken, ...errorResponses } },
  }, async (req, reply) => reply.code(201).send(await access.createToken(req.principal.userId, req.body)));
  app.delete('/tokens/:id', {
    config: { permission: 'signed-in' },
    schema: { tags, security, operationId: 'revokeToken', summary: 'Revoke an API token', params: IdParams, response: { 204: Type.Null(), ...errorResponses } },
  }, async (req, reply) => {
    await access.revokeToken(req.principal.userId, req.params.id, req.principal.role === 'admin');
    return reply.code(204).send(null);
  });
};
