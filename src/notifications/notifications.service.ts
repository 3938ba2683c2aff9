// Use cases of notifications: notify() (one event → one stored delivery per subscribed channel,
// rendered in the recipient's language; the channels themselves: ./channels.service.ts), the
// deliveries as operators see them, and replay of parked deliveries. Each delivery is sent by its own
// job (./delivery.service.ts: one attempt per job, retries with back-off, parked after the limit).
//
// Quiet hours and rate limits (per channel): a non-urgent notice that arrives in the channel's quiet
// hours, or over its rate limit, is stored as "held" and a digest job is queued for when the quiet
// hours (or the rate window) end; that job (./digests.service.ts) folds every due held notice of the
// channel into one digest delivery. Urgent notices (quiet-hours.ts) always go at once but still count
// toward the limit.
import { randomUUID } from 'node:crypto';
import type { NotificationDeliveryTable } from '../db/schema.ts';
import type { JobRunner } from '../jobs/job-runner.ts';
import { invalidField, notFound, refused } from '../shared/errors.ts';
import { toPage } from '../shared/paging.ts';
import type { NetworkPolicy } from '../shared/network-policy.ts';
import type { Clock } from '../shared/time.ts';
import { isNotificationEvent, isNotificationLocale, type NotificationEvent, type NotificationEventData, type NotificationLocale } from './notification-events.ts';
import { DELIVER_NOTIFICATION, RELEASE_DIGEST, type DeliveryJob, type DigestJob } from './notification-jobs.ts';
import { toAttempt, toChannel, toDelivery, type ChannelRow, type NotificationRepository } from './notifications.repository.ts';
import { isStuck, recipientLocale, subscribes } from './notifications.rules.ts';
import type { Delivery, DeliveryQuery, DeliveryWithAttempts } from './notifications.schemas.ts';
import { channelQuietHours, isUrgent, quietUntil, rateWindowEnd } from './quiet-hours.ts';
import { isRobotKind, robotBody } from './robots.ts';
import type { Mailer, RobotPoster, WebhookPoster } from './senders.ts';
import { renderMessage, type HeldReason, type Message, type MessageContext } from './templates.ts';

export interface NotifyInput<E extends NotificationEvent> {
  event: E;
  /** Whose event it is; null for fleet-level events, which only fleet-wide channels hear. */
  merchantId: string | null;
  /** Names the place in the message and sets its time zone (else the merchant's). */
  siteId?: string | null | undefined;
  data: NotificationEventData[E];
  /**
   * Idempotency key, e.g. `maintenance.announced:<job id>`: a second notify() with the same key
   * creates no new deliveries (callers inside retried jobs should always pass one).
   */
  key?: string | undefined;
}

/** What notify() needs of the estate: names, time zones and languages. */
export interface EstateLookup {
  findMerchant(id: string): Promise<{ id: string; name: string; timeZone: string; locale: string } | undefined>;
  findSite(id: string): Promise<{ id: string; merchantId: string; name: string; timeZone: string } | undefined>;
}

export interface NotificationServiceOptions {
  /** Attempts per round before a delivery is parked. */
  maxAttempts: number;
  mailer?: Mailer | undefined;
  postWebhook: WebhookPoster;
  /** WeCom and DingTalk group robots; without it, robot deliveries fail visibly. */
  postRobot?: RobotPoster | undefined;
  /** Which hosts a webhook URL may name (the poster checks the addresses again at each attempt). */
  networkPolicy?: NetworkPolicy | undefined;
  log?: ((message: string, fields?: Record<string, unknown>) => void) | undefined;
}

export class NotificationService {
  constructor(
    private readonly repo: NotificationRepository,
    private readonly clock: Clock,
    private readonly jobs: Pick<JobRunner, 'enqueue'>,
    private readonly estate: EstateLookup,
    private readonly options: Pick<NotificationServiceOptions, 'maxAttempts' | 'log'>,
  ) {}

  private now = () => this.clock().toISOString();

  // ---- notify
  /** Stores one delivery per subscribed channel and queues its first attempt; returns the deliveries. */
  async notify<E extends NotificationEvent>(input: NotifyInput<E>): Promise<Delivery[]> {
    if (!isNotificationEvent(input.event)) throw invalidField('event', 'notification.unknown_event', { event: String(input.event) });
    const place = await this.place(input.merchantId, input.siteId ?? null);
    const channels = (await this.repo.channelsHearing(input.merchantId))
      .filter((c) => subscribes(toChannel(c).events, input.event));
    return this.queue(input, place, channels);
  }

