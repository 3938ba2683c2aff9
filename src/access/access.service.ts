// Operator access: accounts with hashed passwords, lockout and optional TOTP; sign-in that opens a
// browser session; API tokens owned by users. Who a request is: ./authentication.service.ts.
import { randomUUID } from 'node:crypto';
import type { Selectable } from 'kysely';
import { Secret, TOTP } from 'otpauth';
import type { UserTable } from '../db/schema.ts';
import { AppError, fromCatalogue, invalidField, notFound, orNotFound, refused, unauthenticated } from '../shared/errors.ts';
import { parseJson } from '../shared/json.ts';
import { hashSecret, newToken } from '../shared/secrets.ts';
import type { Clock } from '../shared/time.ts';
import type { AccessRepository } from './access.repository.ts';
import { principalOf, type Principal } from './authentication.service.ts';
import { checkNewPassword, dummyHash, hashPassword, PASSWORD_HISTORY, verifyPassword } from './passwords.ts';
import type { Role } from './roles.ts';

export interface AccessSettings {
  passwordMaxAgeDays: number;
  maxFailedLogins: number;
  lockoutMinutes: number;
  sessionHours: number;
  /** scrypt's cost N for new password hashes (Config.passwordHashCost). */
  passwordHashCost: number;
}

export interface UserInput {
  email: string;
  name: string;
  role: Role;
  merchantId?: string | null | undefined;
  locale?: string | undefined;
  password: string;
}

/** A failed sign-in names the account and the real reason (for the audit trail) but the caller only ever shows `error`. */
export type LoginResult =
  | { ok: true; cookie: string; expiresAt: string; principal: Principal }
  | { ok: false; userId: string | null; error: AppError; reason: string };

const BOOTSTRAP_EMAIL = 'admin@posfleet.local';

export class AccessService {
  constructor(
    private readonly repo: AccessRepository,
    private readonly clock: Clock,
    private readonly settings: AccessSettings,
    /** Answers kept for API tokens, forgotten when a token or an account changes. */
    private readonly tokens: { forgetTokens(): void },
  ) {}

  private now = () => this.clock().toISOString();

  // ---- sign-in
  /**
   * Checks email, password and (if enabled) the TOTP code. One answer for an unknown email, a wrong
   * password and a locked account, so sign-in does not reveal who has an account or that it is locked
   * (its owner learns that from an admin, who sees `lockedUntil` in the users list and the lock in the
   * audit trail). Wrong passwords and wrong one-time codes count alike; MAX_FAILED_LOGINS of them lock
   * the account, counted by one UPDATE each so that failures arriving together are all counted.
   */
  async login(email: string, password: string, totpCode: string | undefined, sourceIp: string | null): Promise<LoginResult> {
    const user = await this.repo.findUserByEmail(email.toLowerCase());
    const now = this.clock();
    const wrong = () => unauthenticated('wrong email or password').says('auth.wrong_credentials');
    if (!user || user.disabled_at) {
      await verifyPassword(password, dummyHash(this.settings.passwordHashCost)); // same time as a real check
      return { ok: false, userId: null, error: wrong(), reason: user ? 'the account is disabled' : 'no account with this e-mail' };
    }
    // The password is checked even for a locked account: a locked account takes as long to refuse.
    const passwordRight = await verifyPassword(password, user.password_hash);
    if (user.locked_until && user.locked_until > now.toISOString()) {
      return { ok: false, userId: user.id, error: wrong(), reason: `the account is locked until ${user.locked_until}` };
    }
    if (!passwordRight) {
      return { ok: false, userId: user.id, error: wrong(), reason: await this.countFailure(user.id, 'wrong password', now) };
    }
    if (user.totp_enabled) {
      if (!totpCode) return { ok: false, userId: user.id, error: fromCatalogue('unauthenticated', 'auth.totp_required', {}, { field: 'totp' }), reason: 'no one-time code' };
      if (!totpValid(user.totp_secret!, totpCode, this.clock())) {
        const reason = await this.countFailure(user.id, 'wrong one-time code', now);
        return { ok: false, userId: user.id, error: fromCatalogue('unauthenticated', 'auth.totp_wrong', {}, { field: 'totp' }), reason };
      }
    }
    // Clears the count unless a failure that arrived meanwhile locked the account: then this sign-in is refused too.
    if (!(await this.repo.clearFailures(user.id, now.toISOString()))) return { ok: false, userId: user.id, error: wrong(), reason: 'the account was locked meanwhile' };
    const cookie = newToken('pfs');
    const session = {
      id: randomUUID(), user_id: user.id, token_hash: hashSecret(cookie), csrf_token: newToken('csrf'), created_at: now.toISOString(),
      expires_at: new Date(now.getTime() + this.settings.sessionHours * 3_600_000).toISOString(), source_ip: sourceIp, revoked_at: null,
    };
    await this.repo.insertSession(session);
    const principal = principalOf(user, { via: 'session', sessionId: session.id, csrfToken: session.csrf_token }, this.settings.passwordMaxAgeDays, now);
    return { ok: true, cookie, expiresAt: session.expires_at, principal };
  }

