// Test helpers for the dashboard's browser tests (Debian's Chromium through playwright-core, against a
// real, listening server). Start with `useDashboard` (one call sets up and tears down a file's server,
// browser, pages and screenshots); the rest are its parts and the plain-HTTP calls to the operator API
// and the terminal protocol, to set up or read back what the browser shows.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32, deflateSync } from 'node:zlib';
import { chromium, type Browser, type BrowserContext, type BrowserContextOptions, type Page } from 'playwright-core';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { seedDemoEstate } from '../../src/demo/demo-estate.ts';
import { startServer, type RunningServer } from '../../src/server.ts';
import type { Services } from '../../src/services.ts';
import type { Clock } from '../../src/shared/time.ts';
import type { UserInput } from '../../src/access/access.schemas.ts';
import { heartbeatReport, TEST_PASSWORD_HASH_COST } from './app.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const WEB = join(ROOT, 'web');

/** Debian's Chromium (apt-get install -y chromium): playwright-core brings no browser of its own. */
export const CHROMIUM = '/usr/bin/chromium';

/**
 * Whether Chromium is missing, saying so once: a machine without it skips the browser tests rather
 * than failing them. Use as `describe.skipIf(chromiumMissing('dashboard … tests'))`.
 */
export function chromiumMissing(tests: string): boolean {
  if (existsSync(CHROMIUM)) return false;
  console.warn(`${tests} skipped: ${CHROMIUM} is missing (apt-get install -y chromium; .ci/run installs it)`);
  return true;
}

/** Every wait is bounded by this, so a stuck page fails in seconds, not at the suite timeout. */
export const WAIT = 15_000;

/** The password of every user the browser tests sign in as. */
export const PASSWORD = 'correct horse 12 battery';

/** A phone's viewport: every page must be usable at 390 px. */
export const PHONE = { width: 390, height: 844 };

/** The sign-in form's labels in each language, for `signIn`. */
export const SIGN_IN = {
  en: { email: 'Email', password: 'Password', button: 'Sign in' },
  zh: { email: '邮箱', password: '密码', button: '登录' },
};
export type SignInLabels = (typeof SIGN_IN)[keyof typeof SIGN_IN];

function newestIn(path: string): number {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(0, ...readdirSync(path).map((name) => newestIn(join(path, name))));
}

/**
 * Builds the dashboard when its sources are newer than web/dist (about a second), so that a run of one
 * browser test file alone always tests the current sources; `npm test` builds it first anyway (pretest).
 */
export function buildDashboardIfStale(): void {
  const built = join(WEB, 'dist', 'index.html');
  if (existsSync(built)) {
    const sources = Math.max(newestIn(join(WEB, 'src')), newestIn(join(WEB, 'index.html')), newestIn(join(WEB, 'vite.config.ts')));
    if (sources <= statSync(built).mtimeMs) return;
  }
  const build = spawnSync(process.execPath, [join('node_modules', 'vite', 'bin', 'vite.js'), 'build', '--config', 'web/vite.config.ts'], { cwd: ROOT, encoding: 'utf8' });
  if (build.status !== 0) throw new Error(`npm run build:web failed:\n${build.stdout}\n${build.stderr}`);
}

/**
 * A real, listening server on a fresh SQLite file in a temporary folder `prefix`-… (its DATA_DIR too), with
 * the demo estate seeded unless `estate` is 'empty', and `adminToken` as its bootstrap admin token (`env`
 * adds settings; four eyes is off unless `env` turns it on). Its `close` also removes the folder.
 */
export async function startDemoServer(
  prefix: string, adminToken: string, env: Record<string, string> = {}, options: { estate?: 'demo' | 'empty'; clock?: Clock } = {},
): Promise<RunningServer> {
  const dataDir = mkdtempSync(join(tmpdir(), `${prefix}-`));
  const config = {
    ...loadConfig({
      PORT: '0', HOST: '127.0.0.1', DATABASE_URL: join(dataDir, 'test.db'), DATA_DIR: dataDir, POSFLEET_ADMIN_TOKEN: adminToken, LOG_LEVEL: 'silent', FOUR_EYES: 'off', ...env,
    }),
    passwordHashCost: TEST_PASSWORD_HASH_COST,
  };
  const server = await startServer(config, { logger: false, ...(options.clock && { clock: options.clock }) });
  if (options.estate !== 'empty') await seedDemoEstate(server.services);
  return {
    ...server,
    async close() {
      await server.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * Headless Chromium as a container allows it: no sandbox, GPU or /dev/shm, and no calls home. Its start
 * is bounded generously: on a busy 2-core machine it can take half a minute.
 */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM, headless: true, timeout: 60_000,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-dev-shm-usage'],
  });
}

