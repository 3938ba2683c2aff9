// A terminal's data backups on its page in a real browser (Debian's Chromium through playwright-core)
// against a real server on the demo estate: a demo terminal backs up through the SDK, and its page lists
// the backups with their kind, state and retention, in Chinese on a 390 px phone and in English at
// 1366 px, where an operator queues a restore. Screenshots go to test-artifacts/terminal-backups/.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.ts';
import { seedDemoEstate } from '../src/demo/demo-estate.ts';
import { PosFleetTerminal } from '../src/sdk/index.ts';
import { startServer, type RunningServer } from '../src/server.ts';
import {
  adminApiAt, SignedInPages, buildDashboardIfStale, chromiumMissing, emptyFolder, fitsWidth, launchChromium, PASSWORD, PHONE, screenshot,
  screenshotOnFailure, WAIT,
} from './support/browser.ts';

const SHOTS = join(import.meta.dirname, '..', 'test-artifacts', 'terminal-backups');
const ADMIN_TOKEN = 'terminal-backups-admin-token';
const ADMIN = { email: 'admin@backups.test', name: 'Bea Backups' };
const TEST_TIMEOUT = 120_000;

describe.skipIf(chromiumMissing('terminal backups browser tests'))("a terminal's backups in a real browser", () => {
  let server: RunningServer;
  let dataDir: string;
  let browser: Browser;
  const pages = new SignedInPages(() => browser, () => server.url);
  const adminApi = adminApiAt(() => server.url, ADMIN_TOKEN);
  let terminal: { id: string; serialNumber: string };

  beforeAll(async () => {
    buildDashboardIfStale();
    emptyFolder(SHOTS);
    dataDir = mkdtempSync(join(tmpdir(), 'posfleet-backups-e2e-'));
    server = await startServer(loadConfig({ PORT: '0', HOST: '127.0.0.1', DATABASE_URL: join(dataDir, 'test.db'), DATA_DIR: dataDir, POSFLEET_ADMIN_TOKEN: ADMIN_TOKEN, LOG_LEVEL: 'silent' }), { logger: false });
    await seedDemoEstate(server.services);
    await server.services.access.createUser({ ...ADMIN, role: 'admin', password: PASSWORD, locale: 'en' });
    terminal = (await adminApi<{ items: { id: string; serialNumber: string; siteId: string | null }[] }>('GET', '/terminals?limit=50')).items.find((x) => x.siteId)!;
    const { code } = await adminApi<{ code: string }>('POST', '/enrolment-codes', { serialNumber: terminal.serialNumber });
    const sdk = new PosFleetTerminal({
      server: server.url, serialNumber: terminal.serialNumber,
      backups: { collect: () => ({ configuration: { tid: 'T-1', receiptHeader: '欢迎光临' }, settings: { counters: { batch: 3 } } }), restore: async () => {} },
    });
    await sdk.enrol(code);
    await sdk.backup('weekly');
    await sdk.backup('manual');
    browser = await launchChromium();
  }, 120_000);

  afterAll(async () => {
    await pages.close();
    await browser?.close();
    await server?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });
  screenshotOnFailure(SHOTS, () => pages.current);

  async function open(viewport: { width: number; height: number }, locale: 'zh-CN' | 'en-US'): Promise<Page> {
    const page = await pages.open(viewport, locale, ADMIN.email);
    await page.goto(`${server.url}/terminals/${terminal.id}`);
    return page;
  }

  it('lists the backups on a 390 px phone in Chinese', { timeout: TEST_TIMEOUT }, async () => {
    const p = await open(PHONE, 'zh-CN');
    const section = p.getByRole('region', { name: '数据备份' });
    await section.getByRole('row').filter({ hasText: '手动' }).getByText('已保存').waitFor({ timeout: WAIT });
    await section.getByRole('row').filter({ hasText: '每周' }).waitFor();
    expect(await fitsWidth(p)).toBe(true);
    await section.scrollIntoViewIfNeeded();
    await screenshot(p, SHOTS, 'zh-CN-phone-backups');
  });

  it('queues a restore at 1366 px in English', { timeout: TEST_TIMEOUT }, async () => {
    const p = await open({ width: 1366, height: 900 }, 'en-US');
    const section = p.getByRole('region', { name: 'Data backups' });
    const weekly = section.getByRole('row').filter({ hasText: 'weekly' });
    await weekly.getByText('stored').waitFor({ timeout: WAIT });
    await weekly.getByRole('button', { name: 'Restore onto this terminal' }).click();
    await section.getByText('Restore queued: the terminal picks it up at its next start.').waitFor();
    await section.getByRole('listitem').filter({ hasText: 'requested by an operator' }).getByText('waiting for the terminal').waitFor();
    const restores = await adminApi<{ items: { state: string; reason: string }[] }>('GET', `/terminals/${terminal.id}/restores`);
    expect(restores.items).toEqual([expect.objectContaining({ state: 'pending', reason: 'manual' })]);
    expect(await fitsWidth(p)).toBe(true);
    await screenshot(p, SHOTS, 'en-desktop-backups');
  });
});
