// The merchant's own view walked in a real browser (Debian's Chromium through playwright-core) on a phone
// (390 px), against a real, listening server on the demo estate: a shop owner of 青柠茶饮 sees its sites
// and terminals, confirms today's care, sees its upcoming security update with the expected loss, moves it
// (the new slot and its loss shown before confirming) — and nothing of another merchant; a terminal out of
// paper is listed for the staff until its roll is in. In zh-CN, then
// the same page in en (and at 1366 px). The operator then sees the move in the maintenance calendar of
// that week (from when to when, by whom, the new slot's expected loss) in zh-CN at 1366 px and en at
// 390 px. Screenshots go to test-artifacts/merchant-view/.
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { chromiumMissing, fitsWidth, PASSWORD, PHONE, protocolTerminals, screenshot, signInByApi, useDashboard } from './support/browser.ts';

const SHOP = { email: 'shop@merchant-view.test', name: '青柠店长' };
const SHOP_EN = { email: 'shop-en@merchant-view.test', name: 'Lime manager' };
const OPERATOR = { email: 'ops@merchant-view.test', name: '运维小周' };
const HOUR = 3_600_000;

interface Named { id: string; name: string }
interface Terminal { id: string; serialNumber: string; siteId: string }

/**
 * How far ahead of the real clock the server runs: to the next 10:00 in Shanghai. The security update is
 * planned into the shop's nightly window (02:00–04:00), and only from a morning is its first start that
 * window's opening; inside the window (at 02:30, say) the planner starts it at once, and the move to "the
 * next night" would not be a day later. The browser keeps the real clock: it only shows what the server says.
 */
const AHEAD_MS = (() => {
  const now = Date.now();
  const tenAm = Date.UTC(new Date(now).getUTCFullYear(), new Date(now).getUTCMonth(), new Date(now).getUTCDate(), 2); // 10:00 +08:00
  return (tenAm >= now ? tenAm : tenAm + 24 * HOUR) - now;
})();
const serverNow = () => Date.now() + AHEAD_MS;