  /**
   * Counts one failed sign-in in a single statement (no read before the write, so parallel failures all
   * count) and locks the account at the limit; failures against a locked account are not counted.
   * Returns what happened, for the audit trail.
   */
  private async countFailure(userId: string, what: string, now: Date): Promise<string> {
    const until = new Date(now.getTime() + this.settings.lockoutMinutes * 60_000).toISOString();
    const max = this.settings.maxFailedLogins;
    const row = await this.repo.countFailure(userId, now.toISOString(), until, max);
    if (!row) return `${what} (the account was locked meanwhile)`;
    return row.locked_until === until ? `${what}; the account is now locked until ${until} after ${max} failed sign-ins` : `${what} (${row.failed_logins} of ${max} before the account locks)`;
  }

  async logout(sessionId: string): Promise<void> {
    await this.repo.revokeSession(sessionId, this.now());
  }

  async changePassword(userId: string, currentPassword: string, newPassword: string): Promise<void> {
    const user = await this.requireUser(userId);
    if (!(await verifyPassword(currentPassword, user.password_hash))) throw invalidField('currentPassword', 'user.current_password_wrong');
    await this.setPassword(user, newPassword);
  }

  private async setPassword(user: Selectable<UserTable>, password: string): Promise<void> {
    const history = [user.password_hash, ...parseJson<string[]>(user.password_history, [])].filter((h): h is string => !!h);
    await checkNewPassword(password, history);
    await this.repo.updateUser(user.id, {
      password_hash: await hashPassword(password, this.settings.passwordHashCost), password_changed_at: this.now(),
      password_history: JSON.stringify(history.slice(0, PASSWORD_HISTORY - 1)), updated_at: this.now(),
    });
  }

  // ---- TOTP
  async beginTotp(userId: string): Promise<{ secret: string; uri: string }> {
    const user = await this.requireUser(userId);
    // Starting over would switch the second factor off: whoever holds this session must not be able to.
    if (user.totp_enabled) throw refused('auth.totp_already_on', {}, { retryable: false });
    const secret = new Secret({ size: 20 }).base32;
    await this.repo.updateUser(userId, { totp_secret: secret, totp_enabled: 0 });
    const uri = new TOTP({ issuer: 'PosFleet', label: user.email, secret: Secret.fromBase32(secret) }).toString();
    return { secret, uri };
  }

  async enableTotp(userId: string, code: string): Promise<void> {
    const user = await this.requireUser(userId);
    if (!user.totp_secret) throw refused('auth.totp_not_started');
    if (!totpValid(user.totp_secret, code, this.clock())) throw invalidField('code', 'auth.totp_wrong');
    await this.repo.updateUser(userId, { totp_enabled: 1 });
  }

