// Test helpers for a real, listening PosFleet server (the terminal SDK and the simulator speak HTTP
// to it): start one on a fresh SQLite file (or restart one on the same file and port, with a clock
// set later), call its operator API, and wait, boundedly, for what should happen.
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { recentlyRotated, TEST_PASSWORD_HASH_COST } from './app.ts';
import { loadConfig } from '../../src/config.ts';
import type { HeartbeatContent } from '../../src/sdk/index.ts';
import { startServer, type RunningServer } from '../../src/server.ts';
import type { Clock } from '../../src/shared/time.ts';

export const ADMIN_TOKEN = 'test-admin-token';

/** Fast beats and ticks, so that offline terminals, due jobs and ended leases show within a second or two. */
export const FAST_SERVER_ENV = {
  HEARTBEAT_INTERVAL_SECONDS: '1', OFFLINE_AFTER_MISSED_HEARTBEATS: '2', OFFLINE_SWEEP_SECONDS: '1',
  POSFLEET_JOB_POLL_MS: '100', MAINTENANCE_TICK_SECONDS: '1',
  // One person drives most tests: four eyes only where a test turns it on (FOUR_EYES in its env).
  FOUR_EYES: 'off',
};

export interface TestServer extends Pick<RunningServer, 'url' | 'services' | 'close'> {
  databaseFile: string;
  port: number;
}

export interface TestServerOptions {
  /** A name for the temporary folder. */
  prefix?: string;
  /** Restart on an earlier server's database... */
  databaseFile?: string;
  /** ...and port, so that terminals find it where they left it. */
  port?: number;
  /** The server's clock, e.g. some minutes ahead to play a restart after a long outage. */
  clock?: Clock;
  env?: Record<string, string>;
  /** false: no background job runner (and no recurring jobs declared); the test runs due jobs itself (see driveFleet). */
  jobs?: boolean;
}

export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const databaseFile = options.databaseFile ?? join(mkdtempSync(join(tmpdir(), `${options.prefix ?? 'posfleet-test'}-`)), 'test.db');
  const config = {
    ...loadConfig({
      ...process.env, PORT: String(options.port ?? 0), HOST: '127.0.0.1', DATABASE_URL: databaseFile, POSFLEET_ADMIN_TOKEN: ADMIN_TOKEN,
      ...FAST_SERVER_ENV, ...options.env,
    }),
    passwordHashCost: TEST_PASSWORD_HASH_COST,
  };
  const running = await startServer(config, { logger: false, ...(options.clock && { clock: options.clock }), ...(options.jobs === false && { jobs: false }) });
  return { ...running, databaseFile, port: Number(new URL(running.url).port) };
}

export type OperatorApi = (method: string, path: string, body?: unknown) => Promise<any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- checked by expect()

/** Operator calls with the admin token; a non-2xx answer throws with its body. */
export function operatorApi(server: { url: string }): OperatorApi {
  return async (method, path, body) => {
    const response = await fetch(server.url + path, {
      method,
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, ...(body !== undefined && { 'content-type': 'application/json' }) },
      ...(body !== undefined && { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
    return text ? JSON.parse(text) : undefined;
  };
}

/** A PAX A920 model (card reader, printer, battery, Wi-Fi) and a merchant in Shanghai, over the operator API. */
export async function modelAndMerchant(api: OperatorApi, prefix: string, name = prefix): Promise<{ modelId: string; merchantId: string }> {
  const model = await api('POST', '/api/v1/terminal-models', {
    code: `${prefix}-MODEL`, vendor: 'PAX', model: 'A920',
    components: { cardReader: { chip: true, swipe: true, contactless: true }, printer: true, battery: true, networks: ['wifi'] },
  });
  const merchant = await api('POST', '/api/v1/merchants', { name: `${name} merchant`, timeZone: 'Asia/Shanghai', locale: 'zh-CN' });
  return { modelId: model.id, merchantId: merchant.id };
}

/** ...with a site (`<prefix>-SITE`) and an enrolment code for `uses` terminals of the model there. */
export async function enrolmentSite(api: OperatorApi, prefix: string, uses: number, name = prefix): Promise<{ modelId: string; merchantId: string; siteId: string; code: string }> {
  const { modelId, merchantId } = await modelAndMerchant(api, prefix, name);
  const site = await api('POST', '/api/v1/sites', { merchantId, code: `${prefix}-SITE`, name: `${name} site` });
  const { code } = await api('POST', '/api/v1/enrolment-codes', { modelId, siteId: site.id, uses });
  return { modelId, merchantId, siteId: site.id, code };
}

/** Asks until `probe` gives a value, for at most `timeoutMs`. */
export async function poll<T>(probe: () => Promise<T | undefined> | T | undefined, timeoutMs: number, what = 'the condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what} not reached within ${timeoutMs} ms`);
    await sleep(50);
  }
}

export async function waitFor(condition: () => boolean, timeoutMs: number, what = 'condition'): Promise<void> {
  await poll(() => (condition() ? true : undefined), timeoutMs, what);
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A port nothing listens on: it was free a moment ago and is closed again. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer().once('error', reject).listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** A healthy terminal's heartbeat content, with what a test changes. */
export function heartbeatContent(overrides: Partial<HeartbeatContent> = {}): HeartbeatContent {
  return {
    appVersion: '3.2.0', firmwareVersion: 'fw-1',
    battery: { percent: 80, health: 95, charging: false, cycleCount: 120 },
    printer: { paper: 'ok', jam: false, coverOpen: false },
    cardReader: { chip: { attempts: 4, failures: 0 }, contactless: { attempts: 6, failures: 1 } },
    network: { type: 'wifi', signalDbm: -60, latencyMs: 40 },
    storageFreeMb: 512, temperatureC: 35, uptimeSeconds: 3600, tamper: false,
    security: { passwordChangedAt: recentlyRotated(), pinEntryEnabled: true, encryptionEnabled: true },
    transactions: { count: 3, amountMinor: 4500, currency: 'CNY' },
    ...overrides,
  };
}