describe.skipIf(chromiumMissing('merchant view browser tests'))('the merchant\'s own view on a phone', () => {
  const { server, adminApi, shots: SHOTS, context, newPage } = useDashboard({ name: 'merchant-view', clock: () => new Date(serverNow()) });
  let firstStart = 0;
  let jobId = '';
  let otherSites: string[] = [];
  let serial = '';
  const terminals = protocolTerminals(() => server, 'merchant view test');

  beforeAll(async () => {
    const merchants = (await adminApi<{ items: Named[] }>('GET', '/merchants?limit=100')).items;
    const tea = merchants.find((m) => m.name === '青柠茶饮')!;
    await server.services.access.createUser({ ...SHOP, role: 'merchant', merchantId: tea.id, password: PASSWORD, locale: 'zh-CN' });
    await server.services.access.createUser({ ...SHOP_EN, role: 'merchant', merchantId: tea.id, password: PASSWORD, locale: 'en' });
    await server.services.access.createUser({ ...OPERATOR, role: 'operator', password: PASSWORD, locale: 'zh-CN' });
    const sites = (await adminApi<{ items: (Named & { merchantId: string })[] }>('GET', '/sites?limit=200')).items;
    otherSites = sites.filter((s) => s.merchantId !== tea.id).map((s) => s.name);
    const mine = sites.filter((s) => s.merchantId === tea.id);
    const terminal = (await adminApi<{ items: Terminal[] }>('GET', `/terminals?siteId=${mine[0]!.id}&limit=10`)).items[0]!;
    // Daily care for the merchant's terminals, from an hour ago; a security update tonight in its window.
    const daily = (await adminApi<{ items: { id: string; code: string }[] }>('GET', '/preventive/templates')).items.find((x) => x.code === 'daily')!;
    await adminApi('POST', '/preventive/plans', { name: 'Shop care', templateIds: [daily.id], filter: { siteId: mine[0]!.id }, startAt: new Date(serverNow() - HOUR).toISOString() });
    await adminApi('POST', '/maintenance/windows', { name: '夜间窗口', target: { merchantId: tea.id }, timeZone: 'Asia/Shanghai', schedule: { kind: 'cron', cron: '0 2 * * *', durationMinutes: 120 } });
    const plan = await adminApi<{ planned: { plannedStart: string; jobId: string }[] }>('POST', '/maintenance/plans', { terminalIds: [terminal.id], work: ['security_hardening'], reason: 'PCI patch', expectedMinutes: 30, packed: true, seed: 1 });
    serial = terminal.serialNumber;
    firstStart = Date.parse(plan.planned[0]!.plannedStart);
    jobId = plan.planned[0]!.jobId;
    await server.services.care.refresh();
  });

  const open = async (locale: 'zh-CN' | 'en-US', email: string, viewport = PHONE, path = '/shop') => {
    const c = await context({ viewport, locale, timezoneId: 'Asia/Shanghai' });
    await signInByApi(c, server.url, email);
    const p = await newPage(c);
    await p.goto(`${server.url}${path}`);
    return p;
  };
  /** The kinds of notice the merchant view lists for a terminal. */
  const noticesOf = async (serialNumber: string) => (await adminApi<{ items: { kind: string; serialNumber: string }[] }>('GET', '/merchant/notices')).items
    .filter((n) => n.serialNumber === serialNumber).map((n) => n.kind);
  /** The day in Shanghai an instant falls on, as the calendar's date field takes it. */
  const shanghaiDay = (ms: number) => new Date(ms + 8 * HOUR).toISOString().slice(0, 10);

  it('lets a shop owner confirm today\'s care and move the upcoming maintenance, and shows nothing of other merchants (zh-CN, 390 px)', async () => {
    const p = await open('zh-CN', SHOP.email);
    await p.getByRole('heading', { name: '我的门店', level: 1 }).waitFor();
    const care = p.locator('section', { has: p.getByRole('heading', { name: '今日保养' }) });
    await care.getByText('日常检查与清洁').first().waitFor();
    await screenshot(p, SHOTS, 'zh-CN-390-shop');
    await care.screenshot({ path: join(SHOTS, 'zh-CN-390-care.png') });
    expect(await fitsWidth(p)).toBe(true);
    const body = await p.locator('main').innerText();
    for (const name of otherSites) expect(body).not.toContain(name);

    await care.getByRole('button', { name: '已完成' }).first().click();
    await care.getByText('保养已确认。').or(care.getByText('由 青柠店长 确认').first()).first().waitFor();
    await care.getByText('由 青柠店长 确认').first().waitFor();

    // The security update: its expected loss, then a move to the next night, shown before it is made.
    const upcoming = p.locator('section', { has: p.getByRole('heading', { name: '即将进行的维护' }) });
    await upcoming.getByText('安全更新').first().waitFor();
    await upcoming.getByText(/预计损失/).first().waitFor();
    await upcoming.getByRole('button', { name: '调整时间' }).click();
    const asked = new Date(firstStart + 6 * HOUR + 8 * HOUR).toISOString().slice(0, 16); // 08:00 the same morning, Shanghai time
    await upcoming.getByLabel('最早的新开始时间（门店时间）').fill(asked);
    await upcoming.getByRole('button', { name: '查找时段' }).click();
    await upcoming.getByText(/新时段：.*维护窗口“夜间窗口”/).waitFor();
    await upcoming.getByText(/预计损失 .*（原为 .*）/).waitFor();
    await screenshot(p, SHOTS, 'zh-CN-390-move-preview');
    await upcoming.screenshot({ path: join(SHOTS, 'zh-CN-390-move-preview-section.png') });
    await upcoming.getByRole('button', { name: '调整到此时段' }).click();
    await upcoming.getByText(/还可调整 1 次/).waitFor();
    const job = await adminApi<{ plannedStart: string }>('GET', `/maintenance/jobs/${jobId}`);
    expect(Date.parse(job.plannedStart)).toBe(firstStart + 24 * HOUR); // the next night's window
    await screenshot(p, SHOTS, 'zh-CN-390-moved');
    expect(await fitsWidth(p)).toBe(true);
  }, 120_000);

  it('tells the shop\'s staff what to do at a terminal: paper out, then nothing once the roll is in (zh-CN and en, 390 px)', async () => {
    const p = await open('zh-CN', SHOP.email);
    const notices = p.locator('section', { has: p.getByRole('heading', { name: '需要店员处理' }) });
    await notices.getByText('终端目前无需处理。').waitFor();
    await terminals.heartbeat(serial, { printer: { paper: 'out', jam: false, coverOpen: false } });
    await expect.poll(() => noticesOf(serial), { timeout: 20_000 }).toEqual(['paper_out']);
    await p.reload();
    const paperOut = notices.locator('[data-notice="paper_out"]');
    await paperOut.getByText('打印机缺纸，请装入新纸卷').waitFor();
    await paperOut.getByText(serial, { exact: false }).waitFor();
    await notices.screenshot({ path: join(SHOTS, 'zh-CN-390-notice.png') });
    const en = await open('en-US', SHOP_EN.email);
    await en.locator('section', { has: en.getByRole('heading', { name: 'For your staff now' }) }).getByText('The printer is out of paper: put in a new roll').waitFor();
    // The staff put in a roll: the terminal says so at its next heartbeat and the notice goes.
    await terminals.heartbeat(serial);
    await expect.poll(() => noticesOf(serial), { timeout: 20_000 }).toEqual([]);
    await p.reload();
    await notices.getByText('终端目前无需处理。').waitFor();
    expect(await notices.locator('[data-notice]').count()).toBe(0);
  }, 120_000);

  it('says the same in English (en, 390 px and 1366 px)', async () => {
    const p = await open('en-US', SHOP_EN.email);
    await p.getByRole('heading', { name: 'My shop', level: 1 }).waitFor();
    await p.getByText('Daily check and cleaning').first().waitFor();
    await p.getByText('Security update').first().waitFor();
    await p.getByText('moves left: 1').first().waitFor();
    expect(await fitsWidth(p)).toBe(true);
    await screenshot(p, SHOTS, 'en-390-shop');
    await p.locator('section').nth(1).screenshot({ path: join(SHOTS, 'en-390-upcoming.png') });
    // The same page on a desk: cards side by side.
    const desk = await open('en-US', SHOP_EN.email, { width: 1366, height: 900 });
    await desk.getByText('Security update').first().waitFor();
    expect(await fitsWidth(desk)).toBe(true);
    await desk.screenshot({ path: join(SHOTS, 'en-1366-shop.png') });
  }, 120_000);

  it('shows the operator the merchant\'s move in the maintenance calendar with the new slot\'s expected loss (zh-CN 1366 px, en 390 px)', async () => {
    const [move] = (await adminApi<{ items: { jobId: string; movedBy: string; expectedLossMinor: number | null }[] }>('GET', `/maintenance/moves?from=${new Date(firstStart - HOUR).toISOString()}`)).items;
    expect(move).toMatchObject({ jobId, movedBy: SHOP.name });
    const loss = move!.expectedLossMinor === null ? /预计损失暂无数据/ : /新时段预计损失：¥/;
    for (const [locale, viewport] of [['zh-CN', { width: 1366, height: 900 }], ['en-US', PHONE]] as const) {
      const p = await open(locale, OPERATOR.email, viewport, '/maintenance/calendar');
      await p.getByLabel(locale === 'zh-CN' ? '所在周' : 'Week of').fill(shanghaiDay(firstStart + 24 * HOUR));
      const moves = p.getByRole('region', { name: locale === 'zh-CN' ? '商户调整过的维护' : 'Maintenance moved by merchants' });
      const item = moves.locator(`li[data-move="${jobId}"]`);
      if (locale === 'zh-CN') {
        await item.getByText(new RegExp(`^${SHOP.name} 将其从 .* 调整到 .*（门店时间）$`)).waitFor();
        await item.getByText(loss).waitFor();
        await item.getByText('安全更新', { exact: false }).waitFor();
      } else {
        await item.getByText(new RegExp(`^${SHOP.name} moved it from .* to .* \\(site time\\)$`)).waitFor();
        await item.getByText(move!.expectedLossMinor === null ? /expected loss not known yet/ : /expected loss of the new slot: (CN)?¥/).waitFor();
      }
      expect(await fitsWidth(p)).toBe(true);
      await screenshot(p, SHOTS, `${locale}-${viewport.width}-calendar-moves`);
      await moves.screenshot({ path: join(SHOTS, `${locale}-${viewport.width}-calendar-moves-section.png`) });
    }
  }, 120_000);
});