  // ---- users
  async createUser(input: UserInput) {
    const email = input.email.toLowerCase();
    if (await this.repo.findUserByEmail(email)) throw refused('user.email_taken', { email }, { field: 'email', retryable: false });
    await this.checkMerchantBinding(input.role, input.merchantId ?? null);
    await checkNewPassword(input.password, []);
    const now = this.now();
    const id = randomUUID();
    await this.repo.insertUser({
      id, email, name: input.name, role: input.role, merchant_id: input.role === 'merchant' ? input.merchantId ?? null : null,
      locale: input.locale ?? 'zh-CN', password_hash: await hashPassword(input.password, this.settings.passwordHashCost), password_changed_at: now, password_history: '[]',
      failed_logins: 0, locked_until: null, totp_secret: null, totp_enabled: 0, created_at: now, updated_at: now, disabled_at: null,
    });
    return this.getUser(id);
  }

  async updateUser(id: string, patch: { name?: string; role?: Role; merchantId?: string | null; locale?: string; disabled?: boolean; password?: string }) {
    const user = await this.requireUser(id);
    const role = patch.role ?? user.role;
    const merchantId = patch.merchantId !== undefined ? patch.merchantId : user.merchant_id;
    await this.checkMerchantBinding(role, merchantId);
    await this.repo.updateUser(id, {
      ...(patch.name !== undefined && { name: patch.name }),
      ...(patch.locale !== undefined && { locale: patch.locale }),
      role, merchant_id: role === 'merchant' ? merchantId : null,
      ...(patch.disabled !== undefined && { disabled_at: patch.disabled ? this.now() : null }),
      updated_at: this.now(),
    });
    if (patch.password !== undefined) await this.setPassword(await this.requireUser(id), patch.password);
    if (patch.disabled) await this.endSessions(id);
    this.tokens.forgetTokens();
    return this.getUser(id);
  }

  /** Disables or re-enables an account; a disabled one cannot sign in, and its sessions end now. */
  async setDisabled(id: string, disabled: boolean) {
    const user = await this.requireUser(id);
    if (disabled === (user.disabled_at !== null)) return toUser(user); // pressed twice: no change
    return this.updateUser(id, { disabled });
  }

  /**
   * An admin's reset: a temporary password the user must change at the next sign-in (it counts as
   * expired), with every session of the account ended and a lock lifted.
   */
  async resetUserPassword(id: string, password: string) {
    await this.setPassword(await this.requireUser(id), password);
    await this.repo.updateUser(id, { password_changed_at: null, failed_logins: 0, locked_until: null });
    await this.endSessions(id);
    return this.getUser(id);
  }

  private async endSessions(userId: string) {
    await this.repo.revokeSessionsOf(userId, this.now());
  }

  async unlockUser(id: string) {
    await this.requireUser(id);
    await this.repo.updateUser(id, { failed_logins: 0, locked_until: null });
    return this.getUser(id);
  }

  async getUser(id: string) {
    return toUser(await this.requireUser(id));
  }

  async listUsers() {
    return (await this.repo.listUsers()).map(toUser);
  }

  private async checkMerchantBinding(role: Role, merchantId: string | null) {
    if (role !== 'merchant') return;
    if (!merchantId) throw invalidField('merchantId', 'user.merchant_required');
    if (!(await this.repo.merchantExists(merchantId))) throw invalidField('merchantId', 'common.does_not_exist', { what: 'merchant', id: merchantId });
  }

  private async requireUser(id: string) {
    return (await this.repo.findUser(id)) ?? orNotFound('user', id);
  }

