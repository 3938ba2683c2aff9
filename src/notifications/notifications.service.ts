// Use cases of notifications: channels (where merchants and operators hear about things), notify()
// (one event → one stored delivery per subscribed channel, rendered in the recipient's language),
// the delivery job (one attempt per job; retries are new jobs with back-off; parked after the limit)
// and replay of parked deliveries.
//
// Delivery is at least once: a node that dies after sending but before recording sends again when the
// job layer re-runs the job. Mails carry a stable Message-ID and webhooks an X-PosFleet-Delivery id,
// so receivers can drop the duplicate.
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { Kysely } from 'kysely';
import type { Database, NotificationDeliveryTable } from '../db/schema.ts';
import type { JobRunner } from '../jobs/job-runner.ts';
import { conflict, invalid, notFound } from '../shared/errors.ts';
import { toPage } from '../shared/paging.ts';
import { newToken } from '../shared/secrets.ts';
import type { Clock } from '../shared/time.ts';
import { isNotificationEvent, type NotificationEvent, type NotificationEventData, type NotificationLocale } from './notification-events.ts';
import { NotificationRepository, toAttempt, toChannel, toDelivery, type ChannelListQuery, type ChannelRow, type DeliveryRow } from './notifications.repository.ts';
import { afterAttempt, isStuck, recipientLocale, subscribes } from './notifications.rules.ts';
import type { Channel, ChannelInput, ChannelPatch, CreatedChannel, Delivery, DeliveryQuery, DeliveryWithAttempts } from './notifications.schemas.ts';
import { unconfiguredMailer, type AttemptResult, type Mailer, type WebhookPoster } from './senders.ts';
import { renderMessage, type Message, type MessageContext } from './templates.ts';

/** The job kind of one delivery attempt; its payload is a DeliveryJob. */
export const DELIVER_NOTIFICATION = 'notification.deliver';

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
  log?: ((message: string, fields?: Record<string, unknown>) => void) | undefined;
}

export class NotificationService {
  readonly repo: NotificationRepository;
  private readonly mailer: Mailer;

  constructor(
    db: Kysely<Database>,
    private readonly clock: Clock,
    private readonly jobs: Pick<JobRunner, 'enqueue'>,
    private readonly estate: EstateLookup,
    private readonly options: NotificationServiceOptions,
  ) {
    this.repo = new NotificationRepository(db);
    this.mailer = options.mailer ?? unconfiguredMailer;
  }

  private now = () => this.clock().toISOString();

  // ---- channels
  async createChannel(input: ChannelInput): Promise<CreatedChannel> {
    const merchantId = input.merchantId ?? null;
    if (merchantId !== null && !(await this.estate.findMerchant(merchantId))) throw invalid('merchantId', `merchant ${merchantId} does not exist`);
    assertAddress(input.kind, input.address);
    assertEvents(input.events ?? []);
    if (input.kind === 'email' && input.secret !== undefined) throw invalid('secret', 'only webhook channels have a secret');
    const secret = input.kind === 'webhook' ? (input.secret ?? newToken('whsec')) : null;
    const now = this.now();
    const id = randomUUID();
    await this.repo.insertChannel({
      id, merchant_id: merchantId, kind: input.kind, name: input.name, address: input.address, secret,
      events: JSON.stringify(input.events ?? []), locale: input.locale ?? null, enabled: input.enabled === false ? 0 : 1,
      created_at: now, updated_at: now, deleted_at: null,
    });
    return { ...(await this.getChannel(id)), secret };
  }

  async getChannel(id: string): Promise<Channel> {
    const row = await this.repo.findChannel(id);
    if (!row) throw notFound('notification channel', id);
    return toChannel(row);
  }

  async listChannels(query: ChannelListQuery = {}): Promise<Channel[]> {
    return (await this.repo.listChannels(query)).map(toChannel);
  }

  async updateChannel(id: string, patch: ChannelPatch): Promise<Channel> {
    const channel = await this.getChannel(id);
    if (patch.address !== undefined) assertAddress(channel.kind, patch.address);
    if (patch.events !== undefined) assertEvents(patch.events);
    await this.repo.updateChannel(id, {
      ...(patch.name !== undefined && { name: patch.name }),
      ...(patch.address !== undefined && { address: patch.address }),
      ...(patch.events !== undefined && { events: JSON.stringify(patch.events) }),
      ...(patch.locale !== undefined && { locale: patch.locale }),
      ...(patch.enabled !== undefined && { enabled: patch.enabled ? 1 : 0 }),
      updated_at: this.now(),
    });
    return this.getChannel(id);
  }