  /**
   * Tells people themselves, by e-mail in their own language (e.g. a four-eyes request to those who may
   * approve it): each person's own channel (made at the first notice, kept to their address and
   * language) gets one delivery, retried and parked like any other.
   */
  async notifyUsers<E extends NotificationEvent>(input: Omit<NotifyInput<E>, 'merchantId' | 'siteId'> & { users: { id: string; email: string; name: string; locale: string }[] }): Promise<Delivery[]> {
    const existing = new Map((await this.repo.personalChannels(input.users.map((u) => u.id))).map((c) => [c.user_id!, c]));
    const channels: ChannelRow[] = [];
    const now = this.now();
    for (const user of input.users) {
      const locale = isNotificationLocale(user.locale) ? user.locale : 'zh-CN';
      let channel = existing.get(user.id);
      if (!channel) {
        channel = {
          id: randomUUID(), merchant_id: null, user_id: user.id, kind: 'email', name: user.name, address: user.email, secret: null, events: '[]', locale,
          enabled: 1, created_at: now, updated_at: now, deleted_at: null, quiet_start: null, quiet_end: null, quiet_time_zone: null,
          rate_max: null, rate_period_minutes: null, rate_window_start: null, rate_window_count: 0,
        };
        await this.repo.insertChannel(channel);
      } else if (channel.address !== user.email || channel.locale !== locale || channel.name !== user.name) {
        await this.repo.updateChannel(channel.id, { address: user.email, locale, name: user.name, updated_at: now });
        channel = { ...channel, address: user.email, locale, name: user.name };
      }
      channels.push(channel);
    }
    return this.queue({ ...input, merchantId: null } as NotifyInput<E>, await this.place(null, null), channels);
  }

  private async queue<E extends NotificationEvent>(input: NotifyInput<E>, place: Awaited<ReturnType<NotificationService['place']>>, channels: ChannelRow[]): Promise<Delivery[]> {
    const rendered = new Map<NotificationLocale, Message>();
    const deliveries: Delivery[] = [];
    for (const channel of channels) {
      if (input.key) {
        const existing = await this.repo.findDeliveryByKey(channel.id, input.key);
        if (existing) { deliveries.push(toDelivery(existing)); continue; }
      }
      const locale = recipientLocale(channel.locale, channel.merchant_id ? place.merchantLocale : null);
      let message = rendered.get(locale);
      if (!message) {
        message = renderMessage(input.event, input.data, { ...place.context, locale });
        rendered.set(locale, message);
      }
      const hold = await this.admission(channel, input, place.merchantTimeZone);
      if (hold) {
        const row = { ...this.newDelivery(channel, input, locale, message), status: 'held' as const, next_attempt_at: null, held_until: hold.until, held_reason: hold.reason };
        // One digest job per channel and release time: queued (first) by the notice that starts the batch.
        if (!(await this.repo.hasHeldUntil(channel.id, hold.until))) {
          await this.jobs.enqueue(RELEASE_DIGEST, { channelId: channel.id } satisfies DigestJob, new Date(hold.until));
        }
        if (await this.repo.insertDelivery(row)) deliveries.push(toDelivery(row));
        else if (input.key) {
          const existing = await this.repo.findDeliveryByKey(channel.id, input.key);
          if (existing) deliveries.push(toDelivery(existing));
        }
        continue;
      }
      const row = this.newDelivery(channel, input, locale, message);
      // The job first, then the row: a crash in between leaves a job that finds nothing (and fails
      // harmlessly), never a stored delivery that no job will send. The job waits for the row.
      await this.jobs.enqueue(DELIVER_NOTIFICATION, { deliveryId: row.id, attempt: 1 } satisfies DeliveryJob, this.clock());
      if (await this.repo.insertDelivery(row)) deliveries.push(toDelivery(row));
      else if (input.key) {
        const existing = await this.repo.findDeliveryByKey(channel.id, input.key);
        if (existing) deliveries.push(toDelivery(existing));
      }
    }
    this.options.log?.('notification queued', { event: input.event, merchantId: input.merchantId, deliveries: deliveries.length });
    return deliveries;
  }

  /**
   * Whether a notice to this channel waits, and until when: quiet hours first (nothing is counted
   * while it is quiet), then the rate limit (an urgent notice takes its place even over the limit).
   */
  private async admission<E extends NotificationEvent>(channel: ChannelRow, input: NotifyInput<E>, merchantTimeZone: string | null): Promise<{ until: string; reason: HeldReason } | null> {
    const now = this.clock();
    const urgent = isUrgent(input.event, input.data);
    if (!urgent) {
      const quiet = channelQuietHours(channel, merchantTimeZone);
      const until = quiet && quietUntil(now, quiet);
      if (until) return { until: until.toISOString(), reason: 'quiet_hours' };
    }
    if (channel.rate_max === null || channel.rate_period_minutes === null) return null;
    const periodMs = channel.rate_period_minutes * 60_000;
    if (await this.repo.takeRateSlot(channel.id, now.toISOString(), new Date(now.getTime() - periodMs).toISOString(), channel.rate_max, urgent)) return null;
    const windowStart = await this.repo.rateWindowStart(channel.id);
    const until = windowStart ? rateWindowEnd(windowStart, channel.rate_period_minutes) : new Date(now.getTime() + periodMs);
    return { until: until.toISOString(), reason: 'rate_limit' };
  }