/** A new page whose waits and navigations are bounded by WAIT. */
export async function boundedPage(context: BrowserContext): Promise<Page> {
  const page = await context.newPage();
  page.setDefaultTimeout(WAIT);
  page.setDefaultNavigationTimeout(WAIT);
  return page;
}

/** Opens the dashboard at `url` and submits the sign-in form (without waiting for what comes next). */
export async function signIn(page: Page, url: string, email: string, labels: SignInLabels): Promise<void> {
  await page.goto(url, { waitUntil: 'domcontentloaded' });
  await page.getByLabel(labels.email).fill(email);
  await page.getByLabel(labels.password, { exact: true }).fill(PASSWORD);
  await page.getByRole('button', { name: labels.button }).click();
}

/**
 * Signs `email` in through the API, as the sign-in form does, and gives `context` the session cookie: for a
 * test that is not about signing in (the form costs a page of its own, then the overview behind it).
 */
export async function signInByApi(context: BrowserContext, url: string, email: string): Promise<void> {
  const res = await fetch(`${url}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password: PASSWORD }) });
  if (!res.ok) throw new Error(`signing ${email} in: ${res.status} ${await res.text()}`);
  await context.addCookies(res.headers.getSetCookie().map((cookie) => {
    const pair = cookie.split(';')[0]!;
    const at = pair.indexOf('=');
    return { name: pair.slice(0, at), value: pair.slice(at + 1), url };
  }));
}

/** The page itself never scrolls sideways (wide tables scroll inside their own box). */
export const fitsWidth = (page: Page) => page.evaluate('document.documentElement.scrollWidth <= window.innerWidth');

/** Empties a screenshot folder (each test file has its own, so that files running in parallel keep theirs). */
export function emptyFolder(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
}

/** A full-page screenshot into `dir`/`name`.png. */
export const screenshot = (page: Page, dir: string, name: string) => page.screenshot({ path: join(dir, `${name}.png`), fullPage: true });

/**
 * Photographs the page `current()` names when a test fails, into `dir`/FAILED-<test name>.png: what the
 * browser showed is the quickest clue to a failed wait. Call inside the `describe`.
 */
export function screenshotOnFailure(dir: string, current: () => Page | undefined): void {
  beforeEach(({ task, onTestFailed }) => {
    onTestFailed(async () => {
      await current()?.screenshot({ path: join(dir, `FAILED-${task.name.replace(/[^\w]+/g, '-')}.png`), fullPage: true }).catch(() => undefined);
    });
  });
}

/** A PNG of `width` × `height` pixels from `rgb` (3 bytes a pixel, row after row): what a phone camera would hand over. */
export function png(width: number, height: number, rgb: Buffer): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const typed = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const out = Buffer.alloc(4 + typed.length + 4);
    out.writeUInt32BE(data.length, 0);
    typed.copy(out, 4);
    out.writeUInt32BE(crc32(typed), 4 + typed.length);
    return out;
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bits per sample
  header[9] = 2; // RGB
  const rows = Buffer.alloc((width * 3 + 1) * height); // each row: filter byte 0, then its pixels
  for (let y = 0; y < height; y++) rgb.copy(rows, y * (width * 3 + 1) + 1, y * width * 3, (y + 1) * width * 3);
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', header), chunk('IDAT', deflateSync(rows)), chunk('IEND', Buffer.alloc(0))]);
}

export const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

export type AdminApi = <T = unknown>(method: string, path: string, body?: unknown) => Promise<T>;

/**
 * The operator API (/api/v1) with the bootstrap admin token: what the browser did, read back
 * independently. `baseUrl` is asked at each call, as the server starts after the helper is made.
 * A non-2xx answer throws with its body; an empty one gives undefined.
 */
export function adminApiAt(baseUrl: () => string, token: string): AdminApi {
  return async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const res = await fetch(`${baseUrl()}/api/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body !== undefined && { 'content-type': 'application/json' }) },
      ...(body !== undefined && { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} /api/v1${path}: ${res.status} ${text}`);
    return (text ? JSON.parse(text) : undefined) as T;
  };
}

/** A call to the terminal protocol (/device/v1), with a terminal's credential where it has one; a non-2xx answer throws with its body. */
export async function deviceCall<T>(baseUrl: string, method: 'GET' | 'POST', path: string, credential: string | undefined, body?: unknown): Promise<T> {
  const res = await fetch(`${baseUrl}/device/v1${path}`, {
    method,
    headers: { ...(credential && { authorization: `Bearer ${credential}` }), ...(body !== undefined && { 'content-type': 'application/json' }) },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} /device/v1${path}: ${res.status} ${text}`);
  return JSON.parse(text) as T;
}

