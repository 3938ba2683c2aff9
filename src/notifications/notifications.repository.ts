// Notification queries (Kysely only): channels, deliveries and their attempts.
import { sql, type Kysely, type Selectable } from 'kysely';
import { eachBatch } from '../db/batches.ts';
import type { Database, NotificationAttemptTable, NotificationChannelTable, NotificationDeliveryTable } from '../db/schema.ts';
import { parseJson } from '../shared/json.ts';
import { decodeCursor } from '../shared/paging.ts';
import type { DeliveryStatus } from './notifications.rules.ts';
import { isRobotKind, maskRobotAddress } from './robots.ts';
import type { Channel, Delivery, DeliveryAttempt, DeliveryQuery } from './notifications.schemas.ts';

export type ChannelRow = Selectable<NotificationChannelTable>;
export type DeliveryRow = Selectable<NotificationDeliveryTable>;

export interface ChannelListQuery {
  /** undefined: every channel; null: fleet-wide channels only; an id: that merchant's. */
  merchantId?: string | null | undefined;
}

export class NotificationRepository {
  constructor(private readonly db: Kysely<Database>) {}

  // ---- channels
  async insertChannel(row: NotificationChannelTable): Promise<void> {
    await this.db.insertInto('notification_channels').values(row).execute();
  }

  async findChannel(id: string): Promise<ChannelRow | undefined> {
    return this.db.selectFrom('notification_channels').selectAll().where('id', '=', id).where('deleted_at', 'is', null).executeTakeFirst();
  }

  /** Also finds deleted channels: a delivery to one is parked, not lost without trace. */
  /** People's own e-mail channels, by user. */
  async personalChannels(userIds: string[]): Promise<ChannelRow[]> {
    if (!userIds.length) return [];
    return this.db.selectFrom('notification_channels').selectAll().where('user_id', 'in', userIds).execute();
  }

  async findChannelEvenDeleted(id: string): Promise<ChannelRow | undefined> {
    return this.db.selectFrom('notification_channels').selectAll().where('id', '=', id).executeTakeFirst();
  }

  async updateChannel(id: string, changes: Partial<NotificationChannelTable>): Promise<void> {
    await this.db.updateTable('notification_channels').set(changes).where('id', '=', id).execute();
  }

  async listChannels(query: ChannelListQuery): Promise<ChannelRow[]> {
    let q = this.db.selectFrom('notification_channels').selectAll().where('deleted_at', 'is', null).where('user_id', 'is', null);
    if (query.merchantId === null) q = q.where('merchant_id', 'is', null);
    else if (query.merchantId !== undefined) q = q.where('merchant_id', '=', query.merchantId);
    return q.orderBy('created_at').orderBy('id').execute();
  }

  /** The enabled channels that hear a merchant's events: its own and the fleet-wide ones. */
  async channelsHearing(merchantId: string | null): Promise<ChannelRow[]> {
    return this.db.selectFrom('notification_channels').selectAll()
      .where('deleted_at', 'is', null).where('enabled', '=', 1).where('user_id', 'is', null)
      .where((eb) => (merchantId === null ? eb('merchant_id', 'is', null) : eb.or([eb('merchant_id', 'is', null), eb('merchant_id', '=', merchantId)])))
      .orderBy('created_at').orderBy('id')
      .execute();
  }

  // ---- deliveries
  /** False when the channel already has a delivery with this dedupe key. */
  async insertDelivery(row: NotificationDeliveryTable): Promise<boolean> {
    const result = await this.db.insertInto('notification_deliveries').values(row)
      .onConflict((oc) => oc.columns(['channel_id', 'dedupe_key']).doNothing())
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
  }

  async findDelivery(id: string): Promise<DeliveryRow | undefined> {
    return this.db.selectFrom('notification_deliveries').selectAll().where('id', '=', id).executeTakeFirst();
  }

