// WeCom (企业微信) and DingTalk (钉钉) group robots end to end, on every database of the matrix: local
// receivers on loopback play the two robot APIs, check the JSON format each documents and (DingTalk)
// recompute the signature on their own, and answer {errcode} as the real ones do.
import { createHmac } from 'node:crypto';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { retryDelayMs } from '../src/notifications/notifications.rules.ts';
import { runAllDueJobs, startTestApp, type TestApp } from './support/app.ts';
import { databases } from './support/databases.ts';

const WECOM_KEY = '693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa';
const DINGTALK_TOKEN = 'b7c5c2e1d0f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b9c8d7e6f5a4b3';
const DINGTALK_SECRET = 'SEC0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0';

interface RobotRequest {
  headers: IncomingHttpHeaders;
  query: URLSearchParams;
  rawQuery: string;
  body: unknown;
  /** What the receiver found wrong with the request; [] when it is in the documented format. */
  problems: string[];
}

/**
 * Plays both robot APIs on one loopback port. WeCom: POST /cgi-bin/webhook/send?key=…,
 * {msgtype:'markdown', markdown:{content}}. DingTalk: POST /robot/send?access_token=…&timestamp=…&sign=…,
 * {msgtype:'markdown', markdown:{title, text}}, sign = urlencode(base64(HMAC-SHA256(secret, timestamp+"\n"+secret))),
 * timestamp within an hour of `now()`. A request with problems gets the robots' own refusals.
 */
async function startRobots(now: () => Date, errcodeFor: (kind: 'wecom' | 'dingtalk', n: number) => number = () => 0) {
  const wecom: RobotRequest[] = [];
  const dingtalk: RobotRequest[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://robots.test');
      const problems: string[] = [];
      let body: unknown = null;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        problems.push('body is not JSON');
      }
      if (req.method !== 'POST') problems.push(`method ${req.method}`);
      if (!String(req.headers['content-type']).startsWith('application/json')) problems.push('content-type is not JSON');
      const b = body as { msgtype?: unknown; markdown?: Record<string, unknown> } | null;
      const record: RobotRequest = { headers: req.headers, query: url.searchParams, rawQuery: url.search.slice(1), body, problems };
      let kind: 'wecom' | 'dingtalk';
      if (url.pathname === '/cgi-bin/webhook/send') {
        kind = 'wecom';
        if (url.searchParams.get('key') !== WECOM_KEY) problems.push('wrong key');
        if (b?.msgtype !== 'markdown' || Object.keys(b ?? {}).sort().join() !== 'markdown,msgtype') problems.push('not a markdown message');
        const content = b?.markdown?.content;
        if (typeof content !== 'string' || content.length === 0 || Buffer.byteLength(content) > 4096 || Object.keys(b?.markdown ?? {}).join() !== 'content') problems.push('markdown.content');
        wecom.push(record);
      } else if (url.pathname === '/robot/send') {
        kind = 'dingtalk';
        if (url.searchParams.get('access_token') !== DINGTALK_TOKEN) problems.push('wrong access_token');
        const timestamp = url.searchParams.get('timestamp') ?? '';
        if (!/^\d{13}$/.test(timestamp)) problems.push('timestamp is not in milliseconds');
        else if (Math.abs(Number(timestamp) - now().getTime()) > 3_600_000) problems.push('timestamp more than an hour off');
        const expected = createHmac('sha256', DINGTALK_SECRET).update(`${timestamp}\n${DINGTALK_SECRET}`).digest('base64');
        const rawSign = /(?:^|&)sign=([^&]*)/.exec(record.rawQuery)?.[1];
        if (rawSign !== encodeURIComponent(expected)) problems.push('sign not match');
        if (b?.msgtype !== 'markdown' || Object.keys(b ?? {}).sort().join() !== 'markdown,msgtype') problems.push('not a markdown message');
        if (typeof b?.markdown?.title !== 'string' || typeof b?.markdown?.text !== 'string' || Object.keys(b.markdown).sort().join() !== 'text,title') problems.push('markdown.title/text');
        dingtalk.push(record);
      } else {
        res.writeHead(404).end();
        return;
      }
      const received = kind === 'wecom' ? wecom : dingtalk;
      const errcode = problems.length > 0 ? (kind === 'wecom' ? 93000 : 310000) : errcodeFor(kind, received.length);
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ errcode, errmsg: errcode === 0 ? 'ok' : problems.join('; ') || 'send too fast' }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    wecomUrl: `http://127.0.0.1:${port}/cgi-bin/webhook/send?key=${WECOM_KEY}`,
    dingtalkUrl: `http://127.0.0.1:${port}/robot/send?access_token=${DINGTALK_TOKEN}`,
    wecom,
    dingtalk,
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

