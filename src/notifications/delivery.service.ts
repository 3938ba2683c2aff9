// The delivery job: one attempt per DELIVER_NOTIFICATION job, by e-mail, webhook or group robot;
// after it, the next attempt's job with back-off (notifications.rules.ts), or parked after the
// round's limit for an operator to replay (NotificationService.replay).
//
// Delivery is at least once: a node that dies after sending but before recording sends again when the
// job layer re-runs the job. Mails carry a stable Message-ID and webhooks an X-PosFleet-Delivery id,
// so receivers can drop the duplicate.
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { JobRunner } from '../jobs/job-runner.ts';
import type { Clock } from '../shared/time.ts';
import { DELIVER_NOTIFICATION, deliveryJob, type DeliveryJob } from './notification-jobs.ts';
import type { ChannelRow, DeliveryRow, NotificationRepository } from './notifications.repository.ts';
import { afterAttempt } from './notifications.rules.ts';
import type { NotificationServiceOptions } from './notifications.service.ts';
import { isRobotKind } from './robots.ts';
import { unconfiguredMailer, type AttemptResult, type Mailer, type RobotPoster } from './senders.ts';

export class DeliveryService {
  private readonly mailer: Mailer;

  constructor(
    private readonly repo: NotificationRepository,
    private readonly clock: Clock,
    private readonly jobs: Pick<JobRunner, 'enqueue'>,
    private readonly options: Pick<NotificationServiceOptions, 'mailer' | 'postWebhook' | 'postRobot' | 'log'>,
  ) {
    this.mailer = options.mailer ?? unconfiguredMailer;
  }

  private postRobot: RobotPoster = (robot) => this.options.postRobot?.(robot)
    ?? Promise.resolve({ ok: false, statusCode: null, error: 'robots are not configured' });

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
    const startedAt = this.clock().toISOString();
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