  /** A new signing secret for a webhook channel, shown once; the old one stops working at once. */
  async rotateSecret(id: string): Promise<{ secret: string }> {
    const channel = await this.getChannel(id);
    if (channel.kind !== 'webhook') throw invalid('kind', 'only webhook channels have a secret');
    const secret = newToken('whsec');
    await this.repo.updateChannel(id, { secret, updated_at: this.now() });
    return { secret };
  }

  /** Soft delete: the delivery history stays; pending deliveries to the channel are parked. */
  async deleteChannel(id: string): Promise<void> {
    await this.getChannel(id);
    const now = this.now();
    await this.repo.updateChannel(id, { deleted_at: now, enabled: 0, updated_at: now });
  }

  // ---- notify
  /** Stores one delivery per subscribed channel and queues its first attempt; returns the deliveries. */
  async notify<E extends NotificationEvent>(input: NotifyInput<E>): Promise<Delivery[]> {
    if (!isNotificationEvent(input.event)) throw invalid('event', `unknown event "${String(input.event)}"`);
    const place = await this.place(input.merchantId, input.siteId ?? null);
    const channels = (await this.repo.channelsHearing(input.merchantId))
      .filter((c) => subscribes(toChannel(c).events, input.event));
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

  private async place(merchantId: string | null, siteId: string | null): Promise<{ context: Omit<MessageContext, 'locale'>; merchantLocale: string | null }> {
    const merchant = merchantId === null ? undefined : await this.estate.findMerchant(merchantId);
    if (merchantId !== null && !merchant) throw invalid('merchantId', `merchant ${merchantId} does not exist`);
    const site = siteId === null ? undefined : await this.estate.findSite(siteId);
    if (siteId !== null && !site) throw invalid('siteId', `site ${siteId} does not exist`);
    if (site && site.merchantId !== merchantId) throw invalid('siteId', `site ${siteId} does not belong to merchant ${String(merchantId)}`);
    return {
      context: { timeZone: site?.timeZone ?? merchant?.timeZone ?? 'UTC', siteName: site?.name, merchantName: merchant?.name },
      merchantLocale: merchant?.locale ?? null,
    };
  }

  private newDelivery<E extends NotificationEvent>(channel: ChannelRow, input: NotifyInput<E>, locale: NotificationLocale, message: Message): NotificationDeliveryTable {
    const id = randomUUID();
    const now = this.now();
    // Webhooks get the structured data for machines and the rendered message for people; the body
    // is fixed now, so every attempt sends (and signs) the same bytes.
    const body = channel.kind === 'webhook'
      ? JSON.stringify({
        id, event: input.event, createdAt: now, merchantId: input.merchantId, siteId: input.siteId ?? null,
        locale, message, data: input.data,
      })
      : message.text;
    return {
      id, channel_id: channel.id, event: input.event, merchant_id: input.merchantId, site_id: input.siteId ?? null,
      dedupe_key: input.key ?? null, locale, subject: message.subject, body, status: 'pending',
      attempts: 0, round_start: 0, park_after: this.options.maxAttempts, next_attempt_at: now, last_error: null,
      created_at: now, updated_at: now, delivered_at: null, parked_at: null,
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

const EMAIL = /^[^\s@<>,;]+@[^\s@<>,;]+\.[^\s@<>,;]+$/;

function assertAddress(kind: string, address: string): void {
  if (kind === 'email') {
    if (!EMAIL.test(address)) throw invalid('address', `"${address}" is not an e-mail address`);
    return;
  }
  let url: URL;
  try {
    url = new URL(address);
  } catch {
    throw invalid('address', `"${address}" is not a URL`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw invalid('address', 'a webhook URL must be http:// or https://');
}

function assertEvents(events: readonly string[]): void {
  const unknown = events.find((e) => !isNotificationEvent(e));
  if (unknown !== undefined) throw invalid('events', `unknown event "${unknown}"`);
}