  async findDeliveryByKey(channelId: string, dedupeKey: string): Promise<DeliveryRow | undefined> {
    return this.db.selectFrom('notification_deliveries').selectAll()
      .where('channel_id', '=', channelId).where('dedupe_key', '=', dedupeKey).executeTakeFirst();
  }

  async listDeliveries(query: DeliveryQuery & { limit: number }): Promise<DeliveryRow[]> {
    let q = this.db.selectFrom('notification_deliveries').selectAll();
    if (query.status) q = q.where('status', '=', query.status);
    if (query.merchantId) q = q.where('merchant_id', '=', query.merchantId);
    if (query.channelId) q = q.where('channel_id', '=', query.channelId);
    if (query.event) q = q.where('event', '=', query.event);
    // Newest first; the cursor is "<created_at>|<id>" of the last row of the previous page.
    const after = decodeCursor(query.cursor);
    if (after) {
      const [createdAt = '', id = ''] = after.split('|');
      q = q.where((eb) => eb.or([eb('created_at', '<', createdAt), eb.and([eb('created_at', '=', createdAt), eb('id', '<', id)])]));
    }
    return q.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(query.limit + 1).execute();
  }

  async listAttempts(deliveryId: string): Promise<Selectable<NotificationAttemptTable>[]> {
    return this.db.selectFrom('notification_attempts').selectAll().where('delivery_id', '=', deliveryId).orderBy('attempt').execute();
  }

  /**
   * Records attempt n and its consequence together, only if attempt n - 1 is the last one recorded
   * and the delivery is still pending: a duplicate run of the same attempt records nothing.
   */
  async recordAttempt(attempt: NotificationAttemptTable, changes: Partial<NotificationDeliveryTable>): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
      const updated = await trx.updateTable('notification_deliveries').set({ ...changes, attempts: attempt.attempt })
        .where('id', '=', attempt.delivery_id).where('status', '=', 'pending').where('attempts', '=', attempt.attempt - 1)
        .executeTakeFirst();
      if (Number(updated.numUpdatedRows) === 0) return false;
      await trx.insertInto('notification_attempts').values(attempt).execute();
      return true;
    });
  }

  // ---- rate windows and digests
  /**
   * Takes one notice from the channel's rate window in a single UPDATE, so concurrent notify() calls
   * on several nodes never overspend it (PostgreSQL re-checks the WHERE on the row it locked). A
   * window that has ended is restarted at `now` with this notice as its first. `force` counts the
   * notice even over the limit (urgent notices and digests). False: the window is full.
   */
  async takeRateSlot(channelId: string, now: string, windowOpenedAfter: string, max: number, force: boolean): Promise<boolean> {
    const expired = sql<boolean>`(rate_window_start is null or rate_window_start <= ${windowOpenedAfter})`;
    const updated = await this.db.updateTable('notification_channels')
      .set({
        rate_window_start: sql`case when ${expired} then ${now} else rate_window_start end`,
        rate_window_count: sql`case when ${expired} then 1 else rate_window_count + 1 end`,
      })
      .where('id', '=', channelId)
      .$if(!force, (q) => q.where(sql<boolean>`(${expired} or rate_window_count < ${max})`))
      .executeTakeFirst();
    return Number(updated.numUpdatedRows) > 0;
  }

  async rateWindowStart(channelId: string): Promise<string | null> {
    const row = await this.db.selectFrom('notification_channels').select('rate_window_start').where('id', '=', channelId).executeTakeFirst();
    return row?.rate_window_start ?? null;
  }

  /** Whether the channel already has a delivery held until that instant (whose digest job is queued). */
  async hasHeldUntil(channelId: string, heldUntil: string): Promise<boolean> {
    const row = await this.db.selectFrom('notification_deliveries').select('id')
      .where('channel_id', '=', channelId).where('status', '=', 'held').where('held_until', '=', heldUntil).limit(1).executeTakeFirst();
    return row !== undefined;
  }

  /** Channels with held deliveries that are due (normally none: each batch's own job releases it). */
  async channelsWithHeldDue(now: string): Promise<string[]> {
    const rows = await this.db.selectFrom('notification_deliveries').select('channel_id').distinct()
      .where('status', '=', 'held').where('held_until', '<=', now).execute();
    return rows.map((r) => r.channel_id);
  }

  async heldDue(channelId: string, now: string): Promise<DeliveryRow[]> {
    return this.db.selectFrom('notification_deliveries').selectAll()
      .where('channel_id', '=', channelId).where('status', '=', 'held').where('held_until', '<=', now)
      .orderBy('created_at').orderBy('id').execute();
  }

  /**
   * Folds held deliveries into a new digest delivery, all or nothing: if another node folded any of
   * them first, nothing is stored and false is returned.
   */
  async foldIntoDigest(digest: NotificationDeliveryTable, heldIds: readonly string[]): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
      let folded = 0;
      await eachBatch(heldIds, async (batch) => {
        const updated = await trx.updateTable('notification_deliveries')
          .set({ status: 'folded', digest_id: digest.id, updated_at: digest.created_at })
          .where('id', 'in', batch).where('status', '=', 'held')
          .executeTakeFirst();
        folded += Number(updated.numUpdatedRows);
      });
      if (folded !== heldIds.length) throw new FoldRace();
      await trx.insertInto('notification_deliveries').values(digest).execute();
      return true;
    }).catch((error: unknown) => {
      if (error instanceof FoldRace) return false;
      throw error;
    });
  }

  /** Held notices that came due while the channel is quiet again wait for the new end. */
  async postponeHeld(ids: readonly string[], until: string, now: string): Promise<void> {
    await eachBatch(ids, (batch) => this.db.updateTable('notification_deliveries').set({ held_until: until, updated_at: now })
      .where('id', 'in', batch).where('status', '=', 'held').execute());
  }

  /** Moves a delivery from `from` back to pending; false if someone else moved it first. */
  async reopen(id: string, from: DeliveryStatus, changes: Partial<NotificationDeliveryTable>): Promise<boolean> {
    const updated = await this.db.updateTable('notification_deliveries').set({ ...changes, status: 'pending' })
      .where('id', '=', id).where('status', '=', from)
      .executeTakeFirst();
    return Number(updated.numUpdatedRows) > 0;
  }
}

