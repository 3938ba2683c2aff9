// Test harness: a real PosFleet (services + Fastify app) on a fresh database, driven through
// app.inject, plus small factories for estate objects.
import type { LightMyRequestResponse } from 'fastify';
import { loadConfig, type Config } from '../../src/config.ts';
import { buildApp } from '../../src/http/app.ts';
import { createServices, type Services } from '../../src/services.ts';

export const ADMIN_TOKEN = 'test-admin-token';

/**
 * scrypt's cost for passwords set in tests: 1024 (~2 ms of CPU a hash) instead of production's 32768
 * (~100 ms). Sign-ins, password rules and lockouts behave the same; only the hashing is cheaper.
 */
export const TEST_PASSWORD_HASH_COST = 1024;

export interface TestApp {
  services: Services;
  app: Awaited<ReturnType<typeof buildApp>>;
  /** Operator request with the admin token. */
  api(method: string, url: string, body?: unknown, headers?: Record<string, string>): Promise<LightMyRequestResponse>;
  /** Device request with a terminal credential. */
  device(url: string, credential: string | undefined, body: unknown): Promise<LightMyRequestResponse>;
  close(): Promise<void>;
}

/**
 * Tests act as one person (the admin token): four eyes is off unless a test turns it on (FOUR_EYES, as in
 * test/approvals.test.ts), so a test of a role change or a big campaign is not held for a second person.
 */
export async function startTestApp(databaseUrl: string, env: Record<string, string> = {}, clock?: () => Date): Promise<TestApp> {
  const config: Config = { ...loadConfig({ DATABASE_URL: databaseUrl, POSFLEET_ADMIN_TOKEN: ADMIN_TOKEN, FOUR_EYES: 'off', ...env }), passwordHashCost: TEST_PASSWORD_HASH_COST };
  const services = await createServices(config, clock);
  await services.access.bootstrap(config.adminToken);
  const app = await buildApp(services);
  await app.ready();
  return {
    services,
    app,
    api: (method, url, body, headers = {}) =>
      app.inject({
        method: method as 'GET', url,
        headers: { authorization: `Bearer ${ADMIN_TOKEN}`, ...(typeof body === 'string' ? { 'content-type': 'text/csv' } : {}), ...headers },
        ...(body === undefined ? {} : typeof body === 'string' ? { payload: body } : { payload: body as object }),
      }),
    device: (url, credential, body) =>
      app.inject({ method: 'POST', url, headers: credential ? { authorization: `Bearer ${credential}` } : {}, payload: body as object }),
    async close() {
      await app.close();
      await services.db.close();
    },
  };
}

let counter = 0;
const unique = (prefix: string) => `${prefix}-${process.pid}-${++counter}`;

/** A merchant, a site and a terminal model: the least an estate needs to hold terminals. */
/** Runs every job due now, until none is left (bounded): what a server's job runner would do by itself. */
export async function runAllDueJobs(t: TestApp): Promise<number> {
  let total = 0;
  for (let i = 0; i < 20; i++) {
    const ran = await t.services.jobs.runDueJobs();
    total += ran;
    if (ran === 0) return total;
  }
  throw new Error('jobs kept coming after 20 rounds');
}

export async function buildEstate(t: TestApp) {
  const model = await t.services.estate.createModel({
    code: unique('MODEL'), vendor: 'PAX', model: 'A920',
    components: { cardReader: { chip: true, swipe: true, contactless: true }, printer: true, battery: true, networks: ['wifi'] },
  });
  const merchant = await t.services.estate.createMerchant({ name: unique('Merchant'), timeZone: 'Asia/Shanghai', locale: 'zh-CN' });
  const site = await t.services.estate.createSite({ merchantId: merchant.id, code: unique('SITE'), name: unique('Site') });
  return { model, merchant, site };
}

export async function buildTerminal(t: TestApp, estate: Awaited<ReturnType<typeof buildEstate>>, overrides: { serialNumber?: string; tags?: string[] } = {}) {
  return t.services.estate.createTerminal({ serialNumber: overrides.serialNumber ?? unique('SN'), modelId: estate.model.id, siteId: estate.site.id, tags: overrides.tags ?? [] });
}

/** Enrols a terminal through the protocol and returns its credential. */
export async function enrolTerminal(t: TestApp, serialNumber: string): Promise<{ terminalId: string; credential: string }> {
  const { code } = await t.services.device.createEnrolmentCode({ serialNumber }, 'test');
  const res = await t.device('/device/v1/enrol', undefined, { serialNumber, code });
  if (res.statusCode !== 201) throw new Error(`enrol failed: ${res.statusCode} ${res.body}`);
  return res.json();
}

/**
 * A healthy terminal's last password rotation: 30 days before the real now, well within the default 90 days on any
 * day the suite runs (a fixed date would open password incidents once the calendar passed it), and in the future of
 * a server whose clock a test set back.
 */
export const recentlyRotated = () => new Date(Date.now() - 30 * 86_400_000).toISOString();

export function heartbeatReport(seq: number, overrides: Record<string, unknown> = {}) {
  return {
    seq, sentAt: new Date().toISOString(), appVersion: '3.2.0', firmwareVersion: 'fw-1',
    battery: { percent: 80, health: 95, charging: false, cycleCount: 120 },
    printer: { paper: 'ok', jam: false, coverOpen: false },
    cardReader: { chip: { attempts: 10, failures: 0 }, contactless: { attempts: 5, failures: 0 } },
    network: { type: 'wifi', signalDbm: -60, latencyMs: 40 },
    storageFreeMb: 512, temperatureC: 35, uptimeSeconds: 3600, tamper: false,
    security: { passwordChangedAt: recentlyRotated(), pinEntryEnabled: true, encryptionEnabled: true },
    transactions: { count: 3, amountMinor: 4500, currency: 'CNY' },
    ...overrides,
  };
}