  // ---- API tokens
  async createToken(userId: string, input: { name: string; scope?: 'full' | 'read'; expiresInDays?: number | undefined }, plain = newToken('pfo')) {
    const now = this.clock();
    const row = {
      id: randomUUID(), name: input.name, token_hash: hashSecret(plain), user_id: userId, scope: input.scope ?? 'full',
      created_at: now.toISOString(), expires_at: input.expiresInDays ? new Date(now.getTime() + input.expiresInDays * 86_400_000).toISOString() : null,
      revoked_at: null,
    };
    await this.repo.insertToken(row);
    return { ...toToken(row), token: plain };
  }

  async listTokens(userId: string) {
    return (await this.repo.listTokens(userId)).map(toToken);
  }

  async revokeToken(userId: string, tokenId: string, asAdmin: boolean) {
    const token = await this.repo.findToken(tokenId);
    if (!token || (token.user_id !== userId && !asAdmin)) throw notFound('API token', tokenId);
    await this.repo.revokeToken(tokenId, this.now());
    this.tokens.forgetTokens();
  }

  /**
   * The first admin: an account `admin@posfleet.local` (no password until one is set) owning the
   * bootstrap token — POSFLEET_ADMIN_TOKEN, or one generated now and returned to be printed once.
   */
  async bootstrap(configured: string | undefined): Promise<string | undefined> {
    let admin = await this.repo.findUserByEmail(BOOTSTRAP_EMAIL);
    if (!admin) {
      const now = this.now();
      await this.repo.insertUser({
        id: randomUUID(), email: BOOTSTRAP_EMAIL, name: 'admin', role: 'admin', merchant_id: null, locale: 'zh-CN', password_hash: null,
        password_changed_at: null, password_history: '[]', failed_logins: 0, locked_until: null, totp_secret: null, totp_enabled: 0,
        created_at: now, updated_at: now, disabled_at: null,
      });
      admin = (await this.repo.findUserByEmail(BOOTSTRAP_EMAIL))!;
    }
    if (configured) {
      if (!(await this.repo.tokenHashExists(hashSecret(configured)))) await this.createToken(admin.id, { name: 'bootstrap admin' }, configured);
      return undefined;
    }
    if (await this.repo.userHasToken(admin.id)) return undefined;
    return (await this.createToken(admin.id, { name: 'bootstrap admin' })).token;
  }

  /**
   * For the CLI: the account a new token is for — the one with this e-mail, else the first admin
   * (the earliest created who is not disabled; not necessarily admin@posfleet.local).
   */
  async tokenOwner(email: string | undefined) {
    const user = await this.repo.enabledUser(email?.toLowerCase());
    // Only the CLI asks (posfleet token create): its operator reads English on the console, no API caller sees this.
    if (!user) throw new AppError('not_found', email === undefined ? 'this database has no enabled admin account' : `no enabled account has the e-mail ${email}`);
    return toUser(user);
  }

  /** For the CLI: sets a user's password without the current one (the operator has the database). */
  async resetPassword(email: string, password: string) {
    const user = await this.repo.findUserByEmail(email.toLowerCase());
    if (!user) throw notFound('user', email);
    await this.setPassword(user, password);
  }
}

/** A one-time code of the current 30 s step (or the one before or after) on the server's clock. */
function totpValid(secret: string, code: string, now: Date): boolean {
  return new TOTP({ secret: Secret.fromBase32(secret) }).validate({ token: code.replace(/\s/g, ''), window: 1, timestamp: now.getTime() }) !== null;
}


function toUser(row: Selectable<UserTable>) {
  return {
    id: row.id, email: row.email, name: row.name, role: row.role, merchantId: row.merchant_id, locale: row.locale,
    passwordChangedAt: row.password_changed_at, lockedUntil: row.locked_until, totpEnabled: row.totp_enabled === 1,
    createdAt: row.created_at, disabledAt: row.disabled_at,
  };
}

function toToken(row: { id: string; name: string; scope: string; created_at: string; expires_at: string | null; revoked_at: string | null }) {
  return { id: row.id, name: row.name, scope: row.scope, createdAt: row.created_at, expiresAt: row.expires_at, revokedAt: row.revoked_at };
}
