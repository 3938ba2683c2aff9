// Notification channels: where merchants and operators hear about things (e-mail, webhooks, WeCom and
// DingTalk group robots), each with the events it hears, its language, quiet hours and rate limit; a
// test message sent on demand; a webhook's signing secret rotated. What is sent on them: ./notifications.service.ts.
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { assertTimeZone } from '../estate/estate.rules.ts';
import { invalidField, notFound } from '../shared/errors.ts';
import { NetworkPolicy } from '../shared/network-policy.ts';
import { newToken } from '../shared/secrets.ts';
import type { Clock } from '../shared/time.ts';
import { TEST_EVENT, testMessage } from './channel-test.ts';
import { isNotificationEvent, type NotificationLocale } from './notification-events.ts';
import { toChannel, type ChannelListQuery, type NotificationRepository } from './notifications.repository.ts';
import type { EstateLookup, NotificationServiceOptions } from './notifications.service.ts';
import type { Channel, ChannelInput, ChannelPatch, ChannelTestResult, CreatedChannel, QuietHours, RateLimit } from './notifications.schemas.ts';
import { CLOCK_TIME } from './quiet-hours.ts';
import { isRobotKind, robotAddressProblem, robotBody } from './robots.ts';
import { unconfiguredMailer, type Mailer, type RobotPoster } from './senders.ts';

export class ChannelsService {
  private readonly mailer: Mailer;
  private readonly networks: NetworkPolicy;

  constructor(
    private readonly repo: NotificationRepository,
    private readonly clock: Clock,
    private readonly estate: Pick<EstateLookup, 'findMerchant'>,
    private readonly options: Pick<NotificationServiceOptions, 'mailer' | 'postWebhook' | 'postRobot' | 'networkPolicy'>,
  ) {
    this.mailer = options.mailer ?? unconfiguredMailer;
    this.networks = options.networkPolicy ?? new NetworkPolicy();
  }

  private now = () => this.clock().toISOString();

  private postRobot: RobotPoster = (robot) => this.options.postRobot?.(robot)
    ?? Promise.resolve({ ok: false, statusCode: null, error: 'robots are not configured' });

  async createChannel(input: ChannelInput): Promise<CreatedChannel> {
    const merchantId = input.merchantId ?? null;
    if (merchantId !== null && !(await this.estate.findMerchant(merchantId))) throw invalidField('merchantId', 'common.does_not_exist', { what: 'merchant', id: merchantId });
    assertAddress(input.kind, input.address, this.networks);
    assertEvents(input.events ?? []);
    if (input.kind === 'email' && input.secret !== undefined) throw invalidField('secret', 'notification.email_no_secret');
    if (input.kind === 'wecom' && input.secret !== undefined) throw invalidField('secret', 'notification.robot_no_secret');
    if (input.kind === 'dingtalk' && input.secret === undefined) throw invalidField('secret', 'notification.dingtalk_secret_required');
    assertQuietHours(input.quietHours ?? null, merchantId);
    assertRateLimit(input.rateLimit ?? null);
    const secret = input.kind === 'webhook' ? (input.secret ?? newToken('whsec')) : input.kind === 'dingtalk' ? input.secret! : null;
    const now = this.now();
    const id = randomUUID();
    await this.repo.insertChannel({
      id, merchant_id: merchantId, user_id: null, kind: input.kind, name: input.name, address: input.address, secret,
      events: JSON.stringify(input.events ?? []), locale: input.locale ?? null, enabled: input.enabled === false ? 0 : 1,
      created_at: now, updated_at: now, deleted_at: null,
      ...quietColumns(input.quietHours ?? null), ...rateColumns(input.rateLimit ?? null), rate_window_start: null, rate_window_count: 0,
    });
    // Only a secret PosFleet made is shown (once); a robot's secret came from its owner and stays here.
    return { ...(await this.getChannel(id)), secret: input.kind === 'webhook' ? secret : null };
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
    if (patch.address !== undefined) assertAddress(channel.kind, patch.address, this.networks);
    if (patch.secret !== undefined && channel.kind !== 'dingtalk') {
      throw invalidField('secret', channel.kind === 'webhook' ? 'notification.webhook_secret_made' : channel.kind === 'wecom' ? 'notification.robot_no_secret' : 'notification.email_no_secret');
    }
    if (patch.events !== undefined) assertEvents(patch.events);
    if (patch.quietHours !== undefined) assertQuietHours(patch.quietHours, channel.merchantId);
    if (patch.rateLimit !== undefined) assertRateLimit(patch.rateLimit);
    await this.repo.updateChannel(id, {
      ...(patch.quietHours !== undefined && quietColumns(patch.quietHours)),
      ...(patch.rateLimit !== undefined && rateColumns(patch.rateLimit)),
      ...(patch.name !== undefined && { name: patch.name }),
      ...(patch.address !== undefined && { address: patch.address }),
      ...(patch.secret !== undefined && { secret: patch.secret }),
      ...(patch.events !== undefined && { events: JSON.stringify(patch.events) }),
      ...(patch.locale !== undefined && { locale: patch.locale }),
      ...(patch.enabled !== undefined && { enabled: patch.enabled ? 1 : 0 }),
      updated_at: this.now(),
    });
    return this.getChannel(id);
  }