const NO_SALES = { count: 0, amountMinor: 0, currency: 'CNY' };

/**
 * Terminals of the seeded estate that talk over the protocol: `heartbeat` enrols one (once, with an
 * enrolment code made for `purpose`) and sends it the tests' heartbeat, numbered on. `server` is asked
 * at each call, as the server starts after the helper is made.
 */
export function protocolTerminals(server: () => { url: string; services: Pick<Services, 'device'> }, purpose: string) {
  const credentials = new Map<string, { terminalId: string; credential: string }>();
  const seqs = new Map<string, number>();
  return {
    /** Each enrolled terminal's id and credential, by serial number. */
    credentials,
    async heartbeat(serial: string, overrides: Record<string, unknown> = {}): Promise<{ mode: string }> {
      const { url, services } = server();
      let terminal = credentials.get(serial);
      if (!terminal) {
        const { code } = await services.device.createEnrolmentCode({ serialNumber: serial }, purpose);
        terminal = await deviceCall<{ terminalId: string; credential: string }>(url, 'POST', '/enrol', undefined, { serialNumber: serial, code });
        credentials.set(serial, terminal);
      }
      const seq = (seqs.get(serial) ?? 0) + 1;
      seqs.set(serial, seq);
      // No sales unless the test says so: sales while the demo shop is closed (its night, its weekend) are
      // trading off hours, which opens a case the test did not ask for.
      return deviceCall<{ mode: string }>(url, 'POST', '/heartbeat', terminal.credential, heartbeatReport(seq, { transactions: NO_SALES, ...overrides }));
    },
  };
}

/**
 * A link of the main navigation, ready to click: on a phone (where the links sit behind the menu button)
 * the menu is opened first. `name` is matched exactly.
 */
export async function navLink(page: Page, name: string) {
  await openMenu(page);
  return page.getByRole('navigation', { name: /^(Main|主导航)$/ }).getByRole('link', { name, exact: true });
}

/** Opens the phone's menu (the navigation, the language and signing out) when it is there and closed; on a desk, nothing. */
export async function openMenu(page: Page): Promise<void> {
  const nav = page.getByRole('navigation', { name: /^(Main|主导航)$/ });
  await nav.waitFor(); // signed in: the page shows its header (with the menu button on a phone)
  const menu = nav.getByRole('button', { name: /^(Menu|菜单)$/ });
  if (await menu.isVisible() && (await menu.getAttribute('aria-expanded')) !== 'true') await menu.click();
}

/** A user the browser signs in as (password PASSWORD). */
export type DashboardUser = Omit<UserInput, 'password'>;

export interface DashboardOptions {
  /**
   * The file's name: its screenshots go to test-artifacts/<name>/ (emptied first), its server lives in a
   * temporary folder posfleet-<name>-…, its admin token is <name>-admin-token unless `adminToken` says.
   */
  name: string;
  /** The screenshot folder's name under test-artifacts/, where it is not `name`. */
  shots?: string;
  adminToken?: string;
  /** 'demo' (the default): the seeded demo estate; 'empty': nothing, the file builds its own. */
  estate?: 'demo' | 'empty';
  /** Server settings (four eyes is off unless set here). */
  env?: Record<string, string>;
  /** The server's clock, for a file that moves time on. */
  clock?: Clock;
  /** Users created before the first test. */
  users?: DashboardUser[];
}

