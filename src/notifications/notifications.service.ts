// Use cases of notifications: notify() (one event → one stored delivery per subscribed channel,
// rendered in the recipient's language; the channels themselves: ./channels.service.ts),
// the delivery job (one attempt per job; retries are new jobs with back-off; parked after the limit)
// and replay of parked deliveries.
//
// Quiet hours and rate limits (per channel): a non-urgent notice that arrives in the channel's quiet
// hours, or over its rate limit, is stored as "held" and a digest job is queued for when the quiet
// hours (or the rate window) end; that job folds every due held notice of the channel into one digest
// delivery. Urgent notices (quiet-hours.ts) always go at once but still count toward the limit.
//
// Delivery is at least once: a node that dies after sending but before recording sends again when the
// job layer re-runs the job. Mails carry a stable Message-ID and webhooks an X-PosFleet-Delivery id,
// so receivers can drop the duplicate.
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { NotificationDeliveryTable } from '../db/schema.ts';
import type { JobRunner } from '../jobs/job-runner.ts';
import { conflict, invalid, notFound } from '../shared/errors.ts';
import { toPage } from '../shared/paging.ts';
import type { NetworkPolicy } from '../shared/network-policy.ts';
import type { Clock } from '../shared/time.ts';
import { isNotificationEvent, isNotificationLocale, type NotificationEvent, type NotificationEventData, type NotificationLocale } from './notification-events.ts';
import { toAttempt, toChannel, toDelivery, type ChannelRow, type DeliveryRow, type NotificationRepository } from './notifications.repository.ts';
import { afterAttempt, isStuck, recipientLocale, subscribes } from './notifications.rules.ts';
import type { Delivery, DeliveryQuery, DeliveryWithAttempts } from './notifications.schemas.ts';
import { isUrgent, quietUntil, rateWindowEnd } from './quiet-hours.ts';
import { isRobotKind, robotBody } from './robots.ts';
import { unconfiguredMailer, type AttemptResult, type Mailer, type RobotPoster, type WebhookPoster } from './senders.ts';
import { renderDigest, renderMessage, type HeldReason, type Message, type MessageContext } from './templates.ts';

/** The job kind of one delivery attempt; its payload is a DeliveryJob. */
export const DELIVER_NOTIFICATION = 'notification.deliver';

/** The job kind that folds a channel's due held notices into one digest; its payload is a DigestJob. */
export const RELEASE_DIGEST = 'notification.digest';

export interface DigestJob {
  channelId: string;
}

/** The recurring safety net: releases held notices whose own digest job was lost (a crash between two writes). */
export const SWEEP_DIGESTS = 'notification-digests';

/** A webhook digest carries the data of at most this many held notices (all are counted). */
const DIGEST_DATA_ITEMS = 1_000;

