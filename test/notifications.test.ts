// Notifications end to end, on every database of the matrix: a real SMTP server and real HTTP
// receivers on loopback, the job layer driven by hand with a controllable clock.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NotificationRepository } from '../src/notifications/notifications.repository.ts';
import { DELIVER_NOTIFICATION } from '../src/notifications/notification-jobs.ts';
import { retryDelayMs } from '../src/notifications/notifications.rules.ts';
import { AppError } from '../src/shared/errors.ts';
import { formatMessage } from '../src/shared/messages/format.ts';
import { runAllDueJobs, startTestApp, type TestApp } from './support/app.ts';
import { databases } from './support/databases.ts';
import { startSmtp } from './support/smtp.ts';

const MAX_ATTEMPTS = 3;
const SECRET = 'whsec_test_receiver_secret_0001';

// ---- a real webhook receiver
interface ReceivedHook {
  headers: IncomingHttpHeaders;
  body: string;
  signatureValid: boolean;
  signedAt: number;
}

/** Verifies signatures on its own (not with PosFleet's helper) and answers with `answer(n)` for the n-th request. */
async function startReceiver(answer: (n: number) => number) {
  const received: ReceivedHook[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const signature = String(req.headers['x-posfleet-signature'] ?? '');
      const t = Number(/(?:^|,)t=(\d+)/.exec(signature)?.[1]);
      const v1 = /(?:^|,)v1=([0-9a-f]{64})/.exec(signature)?.[1] ?? '';
      const expected = createHmac('sha256', SECRET).update(`${t}.${body}`).digest();
      const signatureValid = v1.length === 64 && timingSafeEqual(Buffer.from(v1, 'hex'), expected);
      received.push({ headers: req.headers, body, signatureValid, signedAt: t });
      const status = signatureValid ? answer(received.length) : 401;
      res.writeHead(status, { 'content-type': 'text/plain' }).end(status >= 400 ? `receiver says ${status}` : 'ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks/posfleet`,
    received,
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

describe.each(databases())('notifications on $name', (kind) => {
  let now = new Date('2026-11-25T10:00:00.000Z');
  const clock = () => now;
  const advance = (ms: number) => { now = new Date(now.getTime() + ms); };
  let smtp: Awaited<ReturnType<typeof startSmtp>>;
  let t: TestApp;
  const cleanups: (() => Promise<void>)[] = [];
  let env: Record<string, string>;

  beforeAll(async () => {
    smtp = await startSmtp();
    env = { SMTP_URL: `smtp://127.0.0.1:${smtp.port}`, MAIL_FROM: 'PosFleet <noreply@posfleet.test>', NOTIFICATION_MAX_ATTEMPTS: String(MAX_ATTEMPTS), WEBHOOK_TIMEOUT_MS: '5000',
      // The test receivers listen on loopback, which webhooks may reach only when an operator allows it.
      WEBHOOK_ALLOWED_NETWORKS: '127.0.0.1/32',
    };
    t = await startTestApp(await kind.fresh(), env, clock);
  });
  afterAll(async () => {
    await t?.close();
    for (const cleanup of cleanups) await cleanup();
    await smtp?.close();
  });

  const runJobs = (app: TestApp = t) => runAllDueJobs(app);

  async function receiver(answer: (n: number) => number) {
    const r = await startReceiver(answer);
    cleanups.push(r.close);
    return r;
  }

  let sites = 0;
  async function merchantWithSite(app: TestApp, merchant: { name: string; timeZone: string; locale: 'zh-CN' | 'en' }, siteName: string) {
    const m = await app.services.estate.createMerchant(merchant);
    const site = await app.services.estate.createSite({ merchantId: m.id, code: `NTF-${process.pid}-${++sites}`, name: siteName });
    return { merchant: m, site };
  }

  /** notify() answers one delivery per channel (the fleet-wide ones too): the one to `channelId`. */
  const to = <T extends { channelId: string }>(deliveries: T[], channelId: string): T => {
    const found = deliveries.find((d) => d.channelId === channelId);
    if (!found) throw new Error(`no delivery to channel ${channelId}`);
    return found;
  };

  const announcement = (start: string, expectedEnd: string) => ({ terminals: ['PAX-A920-0001', 'PAX-A920-0002'], start, expectedEnd, reason: '软件更新' });

  it('e-mails the maintenance announcement to each merchant in its own language, and operators hear every merchant', async () => {
    const shanghai = await merchantWithSite(t, { name: '青柠茶饮', timeZone: 'Asia/Shanghai', locale: 'zh-CN' }, '人民广场店');
    const london = await merchantWithSite(t, { name: 'Lime Tea', timeZone: 'Europe/London', locale: 'en' }, 'Covent Garden');
    const n = t.services.notifications;
    const zhManager = await t.services.notificationChannels.createChannel({ merchantId: shanghai.merchant.id, kind: 'email', name: '店长', address: 'manager@limetea.cn' });
    await t.services.notificationChannels.createChannel({ merchantId: shanghai.merchant.id, kind: 'email', name: 'IT, failures only', address: 'it@limetea.cn', events: ['maintenance.failed'] });
    const enManager = await t.services.notificationChannels.createChannel({ merchantId: london.merchant.id, kind: 'email', name: 'Store manager', address: 'manager@limetea.co.uk' });
    const operations = await t.services.notificationChannels.createChannel({ merchantId: null, kind: 'email', name: 'Operations', address: 'ops@posfleet.test', locale: 'en' });

    // 02:00–02:30 in Shanghai (UTC+8) and in London (UTC+0 in November).
    const zh = await n.notify({ event: 'maintenance.announced', merchantId: shanghai.merchant.id, siteId: shanghai.site.id, data: announcement('2026-11-25T18:00:00.000Z', '2026-11-25T18:30:00.000Z') });
    const en = await n.notify({ event: 'maintenance.announced', merchantId: london.merchant.id, siteId: london.site.id, data: announcement('2026-11-26T02:00:00.000Z', '2026-11-26T02:30:00.000Z') });
    expect(zh).toHaveLength(2); // the merchant's channel and the fleet's, not the one for failures
    expect(to(zh, zhManager.id).locale).toBe('zh-CN');
    expect(to(zh, operations.id).locale).toBe('en');
    expect(en).toHaveLength(2);
    expect(to(en, enManager.id).locale).toBe('en');
    expect(smtp.mails).toHaveLength(0); // nothing leaves until the job layer runs

    await runJobs();
    const mailsTo = (address: string) => smtp.mails.filter((m) => m.to.includes(address));
    const [zhMail] = mailsTo('manager@limetea.cn');
    expect(zhMail!.from).toBe('noreply@posfleet.test');
    expect(zhMail!.subject).toBe('【维护通知】人民广场店 11月26日 02:00 终端维护');
    expect(zhMail!.text).toContain('【维护通知】门店 人民广场店 的 2 台终端将于 11月26日 02:00 进入维护（功能维护中），预计 02:30 恢复。');
    expect(zhMail!.text).toContain('原因：软件更新');
    expect(zhMail!.headers.get('content-language')).toBe('zh-CN');

    const [enMail] = mailsTo('manager@limetea.co.uk');
    expect(enMail!.subject).toBe('Maintenance notice: Covent Garden, 26 Nov 02:00');
    expect(enMail!.text).toContain('Maintenance notice: 2 terminals at Covent Garden go into maintenance on 26 Nov 02:00, back by 02:30.');

    expect(mailsTo('it@limetea.cn')).toEqual([]); // subscribed to failures only
    // The operators' channel is in English, and shows each site's own local time.
    expect(mailsTo('ops@posfleet.test').map((m) => m.subject).sort()).toEqual([
      'Maintenance notice: Covent Garden, 26 Nov 02:00',
      'Maintenance notice: 人民广场店, 26 Nov 02:00',
    ]);

    for (const d of [...zh, ...en]) {
      const stored = await n.getDelivery(d.id);
      expect(stored).toMatchObject({ status: 'delivered', attempts: 1, lastError: null, deliveredAt: now.toISOString() });
      expect(stored.attemptLog).toMatchObject([{ attempt: 1, outcome: 'delivered', statusCode: null, error: null }]);
    }
    expect(zhMail!.headers.get('message-id')).toBe(`<${to(zh, zhManager.id).id}@posfleet>`);
  });

  it('retries a failing webhook with exponential back-off until it answers 200, signing every attempt', async () => {
    const hook = await receiver((n) => (n <= 2 ? 500 : 200));
    const shop = await merchantWithSite(t, { name: '青柠茶饮 (webhook)', timeZone: 'Asia/Shanghai', locale: 'zh-CN' }, '人民广场店');
    const n = t.services.notifications;
    const channel = await t.services.notificationChannels.createChannel({ merchantId: shop.merchant.id, kind: 'webhook', name: 'POS back office', address: hook.url, secret: SECRET });
    expect(channel.secret).toBe(SECRET);
    expect(await t.services.notificationChannels.getChannel(channel.id)).not.toHaveProperty('secret'); // shown once, at creation

    const delivery = to(await n.notify({ event: 'maintenance.announced', merchantId: shop.merchant.id, siteId: shop.site.id, data: announcement('2026-11-25T18:00:00.000Z', '2026-11-25T18:30:00.000Z') }), channel.id);
    const signedAt: number[] = [];

    await runJobs();
    signedAt.push(Math.floor(now.getTime() / 1000));
    expect(hook.received).toHaveLength(1);
    expect(await n.getDelivery(delivery.id)).toMatchObject({ status: 'pending', attempts: 1, lastError: 'HTTP 500', nextAttemptAt: new Date(now.getTime() + retryDelayMs(1)).toISOString() });

    await runJobs();
    expect(hook.received).toHaveLength(1); // backing off: nothing before the retry is due
    advance(retryDelayMs(1) - 1_000);
    await runJobs();
    expect(hook.received).toHaveLength(1);

    advance(1_000);
    await runJobs();
    signedAt.push(Math.floor(now.getTime() / 1000));
    expect(hook.received).toHaveLength(2);
    advance(retryDelayMs(2)); // twice as long the second time
    await runJobs();
    signedAt.push(Math.floor(now.getTime() / 1000));
    expect(hook.received).toHaveLength(3);

    const stored = await n.getDelivery(delivery.id);
    expect(stored).toMatchObject({ status: 'delivered', attempts: 3, nextAttemptAt: null, deliveredAt: now.toISOString() });
    expect(stored.attemptLog.map((a) => [a.attempt, a.outcome, a.statusCode])).toEqual([[1, 'failed', 500], [2, 'failed', 500], [3, 'delivered', 200]]);
    expect(stored.attemptLog[0]!.error).toBe('HTTP 500'); // the receiver's own text is not kept
    for (const a of stored.attemptLog) expect(a.durationMs).toBeGreaterThanOrEqual(0);

    // Every attempt: a valid signature made at the time of the attempt, the same delivery id and body.
    expect(hook.received.map((r) => r.signatureValid)).toEqual([true, true, true]);
    expect(hook.received.map((r) => r.signedAt)).toEqual(signedAt);
    expect(hook.received.map((r) => r.headers['x-posfleet-attempt'])).toEqual(['1', '2', '3']);
    expect(new Set(hook.received.map((r) => r.headers['x-posfleet-delivery']))).toEqual(new Set([delivery.id]));
    expect(new Set(hook.received.map((r) => r.body)).size).toBe(1);
    expect(hook.received[0]!.headers['content-type']).toBe('application/json; charset=utf-8');
    const payload = JSON.parse(hook.received[0]!.body);
    expect(payload).toMatchObject({
      id: delivery.id, event: 'maintenance.announced', merchantId: shop.merchant.id, siteId: shop.site.id, locale: 'zh-CN',
      data: { terminals: ['PAX-A920-0001', 'PAX-A920-0002'], start: '2026-11-25T18:00:00.000Z' },
    });
    expect(payload.message.text).toContain('将于 11月26日 02:00 进入维护（功能维护中）');
  });

  it('parks a delivery after the attempt limit, and a replay delivers it once the receiver is fixed', async () => {
    let answer = 503;
    const hook = await receiver(() => answer);
    const shop = await merchantWithSite(t, { name: 'Lime Tea (webhook)', timeZone: 'Europe/London', locale: 'en' }, 'Covent Garden');
    const n = t.services.notifications;
    const channel = await t.services.notificationChannels.createChannel({ merchantId: shop.merchant.id, kind: 'webhook', name: 'Back office', address: hook.url, secret: SECRET });
    const delivery = to(await n.notify({ event: 'maintenance.failed', merchantId: shop.merchant.id, siteId: shop.site.id, data: { terminals: ['PAX-7'], failedAt: now.toISOString(), outcome: 'rolled_back' } }), channel.id);

    for (let i = 0; i < 10 && (await n.getDelivery(delivery.id)).status === 'pending'; i++) {
      await runJobs();
      advance(retryDelayMs(MAX_ATTEMPTS));
    }
    const parked = await n.getDelivery(delivery.id);
    expect(parked).toMatchObject({ status: 'parked', attempts: MAX_ATTEMPTS, nextAttemptAt: null, lastError: 'HTTP 503' });
    expect(parked.parkedAt).not.toBeNull();
    expect(parked.attemptLog.map((a) => a.statusCode)).toEqual([503, 503, 503]);
    expect((await n.listDeliveries({ status: 'parked' })).items.map((d) => d.id)).toContain(delivery.id);

    // Parked means parked: a day later nothing has been tried again.
    advance(86_400_000);
    await runJobs();
    expect(hook.received).toHaveLength(MAX_ATTEMPTS);

    answer = 200;
    const replayed = await n.replay(delivery.id);
    expect(replayed).toMatchObject({ status: 'pending', parkedAt: null });
    await runJobs();
    const delivered = await n.getDelivery(delivery.id);
    expect(delivered).toMatchObject({ status: 'delivered', attempts: MAX_ATTEMPTS + 1 });
    expect(delivered.attemptLog.map((a) => [a.attempt, a.statusCode])).toEqual([[1, 503], [2, 503], [3, 503], [4, 200]]);
    expect(hook.received.at(-1)!.headers['x-posfleet-attempt']).toBe(String(MAX_ATTEMPTS + 1));

    await expect(n.replay(delivery.id)).rejects.toMatchObject({ code: 'conflict' });
    await expect(n.replay('no-such-delivery')).rejects.toBeInstanceOf(AppError);
    // Through the API: a final refusal, said in the account's language (the bootstrap admin's is zh-CN).
    const again = await t.api('POST', `/api/v1/notification-deliveries/${delivery.id}/replay`, undefined, { 'accept-language': 'en' });
    expect(again.statusCode).toBe(409);
    expect(again.json().error).toMatchObject({
      code: 'conflict', key: 'notification.not_replayable', params: { status: 'delivered' }, retryable: false,
      message: '该通知已送达：只有已搁置的通知（或早已逾期仍在等待的）才能重新发送。',
    });
  });

  it('refuses a notice about a site of another merchant, or a site without its merchant, by the site\'s name', async () => {
    const lime = await merchantWithSite(t, { name: 'Lime Tea (sites)', timeZone: 'Asia/Shanghai', locale: 'zh-CN' }, '青柠 人民广场店');
    const other = await merchantWithSite(t, { name: 'Other Tea (sites)', timeZone: 'Asia/Shanghai', locale: 'zh-CN' }, 'Other Bund');
    const data = { terminals: ['PAX-7'], failedAt: now.toISOString(), outcome: 'rolled_back' } as const;
    const notice = (merchantId: string | null) => t.services.notifications.notify({ event: 'maintenance.failed', merchantId, siteId: lime.site.id, data });
    const wrongMerchant = await notice(other.merchant.id).catch((e: AppError) => e);
    expect(wrongMerchant).toMatchObject({ field: 'siteId', key: 'notification.site_not_of_merchant', params: { site: '青柠 人民广场店', merchant: 'Other Tea (sites)', fleet: 'no' } });
    expect((wrongMerchant as AppError).message).toBe('Site 青柠 人民广场店 does not belong to merchant Other Tea (sites).');
    expect((await notice(null).catch((e: AppError) => e) as AppError).messageIn('zh-CN')).toBe('全局通知不能指定门店“青柠 人民广场店”。');
  });

  it('sends once when a delivery job runs twice, and once per channel when the same event is notified twice', async () => {
    const hook = await receiver(() => 200);
    const shop = await merchantWithSite(t, { name: 'Twice Tea', timeZone: 'Asia/Shanghai', locale: 'zh-CN' }, '静安店');
    const n = t.services.notifications;
    const channel = await t.services.notificationChannels.createChannel({ merchantId: shop.merchant.id, kind: 'webhook', name: 'Back office', address: hook.url, secret: SECRET });
    const event = { event: 'maintenance.completed', merchantId: shop.merchant.id, siteId: shop.site.id, data: { terminals: ['PAX-9'], completedAt: now.toISOString() }, key: 'maintenance.completed:job-42' } as const;
    const firstTime = await n.notify(event);
    const secondTime = await n.notify(event);
    expect(secondTime.map((d) => d.id)).toEqual(firstTime.map((d) => d.id));
    const first = to(firstTime, channel.id);
    // A duplicate job for the same attempt (as after a crash between two writes).
    await t.services.jobs.enqueue(DELIVER_NOTIFICATION, { deliveryId: first.id, attempt: 1 });

    await runJobs();
    expect(hook.received).toHaveLength(1);
    expect((await n.getDelivery(first.id)).attemptLog).toHaveLength(1);
  });

  it('lets an operator replay a pending delivery whose job was lost, once it is long overdue', async () => {
    const hook = await receiver(() => 200);
    const shop = await merchantWithSite(t, { name: 'Lost Tea', timeZone: 'Asia/Shanghai', locale: 'zh-CN' }, '虹口店');
    const n = t.services.notifications;
    const channel = await t.services.notificationChannels.createChannel({ merchantId: shop.merchant.id, kind: 'webhook', name: 'Back office', address: hook.url, secret: SECRET });
    const delivery = to(await n.notify({ event: 'maintenance.completed', merchantId: shop.merchant.id, data: { terminals: ['PAX-2'], completedAt: now.toISOString() } }), channel.id);
    // Fault injection: the job of this delivery disappears (as if a node died between two writes).
    await t.services.db.kysely.updateTable('jobs').set({ done_at: now.toISOString() }).where('payload', 'like', `%${delivery.id}%`).execute();

    await expect(n.replay(delivery.id)).rejects.toMatchObject({ code: 'conflict' }); // pending and not overdue yet
    advance(16 * 60_000);
    await runJobs();
    expect(hook.received).toHaveLength(0);
    await n.replay(delivery.id);
    await runJobs();
    expect(hook.received).toHaveLength(1);
    expect(await n.getDelivery(delivery.id)).toMatchObject({ status: 'delivered', attempts: 1 });
  });

  it('parks deliveries to a channel disabled after the event, without sending', async () => {
    const hook = await receiver(() => 200);
    const shop = await merchantWithSite(t, { name: 'Disabled Tea', timeZone: 'Asia/Shanghai', locale: 'zh-CN' }, '徐汇店');
    const n = t.services.notifications;
    const channel = await t.services.notificationChannels.createChannel({ merchantId: shop.merchant.id, kind: 'webhook', name: 'Old endpoint', address: hook.url });
    const delivery = to(await n.notify({ event: 'maintenance.completed', merchantId: shop.merchant.id, data: { terminals: ['PAX-1'], completedAt: now.toISOString() } }), channel.id);
    await t.services.notificationChannels.updateChannel(channel.id, { enabled: false });
    await runJobs();
    expect(hook.received).toHaveLength(0);
    expect(await n.getDelivery(delivery.id)).toMatchObject({ status: 'parked', lastError: `channel ${channel.id} is disabled` });
  });

  it('sends a test message to a channel on request and says how the receiver took it, keeping no delivery', async () => {
    const hook = await receiver((n) => (n === 1 ? 200 : 500));
    const created = (await t.api('POST', '/api/v1/notification-channels', { kind: 'webhook', name: 'Test hook', address: hook.url, secret: SECRET, locale: 'en' })).json();
    const ok = await t.api('POST', `/api/v1/notification-channels/${created.id}/test`);
    expect(ok.statusCode, ok.body).toBe(200);
    expect(ok.json()).toMatchObject({ ok: true, statusCode: 200, error: null });
    expect(hook.received).toHaveLength(1);
    expect(hook.received[0]!.signatureValid).toBe(true);
    expect(JSON.parse(hook.received[0]!.body)).toMatchObject({ event: 'channel.test', message: { subject: 'PosFleet test notification' } });
    expect((await t.api('POST', `/api/v1/notification-channels/${created.id}/test`)).json()).toMatchObject({ ok: false, statusCode: 500, error: 'HTTP 500' });
    const mail = (await t.api('POST', '/api/v1/notification-channels', { kind: 'email', name: 'Test mail', address: 'test-send@limetea.cn' })).json();
    expect((await t.api('POST', `/api/v1/notification-channels/${mail.id}/test`)).json()).toMatchObject({ ok: true });
    expect(smtp.mails.filter((m) => m.to.includes('test-send@limetea.cn')).map((m) => m.subject)).toEqual(['PosFleet 测试通知']);
    const deliveries = (await t.api('GET', `/api/v1/notification-deliveries?channelId=${created.id}`)).json();
    expect(deliveries.items ?? []).toHaveLength(0);
    expect((await t.api('POST', '/api/v1/notification-channels/nope/test')).statusCode).toBe(404);
  });

  it('names the field of a bad channel', async () => {
    await expect(t.services.notificationChannels.createChannel({ kind: 'webhook', name: 'x', address: 'ftp://example.com/hook' })).rejects.toMatchObject({ code: 'validation_error', field: 'address' });
    await expect(t.services.notificationChannels.createChannel({ kind: 'email', name: 'x', address: 'not-an-address' })).rejects.toMatchObject({ code: 'validation_error', field: 'address' });
    await expect(t.services.notificationChannels.createChannel({ kind: 'email', name: 'x', address: 'a@b.cn', merchantId: 'nope' })).rejects.toMatchObject({ code: 'validation_error', field: 'merchantId' });
    await expect(t.services.notificationChannels.createChannel({ kind: 'email', name: 'x', address: 'a@b.cn', events: ['maintenance.exploded' as never] })).rejects.toMatchObject({ field: 'events' });
  });

  it('records a receiver that does not answer in time, or cannot be reached, as a failed attempt', async () => {
    const app = await startTestApp(await kind.fresh(), { ...env, WEBHOOK_TIMEOUT_MS: '200' }, clock);
    const held: (() => void)[] = [];
    const slow = createServer((_req, res) => { const timer = setTimeout(() => res.end('too late'), 2_000); held.push(() => clearTimeout(timer)); });
    await new Promise<void>((resolve) => slow.listen(0, '127.0.0.1', resolve));
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const closedPort = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    try {
      const shop = await merchantWithSite(app, { name: 'Slow Tea', timeZone: 'Asia/Shanghai', locale: 'zh-CN' }, '南京西路店');
      const n = app.services.notifications;
      const slowChannel = await app.services.notificationChannels.createChannel({ merchantId: shop.merchant.id, kind: 'webhook', name: 'slow', address: `http://127.0.0.1:${(slow.address() as AddressInfo).port}/hook` });
      const goneChannel = await app.services.notificationChannels.createChannel({ merchantId: shop.merchant.id, kind: 'webhook', name: 'gone', address: `http://127.0.0.1:${closedPort}/hook` });
      const deliveries = await n.notify({ event: 'maintenance.completed', merchantId: shop.merchant.id, data: { terminals: ['PAX-1'], completedAt: now.toISOString() } });
      await runJobs(app);
      const [timedOut] = (await n.getDelivery(to(deliveries, slowChannel.id).id)).attemptLog;
      expect(timedOut).toMatchObject({ outcome: 'failed', statusCode: null, error: 'no answer within 200 ms' });
      expect(timedOut!.durationMs).toBeGreaterThanOrEqual(150);
      const [refused] = (await n.getDelivery(to(deliveries, goneChannel.id).id)).attemptLog;
      expect(refused).toMatchObject({ outcome: 'failed', statusCode: null });
      expect(refused!.error).toBe('the receiver refused the connection'); // no port, no system error text
    } finally {
      for (const release of held) release();
      slow.closeAllConnections();
      await new Promise<void>((resolve) => slow.close(() => resolve()));
      await app.close();
    }
  });

  describe('webhook receivers on special-use networks (SSRF)', () => {
    let closed: TestApp;
    beforeAll(async () => {
      const { WEBHOOK_ALLOWED_NETWORKS: _allowed, ...defaults } = env;
      closed = await startTestApp(await kind.fresh(), defaults, clock);
    });
    afterAll(async () => { await closed?.close(); });

    it.each([
      ['http://169.254.169.254/latest/meta-data/iam/', '169.254.169.254 is a link-local address (cloud metadata lives there)'],
      ['http://127.0.0.1:8080/api/v1/users', '127.0.0.1 is a loopback address'],
      ['http://[::1]:5432/', '::1 is a loopback address'],
      ['http://10.0.0.1/', '10.0.0.1 is a private-network address'],
      ['https://192.168.1.20/hook', '192.168.1.20 is a private-network address'],
      ['http://172.20.0.5/', '172.20.0.5 is a private-network address'],
      ['http://100.100.100.200/latest/meta-data/', '100.100.100.200 is a shared (carrier-grade NAT) address'],
      ['http://0.0.0.0:8080/', '0.0.0.0 is the unspecified address'],
      ['http://[::]/', ':: is the unspecified address'],
      ['http://224.0.0.251/', '224.0.0.251 is a multicast address'],
      ['http://[fe80::1]/', 'fe80::1 is a link-local address'],
      ['http://[fd00:ec2::254]/', 'fd00:ec2::254 is a private-network address'],
      ['http://[::ffff:127.0.0.1]/', '::ffff:7f00:1 is a loopback address'],
      ['http://[::ffff:169.254.169.254]/', '::ffff:a9fe:a9fe is a link-local address (cloud metadata lives there)'],
      ['http://2130706433/', '127.0.0.1 is a loopback address'],
      ['http://0x7f.0.0.1/', '127.0.0.1 is a loopback address'],
      ['http://0177.0.0.1/', '127.0.0.1 is a loopback address'],
      ['http://0xa9fea9fe/', '169.254.169.254 is a link-local address (cloud metadata lives there)'],
      ['http://localhost:8080/', 'localhost is a loopback address'],
    ])('refuses a channel to %s when it is created or changed, naming the field', async (address, reason) => {
      const before = (await closed.api('GET', '/api/v1/notification-channels')).json().items.length;
      const created = await closed.api('POST', '/api/v1/notification-channels', { kind: 'webhook', name: 'ssrf', address });
      expect(created.statusCode).toBe(400);
      const error = created.json().error;
      expect(error).toMatchObject({ code: 'validation_error', field: 'address', key: 'notification.address_refused' });
      expect(formatMessage('en', error.key, error.params)).toBe(`${reason}, which is refused unless WEBHOOK_ALLOWED_NETWORKS allows it.`);
      expect((await closed.api('GET', '/api/v1/notification-channels')).json().items).toHaveLength(before);

      const fine = await closed.api('POST', '/api/v1/notification-channels', { kind: 'webhook', name: 'fine', address: 'https://hooks.example.com/posfleet' });
      expect(fine.statusCode).toBe(201);
      const changed = await closed.api('PATCH', `/api/v1/notification-channels/${fine.json().id}`, { address });
      expect(changed.statusCode).toBe(400);
      expect(changed.json().error).toMatchObject({ code: 'validation_error', field: 'address' });
      expect((await closed.api('GET', `/api/v1/notification-channels/${fine.json().id}`)).json().address).toBe('https://hooks.example.com/posfleet');
    });

    it('checks the address a name resolves to when it sends, and sends nothing to loopback unless allowed', async () => {
      const hook = await receiver(() => 200);
      const port = new URL(hook.url).port;
      const shop = await merchantWithSite(closed, { name: 'Rebound Tea', timeZone: 'Asia/Shanghai', locale: 'zh-CN' }, '长宁店');
      const n = closed.services.notifications;
      const channel = await closed.services.notificationChannels.createChannel({ merchantId: shop.merchant.id, kind: 'webhook', name: 'Back office', address: 'https://hooks.example.com/posfleet' });
      // A name that passed at creation and resolves to loopback now (DNS rebinding), or a channel stored before this check.
      await new NotificationRepository(closed.services.db.kysely).updateChannel(channel.id, { address: `http://localhost:${port}/hooks/posfleet` });
      const delivery = to(await n.notify({ event: 'maintenance.completed', merchantId: shop.merchant.id, data: { terminals: ['PAX-1'], completedAt: now.toISOString() } }), channel.id);
      await runJobs(closed);
      expect(hook.received).toHaveLength(0);
      const notSent = 'not sent: localhost resolves to a loopback address, which is refused unless WEBHOOK_ALLOWED_NETWORKS allows it';
      expect(await n.getDelivery(delivery.id)).toMatchObject({ status: 'pending', attempts: 1, lastError: notSent, attemptLog: [{ outcome: 'failed', statusCode: null, error: notSent }] });

      // An operator who runs the receiver on this machine allows loopback: the same channel delivers.
      const open = await startTestApp(await kind.fresh(), { ...env, WEBHOOK_ALLOWED_NETWORKS: '127.0.0.0/8,::1/128' }, clock);
      try {
        const shop2 = await merchantWithSite(open, { name: 'Local Tea', timeZone: 'Asia/Shanghai', locale: 'zh-CN' }, '长宁店');
        const local = await open.services.notificationChannels.createChannel({ merchantId: shop2.merchant.id, kind: 'webhook', name: 'Back office', address: `http://localhost:${port}/hooks/posfleet`, secret: SECRET });
        const sent = to(await open.services.notifications.notify({ event: 'maintenance.completed', merchantId: shop2.merchant.id, data: { terminals: ['PAX-1'], completedAt: now.toISOString() } }), local.id);
        await runJobs(open);
        expect(hook.received).toHaveLength(1);
        expect(await open.services.notifications.getDelivery(sent.id)).toMatchObject({ status: 'delivered', attempts: 1 });
      } finally {
        await open.close();
      }
    });
  });

  it('does not follow a receiver\'s redirect, and keeps none of its answer', async () => {
    const elsewhere = await receiver(() => 200);
    const redirecting = createServer((_req, res) => { res.writeHead(307, { location: elsewhere.url }).end('moved'); });
    await new Promise<void>((resolve) => redirecting.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise<void>((resolve) => redirecting.close(() => resolve())));
    const chatty = createServer((_req, res) => { res.writeHead(500, { 'content-type': 'text/plain' }).end(`root:x:0:0:root:/root:/bin/bash\n${'x'.repeat(100_000)}`); });
    await new Promise<void>((resolve) => chatty.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise<void>((resolve) => chatty.close(() => resolve())));
    const shop = await merchantWithSite(t, { name: 'Moved Tea', timeZone: 'Asia/Shanghai', locale: 'zh-CN' }, '闵行店');
    const n = t.services.notifications;
    const moved = await t.services.notificationChannels.createChannel({ merchantId: shop.merchant.id, kind: 'webhook', name: 'moved', address: `http://127.0.0.1:${(redirecting.address() as AddressInfo).port}/hook` });
    const leaky = await t.services.notificationChannels.createChannel({ merchantId: shop.merchant.id, kind: 'webhook', name: 'leaky', address: `http://127.0.0.1:${(chatty.address() as AddressInfo).port}/hook` });
    const deliveries = await n.notify({ event: 'maintenance.completed', merchantId: shop.merchant.id, data: { terminals: ['PAX-1'], completedAt: now.toISOString() } });
    await runJobs();
    expect(elsewhere.received).toHaveLength(0);
    expect((await n.getDelivery(to(deliveries, moved.id).id)).attemptLog).toMatchObject([{ outcome: 'failed', statusCode: 307, error: 'HTTP 307: redirects are not followed' }]);
    expect((await n.getDelivery(to(deliveries, leaky.id).id)).attemptLog).toMatchObject([{ outcome: 'failed', statusCode: 500, error: 'HTTP 500' }]);
    const listed = await t.api('GET', `/api/v1/notification-deliveries?merchantId=${shop.merchant.id}`);
    expect(listed.body).not.toContain('root:x');
  });

  it('keeps queued deliveries across a restart of the server', async () => {
    const url = await kind.fresh();
    const first = await startTestApp(url, env, clock);
    const shop = await merchantWithSite(first, { name: 'Restart Tea', timeZone: 'Asia/Shanghai', locale: 'zh-CN' }, '陆家嘴店');
    const channel = await first.services.notificationChannels.createChannel({ merchantId: shop.merchant.id, kind: 'email', name: '店长', address: 'restart@limetea.cn' });
    const delivery = to(await first.services.notifications.notify({ event: 'maintenance.announced', merchantId: shop.merchant.id, siteId: shop.site.id, data: announcement('2026-11-25T18:00:00.000Z', '2026-11-25T18:30:00.000Z') }), channel.id);
    await first.close(); // stopped before its jobs ran

    const second = await startTestApp(url, env, clock);
    try {
      await runJobs(second);
      expect(smtp.mails.filter((m) => m.to.includes('restart@limetea.cn')).map((m) => m.subject)).toEqual(['【维护通知】陆家嘴店 11月26日 02:00 终端维护']);
      expect(await second.services.notifications.getDelivery(delivery.id)).toMatchObject({ status: 'delivered', attempts: 1 });
    } finally {
      await second.close();
    }
  });
});