export interface Dashboard {
  /** The running server: usable inside tests and in beforeAll hooks registered after useDashboard(). */
  readonly server: RunningServer;
  /** The browser, likewise. */
  readonly browser: Browser;
  readonly adminToken: string;
  /** The file's screenshot folder. */
  readonly shots: string;
  /** The operator API with the admin token. */
  readonly adminApi: AdminApi;
  /** The page a failing test photographs: the one opened last, unless a test sets it. */
  current: Page | undefined;
  /** A browser context (closed after the file's tests, so a failure's screenshot still shows it). */
  context(options: BrowserContextOptions): Promise<BrowserContext>;
  /** A bounded page in `context`; it becomes `current`. */
  newPage(context: BrowserContext): Promise<Page>;
  /**
   * A page of its own context (Asia/Shanghai time), signed in as `email` (through the API: tests of the sign-in
   * form use `signIn`), opened at `path` (the overview unless given), its main navigation shown.
   */
  page(viewport: { width: number; height: number }, locale: 'zh-CN' | 'en-US', email: string, path?: string): Promise<Page>;
  /** A full-page screenshot into the file's folder as `name`.png. */
  shot(page: Page, name: string): Promise<Buffer>;
}

/**
 * The set-up every browser test file needs, written once: builds the dashboard if stale, empties the
 * screenshot folder, starts a server (demo estate or empty), creates `users`, launches Chromium,
 * photographs the current page when a test fails, and closes pages, browser and server after the file.
 * Call it at the top of the `describe`; more set-up goes in a `beforeAll` after it (hooks run in order).
 *
 * @example
 * const { server, adminApi, page } = useDashboard({ name: 'spares-dashboard', users: [{ ...ADMIN, role: 'admin', locale: 'en' }] });
 * it('…', async () => { const p = await page(PHONE, 'zh-CN', ADMIN.email); await p.goto(`${server.url}/spares`); });
 */
export function useDashboard(options: DashboardOptions): Dashboard {
  const adminToken = options.adminToken ?? `${options.name}-admin-token`;
  const shots = join(ROOT, 'test-artifacts', options.shots ?? options.name);
  let server: RunningServer | undefined;
  let browser: Browser | undefined;
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    buildDashboardIfStale();
    emptyFolder(shots);
    server = await startDemoServer(`posfleet-${options.name}`, adminToken, options.env, { ...(options.estate && { estate: options.estate }), ...(options.clock && { clock: options.clock }) });
    for (const user of options.users ?? []) await server.services.access.createUser({ ...user, password: PASSWORD });
    // One after the other: started beside the server's seeding, on a busy 2-core machine, Chromium can take minutes.
    browser = await launchChromium();
  }, 120_000);

  afterAll(async () => {
    for (const context of contexts.splice(0)) await context.close().catch(() => undefined);
    await browser?.close();
    await server?.close();
  }, 60_000);

  const dashboard: Dashboard = {
    server: late('the server', () => server),
    browser: late('the browser', () => browser),
    adminToken,
    shots,
    adminApi: adminApiAt(() => dashboard.server.url, adminToken),
    current: undefined,
    async context(contextOptions) {
      const context = await dashboard.browser.newContext(contextOptions);
      contexts.push(context);
      return context;
    },
    async newPage(context) {
      const page = await boundedPage(context);
      dashboard.current = page;
      return page;
    },
    async page(viewport, locale, email, path = '/') {
      const context = await dashboard.context({ viewport, locale, timezoneId: 'Asia/Shanghai' });
      await signInByApi(context, dashboard.server.url, email);
      const page = await dashboard.newPage(context);
      await page.goto(`${dashboard.server.url}${path}`, { waitUntil: 'domcontentloaded' });
      await page.getByRole('navigation', { name: /^(Main|主导航)$/ }).waitFor();
      return page;
    },
    shot: (page, name) => screenshot(page, shots, name),
  };
  screenshotOnFailure(shots, () => dashboard.current);
  return dashboard;
}

/**
 * Stands for what a `beforeAll` makes (the server, the browser), so a file can name it at the top of its
 * `describe` and use it in its tests; touching it before it exists says so.
 */
function late<T extends object>(what: string, get: () => T | undefined): T {
  const target = () => {
    const value = get();
    if (!value) throw new Error(`${what} is not started yet: use it in a test, or in a beforeAll after useDashboard()`);
    return value;
  };
  return new Proxy({} as T, {
    get(_, key) {
      const value = Reflect.get(target(), key) as unknown;
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target()) : value;
    },
    has: (_, key) => Reflect.has(target(), key),
  });
}