  private async place(merchantId: string | null, siteId: string | null): Promise<{ context: Omit<MessageContext, 'locale'>; merchantLocale: string | null; merchantTimeZone: string | null }> {
    const merchant = merchantId === null ? undefined : await this.estate.findMerchant(merchantId);
    if (merchantId !== null && !merchant) throw invalidField('merchantId', 'common.does_not_exist', { what: 'merchant', id: merchantId });
    const site = siteId === null ? undefined : await this.estate.findSite(siteId);
    if (siteId !== null && !site) throw invalidField('siteId', 'common.does_not_exist', { what: 'site', id: siteId });
    if (site && site.merchantId !== merchantId) throw invalidField('siteId', 'notification.site_not_of_merchant', { site: site.name, merchant: merchant?.name ?? '', fleet: merchant ? 'no' : 'yes' });
    return {
      context: { timeZone: site?.timeZone ?? merchant?.timeZone ?? 'UTC', siteName: site?.name, merchantName: merchant?.name },
      merchantLocale: merchant?.locale ?? null,
      merchantTimeZone: merchant?.timeZone ?? null,
    };
  }

  private newDelivery<E extends NotificationEvent>(channel: ChannelRow, input: NotifyInput<E>, locale: NotificationLocale, message: Message): NotificationDeliveryTable {
    const id = randomUUID();
    const now = this.now();
    // Webhooks get the structured data for machines and the rendered message for people, robots the
    // message as markdown; the body is fixed now, so every attempt sends (and signs) the same bytes.
    const body = channel.kind === 'webhook'
      ? JSON.stringify({
        id, event: input.event, createdAt: now, merchantId: input.merchantId, siteId: input.siteId ?? null,
        locale, message, data: input.data,
      })
      : isRobotKind(channel.kind) ? robotBody(channel.kind, message) : message.text;
    return {
      id, channel_id: channel.id, event: input.event, merchant_id: input.merchantId, site_id: input.siteId ?? null,
      dedupe_key: input.key ?? null, locale, subject: message.subject, body, status: 'pending',
      attempts: 0, round_start: 0, park_after: this.options.maxAttempts, next_attempt_at: now, last_error: null,
      created_at: now, updated_at: now, delivered_at: null, parked_at: null, held_until: null, held_reason: null, digest_id: null,
    };
  }

  // ---- deliveries
  async getDelivery(id: string): Promise<DeliveryWithAttempts> {
    const row = await this.repo.findDelivery(id);
    if (!row) throw notFound('notification delivery', id);
    return { ...toDelivery(row), body: row.body, attemptLog: (await this.repo.listAttempts(id)).map(toAttempt) };
  }

  async listDeliveries(query: DeliveryQuery) {
    const limit = query.limit ?? 100;
    const rows = await this.repo.listDeliveries({ ...query, limit });
    return toPage(rows.map(toDelivery), limit, (d) => `${d.createdAt}|${d.id}`);
  }

  /**
   * Sends a parked delivery again, with a fresh round of attempts (after the receiver was fixed).
   * A pending delivery long past due (its job was lost) may be replayed too.
   */
  async replay(id: string): Promise<Delivery> {
    const row = await this.repo.findDelivery(id);
    if (!row) throw notFound('notification delivery', id);
    const now = this.clock();
    const stuck = isStuck(row.status, row.next_attempt_at, now);
    if (row.status !== 'parked' && !stuck) {
      throw refused('notification.not_replayable', { status: row.status }, { field: 'status', retryable: false });
    }
    const reopened = await this.repo.reopen(id, row.status as 'parked' | 'pending', {
      round_start: row.attempts, park_after: row.attempts + this.options.maxAttempts,
      next_attempt_at: now.toISOString(), parked_at: null, updated_at: now.toISOString(),
    });
    if (!reopened) throw refused('notification.delivery_changed_meanwhile', {}, { field: 'status', retryable: true });
    await this.jobs.enqueue(DELIVER_NOTIFICATION, { deliveryId: id, attempt: row.attempts + 1 } satisfies DeliveryJob, now);
    this.options.log?.('notification replayed', { delivery: id, attempt: row.attempts + 1 });
    return toDelivery((await this.repo.findDelivery(id))!);
  }
}
