import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NetworkPolicy } from '../shared/network-policy.ts';
import { webhookPoster, type WebhookToSend } from './senders.ts';

describe('the webhook poster', () => {
  let server: Server;
  let port: number;
  const hosts: string[] = [];
  beforeAll(async () => {
    server = createServer((req, res) => { hosts.push(String(req.headers.host)); res.end('ok'); });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const hook = (url: string): WebhookToSend => ({ url, secret: 'whsec_x', body: '{}', deliveryId: 'd-1', event: 'maintenance.completed', attempt: 1, at: new Date() });

  it('refuses a name whose DNS answer holds a refused address, among others, without connecting', async () => {
    const before = hosts.length;
    const post = webhookPoster({
      timeoutMs: 2_000, policy: new NetworkPolicy(),
      resolve: async () => [{ address: '93.184.216.34', family: 4 }, { address: '127.0.0.1', family: 4 }],
    });
    expect(await post(hook(`http://hooks.example.test:${port}/hook`))).toEqual({
      ok: false, statusCode: null, error: 'not sent: hooks.example.test resolves to a loopback address, which is refused unless WEBHOOK_ALLOWED_NETWORKS allows it',
    });
    expect(hosts).toHaveLength(before);
  });

  it('connects to the address it checked, not to a second DNS answer', async () => {
    let lookups = 0;
    // hooks.example.test exists in no DNS: the request can only arrive through the checked address.
    const post = webhookPoster({
      timeoutMs: 2_000, policy: new NetworkPolicy(['127.0.0.1/32']),
      resolve: async () => { lookups++; return [{ address: '127.0.0.1', family: 4 }]; },
    });
    expect(await post(hook(`http://hooks.example.test:${port}/hook`))).toEqual({ ok: true, statusCode: 200, error: null });
    expect(lookups).toBe(1);
    expect(hosts.at(-1)).toBe(`hooks.example.test:${port}`);
  });

  it('refuses an address literal of a stored channel at send time too', async () => {
    const before = hosts.length;
    const post = webhookPoster({ timeoutMs: 2_000, policy: new NetworkPolicy() });
    expect(await post(hook(`http://[::ffff:127.0.0.1]:${port}/hook`))).toMatchObject({ ok: false, error: 'not sent: ::ffff:7f00:1 is a loopback address, which is refused unless WEBHOOK_ALLOWED_NETWORKS allows it' });
    expect(await post(hook(`http://2130706433:${port}/hook`))).toMatchObject({ ok: false, error: 'not sent: 127.0.0.1 is a loopback address, which is refused unless WEBHOOK_ALLOWED_NETWORKS allows it' });
    expect(hosts).toHaveLength(before);
  });
});