export interface DeliveryJob {
  deliveryId: string;
  attempt: number;
}

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
  private readonly mailer: Mailer;

  constructor(
    private readonly repo: NotificationRepository,
    private readonly clock: Clock,
    private readonly jobs: Pick<JobRunner, 'enqueue'>,
    private readonly estate: EstateLookup,
    private readonly options: NotificationServiceOptions,
  ) {
    this.mailer = options.mailer ?? unconfiguredMailer;
  }

  private now = () => this.clock().toISOString();

  private postRobot: RobotPoster = (robot) => this.options.postRobot?.(robot)
    ?? Promise.resolve({ ok: false, statusCode: null, error: 'robots are not configured' });

  // ---- notify
  /** Stores one delivery per subscribed channel and queues its first attempt; returns the deliveries. */
  async notify<E extends NotificationEvent>(input: NotifyInput<E>): Promise<Delivery[]> {
    if (!isNotificationEvent(input.event)) throw invalid('event', `unknown event "${String(input.event)}"`);
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
        const row = { ...this.newDelivery(channel, input, locale, message), status: 'held', next_attempt_at: null, held_until: hold.until, held_reason: hold.reason };
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

  // ---- digests
  /**
   * Handler of RELEASE_DIGEST: folds the channel's held notices that are due into one digest delivery
   * and queues its first attempt. Runs twice harmlessly (the second finds nothing held); if the
   * channel is quiet again by now (a rate window that ended at night), the notices wait for morning.
   */
  async releaseDigest(payload: unknown): Promise<Delivery | undefined> {
    const job = digestJob(payload);
    const now = this.clock();
    const nowIso = now.toISOString();
    const held = await this.repo.heldDue(job.channelId, nowIso);
    if (held.length === 0) return undefined;
    const channel = await this.repo.findChannelEvenDeleted(job.channelId);
    if (!channel) throw new Error(`notification channel ${job.channelId} is not stored`);
    const merchant = channel.merchant_id ? await this.estate.findMerchant(channel.merchant_id) : undefined;
    const quiet = channelQuietHours(channel, merchant?.timeZone ?? null);
    const quietEnds = channel.deleted_at === null && quiet ? quietUntil(now, quiet) : null;
    if (quietEnds) {
      const until = quietEnds.toISOString();
      await this.jobs.enqueue(RELEASE_DIGEST, { channelId: channel.id } satisfies DigestJob, quietEnds);
      await this.repo.postponeHeld(held.map((h) => h.id), until, nowIso);
      return undefined;
    }
    const locale = held[0]!.locale as NotificationLocale;
    const timeZone = quiet?.timeZone ?? merchant?.timeZone ?? 'UTC';
    const reasons = [...new Set(held.map((h) => h.held_reason as HeldReason))].sort();
    const message = renderDigest(held.map((h) => ({ event: h.event, subject: h.subject, createdAt: h.created_at })), reasons, { locale, timeZone });
    const id = randomUUID();
    const body = channel.kind === 'webhook'
      ? JSON.stringify({
        id, event: 'digest', createdAt: nowIso, merchantId: channel.merchant_id, siteId: null, locale, message,
        data: {
          reasons, total: held.length,
          notices: held.slice(0, DIGEST_DATA_ITEMS).map((h) => ({ id: h.id, event: h.event, subject: h.subject, createdAt: h.created_at, data: webhookData(h.body) })),
        },
      })
      : isRobotKind(channel.kind) ? robotBody(channel.kind, message) : message.text;
    const digest: NotificationDeliveryTable = {
      id, channel_id: channel.id, event: 'digest', merchant_id: channel.merchant_id, site_id: null, dedupe_key: null, locale,
      subject: message.subject, body, status: 'pending', attempts: 0, round_start: 0, park_after: this.options.maxAttempts,
      next_attempt_at: nowIso, last_error: null, created_at: nowIso, updated_at: nowIso, delivered_at: null, parked_at: null,
      held_until: null, held_reason: null, digest_id: null,
    };
    if (!(await this.repo.foldIntoDigest(digest, held.map((h) => h.id)))) return undefined; // another node folded them
    // A digest is never held, but it uses up a place in the rate window like any notice.
    if (channel.rate_max !== null && channel.rate_period_minutes !== null) {
      await this.repo.takeRateSlot(channel.id, nowIso, new Date(now.getTime() - channel.rate_period_minutes * 60_000).toISOString(), channel.rate_max, true);
    }
    // After the commit: a crash just here leaves a pending digest without a job, which an operator can
    // replay once it is overdue (like any delivery whose job was lost).
    await this.jobs.enqueue(DELIVER_NOTIFICATION, { deliveryId: id, attempt: 1 } satisfies DeliveryJob, now);
    this.options.log?.('notification digest queued', { channel: channel.id, delivery: id, notices: held.length });
    return toDelivery(digest);
  }

  /** Handler of SWEEP_DIGESTS: a digest for every channel whose held notices are due; how many were sent. */
  async releaseDueDigests(): Promise<number> {
    let released = 0;
    for (const channelId of await this.repo.channelsWithHeldDue(this.now())) {
      if (await this.releaseDigest({ channelId } satisfies DigestJob)) released++;
    }
    return released;
  }

  private async place(merchantId: string | null, siteId: string | null): Promise<{ context: Omit<MessageContext, 'locale'>; merchantLocale: string | null; merchantTimeZone: string | null }> {
    const merchant = merchantId === null ? undefined : await this.estate.findMerchant(merchantId);
    if (merchantId !== null && !merchant) throw invalid('merchantId', `merchant ${merchantId} does not exist`);
    const site = siteId === null ? undefined : await this.estate.findSite(siteId);
    if (siteId !== null && !site) throw invalid('siteId', `site ${siteId} does not exist`);
    if (site && site.merchantId !== merchantId) throw invalid('siteId', `site ${siteId} does not belong to merchant ${String(merchantId)}`);
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
      throw conflict(`delivery ${id} is ${row.status}; only parked deliveries (or pending ones long overdue) can be replayed`, 'status');
    }
    const reopened = await this.repo.reopen(id, row.status as 'parked' | 'pending', {
      round_start: row.attempts, park_after: row.attempts + this.options.maxAttempts,
      next_attempt_at: now.toISOString(), parked_at: null, updated_at: now.toISOString(),
    });
    if (!reopened) throw conflict(`delivery ${id} changed meanwhile; look at it again`, 'status');
    await this.jobs.enqueue(DELIVER_NOTIFICATION, { deliveryId: id, attempt: row.attempts + 1 } satisfies DeliveryJob, now);
    this.options.log?.('notification replayed', { delivery: id, attempt: row.attempts + 1 });
    return toDelivery((await this.repo.findDelivery(id))!);
  }

  // ---- the delivery job
  /** Handler of DELIVER_NOTIFICATION: makes one attempt and schedules the next, parks, or finishes. */
  async runDeliveryJob(payload: unknown): Promise<void> {
    const job = deliveryJob(payload);
    const delivery = await this.repo.findDelivery(job.deliveryId);
    // Thrown errors make the job layer retry this job later.
    if (!delivery) throw new Error(`notification delivery ${job.deliveryId} is not stored (yet)`);
    if (delivery.status !== 'pending' || delivery.attempts >= job.attempt) return; // settled, or this attempt was made
    if (delivery.attempts < job.attempt - 1) throw new Error(`attempt ${job.attempt - 1} of delivery ${delivery.id} is not recorded yet`);

    const channel = await this.repo.findChannelEvenDeleted(delivery.channel_id);
    const usable = channel && channel.deleted_at === null && channel.enabled === 1;
    const startedAt = this.now();
    const started = performance.now();
    const result: AttemptResult = usable
      ? await this.send(channel, delivery, job.attempt)
      : { ok: false, statusCode: null, error: `channel ${delivery.channel_id} is ${channel?.deleted_at ? 'deleted' : 'disabled'}` };
    const durationMs = Math.round(performance.now() - started);

    const now = this.clock();
    const verdict = usable
      ? afterAttempt({ succeeded: result.ok, attempt: job.attempt, roundStart: delivery.round_start, parkAfter: delivery.park_after, now })
      : { status: 'parked' as const };
    // The next attempt's job is queued before this one is recorded: if we die in between, this job
    // runs again (and queues another), so a retry is never lost; duplicates find their attempt made.
    if (verdict.status === 'pending') {
      await this.jobs.enqueue(DELIVER_NOTIFICATION, { deliveryId: delivery.id, attempt: job.attempt + 1 } satisfies DeliveryJob, verdict.nextAttemptAt);
    }
    const nowIso = now.toISOString();
    const recorded = await this.repo.recordAttempt(
      {
        id: randomUUID(), delivery_id: delivery.id, attempt: job.attempt, started_at: startedAt, duration_ms: durationMs,
        outcome: result.ok ? 'delivered' : 'failed', status_code: result.statusCode, error: result.error,
      },
      {
        status: verdict.status, last_error: result.error, updated_at: nowIso,
        next_attempt_at: verdict.status === 'pending' ? verdict.nextAttemptAt.toISOString() : null,
        ...(verdict.status === 'delivered' && { delivered_at: nowIso }),
        ...(verdict.status === 'parked' && { parked_at: nowIso }),
      },
    );
    if (!recorded) throw new Error(`attempt ${job.attempt} of delivery ${delivery.id} was recorded by another run`);
    if (verdict.status !== 'delivered') {
      this.options.log?.(verdict.status === 'parked' ? 'notification parked' : 'notification attempt failed', {
        delivery: delivery.id, channel: delivery.channel_id, attempt: job.attempt, error: result.error,
      });
    }
  }

  private send(channel: ChannelRow, delivery: DeliveryRow, attempt: number): Promise<AttemptResult> {
    if (channel.kind === 'email') {
      return this.mailer.send({
        to: channel.address, subject: delivery.subject, text: delivery.body, locale: delivery.locale, deliveryId: delivery.id, event: delivery.event,
      });
    }
    if (isRobotKind(channel.kind)) {
      return this.postRobot({ kind: channel.kind, address: channel.address, secret: channel.secret, body: delivery.body, at: this.clock() });
    }
    return this.options.postWebhook({
      url: channel.address, secret: channel.secret ?? '', body: delivery.body, deliveryId: delivery.id, event: delivery.event, attempt, at: this.clock(),
    });
  }
}

