// Access's queries (Kysely only): accounts, browser sessions and API tokens. Sign-in failures are counted
// and accounts locked by single conditional statements, so failures arriving together all count.
import { sql, type ExpressionBuilder, type Insertable, type Kysely, type Selectable, type Updateable } from 'kysely';
import type { ApiTokenTable, Database, SessionTable, UserTable } from '../db/schema.ts';

export type UserRow = Selectable<UserTable>;
export type TokenRow = Selectable<ApiTokenTable>;

/** A lock that is not in force at `nowIso`: never set, or already over. */
const notLockedAt = (nowIso: string) => (eb: ExpressionBuilder<Database, 'users'>) =>
  eb.or([eb('locked_until', 'is', null), eb('locked_until', '<=', nowIso)]);

export class AccessRepository {
  constructor(private readonly db: Kysely<Database>) {}

  // ---- who is calling
  tokenWithUser(tokenHash: string) {
    return this.db.selectFrom('api_tokens').innerJoin('users', 'users.id', 'api_tokens.user_id')
      .select(['api_tokens.id as token_id', 'api_tokens.expires_at', 'api_tokens.revoked_at', 'api_tokens.scope'])
      .selectAll('users').where('api_tokens.token_hash', '=', tokenHash).executeTakeFirst();
  }

  sessionWithUser(tokenHash: string) {
    return this.db.selectFrom('sessions').innerJoin('users', 'users.id', 'sessions.user_id')
      .select(['sessions.id as session_id', 'sessions.csrf_token', 'sessions.expires_at', 'sessions.revoked_at'])
      .selectAll('users').where('sessions.token_hash', '=', tokenHash).executeTakeFirst();
  }

  // ---- sign-in
  /** Clears the failure count unless the account is locked at `nowIso`; false when it is (nothing changed). */
  async clearFailures(userId: string, nowIso: string): Promise<boolean> {
    const cleared = await this.db.updateTable('users').set({ failed_logins: 0, locked_until: null })
      .where('id', '=', userId).where(notLockedAt(nowIso)).returning('id').executeTakeFirst();
    return cleared !== undefined;
  }

  /**
   * Counts one failed sign-in in a single statement (no read before the write) and locks the account
   * until `until` when the count reaches `max`; an account locked at `nowIso` is not counted (undefined).
   */
  countFailure(userId: string, nowIso: string, until: string, max: number) {
    const locks = sql<boolean>`failed_logins + 1 >= ${max}`;
    return this.db.updateTable('users')
      .set({
        failed_logins: sql<number>`CASE WHEN ${locks} THEN 0 ELSE failed_logins + 1 END`,
        locked_until: sql<string | null>`CASE WHEN ${locks} THEN ${until} ELSE locked_until END`,
      })
      .where('id', '=', userId).where(notLockedAt(nowIso))
      .returning(['failed_logins', 'locked_until']).executeTakeFirst();
  }

  // ---- sessions
  async insertSession(row: Insertable<SessionTable>): Promise<void> {
    await this.db.insertInto('sessions').values(row).execute();
  }

  async revokeSession(sessionId: string, at: string): Promise<void> {
    await this.db.updateTable('sessions').set({ revoked_at: at }).where('id', '=', sessionId).execute();
  }

  /** Ends every open session of the account. */
  async revokeSessionsOf(userId: string, at: string): Promise<void> {
    await this.db.updateTable('sessions').set({ revoked_at: at }).where('user_id', '=', userId).where('revoked_at', 'is', null).execute();
  }

  // ---- users
  findUser(id: string): Promise<UserRow | undefined> {
    return this.db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
  }

  findUserByEmail(email: string): Promise<UserRow | undefined> {
    return this.db.selectFrom('users').selectAll().where('email', '=', email).executeTakeFirst();
  }

  listUsers(): Promise<UserRow[]> {
    return this.db.selectFrom('users').selectAll().orderBy('email').execute();
  }

  /** The enabled account with this e-mail, or (without one) the earliest created enabled admin. */
  enabledUser(email: string | undefined): Promise<UserRow | undefined> {
    let query = this.db.selectFrom('users').selectAll().where('disabled_at', 'is', null);
    query = email === undefined ? query.where('role', '=', 'admin').orderBy('created_at').orderBy('id') : query.where('email', '=', email);
    return query.limit(1).executeTakeFirst();
  }

  async insertUser(row: Insertable<UserTable>): Promise<void> {
    await this.db.insertInto('users').values(row).execute();
  }

  async updateUser(id: string, patch: Updateable<UserTable>): Promise<void> {
    await this.db.updateTable('users').set(patch).where('id', '=', id).execute();
  }

  async merchantExists(merchantId: string): Promise<boolean> {
    return (await this.db.selectFrom('merchants').select('id').where('id', '=', merchantId).executeTakeFirst()) !== undefined;
  }

  // ---- API tokens
  async insertToken(row: Insertable<ApiTokenTable>): Promise<void> {
    await this.db.insertInto('api_tokens').values(row).execute();
  }

  findToken(id: string): Promise<TokenRow | undefined> {
    return this.db.selectFrom('api_tokens').selectAll().where('id', '=', id).executeTakeFirst();
  }

  listTokens(userId: string): Promise<TokenRow[]> {
    return this.db.selectFrom('api_tokens').selectAll().where('user_id', '=', userId).orderBy('created_at').execute();
  }

  async revokeToken(id: string, at: string): Promise<void> {
    await this.db.updateTable('api_tokens').set({ revoked_at: at }).where('id', '=', id).execute();
  }

  async tokenHashExists(tokenHash: string): Promise<boolean> {
    return (await this.db.selectFrom('api_tokens').select('id').where('token_hash', '=', tokenHash).executeTakeFirst()) !== undefined;
  }

  async userHasToken(userId: string): Promise<boolean> {
    return (await this.db.selectFrom('api_tokens').select('id').where('user_id', '=', userId).limit(1).executeTakeFirst()) !== undefined;
  }
}
