// Security in depth in a real browser (Debian's Chromium through playwright-core) on the seeded demo
// estate: an operator goes from a terminal's page to its site's page, sets the opening hours the
// suspicious-trading rule judges by, records a staff training (PCI DSS 9.5.1.3), and exports a
// suspicious-activity case as a signed bundle from the case's page. Walked in en at 1366 px and in zh-CN
// at 390 px; screenshots in test-artifacts/security/.
import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { fromTar, verifyBundle } from '../src/case-export/bundle.ts';
import { chromiumMissing, fitsWidth, PHONE, screenshot, SIGN_IN, signIn as submitSignIn, type SignInLabels, useDashboard, WAIT } from './support/browser.ts';

const OPERATOR = { email: 'operator@security.test', name: 'Olga Operator' };
const TEST_TIMEOUT = 120_000;

describe.skipIf(chromiumMissing('security site and case export tests'))('site page and case export in a real browser', () => {
  const { server, adminApi, shots: SHOTS, context, newPage } = useDashboard({ name: 'security-site', shots: 'security', users: [{ ...OPERATOR, role: 'operator', locale: 'en' }] });
  let terminalId = '';
  let siteId = '';
  let caseId = '';

  async function signedIn(labels: SignInLabels, viewport: { width: number; height: number }, locale: string): Promise<Page> {
    const p = await newPage(await context({ viewport, locale }));
    await submitSignIn(p, server.url, OPERATOR.email, labels);
    await p.getByRole('navigation', { name: /^(Main|主导航)$/ }).waitFor();
    return p;
  }
  const open = (p: Page, path: string) => p.goto(`${server.url}${path}`, { waitUntil: 'domcontentloaded' });

  beforeAll(async () => {
    const terminals = await adminApi<{ items: { id: string; serialNumber: string; siteId: string }[] }>('GET', '/terminals?q=DEMO-1001&limit=10');
    const terminal = terminals.items.find((x) => x.serialNumber === 'DEMO-1001')!;
    terminalId = terminal.id;
    siteId = terminal.siteId;
    caseId = (await adminApi<{ id: string }>('POST', `/terminals/${terminalId}/suspicious-activity`, { what: 'Sales at 03:00 while the shop was closed' })).id;
    // The trading rule then sees it too: its evidence joins the open case.
    await server.services.incidents.recordTradingFinding({
      terminalId, siteId, merchantId: null, rule: 'trading_off_hours', at: new Date().toISOString(), detail: { transactions: 3, timeZone: 'Asia/Shanghai' },
    });
  });

  it('sets opening hours and records a training on the site page, and exports a case as a bundle that verifies (en, 1366 px)', { timeout: TEST_TIMEOUT }, async () => {
    const page = await signedIn(SIGN_IN.en, { width: 1366, height: 900 }, 'en-US');
    await open(page, `/terminals/${terminalId}`);
    await page.getByRole('heading', { name: 'Terminal DEMO-1001', level: 1 }).waitFor();
    await page.getByRole('link', { name: 'Site page' }).click();
    await page.getByRole('heading', { name: /^Site /, level: 1 }).waitFor();

    const hours = page.getByRole('form', { name: 'Opening hours' });
    const sunday = hours.locator('[data-day="sun"]');
    if (!(await sunday.getByRole('checkbox', { name: 'Closed' }).isChecked())) await sunday.getByRole('checkbox', { name: 'Closed' }).check();
    const monday = hours.locator('[data-day="mon"]');
    if (await monday.getByRole('checkbox', { name: 'Closed' }).isChecked()) await monday.getByRole('checkbox', { name: 'Closed' }).uncheck();
    await monday.getByLabel('Opens').fill('09:00');
    await monday.getByLabel('Closes').fill('21:00');
    await hours.getByRole('button', { name: 'Save opening hours' }).click();
    await hours.getByRole('status').filter({ hasText: 'Opening hours saved.' }).waitFor();
    const saved = await adminApi<{ openingHours: Record<string, { open: string; close: string }[]> }>('GET', `/sites/${siteId}`);
    expect(saved.openingHours.mon).toEqual([{ open: '09:00', close: '21:00' }]);
    expect(saved.openingHours.sun).toEqual([]);

    const training = page.getByRole('form', { name: 'Record training' });
    await training.getByRole('button', { name: 'Record training' }).click();
    await expect.poll(() => training.getByRole('textbox', { name: 'Person trained' }).getAttribute('aria-invalid'), { timeout: WAIT }).toBe('true');
    await training.getByLabel('Person trained').fill('Wang Fang');
    await training.getByLabel('Trainer').fill('Li Lei');
    await training.getByRole('button', { name: 'Record training' }).click();
    await page.getByTestId('training').getByRole('cell', { name: 'Wang Fang' }).waitFor();
    expect(await page.getByTestId('training').locator('tbody td').nth(2).textContent()).toBe('tampering、substitution (a swapped terminal)');
    await screenshot(page, SHOTS, 'en-1366-site');

    await open(page, `/suspicious-cases/${caseId}`);
    await page.getByRole('heading', { name: 'Suspicious activity at DEMO-1001', level: 1 }).waitFor();
    await page.getByText('Evidence: trading outside the site\'s opening hours').waitFor();
    const link = page.getByRole('link', { name: 'Export signed bundle' });
    const download = await Promise.all([page.waitForEvent('download', { timeout: WAIT }), link.click()]).then(([d]) => d);
    expect(download.suggestedFilename()).toBe(`case-${caseId}.tar`);
    const path = await download.path();
    const { readFileSync } = await import('node:fs');
    expect(verifyBundle(await fromTar(readFileSync(path)))).toMatchObject({ ok: true });
    await screenshot(page, SHOTS, 'en-1366-case');
  });

  it('shows the site page and the export on a phone in zh-CN', { timeout: TEST_TIMEOUT }, async () => {
    const page = await signedIn(SIGN_IN.zh, PHONE, 'zh-CN');
    await open(page, `/sites/${siteId}`);
    await page.getByRole('heading', { name: /^门店 /, level: 1 }).waitFor();
    await page.getByRole('form', { name: '营业时间' }).getByRole('button', { name: '保存营业时间' }).waitFor();
    await page.getByTestId('training').getByRole('cell', { name: 'Wang Fang' }).waitFor();
    expect(await page.getByTestId('training').locator('tbody td').nth(2).textContent()).toBe('识别被拆、识别被调包');
    expect(await fitsWidth(page)).toBe(true);
    await screenshot(page, SHOTS, 'zh-390-site');
    await open(page, `/suspicious-cases/${caseId}`);
    await page.getByRole('link', { name: '导出签名证据包' }).waitFor();
    await page.getByText('证据：门店营业时间外交易').waitFor();
    expect(await fitsWidth(page)).toBe(true);
    await screenshot(page, SHOTS, 'zh-390-case');
  });
});
