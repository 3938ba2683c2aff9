// Digests: the notices held back by a channel's quiet hours or rate limit, folded into one delivery
// when the quiet (or the rate window) ends. NotificationService holds a notice and queues the
// RELEASE_DIGEST job for its release time; this service is that job's handler, and the every-minute
// sweep's (SWEEP_DIGESTS) that releases notices whose own job was lost.
import { randomUUID } from 'node:crypto';
import type { NotificationDeliveryTable } from '../db/schema.ts';
import type { JobRunner } from '../jobs/job-runner.ts';
import type { Clock } from '../shared/time.ts';
import type { NotificationLocale } from './notification-events.ts';
import { DELIVER_NOTIFICATION, digestJob, RELEASE_DIGEST, type DeliveryJob, type DigestJob } from './notification-jobs.ts';
import { toDelivery, type NotificationRepository } from './notifications.repository.ts';
import type { Delivery } from './notifications.schemas.ts';
import type { EstateLookup, NotificationServiceOptions } from './notifications.service.ts';
import { channelQuietHours, quietUntil } from './quiet-hours.ts';
import { isRobotKind, robotBody } from './robots.ts';
import { renderDigest, type HeldReason } from './templates.ts';

/** A webhook digest carries the data of at most this many held notices (all are counted). */
const DIGEST_DATA_ITEMS = 1_000;

export class DigestService {
  constructor(
    private readonly repo: NotificationRepository,
    private readonly clock: Clock,
    private readonly jobs: Pick<JobRunner, 'enqueue'>,
    private readonly estate: Pick<EstateLookup, 'findMerchant'>,
    private readonly options: Pick<NotificationServiceOptions, 'maxAttempts' | 'log'>,
  ) {}

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
    for (const channelId of await this.repo.channelsWithHeldDue(this.clock().toISOString())) {
      if (await this.releaseDigest({ channelId } satisfies DigestJob)) released++;
    }
    return released;
  }
}

/** The structured data of a held webhook delivery, for the digest's machines. */
function webhookData(body: string): unknown {
  try {
    return (JSON.parse(body) as { data?: unknown }).data ?? null;
  } catch {
    return null; // an e-mail's text
  }
}
