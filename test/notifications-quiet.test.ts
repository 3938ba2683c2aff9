// Quiet hours and rate limits of notification channels, end to end on every database of the matrix:
// a real SMTP server on loopback, the job layer driven by hand with a controllable clock, and (for
// the shared rate window) two PosFleet nodes on one database.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IncidentNotice } from '../src/notifications/notification-events.ts';
import { RELEASE_DIGEST } from '../src/notifications/notification-jobs.ts';
import { runAllDueJobs, startTestApp, type TestApp } from './support/app.ts';
import { databases } from './support/databases.ts';
import { startSmtp } from './support/smtp.ts';

describe.each(databases())('notification quiet hours and rate limits on $name', (kind) => {
  // 23:10 in Shanghai.
  let now = new Date('2026-11-25T15:10:00.000Z');
  const clock = () => now;
  const setNow = (iso: string) => { now = new Date(iso); };
  let smtp: Awaited<ReturnType<typeof startSmtp>>;
  let t: TestApp;
  let env: Record<string, string>;

  beforeAll(async () => {
    smtp = await startSmtp();
    env = { SMTP_URL: `smtp://127.0.0.1:${smtp.port}`, MAIL_FROM: 'PosFleet <noreply@posfleet.test>', NOTIFICATION_MAX_ATTEMPTS: '3', WEBHOOK_ALLOWED_NETWORKS: '127.0.0.1/32' }; // receivers on loopback
    t = await startTestApp(await kind.fresh(), env, clock);
  });
  afterAll(async () => {
    await t?.close();
    await smtp?.close();
  });

  const runJobs = (app: TestApp = t) => runAllDueJobs(app);

  const mailsTo = (address: string) => smtp.mails.filter((m) => m.to.includes(address));
  let shops = 0;
  async function shop(app: TestApp = t, timeZone = 'Asia/Shanghai', locale: 'zh-CN' | 'en' = 'zh-CN') {
    const merchant = await app.services.estate.createMerchant({ name: `Quiet Tea ${++shops}`, timeZone, locale });
    const site = await app.services.estate.createSite({ merchantId: merchant.id, code: `QT-${process.pid}-${shops}`, name: `人民广场店 ${shops}` });
    return { merchant, site };
  }

  const incident = (n: number, rule = 'offline', severity = 'high'): IncidentNotice => ({
    incidentId: `inc-${n}`, terminals: [`PAX-${String(n).padStart(4, '0')}`], rule, severity,
    summary: rule === 'tamper' ? { 'zh-CN': '终端被拆机', en: 'Tamper detected' } : { 'zh-CN': '终端离线', en: 'Terminal offline' },
    since: '2026-11-25T12:00:00.000Z',
  });

  it('holds non-urgent notices in quiet hours and sends them as one digest at 07:00 local, while tampering goes through at once', async () => {
    setNow('2026-11-25T15:10:00.000Z'); // 23:10 in Shanghai
    const { merchant, site } = await shop();
    const created = await t.api('POST', '/api/v1/notification-channels', {
      merchantId: merchant.id, kind: 'email', name: '店长', address: 'night@quiet.test', quietHours: { start: '22:00', end: '07:00' },
    });
    expect(created.statusCode).toBe(201);
    expect(created.json().quietHours).toEqual({ start: '22:00', end: '07:00', timeZone: null }); // the merchant's zone
    const channelId = created.json().id as string;
    const n = t.services.notifications;

    const offline = await n.notify({ event: 'incident.opened', merchantId: merchant.id, siteId: site.id, data: incident(1) });
    setNow('2026-11-25T15:20:00.000Z');
    const reminder = await n.notify({ event: 'incident.reminder', merchantId: merchant.id, siteId: site.id, data: incident(2) });
    setNow('2026-11-25T15:30:00.000Z');
    const completed = await n.notify({ event: 'maintenance.completed', merchantId: merchant.id, siteId: site.id, data: { terminals: ['PAX-0003'], completedAt: now.toISOString() } });
    const tamper = await n.notify({ event: 'incident.opened', merchantId: merchant.id, siteId: site.id, data: incident(4, 'tamper', 'critical') });
    const held = [...offline, ...reminder, ...completed].filter((d) => d.channelId === channelId);
    expect(held.map((d) => [d.status, d.heldReason, d.heldUntil])).toEqual(Array(3).fill(['held', 'quiet_hours', '2026-11-25T23:00:00.000Z']));
    expect(tamper.find((d) => d.channelId === channelId)?.status).toBe('pending');

    await runJobs();
    expect(mailsTo('night@quiet.test').map((m) => m.subject)).toEqual([`【故障告警】${site.name} 终端被拆机`]);

    setNow('2026-11-25T22:59:00.000Z'); // 06:59: still quiet
    await runJobs();
    expect(mailsTo('night@quiet.test')).toHaveLength(1);

    setNow('2026-11-25T23:00:00.000Z'); // 07:00
    await runJobs();
    const mails = mailsTo('night@quiet.test');
    expect(mails).toHaveLength(2);
    expect(mails[1]!.subject).toBe('【通知汇总】静默时段内的 3 条通知');
    expect(mails[1]!.text.split('\n')).toEqual([
      '【通知汇总】静默时段内暂缓发送了 3 条通知：故障告警 1 条，故障仍未恢复 1 条，维护完成 1 条。',
      `- 11月25日 23:10 【故障告警】${site.name} 终端离线`,
      `- 11月25日 23:20 【故障仍未恢复】${site.name} 终端离线`,
      `- 11月25日 23:30 【维护完成】${site.name} 终端已恢复交易`,
    ]);

    // Each held notice points at the digest it went out in; the digest was delivered.
    const folded = await Promise.all(held.map((d) => n.getDelivery(d.id)));
    const digestId = folded[0]!.digestId!;
    expect(folded.map((d) => [d.status, d.digestId])).toEqual(Array(3).fill(['folded', digestId]));
    expect(await n.getDelivery(digestId)).toMatchObject({ event: 'digest', status: 'delivered', channelId });
    const listed = await t.api('GET', `/api/v1/notification-deliveries?channelId=${channelId}&status=folded`);
    expect(listed.json().items.map((d: { digestId: string }) => d.digestId)).toEqual([digestId, digestId, digestId]);

    // In the daytime nothing is held.
    await n.notify({ event: 'maintenance.completed', merchantId: merchant.id, siteId: site.id, data: { terminals: ['PAX-0005'], completedAt: now.toISOString() } });
    await runJobs();
    expect(mailsTo('night@quiet.test')).toHaveLength(3);
  });

  it('sends at most N per period and folds the excess, offline reminders included, into one digest ("and 27 more incidents")', async () => {
    setNow('2026-11-26T02:00:00.000Z'); // 10:00 in Shanghai
    const { merchant, site } = await shop(t, 'Europe/London', 'en');
    const channel = await t.services.notificationChannels.createChannel({
      merchantId: merchant.id, kind: 'email', name: 'Manager', address: 'limit@quiet.test', rateLimit: { max: 3, periodMinutes: 60 },
    });
    const n = t.services.notifications;
    // A sweep reminding about 40 terminals that stay offline.
    for (let i = 1; i <= 40; i++) await n.notify({ event: 'incident.reminder', merchantId: merchant.id, siteId: site.id, data: incident(100 + i), key: `incident.reminder:inc-${100 + i}:1` });
    // Urgent: goes over the limit at once.
    await n.notify({ event: 'incident.opened', merchantId: merchant.id, siteId: site.id, data: incident(200, 'tamper', 'critical') });
    await runJobs();
    const first = mailsTo('limit@quiet.test');
    expect(first.map((m) => m.subject)).toEqual([
      ...['0101', '0102', '0103'].map(() => `Still unresolved: Terminal offline, ${site.name}`),
      `Alert: Tamper detected, ${site.name}`,
    ]);
    const held = (await n.listDeliveries({ channelId: channel.id, status: 'held', limit: 100 })).items;
    expect(held).toHaveLength(37);
    expect(new Set(held.map((d) => d.heldUntil))).toEqual(new Set(['2026-11-26T03:00:00.000Z']));
    expect(new Set(held.map((d) => d.heldReason))).toEqual(new Set(['rate_limit']));

    // A repeated reminder of the same incident is still one notice (same key), not a new one counted.
    await n.notify({ event: 'incident.reminder', merchantId: merchant.id, siteId: site.id, data: incident(101), key: 'incident.reminder:inc-101:1' });
    expect((await n.listDeliveries({ channelId: channel.id, limit: 100 })).items).toHaveLength(41);

    setNow('2026-11-26T02:59:59.000Z');
    await runJobs();
    expect(mailsTo('limit@quiet.test')).toHaveLength(4);
    setNow('2026-11-26T03:00:00.000Z');
    await runJobs();
    const mails = mailsTo('limit@quiet.test');
    expect(mails).toHaveLength(5);
    expect(mails[4]!.subject).toBe('Digest: 37 notices held over the rate limit');
    const lines = mails[4]!.text.split('\n');
    expect(lines[0]).toBe('Digest: 37 notices were held over the rate limit: 37 × still unresolved.');
    expect(lines[1]).toBe(`- 26 Nov 02:00 Still unresolved: Terminal offline, ${site.name}`);
    expect(lines.at(-1)).toBe('…and 27 more incidents.');

    // The digest opened a new window and used one of its places: two more go out, the third waits.
    for (let i = 1; i <= 3; i++) await n.notify({ event: 'incident.reminder', merchantId: merchant.id, siteId: site.id, data: incident(300 + i) });
    await runJobs();
    expect(mailsTo('limit@quiet.test')).toHaveLength(7);
    expect((await n.listDeliveries({ channelId: channel.id, status: 'held', limit: 10 })).items.map((d) => d.heldUntil)).toEqual(['2026-11-26T04:00:00.000Z']);
  });

  it('keeps a rate digest that comes due at night until the quiet hours end', async () => {
    setNow('2026-11-26T13:30:00.000Z'); // 21:30 in Shanghai
    const { merchant, site } = await shop();
    const channel = await t.services.notificationChannels.createChannel({
      merchantId: merchant.id, kind: 'email', name: '店长', address: 'both@quiet.test',
      quietHours: { start: '22:00', end: '07:00', timeZone: 'Asia/Shanghai' }, rateLimit: { max: 1, periodMinutes: 60 },
    });
    const n = t.services.notifications;
    for (let i = 1; i <= 3; i++) await n.notify({ event: 'incident.reminder', merchantId: merchant.id, siteId: site.id, data: incident(400 + i) });
    await runJobs();
    expect(mailsTo('both@quiet.test')).toHaveLength(1);
    setNow('2026-11-26T14:30:00.000Z'); // 22:30: the rate window is over, but it is quiet now
    await runJobs();
    expect(mailsTo('both@quiet.test')).toHaveLength(1);
    expect((await n.listDeliveries({ channelId: channel.id, status: 'held', limit: 10 })).items.map((d) => d.heldUntil)).toEqual(['2026-11-26T23:00:00.000Z', '2026-11-26T23:00:00.000Z']);
    setNow('2026-11-26T23:00:00.000Z');
    await runJobs();
    expect(mailsTo('both@quiet.test').map((m) => m.subject)).toEqual([
      `【故障仍未恢复】${site.name} 终端离线`, '【通知汇总】超出发送上限的 2 条通知',
    ]);
  });

  it('still sends the digest when its job was lost, through the recurring digest sweep', async () => {
    setNow('2026-11-27T14:30:00.000Z'); // 22:30 in Shanghai
    const { merchant, site } = await shop();
    await t.services.notificationChannels.createChannel({ merchantId: merchant.id, kind: 'email', name: '店长', address: 'lost@quiet.test', quietHours: { start: '22:00', end: '07:00' } });
    await t.services.notifications.notify({ event: 'incident.reminder', merchantId: merchant.id, siteId: site.id, data: incident(800) });
    // Fault injection: the digest job disappears (as if a node died between two writes).
    await t.services.db.kysely.updateTable('jobs').set({ done_at: now.toISOString() }).where('kind', '=', RELEASE_DIGEST).where('done_at', 'is', null).execute();
    setNow('2026-11-27T23:00:00.000Z');
    await runJobs();
    expect(mailsTo('lost@quiet.test')).toHaveLength(0);
    expect(await t.services.notificationDigests.releaseDueDigests()).toBe(1); // the job declared every minute (SWEEP_DIGESTS)
    await runJobs();
    expect(mailsTo('lost@quiet.test').map((m) => m.subject)).toEqual(['【通知汇总】静默时段内的 1 条通知']);
    expect(await t.services.notificationDigests.releaseDueDigests()).toBe(0);
  });

  it('posts a webhook digest that carries the data of every held notice', async () => {
    const bodies: string[] = [];
    const receiver = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => { bodies.push(Buffer.concat(chunks).toString('utf8')); res.end('ok'); });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    try {
      setNow('2026-11-26T04:00:00.000Z'); // 12:00 in Shanghai
      const { merchant, site } = await shop();
      const channel = await t.services.notificationChannels.createChannel({
        merchantId: merchant.id, kind: 'webhook', name: 'Back office', address: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`,
        rateLimit: { max: 1, periodMinutes: 10 },
      });
      for (let i = 1; i <= 3; i++) await t.services.notifications.notify({ event: 'incident.opened', merchantId: merchant.id, siteId: site.id, data: incident(700 + i) });
      await runJobs();
      expect(bodies).toHaveLength(1);
      setNow('2026-11-26T04:10:00.000Z');
      await runJobs();
      expect(bodies).toHaveLength(2);
      const digest = JSON.parse(bodies[1]!);
      expect(digest).toMatchObject({ event: 'digest', merchantId: merchant.id, locale: 'zh-CN', data: { reasons: ['rate_limit'], total: 2 } });
      expect(digest.message.subject).toBe('【通知汇总】超出发送上限的 2 条通知');
      // Notified in the same instant: in no particular order.
      expect(digest.data.notices.map((x: { event: string; data: IncidentNotice }) => [x.event, x.data.incidentId]).sort()).toEqual([['incident.opened', 'inc-702'], ['incident.opened', 'inc-703']]);
      expect((await t.services.notifications.getDelivery(digest.id)).channelId).toBe(channel.id);
    } finally {
      receiver.closeAllConnections();
      await new Promise<void>((resolve) => receiver.close(() => resolve()));
    }
  });

  // Two nodes in one process cannot share a SQLite file (its locks block the single thread): PostgreSQL only.
  it.runIf(kind.name === 'postgres')('shares one rate window between two server nodes on the same database, and sends one digest', async () => {
    setNow('2026-11-27T02:00:00.000Z');
    const url = await kind.fresh();
    const nodeA = await startTestApp(url, env, clock);
    const nodeB = await startTestApp(url, env, clock);
    try {
      const { merchant, site } = await shop(nodeA);
      const channel = await nodeA.services.notificationChannels.createChannel({
        merchantId: merchant.id, kind: 'email', name: 'Shared', address: 'shared@quiet.test', rateLimit: { max: 5, periodMinutes: 30 },
      });
      const notifyFrom = (node: TestApp, from: number) => Promise.all(Array.from({ length: 10 }, (_, i) =>
        node.services.notifications.notify({ event: 'incident.reminder', merchantId: merchant.id, siteId: site.id, data: incident(from + i) })));
      await Promise.all([notifyFrom(nodeA, 500), notifyFrom(nodeB, 600)]);
      const all = (await nodeA.services.notifications.listDeliveries({ channelId: channel.id, limit: 100 })).items;
      expect(all.filter((d) => d.status === 'pending')).toHaveLength(5);
      expect(all.filter((d) => d.status === 'held')).toHaveLength(15);

      await Promise.all([runJobs(nodeA), runJobs(nodeB)]);
      expect(mailsTo('shared@quiet.test')).toHaveLength(5);
      setNow('2026-11-27T02:30:00.000Z');
      await Promise.all([runJobs(nodeA), runJobs(nodeB)]);
      const mails = mailsTo('shared@quiet.test');
      expect(mails).toHaveLength(6);
      expect(mails[5]!.subject).toBe('【通知汇总】超出发送上限的 15 条通知');
    } finally {
      await nodeA.close();
      await nodeB.close();
    }
  });

  it('names the field of bad quiet hours or limits, and changes nothing', async () => {
    const { merchant } = await shop();
    const base = { merchantId: merchant.id, kind: 'email', name: 'bad', address: 'bad@quiet.test' };
    const refused = async (body: object, field: string, method = 'POST', url = '/api/v1/notification-channels') => {
      const res = await t.api(method, url, body);
      expect(res.statusCode, JSON.stringify(body)).toBe(400);
      expect(res.json().error).toMatchObject({ code: 'validation_error', field });
    };
    const before = (await t.api('GET', '/api/v1/notification-channels')).json().items.length;
    await refused({ ...base, quietHours: { start: '25:00', end: '07:00' } }, 'quietHours.start');
    await refused({ ...base, quietHours: { start: '22:00', end: '7am' } }, 'quietHours.end');
    await refused({ ...base, quietHours: { start: '22:00', end: '22:00' } }, 'quietHours.end');
    await refused({ ...base, quietHours: { start: '22:00', end: '07:00', timeZone: 'Mars/Olympus_Mons' } }, 'quietHours.timeZone');
    await refused({ ...base, merchantId: null, quietHours: { start: '22:00', end: '07:00' } }, 'quietHours.timeZone');
    await refused({ ...base, rateLimit: { max: 0, periodMinutes: 60 } }, 'rateLimit.max');
    await refused({ ...base, rateLimit: { max: -3, periodMinutes: 60 } }, 'rateLimit.max');
    await refused({ ...base, rateLimit: { max: 10, periodMinutes: 0 } }, 'rateLimit.periodMinutes');
    await refused({ ...base, rateLimit: { max: 2.5, periodMinutes: 60 } }, 'rateLimit.max');
    expect((await t.api('GET', '/api/v1/notification-channels')).json().items).toHaveLength(before);

    const ok = await t.api('POST', '/api/v1/notification-channels', { ...base, quietHours: { start: '22:00', end: '07:00', timeZone: 'Europe/Berlin' }, rateLimit: { max: 10, periodMinutes: 60 } });
    expect(ok.statusCode).toBe(201);
    const url = `/api/v1/notification-channels/${ok.json().id}`;
    await refused({ quietHours: { start: '22:00', end: '07:00', timeZone: 'Nowhere/Town' } }, 'quietHours.timeZone', 'PATCH', url);
    await refused({ rateLimit: { max: 0, periodMinutes: 5 } }, 'rateLimit.max', 'PATCH', url);
    expect((await t.api('GET', url)).json()).toMatchObject({ quietHours: { start: '22:00', end: '07:00', timeZone: 'Europe/Berlin' }, rateLimit: { max: 10, periodMinutes: 60 } });

    const cleared = await t.api('PATCH', url, { quietHours: null, rateLimit: { max: 50, periodMinutes: 1440 } });
    expect(cleared.statusCode).toBe(200);
    expect(cleared.json()).toMatchObject({ quietHours: null, rateLimit: { max: 50, periodMinutes: 1440 } });
  });
});
