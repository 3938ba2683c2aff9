// Answers one question for every request: who is this? A bearer API token (its answer kept while
// revocations are heard, 5 s while not: src/shared/revocable-cache.ts; so a script's calls ask the
// database once) or a browser session cookie (asked every time), whose CSRF token the caller checks. Accounts, sign-in and tokens themselves: ./access.service.ts.
import type { Selectable } from 'kysely';
import type { UserTable } from '../db/schema.ts';
import { fromCatalogue } from '../shared/errors.ts';
import { bearer, hashSecret } from '../shared/secrets.ts';
import type { Clock } from '../shared/time.ts';
import { RevocableCache, type RevocationsHeard } from '../shared/revocable-cache.ts';
import type { AccessRepository } from './access.repository.ts';
import { passwordExpired } from './passwords.ts';
import { isRole, scopeOf, type Role, type Scope } from './roles.ts';

export interface Principal {
  userId: string;
  name: string;
  role: Role;
  merchantId: string | null;
  scope: Scope;
  via: 'token' | 'session';
  tokenId: string | null;
  tokenScope: 'full' | 'read';
  sessionId: string | null;
  csrfToken: string | null;
  mustChangePassword: boolean;
  /** The account's language: errors and messages answer in it. */
  locale?: string;
}

export const SESSION_COOKIE = 'pf_session';
/** API tokens whose caller is remembered (a forgotten one costs a query at its next request). */
const CACHE_MAX = 10_000;

/** The caller an account is, reached `how`; its password counts as expired after `passwordMaxAgeDays`. */
export function principalOf(user: Selectable<UserTable>, how: Partial<Principal> & { via: Principal['via'] }, passwordMaxAgeDays: number, now: Date): Principal {
  const role = isRole(user.role) ? user.role : 'auditor';
  return {
    userId: user.id, name: user.name, role, merchantId: user.merchant_id, locale: user.locale, scope: scopeOf({ id: user.id, role, merchantId: user.merchant_id }),
    tokenId: null, tokenScope: 'full', sessionId: null, csrfToken: null,
    mustChangePassword: passwordExpired(user.password_changed_at, passwordMaxAgeDays, now),
    ...how,
  };
}

export class AuthenticationService {
  private readonly tokenCache: RevocableCache<string, Principal>;

  constructor(
    private readonly repo: AccessRepository,
    private readonly clock: Clock,
    private readonly settings: { passwordMaxAgeDays: number },
    /** Whether every token revocation and account change reaches this process now (see RevocableCache). */
    revocationsHeard: RevocationsHeard = () => false,
  ) {
    this.tokenCache = new RevocableCache(CACHE_MAX, revocationsHeard);
  }

  /** A token or an account changed (here or on another node): the next request of each token asks the database. */
  forgetTokens(): void {
    this.tokenCache.clear();
  }

  /** Who is calling: a bearer API token, or a session cookie (whose CSRF token the caller checks). */
  async authenticate(authorization: string | undefined, sessionCookie: string | undefined): Promise<Principal> {
    const token = bearer(authorization);
    if (token) return this.authenticateToken(token);
    if (sessionCookie) return this.authenticateSession(sessionCookie);
    throw fromCatalogue('unauthenticated', 'auth.credential_required');
  }

  private async authenticateToken(token: string): Promise<Principal> {
    const hash = hashSecret(token);
    const now = this.clock();
    const cached = this.tokenCache.get(hash, now.getTime());
    if (cached) return cached;
    const ticket = this.tokenCache.ticket();
    const row = await this.repo.tokenWithUser(hash);
    if (!row || row.revoked_at) throw fromCatalogue('unauthenticated', 'auth.token_unknown');
    if (row.expires_at && row.expires_at <= now.toISOString()) throw fromCatalogue('unauthenticated', 'auth.token_expired');
    if (row.disabled_at) throw fromCatalogue('unauthenticated', 'auth.token_owner_disabled');
    const principal = principalOf(row, { via: 'token', tokenId: row.token_id, tokenScope: row.scope === 'read' ? 'read' : 'full' }, this.settings.passwordMaxAgeDays, now);
    // Tokens are for scripts: a stale password does not stop them, the password's owner is asked at sign-in.
    principal.mustChangePassword = false;
    // An expiring token is trusted no longer than it lives, whatever is heard.
    this.tokenCache.set(hash, principal, now.getTime(), ticket, row.expires_at ? Date.parse(row.expires_at) : Infinity);
    return principal;
  }

  private async authenticateSession(cookie: string): Promise<Principal> {
    const now = this.clock();
    const row = await this.repo.sessionWithUser(hashSecret(cookie));
    if (!row || row.revoked_at || row.expires_at <= now.toISOString() || row.disabled_at) throw fromCatalogue('unauthenticated', 'auth.session_ended');
    return principalOf(row, { via: 'session', sessionId: row.session_id, csrfToken: row.csrf_token }, this.settings.passwordMaxAgeDays, now);
  }

  assertCsrf(principal: Principal, header: string | undefined): void {
    if (principal.via === 'session' && header !== principal.csrfToken) throw fromCatalogue('forbidden', 'auth.csrf_mismatch');
  }
}
