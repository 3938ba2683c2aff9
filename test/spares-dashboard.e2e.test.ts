// The dashboard's spares page in a real browser (Debian's Chromium through playwright-core) against a
// real, listening server on the demo estate: stock per depot with a shortage that stands out, the
// ledger, a backup pool and a terminal's chain of custody, on a 390 px phone in Chinese (where custody
// is moved along) and at desktop width in English (where stock is restocked and the shortage ends).
// Screenshots go to test-artifacts/spares-dashboard/.
import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { chromiumMissing, fitsWidth, PHONE, screenshot, useDashboard, WAIT, navLink } from './support/browser.ts';

const ADMIN = { email: 'admin@spares.test', name: 'Sam Spares' };
const TEST_TIMEOUT = 120_000;

interface Part { id: string; sku: string; quantity: number; belowMinimum: boolean }
interface Custody { id: string; state: string; steps: { to: string; by: string }[] }

describe.skipIf(chromiumMissing('spares page browser tests'))('the spares page in a real browser', () => {
  const { adminApi, shots: SHOTS, page } = useDashboard({ name: 'spares-dashboard', users: [{ ...ADMIN, role: 'admin', locale: 'en' }] });
  let faultySerial = '';
  let custodyId = '';

  beforeAll(async () => {
    // Stock: a printer head well stocked, paper rolls short of their minimum.
    const depot = await adminApi<{ id: string }>('POST', '/depots', { code: 'SH-DEPOT', name: 'Shanghai depot', region: 'SH' });
    await adminApi('POST', '/spare-parts', { depot: 'SH-DEPOT', sku: 'HEAD-1', name: 'Printer head', quantity: 5, minimum: 2 });
    await adminApi('POST', '/spare-parts', { depot: 'SH-DEPOT', sku: 'PAPER-1', name: 'Paper roll', quantity: 1, minimum: 10 });
    // A pool with two spares; one of them replaces a demo terminal on a work order.
    const [terminal] = (await adminApi<{ items: { id: string; serialNumber: string; siteId: string | null; modelId: string }[] }>('GET', '/terminals?limit=50')).items.filter((x) => x.siteId);
    faultySerial = terminal!.serialNumber;
    const pool = await adminApi<{ id: string }>('POST', '/backup-pools', { code: 'SH-POOL', name: 'Shanghai spares', depotId: depot.id });
    const spares = [];
    for (const serialNumber of ['SPARE-E2E-1', 'SPARE-E2E-2']) {
      const spare = await adminApi<{ id: string }>('POST', '/terminals', { serialNumber, modelId: terminal!.modelId });
      await adminApi('POST', `/backup-pools/${pool.id}/terminals`, { terminalId: spare.id });
      spares.push(spare.id);
    }
    const order = await adminApi<{ id: string }>('POST', '/work-orders', { title: 'Card reader dead', siteId: terminal!.siteId, terminalIds: [terminal!.id] });
    custodyId = (await adminApi<{ custodyId: string }>('POST', `/work-orders/${order.id}/swap`, { faultyTerminalId: terminal!.id, spareTerminalId: spares[0], note: 'card reader dead' })).custodyId;
  });

  async function open(viewport: { width: number; height: number }, locale: 'zh-CN' | 'en-US'): Promise<Page> {
    const p = await page(viewport, locale, ADMIN.email);
    await (await navLink(p, locale === 'zh-CN' ? '备件' : 'Spares')).click();
    await p.getByRole('heading', { name: locale === 'zh-CN' ? '备件与备用机' : 'Spares and backup terminals', level: 1 }).waitFor();
    return p;
  }

  it('shows the shortage, the ledger, the pool and the custody on a 390 px phone in Chinese, and moves the custody along', { timeout: TEST_TIMEOUT }, async () => {
    const p = await open(PHONE, 'zh-CN');
    await p.getByText('1 项库存低于最低库存。').waitFor();
    const paper = p.getByRole('table', { name: '各仓库库存' }).getByRole('row').filter({ hasText: 'PAPER-1' });
    await paper.getByText('低于最低库存（10）').waitFor();
    expect(await p.getByRole('table', { name: '各仓库库存' }).getByRole('row').filter({ hasText: 'HEAD-1' }).getByText(/低于最低库存/).count()).toBe(0);
    await p.getByRole('table', { name: '库存台账（最近 50 条）' }).getByRole('row').filter({ hasText: 'PAPER-1' }).getByText('入库').waitFor();
    await p.getByRole('list', { name: '备用机池' }).getByRole('link', { name: 'SPARE-E2E-2' }).waitFor();
    const custody = p.getByRole('list', { name: '维修中的终端（流转记录）' }).getByRole('listitem').filter({ hasText: faultySerial }).first();
    await custody.getByText('在门店', { exact: true }).first().waitFor();
    expect(await fitsWidth(p)).toBe(true);
    await screenshot(p, SHOTS, 'zh-CN-phone-spares');

    await custody.getByRole('button', { name: '已取走：运送中' }).click();
    await expect.poll(async () => (await adminApi<Custody>('GET', `/custody/${custodyId}`)).state, { timeout: WAIT }).toBe('in_transit');
    const moved = p.getByRole('list', { name: '维修中的终端（流转记录）' }).getByRole('listitem').filter({ hasText: faultySerial }).first();
    await moved.getByRole('button', { name: '已送达：维修中' }).waitFor();
    expect((await adminApi<Custody>('GET', `/custody/${custodyId}`)).steps.map((s) => [s.to, s.by])).toEqual([['at_site', 'admin'], ['in_transit', ADMIN.name]]);
    expect(await fitsWidth(p)).toBe(true);
    await screenshot(p, SHOTS, 'zh-CN-phone-custody-moved');
  });

  it('restocks at desktop width in English, and the shortage ends', { timeout: TEST_TIMEOUT }, async () => {
    const p = await open({ width: 1280, height: 900 }, 'en-US');
    await p.getByText('1 stock level below their minimum.').waitFor();
    const form = p.getByRole('form', { name: 'Restock' });
    await form.getByLabel('Part').selectOption({ label: 'Paper roll (PAPER-1), SH-DEPOT' });
    await form.getByLabel('Quantity').fill('0');
    await form.getByRole('button', { name: 'Restock' }).click();
    await expect.poll(() => form.getByLabel('Quantity').getAttribute('aria-invalid'), { timeout: WAIT }).toBe('true');
    await form.getByLabel('Quantity').fill('20');
    await form.getByLabel('Why').fill('delivery note 42');
    await form.getByRole('button', { name: 'Restock' }).click();
    await form.getByText('Paper roll at SH-DEPOT: 21 in stock now.').waitFor();
    await p.getByText('No stock level is below its minimum.').waitFor();
    const paper = (await adminApi<{ items: Part[] }>('GET', '/spare-parts')).items.find((x) => x.sku === 'PAPER-1');
    expect(paper).toMatchObject({ quantity: 21, belowMinimum: false });
    await p.getByRole('table', { name: 'Stock ledger (latest 50 moves)' }).getByRole('row').filter({ hasText: 'delivery note 42' }).getByText('+20').waitFor();
    expect(await fitsWidth(p)).toBe(true);
    await screenshot(p, SHOTS, 'en-desktop-restocked');
  });
});
