// Operator authentication for /api/v1: bearer API tokens, stored hashed. The bootstrap admin token
// (POSFLEET_ADMIN_TOKEN, or one generated at first start) is the first of them.
import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import { unauthenticated } from '../shared/errors.ts';
import { hashSecret, newToken } from '../shared/secrets.ts';
import type { Clock } from '../shared/time.ts';

export interface Operator {
  tokenId: string;
  name: string;
  role: string;
}

const CACHE_MS = 5_000;

export class OperatorAuth {
  private cache = new Map<string, { operator: Operator; until: number }>();

  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
  ) {}

  /** Resolves the operator behind an Authorization header, or throws 401. */
  async authenticate(header: string | undefined): Promise<Operator> {
    const token = bearer(header);
    if (!token) throw unauthenticated('an operator API token is required: Authorization: Bearer <token>');
    const hash = hashSecret(token);
    const now = this.clock();
    const cached = this.cache.get(hash);
    if (cached && cached.until > now.getTime()) return cached.operator;
    const row = await this.db.selectFrom('api_tokens').select(['id', 'name', 'role', 'expires_at', 'revoked_at']).where('token_hash', '=', hash).executeTakeFirst();
    if (!row || row.revoked_at) throw unauthenticated('unknown or revoked API token');
    if (row.expires_at && row.expires_at <= now.toISOString()) throw unauthenticated('the API token has expired');
    const operator = { tokenId: row.id, name: row.name, role: row.role };
    this.cache.set(hash, { operator, until: now.getTime() + CACHE_MS });
    return operator;
  }

  /** Creates an API token; the plain token is returned once and never stored. */
  async createToken(name: string, role: string, plain = newToken('pfo')): Promise<{ id: string; token: string }> {
    const id = randomUUID();
    await this.db.insertInto('api_tokens').values({
      id, name, role, token_hash: hashSecret(plain), created_at: this.clock().toISOString(), expires_at: null, revoked_at: null,
    }).execute();
    return { id, token: plain };
  }

  /**
   * Makes sure an admin can get in: a configured token is registered if new; with none configured and
   * no token in the database yet, one is generated and returned so the caller can print it once.
   */
  async bootstrap(configured: string | undefined): Promise<string | undefined> {
    if (configured) {
      const known = await this.db.selectFrom('api_tokens').select('id').where('token_hash', '=', hashSecret(configured)).executeTakeFirst();
      if (!known) await this.createToken('bootstrap admin', 'admin', configured);
      return undefined;
    }
    const any = await this.db.selectFrom('api_tokens').select('id').limit(1).executeTakeFirst();
    if (any) return undefined;
    return (await this.createToken('bootstrap admin', 'admin')).token;
  }
}

export function bearer(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  return match?.[1];
}
