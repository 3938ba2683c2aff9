// The console on a phone, walked in a real browser (Debian's Chromium through playwright-core) against a
// real, listening server on the demo estate:
// 1. the header is one line at 390 px: the navigation, the language and signing out sit behind a menu
//    button (aria-expanded; closed by navigating and by Escape), while a desk shows the links as before;
// 2. a technician's day: signed in on a 390 px phone, Tao sees his own work orders due today and overdue
//    first (another technician's are not his), opens today's, answers its checklist with a photo, records
//    a part from a depot, has the merchant sign on the screen and completes it (zh-CN); the same list in en.
// Screenshots at 390 px and 1366 px, in zh-CN and en, go to test-artifacts/console-phone/.
import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { chromiumMissing, fitsWidth, navLink, PASSWORD, PHONE, png, useDashboard, WAIT } from './support/browser.ts';

const DESK = { width: 1366, height: 900 };
const TEST_TIMEOUT = 180_000;
const OPERATOR = { email: 'olivia@phone.test', name: '欧丽雅' };
const TAO = { email: 'tao@phone.test', name: '陶师傅' };
const LEE = { email: 'lee@phone.test', name: 'Lee Technician' };
const HOUR = 3_600_000;

describe.skipIf(chromiumMissing('console phone browser tests'))('the console on a phone', () => {
  const { server, adminApi, page: signedIn, shot } = useDashboard({ name: 'console-phone', users: [{ ...OPERATOR, role: 'operator', locale: 'zh-CN' }] });
  const orders: Record<'overdue' | 'today' | 'later' | 'others', string> = { overdue: '', today: '', later: '', others: '' };

  beforeAll(async () => {
    const technicianIds: string[] = [];
    for (const [who, region] of [[TAO, 'DEMO-SH'], [LEE, 'DEMO-LDN']] as const) {
      const user = await server.services.access.createUser({ ...who, role: 'technician', password: PASSWORD, locale: 'zh-CN' });
      technicianIds.push((await adminApi<{ id: string }>('POST', '/technicians', { userId: user.id, skills: [], regions: [region] })).id);
    }
    await adminApi('POST', '/depots', { code: 'SH-DEPOT', name: '上海备件库', region: 'SH' });
    await adminApi('POST', '/spare-parts', { depot: 'SH-DEPOT', sku: 'HEAD-1', name: '打印头', quantity: 5, minimum: 1 });
    const sites = (await adminApi<{ items: { id: string; code: string }[] }>('GET', '/sites?limit=100')).items;
    const siteId = (code: string) => sites.find((s) => s.code === code)!.id;
    // Today's is due before midnight in Shanghai (the phone's zone); if that has passed it is overdue, and still today's.
    // In the last minute before midnight it is due at 23:59:59: a minute on would be tomorrow's.
    const shanghaiMidnight = (() => {
      const now = Date.now();
      const local = new Date(now + 8 * HOUR);
      return Date.UTC(local.getUTCFullYear(), local.getUTCMonth(), local.getUTCDate() + 1) - 8 * HOUR;
    })();
    const make = async (title: string, site: string, dueAt: number, technician: string, checklist: string[] = []) => {
      const { id } = await adminApi<{ id: string }>('POST', '/work-orders', {
        title, siteId: siteId(site), dueAt: new Date(dueAt).toISOString(),
        ...(checklist.length && { checklist: checklist.map((text) => ({ text: { 'zh-CN': text, en: text }, required: true })) }),
      });
      await adminApi('POST', `/work-orders/${id}/assign`, { technicianId: technician });
      return id;
    };
    orders.later = await make('外滩夜市摊 季度巡检', 'DEMO-SH-02', Date.now() + 72 * HOUR, technicianIds[0]!);
    orders.today = await make('人民广场店 读卡器无响应', 'DEMO-SH-01', Math.min(shanghaiMidnight - 1000, Math.max(Date.now() + 60_000, shanghaiMidnight - 10 * 60_000)), technicianIds[0]!, ['检查读卡器']);
    orders.overdue = await make('外滩夜市摊 打印机卡纸', 'DEMO-SH-02', Date.now() - 20 * HOUR, technicianIds[0]!);
    orders.others = await make('Covent Garden printer jams', 'DEMO-LDN-01', Date.now() - HOUR, technicianIds[1]!);
  }, 120_000);

  const headerHeight = async (p: Page) => (await p.locator('header.top').boundingBox())!.height;

  it('1: at 390 px the header is one line with a menu button (closed by navigating and by Escape); a desk shows the links', { timeout: TEST_TIMEOUT }, async () => {
    for (const [locale, words] of [['zh-CN', { nav: '主导航', menu: '菜单', terminals: '终端', workOrders: '工单', signOut: '退出登录' }], ['en-US', { nav: 'Main', menu: 'Menu', terminals: 'Terminals', workOrders: 'Work orders', signOut: 'Sign out' }]] as const) {
      const tag = locale === 'zh-CN' ? 'zh-CN' : 'en';
      const phone = await signedIn(PHONE, locale, OPERATOR.email);
      const nav = phone.getByRole('navigation', { name: words.nav });
      const menu = nav.getByRole('button', { name: words.menu });
      // One line: the name, the live state and the menu button (a touch target of 44 px).
      expect(await headerHeight(phone)).toBeLessThanOrEqual(64);
      expect((await menu.boundingBox())!.height).toBeGreaterThanOrEqual(44);
      expect(await menu.getAttribute('aria-expanded')).toBe('false');
      expect(await nav.getByRole('link', { name: words.terminals, exact: true }).isVisible()).toBe(false);
      expect(await phone.getByRole('button', { name: words.signOut }).isVisible()).toBe(false);
      expect(await fitsWidth(phone)).toBe(true);
      await shot(phone, `${tag}-390-1-closed`);

      await menu.click();
      expect(await menu.getAttribute('aria-expanded')).toBe('true');
      await nav.getByRole('link', { name: words.terminals, exact: true }).waitFor();
      await phone.getByRole('button', { name: words.signOut }).waitFor();
      await shot(phone, `${tag}-390-2-open`);
      // Escape closes it and gives the focus back to the button.
      await phone.keyboard.press('Escape');
      await expect.poll(() => menu.getAttribute('aria-expanded'), { timeout: WAIT }).toBe('false');
      expect(await phone.evaluate('document.activeElement?.getAttribute("aria-controls")')).toBe('main-menu');
      // Navigating closes it.
      await (await navLink(phone, words.terminals)).click();
      await expect.poll(() => new URL(phone.url()).pathname, { timeout: WAIT }).toBe('/terminals');
      await expect.poll(() => menu.getAttribute('aria-expanded'), { timeout: WAIT }).toBe('false');
      await phone.getByRole('heading', { name: words.terminals, level: 1 }).waitFor();
      expect(await nav.getByRole('link', { name: words.workOrders, exact: true }).isVisible()).toBe(false);
      expect(await headerHeight(phone)).toBeLessThanOrEqual(64);
      await shot(phone, `${tag}-390-3-navigated`);

      // On a desk: no menu button, every link in view.
      const desk = await signedIn(DESK, locale, OPERATOR.email);
      const deskNav = desk.getByRole('navigation', { name: words.nav });
      expect(await deskNav.getByRole('button', { name: words.menu }).isVisible()).toBe(false);
      await deskNav.getByRole('link', { name: words.workOrders, exact: true }).waitFor();
      await desk.getByRole('button', { name: words.signOut }).waitFor();
      await shot(desk, `${tag}-1366-header`);
    }
  });

  /** Draws a signature-like stroke across the canvas with the mouse (a finger on a real phone). */
  async function sign(p: Page, canvasName: string) {
    const canvas = p.getByRole('img', { name: canvasName });
    await canvas.scrollIntoViewIfNeeded();
    const box = (await canvas.boundingBox())!;
    await p.mouse.move(box.x + box.width * 0.1, box.y + box.height * 0.6);
    await p.mouse.down();
    for (const [x, y] of [[0.25, 0.3], [0.4, 0.7], [0.55, 0.35], [0.7, 0.65], [0.9, 0.4]] as const) {
      await p.mouse.move(box.x + box.width * x, box.y + box.height * y, { steps: 5 });
    }
    await p.mouse.up();
  }
  const cardTitles = (p: Page, section: string) => p.getByRole('list', { name: section }).locator('.wo-card-title').allTextContents();

  it('2 (zh-CN, 390 px): a technician sees today\'s and overdue work orders first, and completes today\'s with a photo, a part and a signature', { timeout: TEST_TIMEOUT }, async () => {
    const phone = await signedIn(PHONE, 'zh-CN', TAO.email);
    await (await navLink(phone, '工单')).click();
    await phone.getByRole('heading', { name: '工单', level: 1 }).waitFor();
    // His day: the overdue one, then today's; later ones after; another technician's not at all.
    await phone.getByRole('heading', { name: '今天到期及已逾期' }).waitFor();
    await expect.poll(() => cardTitles(phone, '今天到期及已逾期'), { timeout: WAIT }).toEqual(['外滩夜市摊 打印机卡纸', '人民广场店 读卡器无响应']);
    expect(await cardTitles(phone, '以后到期或未定截止时间')).toEqual(['外滩夜市摊 季度巡检']);
    await phone.getByText('今天到期及已逾期：2 张工单').waitFor();
    expect(await phone.getByText('Covent Garden printer jams').count()).toBe(0);
    const overdue = phone.getByRole('link', { name: /外滩夜市摊 打印机卡纸/ });
    await overdue.getByText('已逾期').waitFor();
    // The first card is in view without scrolling, below a one-line header.
    expect((await overdue.boundingBox())!.y).toBeLessThan(PHONE.height);
    expect(await fitsWidth(phone)).toBe(true);
    await shot(phone, 'zh-CN-390-4-my-day');

    await phone.getByRole('link', { name: /人民广场店 读卡器无响应/ }).click();
    await phone.getByRole('heading', { name: '工单：人民广场店 读卡器无响应' }).waitFor();
    await phone.getByRole('definition').filter({ hasText: '上海市黄浦区南京东路 1 号' }).waitFor();
    const status = phone.getByTestId('work-order-status');
    expect(await status.textContent()).toBe('已派工');
    await shot(phone, 'zh-CN-390-5-order');
    await phone.getByRole('region', { name: '下一步' }).getByRole('button', { name: '开始作业' }).click();
    await expect.poll(() => status.textContent(), { timeout: WAIT }).toBe('进行中');

    const reader = phone.getByRole('group', { name: '检查读卡器' });
    const pass = reader.getByRole('button', { name: '通过', exact: true });
    await pass.click();
    await expect.poll(() => pass.getAttribute('aria-pressed'), { timeout: WAIT }).toBe('true');
    await reader.getByLabel('添加照片：检查读卡器', { exact: true }).setInputFiles({ name: 'reader.png', mimeType: 'image/png', buffer: png(4, 3, Buffer.alloc(36, 180)) });
    await reader.getByText('照片已上传。', { exact: true }).waitFor();

    const parts = phone.getByRole('form', { name: '记录使用的备件' });
    await parts.getByLabel('备件').selectOption({ label: '打印头（HEAD-1），SH-DEPOT：库存 5' });
    await parts.getByRole('button', { name: '记录使用的备件' }).click();
    await phone.getByRole('list', { name: '使用的备件' }).getByText('1 × HEAD-1（SH-DEPOT）').waitFor();

    const complete = phone.getByRole('form', { name: '完成工单' });
    await complete.getByLabel('现场用时（分钟）').fill('40');
    await complete.getByLabel('客户姓名').fill('王店长');
    await sign(phone, '签名区：请用手指或鼠标签名');
    expect(await fitsWidth(phone)).toBe(true);
    await shot(phone, 'zh-CN-390-6-signed');
    await complete.getByRole('button', { name: '完成工单' }).click();
    await expect.poll(() => status.textContent(), { timeout: WAIT }).toBe('已完成');
    await phone.getByRole('img', { name: '王店长 的签名' }).waitFor();
    const done = await adminApi<{ status: string; parts: { sku: string }[]; checklist: { result: string; photos: unknown[] }[] }>('GET', `/work-orders/${orders.today}`);
    expect(done).toMatchObject({ status: 'done', parts: [{ sku: 'HEAD-1' }] });
    expect(done.checklist.map((i) => [i.result, i.photos.length])).toEqual([['pass', 1]]);
    await shot(phone, 'zh-CN-390-7-completed');

    // Back on his list, it is finished; the overdue one leads the day.
    await phone.getByRole('link', { name: '全部工单' }).click();
    await expect.poll(() => cardTitles(phone, '已结束'), { timeout: WAIT }).toEqual(['人民广场店 读卡器无响应']);
    expect(await cardTitles(phone, '今天到期及已逾期')).toEqual(['外滩夜市摊 打印机卡纸']);
    await phone.getByText('今天到期及已逾期：1 张工单').waitFor();
    await shot(phone, 'zh-CN-390-8-my-day-after');
    const desk = await signedIn(DESK, 'zh-CN', TAO.email, '/work-orders');
    await desk.getByRole('heading', { name: '今天到期及已逾期' }).waitFor();
    await shot(desk, 'zh-CN-1366-my-day');
  });

  it('2 (en): the technician\'s day says the same in English, with counted nouns in the singular', { timeout: TEST_TIMEOUT }, async () => {
    for (const viewport of [PHONE, DESK]) {
      const p = await signedIn(viewport, 'en-US', TAO.email);
      await (await navLink(p, 'Work orders')).click();
      await p.getByRole('heading', { name: 'Due today and overdue' }).waitFor();
      await expect.poll(() => cardTitles(p, 'Due today and overdue'), { timeout: WAIT }).toEqual(['外滩夜市摊 打印机卡纸']);
      await p.getByText('1 work order due today or overdue', { exact: true }).waitFor();
      await p.getByRole('link', { name: /外滩夜市摊 打印机卡纸/ }).getByText('Overdue').waitFor();
      expect(await cardTitles(p, 'Later, or without a due date')).toEqual(['外滩夜市摊 季度巡检']);
      expect(await fitsWidth(p)).toBe(true);
      await shot(p, `en-${viewport.width}-my-day`);
    }
  });
});