  /** A new signing secret for a webhook channel, shown once; the old one stops working at once. */
  /** Sends a test message to the channel now and says how it went (what the receiver answered, or why it did not). */
  async sendTest(id: string): Promise<ChannelTestResult> {
    const channel = await this.repo.findChannel(id);
    if (!channel) throw notFound('notification channel', id);
    const locale: NotificationLocale = channel.locale === 'en' ? 'en' : 'zh-CN';
    const at = this.clock();
    const message = testMessage(locale, { id: channel.id, merchantId: channel.merchant_id }, at);
    const started = performance.now();
    const result = channel.kind === 'email'
      ? await this.mailer.send({ to: channel.address, subject: message.subject, text: message.text, locale, deliveryId: message.id, event: TEST_EVENT })
      : isRobotKind(channel.kind)
        ? await this.postRobot({ kind: channel.kind, address: channel.address, secret: channel.secret, body: robotBody(channel.kind, message), at })
        : await this.options.postWebhook({ url: channel.address, secret: channel.secret ?? '', body: message.body, deliveryId: message.id, event: TEST_EVENT, attempt: 1, at });
    return { ok: result.ok, statusCode: result.statusCode, error: result.error, durationMs: Math.round(performance.now() - started), sentAt: at.toISOString() };
  }

  async rotateSecret(id: string): Promise<{ secret: string }> {
    const channel = await this.getChannel(id);
    if (channel.kind !== 'webhook') throw invalidField('kind', 'notification.rotate_webhook_only');
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
}

function quietColumns(quiet: QuietHours | null) {
  return { quiet_start: quiet?.start ?? null, quiet_end: quiet?.end ?? null, quiet_time_zone: quiet?.timeZone ?? null };
}

function rateColumns(limit: RateLimit | null) {
  return { rate_max: limit?.max ?? null, rate_period_minutes: limit?.periodMinutes ?? null };
}

const CLOCK = new RegExp(CLOCK_TIME);

function assertQuietHours(quiet: QuietHours | null, merchantId: string | null): void {
  if (quiet === null) return;
  if (!CLOCK.test(quiet.start)) throw invalidField('quietHours.start', 'notification.quiet_time_invalid', { value: quiet.start, example: '22:00' });
  if (!CLOCK.test(quiet.end)) throw invalidField('quietHours.end', 'notification.quiet_time_invalid', { value: quiet.end, example: '07:00' });
  if (quiet.start === quiet.end) throw invalidField('quietHours.end', 'notification.quiet_same_times');
  if (quiet.timeZone === undefined || quiet.timeZone === null) {
    if (merchantId === null) throw invalidField('quietHours.timeZone', 'notification.quiet_zone_required');
    return;
  }
  assertTimeZone('quietHours.timeZone', quiet.timeZone);
}

function assertRateLimit(limit: RateLimit | null): void {
  if (limit === null) return;
  if (!Number.isInteger(limit.max) || limit.max < 1) throw invalidField('rateLimit.max', 'notification.rate_limit_invalid', { part: 'max' });
  if (!Number.isInteger(limit.periodMinutes) || limit.periodMinutes < 1) throw invalidField('rateLimit.periodMinutes', 'notification.rate_limit_invalid', { part: 'period' });
}

const EMAIL = /^[^\s@<>,;]+@[^\s@<>,;]+\.[^\s@<>,;]+$/;

function assertAddress(kind: string, address: string, networks: NetworkPolicy): void {
  if (kind === 'email') {
    if (!EMAIL.test(address)) throw invalidField('address', 'notification.not_email', { address });
    return;
  }
  let url: URL;
  try {
    url = new URL(address);
  } catch {
    throw invalidField('address', 'notification.not_url', { address });
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw invalidField('address', 'notification.url_scheme');
  const problem = isRobotKind(kind) ? robotAddressProblem(kind, url) : null;
  if (problem) throw invalidField('address', problem.key, problem.params);
  const refusal = networks.urlRefusalOf(url);
  if (refusal) throw invalidField('address', 'notification.address_refused', { host: refusal.host, range: refusal.range });
}

function assertEvents(events: readonly string[]): void {
  const unknown = events.find((e) => !isNotificationEvent(e));
  if (unknown !== undefined) throw invalidField('events', 'notification.unknown_event', { event: unknown });
}