class FoldRace extends Error {}

// ---- mappers
export function toChannel(row: ChannelRow): Channel {
  return {
    id: row.id, merchantId: row.merchant_id, kind: row.kind, name: row.name, address: isRobotKind(row.kind) ? maskRobotAddress(row.kind, row.address) : row.address,
    events: parseJson<string[]>(row.events, []), locale: row.locale, enabled: row.enabled === 1,
    quietHours: row.quiet_start !== null && row.quiet_end !== null ? { start: row.quiet_start, end: row.quiet_end, timeZone: row.quiet_time_zone } : null,
    rateLimit: row.rate_max !== null && row.rate_period_minutes !== null ? { max: row.rate_max, periodMinutes: row.rate_period_minutes } : null,
    createdAt: row.created_at, updatedAt: row.updated_at,
  };
}

export function toDelivery(row: DeliveryRow): Delivery {
  return {
    id: row.id, channelId: row.channel_id, event: row.event, merchantId: row.merchant_id, siteId: row.site_id,
    locale: row.locale, subject: row.subject, status: row.status, attempts: row.attempts,
    nextAttemptAt: row.next_attempt_at, lastError: row.last_error, createdAt: row.created_at,
    deliveredAt: row.delivered_at, parkedAt: row.parked_at,
    heldUntil: row.held_until, heldReason: row.held_reason as Delivery['heldReason'], digestId: row.digest_id,
  };
}

export function toAttempt(row: Selectable<NotificationAttemptTable>): DeliveryAttempt {
  return {
    attempt: row.attempt, startedAt: row.started_at, durationMs: row.duration_ms, outcome: row.outcome as DeliveryAttempt['outcome'],
    statusCode: row.status_code, error: row.error,
  };
}