describe.each(databases())('group robots on $name', (database) => {
  let now = new Date('2026-11-25T10:00:00.000Z');
  const clock = () => now;
  let t: TestApp;
  const cleanups: (() => Promise<void>)[] = [];

  beforeAll(async () => {
    t = await startTestApp(await database.fresh(), {
      NOTIFICATION_MAX_ATTEMPTS: '3', WEBHOOK_TIMEOUT_MS: '5000',
      // The test robots listen on loopback, which robots (like webhooks) reach only when an operator allows it.
      WEBHOOK_ALLOWED_NETWORKS: '127.0.0.1/32',
    }, clock);
  });
  afterAll(async () => {
    await t?.close();
    for (const cleanup of cleanups) await cleanup();
  });

  async function robots(errcodeFor?: (kind: 'wecom' | 'dingtalk', n: number) => number) {
    const r = await startRobots(clock, errcodeFor);
    cleanups.push(r.close);
    return r;
  }

  let shops = 0;
  async function chineseShop() {
    const merchant = await t.services.estate.createMerchant({ name: '青柠茶饮', timeZone: 'Asia/Shanghai', locale: 'zh-CN' });
    const site = await t.services.estate.createSite({ merchantId: merchant.id, code: `ROBOT-${process.pid}-${++shops}`, name: '人民广场店' });
    return { merchant, site };
  }

  const announce = (shop: Awaited<ReturnType<typeof chineseShop>>) => t.services.notifications.notify({
    event: 'maintenance.announced', merchantId: shop.merchant.id, siteId: shop.site.id,
    data: { terminals: ['PAX-A920-0001', 'PAX-A920-0002'], start: '2026-11-25T18:00:00.000Z', expectedEnd: '2026-11-25T18:30:00.000Z', reason: '软件更新' },
  });

  it('a WeCom and a DingTalk robot receive the maintenance notice in Chinese, as markdown, DingTalk\'s signed', async () => {
    const r = await robots();
    const shop = await chineseShop();
    const wecom = await t.api('POST', '/api/v1/notification-channels', { merchantId: shop.merchant.id, kind: 'wecom', name: '门店群', address: r.wecomUrl });
    const dingtalk = await t.api('POST', '/api/v1/notification-channels', { merchantId: shop.merchant.id, kind: 'dingtalk', name: '运维群', address: r.dingtalkUrl, secret: DINGTALK_SECRET });
    expect(wecom.statusCode, wecom.body).toBe(201);
    expect(dingtalk.statusCode, dingtalk.body).toBe(201);
    // The robots' tokens and DingTalk's secret never come back whole.
    for (const answer of [wecom, dingtalk, await t.api('GET', `/api/v1/notification-channels?merchantId=${shop.merchant.id}`)]) {
      expect(answer.body).not.toContain(WECOM_KEY);
      expect(answer.body).not.toContain(DINGTALK_TOKEN);
      expect(answer.body).not.toContain(DINGTALK_SECRET);
    }
    expect(wecom.json()).toMatchObject({ kind: 'wecom', secret: null, address: expect.stringContaining('key=693a…') });
    expect(dingtalk.json()).toMatchObject({ kind: 'dingtalk', secret: null, address: expect.stringContaining('access_token=b7c5…') });

    const deliveries = await announce(shop);
    expect(deliveries.map((d) => d.locale)).toEqual(['zh-CN', 'zh-CN']);
    await runAllDueJobs(t);

    expect(r.wecom).toHaveLength(1);
    expect(r.wecom[0]!.problems).toEqual([]);
    const content = (r.wecom[0]!.body as { markdown: { content: string } }).markdown.content;
    expect(content.split('\n')[0]).toBe('### 【维护通知】人民广场店 11月26日 02:00 终端维护');
    expect(content).toContain('【维护通知】门店 人民广场店 的 2 台终端将于 11月26日 02:00 进入维护（功能维护中），预计 02:30 恢复。');
    expect(content).toContain('原因：软件更新');

    expect(r.dingtalk).toHaveLength(1);
    expect(r.dingtalk[0]!.problems).toEqual([]);
    expect(Number(r.dingtalk[0]!.query.get('timestamp'))).toBe(now.getTime());
    const markdown = (r.dingtalk[0]!.body as { markdown: { title: string; text: string } }).markdown;
    expect(markdown.title).toBe('【维护通知】人民广场店 11月26日 02:00 终端维护');
    expect(markdown.text).toContain('将于 11月26日 02:00 进入维护（功能维护中），预计 02:30 恢复。');

    for (const d of deliveries) {
      const stored = await t.services.notifications.getDelivery(d.id);
      expect(stored).toMatchObject({ status: 'delivered', attempts: 1, lastError: null });
      expect(stored.attemptLog).toMatchObject([{ attempt: 1, outcome: 'delivered', statusCode: 200, error: null }]);
    }
  });

  it('an errcode other than 0 is a failed delivery, retried with back-off and signed anew each time', async () => {
    const r = await robots((kind, n) => (n === 1 ? (kind === 'wecom' ? 45009 : 130101) : 0));
    const shop = await chineseShop();
    const n = t.services.notifications;
    const wecom = await t.services.notificationChannels.createChannel({ merchantId: shop.merchant.id, kind: 'wecom', name: '门店群', address: r.wecomUrl });
    const dingtalk = await t.services.notificationChannels.createChannel({ merchantId: shop.merchant.id, kind: 'dingtalk', name: '运维群', address: r.dingtalkUrl, secret: DINGTALK_SECRET });
    const deliveries = await announce(shop);
    const of = (channelId: string) => deliveries.find((d) => d.channelId === channelId)!.id;

    await runAllDueJobs(t);
    expect(await n.getDelivery(of(wecom.id))).toMatchObject({
      status: 'pending', attempts: 1, lastError: 'the robot refused the message: errcode 45009 (send too fast)',
      nextAttemptAt: new Date(now.getTime() + retryDelayMs(1)).toISOString(),
    });
    expect(await n.getDelivery(of(dingtalk.id))).toMatchObject({ status: 'pending', attempts: 1, lastError: 'the robot refused the message: errcode 130101 (send too fast)' });

    now = new Date(now.getTime() + retryDelayMs(1));
    await runAllDueJobs(t);
    for (const id of [of(wecom.id), of(dingtalk.id)]) {
      const stored = await n.getDelivery(id);
      expect(stored).toMatchObject({ status: 'delivered', attempts: 2 });
      expect(stored.attemptLog.map((a) => [a.attempt, a.outcome, a.statusCode])).toEqual([[1, 'failed', 200], [2, 'delivered', 200]]);
    }
    expect(r.wecom.map((x) => x.problems)).toEqual([[], []]);
    expect(r.dingtalk.map((x) => x.problems)).toEqual([[], []]);
    const stamps = r.dingtalk.map((x) => Number(x.query.get('timestamp')));
    expect(stamps[1]! - stamps[0]!).toBe(retryDelayMs(1));
  });

  it('a DingTalk robot whose secret is wrong refuses the message, the test button says why, and the right secret can be set', async () => {
    const r = await robots();
    const created = (await t.api('POST', '/api/v1/notification-channels', { kind: 'dingtalk', name: '运维群', address: r.dingtalkUrl, secret: 'SEC-not-the-robots-secret-0000' })).json();
    const test = await t.api('POST', `/api/v1/notification-channels/${created.id}/test`);
    expect(test.json()).toMatchObject({ ok: false, statusCode: 200, error: 'the robot refused the message: errcode 310000 (sign not match)' });
    // The robot's owner gives the right secret (or a new one after resetting it in DingTalk).
    const fixed = await t.api('PATCH', `/api/v1/notification-channels/${created.id}`, { secret: DINGTALK_SECRET });
    expect(fixed.statusCode, fixed.body).toBe(200);
    expect(fixed.body).not.toContain(DINGTALK_SECRET);
    expect((await t.api('POST', `/api/v1/notification-channels/${created.id}/test`)).json()).toMatchObject({ ok: true, statusCode: 200, error: null });

    const wecom = (await t.api('POST', '/api/v1/notification-channels', { kind: 'wecom', name: '门店群', address: r.wecomUrl })).json();
    expect((await t.api('POST', `/api/v1/notification-channels/${wecom.id}/test`)).json()).toMatchObject({ ok: true, statusCode: 200, error: null });
    expect((r.wecom.at(-1)!.body as { markdown: { content: string } }).markdown.content).toContain('PosFleet 测试通知');
    const secretForWecom = await t.api('PATCH', `/api/v1/notification-channels/${wecom.id}`, { secret: DINGTALK_SECRET });
    expect(secretForWecom.statusCode).toBe(400);
    expect(secretForWecom.json().error).toMatchObject({ code: 'validation_error', field: 'secret' });
  });

  it.each([
    ['a WeCom address without its key', { kind: 'wecom', address: 'https://qyapi.weixin.qq.com/cgi-bin/webhook/send' }, 'address'],
    ['a DingTalk address without its access token', { kind: 'dingtalk', address: 'https://oapi.dingtalk.com/robot/send', secret: DINGTALK_SECRET }, 'address'],
    ['a DingTalk address that is not a URL', { kind: 'dingtalk', address: 'oapi.dingtalk.com robot', secret: DINGTALK_SECRET }, 'address'],
    ['a robot on a private network', { kind: 'wecom', address: 'http://10.1.2.3/cgi-bin/webhook/send?key=abc' }, 'address'],
    ['a DingTalk robot without its secret', { kind: 'dingtalk', address: `https://oapi.dingtalk.com/robot/send?access_token=${DINGTALK_TOKEN}` }, 'secret'],
    ['a WeCom robot with a secret', { kind: 'wecom', address: `https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=${WECOM_KEY}`, secret: DINGTALK_SECRET }, 'secret'],
  ])('refuses %s with a 400 naming the field', async (_what, input, field) => {
    const answer = await t.api('POST', '/api/v1/notification-channels', { name: '机器人', ...input });
    expect(answer.statusCode, answer.body).toBe(400);
    expect(answer.json().error).toMatchObject({ code: 'validation_error', field });
  });

  it('says what a robot channel lacks in the account\'s language (the bootstrap admin\'s is zh-CN)', async () => {
    const noSecret = await t.api('POST', '/api/v1/notification-channels', { kind: 'dingtalk', name: '运维群', address: `https://oapi.dingtalk.com/robot/send?access_token=${DINGTALK_TOKEN}` });
    expect(noSecret.json().error).toMatchObject({ field: 'secret', message: '钉钉机器人需要加签密钥（以 SEC 开头的字符串）：PosFleet 用它为每条消息加签。' });
    const noKey = await t.api('POST', '/api/v1/notification-channels', { kind: 'wecom', name: '门店群', address: 'https://qyapi.weixin.qq.com/cgi-bin/webhook/send' });
    expect(noKey.json().error).toMatchObject({ field: 'address', key: 'notification.robot_address_token', message: '企业微信机器人的地址需含 key，例如 https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=…' });
  });
});