function deliveryJob(payload: unknown): DeliveryJob {
  const p = payload as Partial<DeliveryJob> | null;
  if (!p || typeof p.deliveryId !== 'string' || !Number.isInteger(p.attempt) || (p.attempt ?? 0) < 1) {
    throw new Error(`bad ${DELIVER_NOTIFICATION} payload: ${JSON.stringify(payload)}`);
  }
  return { deliveryId: p.deliveryId, attempt: p.attempt! };
}

function digestJob(payload: unknown): DigestJob {
  const p = payload as Partial<DigestJob> | null;
  if (!p || typeof p.channelId !== 'string') throw new Error(`bad ${RELEASE_DIGEST} payload: ${JSON.stringify(payload)}`);
  return { channelId: p.channelId };
}

/** The structured data of a held webhook delivery, for the digest's machines. */
function webhookData(body: string): unknown {
  try {
    return (JSON.parse(body) as { data?: unknown }).data ?? null;
  } catch {
    return null; // an e-mail's text
  }
}

/** The channel's quiet hours in a zone: its own, else its merchant's (fleet channels always name one). */
function channelQuietHours(channel: ChannelRow, merchantTimeZone: string | null): { start: string; end: string; timeZone: string } | null {
  if (channel.quiet_start === null || channel.quiet_end === null) return null;
  return { start: channel.quiet_start, end: channel.quiet_end, timeZone: channel.quiet_time_zone ?? merchantTimeZone ?? 'UTC' };
}
