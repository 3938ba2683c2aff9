// A terminal's data backups on its page in a real browser (Debian's Chromium through playwright-core)
// against a real server on the demo estate: a demo terminal backs up through the SDK, and its page lists
// the backups with their kind, state and retention, in Chinese on a 390 px phone and in English at
// 1366 px, where an operator queues a restore. Screenshots go to test-artifacts/terminal-backups/.
import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { PosFleetTerminal } from '../src/sdk/index.ts';
import { chromiumMissing, fitsWidth, PHONE, screenshot, useDashboard, WAIT } from './support/browser.ts';

const ADMIN = { email: 'admin@backups.test', name: 'Bea Backups' };
const TEST_TIMEOUT = 120_000;

describe.skipIf(chromiumMissing('terminal backups browser tests'))("a terminal's backups in a real browser", () => {
  // Four eyes as a fresh installation has it (all).
  const { server, adminApi, shots: SHOTS, page } = useDashboard({ name: 'terminal-backups', env: { FOUR_EYES: 'all' }, users: [{ ...ADMIN, role: 'admin', locale: 'en' }] });
  let terminal: { id: string; serialNumber: string };

  beforeAll(async () => {
    terminal = (await adminApi<{ items: { id: string; serialNumber: string; siteId: string | null }[] }>('GET', '/terminals?limit=50')).items.find((x) => x.siteId)!;
    const { code } = await adminApi<{ code: string }>('POST', '/enrolment-codes', { serialNumber: terminal.serialNumber });
    const sdk = new PosFleetTerminal({
      server: server.url, serialNumber: terminal.serialNumber,
      backups: { collect: () => ({ configuration: { tid: 'T-1', receiptHeader: '欢迎光临' }, settings: { counters: { batch: 3 } } }), restore: async () => {} },
    });
    await sdk.enrol(code);
    await sdk.backup('weekly');
    await sdk.backup('manual');
  });

  async function open(viewport: { width: number; height: number }, locale: 'zh-CN' | 'en-US'): Promise<Page> {
    const p = await page(viewport, locale, ADMIN.email);
    await p.goto(`${server.url}/terminals/${terminal.id}`);
    return p;
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
