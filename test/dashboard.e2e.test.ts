// The web dashboard in a real browser (Debian's Chromium through playwright-core) against a real,
// listening server on a seeded demo estate: an operator signs in, finds a terminal, reads its health,
// puts a site into maintenance and sees the terminals' modes change live on another page, switches to
// Chinese, and uses the pages at 390 px, where a work order's checklist is answered with photos.
// Screenshots of every page go to test-artifacts/screenshots/.
import { randomBytes } from 'node:crypto';
import type { BrowserContext, Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  chromiumMissing, fitsWidth, PASSWORD, PHONE, png, protocolTerminals, screenshot, sha256, SIGN_IN, signIn as submitSignIn, type SignInLabels, useDashboard, WAIT,
} from './support/browser.ts';

const EMAIL = 'operator@dashboard.test';
const TEST_TIMEOUT = 90_000;

describe.skipIf(chromiumMissing('dashboard browser tests'))('dashboard in a real browser', () => {
  const dashboard = useDashboard({
    name: 'dashboard', shots: 'screenshots', users: [{ email: EMAIL, name: 'Olivia Operator', role: 'operator', locale: 'en' }],
  });
  const { server, adminApi, adminToken: ADMIN_TOKEN, shots: SHOTS, context, newPage } = dashboard;
  let desk: BrowserContext;
  let page: Page;
  const { heartbeat, credentials } = protocolTerminals(() => server, 'dashboard test');

  /** Bytes the API answers with (a photo), fetched with the admin token. */
  async function adminBytes(url: string): Promise<Buffer> {
    const res = await fetch(`${server.url}${url}`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    if (!res.ok) throw new Error(`GET ${url}: ${res.status} ${await res.text()}`);
    return Buffer.from(await res.arrayBuffer());
  }

  const shot = (name: string, p: Page = page) => screenshot(p, SHOTS, name);

  const signIn = (p: Page, labels: SignInLabels) => submitSignIn(p, server.url, EMAIL, labels);
  const { en: EN, zh: ZH } = SIGN_IN;

  beforeAll(async () => {
    // The 人民广场店 site's terminals trade and report; DEMO-1002 has a short history worth charting.
    for (const serial of ['DEMO-1001', 'DEMO-1003', 'DEMO-1004']) await heartbeat(serial);
    for (let i = 0; i < 6; i++) {
      await heartbeat('DEMO-1002', {
        battery: { percent: 90 - i * 7, health: 95, charging: false, cycleCount: 120 },
        cardReader: { chip: { attempts: 10, failures: i % 3 }, contactless: { attempts: 5, failures: i === 4 ? 2 : 0 } },
        network: { type: 'wifi', signalDbm: -60, latencyMs: 40 + i * 15 },
      });
    }

    desk = await context({ viewport: { width: 1280, height: 860 }, locale: 'en-US' });
    page = await newPage(desk);
  });

  it('signs an operator in, in the browser\'s language, and shows the fleet by mode', { timeout: TEST_TIMEOUT }, async () => {
    await page.goto(server.url, { waitUntil: 'domcontentloaded' });
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await shot('en-login');
    await signIn(page, EN);
    await page.getByRole('heading', { name: 'Fleet overview' }).waitFor();
    await expect.poll(() => page.getByTestId('count-total').textContent(), { timeout: WAIT }).toBe('12');
    // Four terminals heartbeated (online, in service); the other eight never did (offline).
    await expect.poll(() => page.getByTestId('count-normal').textContent(), { timeout: WAIT }).toBe('4');
    expect(await page.getByTestId('count-offline').textContent()).toBe('8');
    await page.getByRole('img', { name: /Terminals by mode/ }).waitFor();
    // What needs attention, as the API reports it, and the last 14 days as charts.
    const overview = await adminApi<{ health: { score: number }; openIncidents: Record<string, number>; workOrders: { open: number; overdue: number } }>('GET', '/overview?timeZone=Asia/Shanghai');
    await expect.poll(() => page.getByTestId('overview-health').textContent(), { timeout: WAIT }).toBe(String(overview.health.score));
    expect(await page.getByTestId('overview-incidents-high').textContent()).toBe(String(overview.openIncidents.high));
    expect(await page.getByTestId('overview-work-orders-overdue').textContent()).toBe(String(overview.workOrders.overdue));
    await page.getByRole('img', { name: /^Fleet health score, last 14 days: 14 points/ }).waitFor();
    await page.getByRole('img', { name: /^Incidents opened per day:/ }).waitFor();
    await page.getByRole('img', { name: /^Maintenance per day:/ }).waitFor();
    await shot('en-overview');
  });

  it('finds a terminal by search and shows its health and history', { timeout: TEST_TIMEOUT }, async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Terminals' }).click();
    await page.getByRole('heading', { name: 'Terminals' }).waitFor();
    await page.getByRole('searchbox', { name: 'Search' }).fill('DEMO-1002');
    await page.getByRole('button', { name: 'Search' }).click();
    const rows = page.getByRole('table').getByRole('row');
    await expect.poll(() => rows.count(), { timeout: WAIT }).toBe(2); // header + DEMO-1002
    await shot('en-terminals');
    await page.getByRole('link', { name: 'DEMO-1002' }).click();
    await page.getByRole('heading', { name: 'Terminal DEMO-1002' }).waitFor();
    await page.getByRole('heading', { name: 'Latest health' }).waitFor();
    const health = page.getByRole('region', { name: 'Latest health' });
    await health.getByText('55', { exact: true }).waitFor(); // battery of the last of six heartbeats: 90 - 5 × 7
    for (const chart of ['Battery (%)', 'Card-read failures', 'Network latency (ms)']) {
      await page.getByRole('img', { name: new RegExp(`^${chart.replace(/[()]/g, '\\$&')}: 6 points`) }).waitFor();
    }
    await page.getByRole('img', { name: /^Paper \(2 ok, 1 low, 0 out\): 6 points/ }).waitFor();
    // Its heartbeats reported firmware other than the estate's record, which no campaign installed.
    const firmware = page.getByRole('table', { name: 'Versions' }).getByRole('row').filter({ hasText: 'VOS3-4.2 → fw-1' });
    await firmware.getByRole('cell', { name: 'Installed outside PosFleet' }).waitFor();
    expect(page.url()).toMatch(/\/terminals\/[\w-]+$/);
    await shot('en-terminal');
    // A reload lands on the same page: the server answers the dashboard's paths with index.html.
    await page.reload({ waitUntil: 'domcontentloaded' });
    await page.getByRole('heading', { name: 'Terminal DEMO-1002' }).waitFor();
  });

  it('puts a site into maintenance and another open page shows 功能维护中 without reloading', { timeout: TEST_TIMEOUT }, async () => {
    // A second tab watches the site's terminals.
    const watcher = await newPage(desk);
    await watcher.goto(`${server.url}/terminals`, { waitUntil: 'domcontentloaded' });
    await watcher.getByRole('option', { name: '人民广场店' }).waitFor({ state: 'attached' });
    await watcher.getByLabel('Site', { exact: true }).selectOption({ label: '人民广场店' });
    await watcher.getByRole('button', { name: 'Search' }).click();
    const badges = (text: string) => watcher.getByRole('table').getByText(text, { exact: true });
    await expect.poll(() => badges('In service').count(), { timeout: WAIT }).toBe(4);
    await watcher.evaluate('window.notReloaded = true');

    dashboard.current = page;
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Maintenance', exact: true }).click();
    await page.getByRole('heading', { name: 'Put into maintenance' }).waitFor();
    await page.getByRole('option', { name: '人民广场店 (DEMO-SH-01)' }).waitFor({ state: 'attached' });
    await page.getByRole('form', { name: 'Put into maintenance' }).getByLabel('Site', { exact: true }).selectOption({ label: '人民广场店 (DEMO-SH-01)' });
    await page.getByRole('checkbox', { name: 'Firmware upgrade' }).check();
    await page.getByLabel('Reason', { exact: true }).fill('Firmware 9.2 for the card reader');
    await page.getByLabel(/Override the continuity rule/).fill('whole site closed for the evening');
    // The site's spare (DEMO-1004) keeps it trading: it is not put into maintenance.
    await page.getByRole('button', { name: 'Start maintenance on 3 terminal(s)' }).click();
    await page.getByText('3 maintenance job(s) created.').waitFor();

    dashboard.current = watcher;
    await expect.poll(() => badges('Under maintenance').count(), { timeout: WAIT }).toBe(3);
    expect(await watcher.evaluate('window.notReloaded')).toBe(true);
    // The terminal hears it with its next heartbeat.
    expect((await heartbeat('DEMO-1001')).mode).toBe('maintenance');

    dashboard.current = page;
    const jobs = page.getByRole('table', { name: 'Open maintenance jobs' });
    await expect.poll(() => jobs.getByText('Draining', { exact: true }).count(), { timeout: WAIT }).toBe(3);
    await shot('en-maintenance');
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Fleet overview' }).click();
    await expect.poll(() => page.getByTestId('count-maintenance').textContent(), { timeout: WAIT }).toBe('3');
    await watcher.close();
  });

  it('locks and unlocks a terminal from its page', { timeout: TEST_TIMEOUT }, async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Terminals' }).click();
    await page.getByRole('searchbox', { name: 'Search' }).fill('DEMO-3001');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.getByRole('link', { name: 'DEMO-3001' }).click();
    await page.getByRole('heading', { name: 'Terminal DEMO-3001' }).waitFor();
    await page.getByLabel('Reason for the lock').fill('tamper alert');
    await page.getByRole('button', { name: 'Lock', exact: true }).click();
    const mode = page.locator('.mode-line');
    await expect.poll(() => mode.getByText('Locked', { exact: true }).count(), { timeout: WAIT }).toBe(1);
    await page.getByLabel('Why it may trade again (what the inspection found)').fill('inspected: seal intact');
    await page.getByRole('button', { name: 'Unlock', exact: true }).click();
    await expect.poll(() => mode.getByText('Offline', { exact: true }).count(), { timeout: WAIT }).toBe(1);
    // The audit log is for roles that may read it: an operator's terminal page has no audit history.
    await page.getByRole('heading', { name: 'Versions' }).waitFor();
    expect(await page.getByRole('heading', { name: 'Audit history' }).count()).toBe(0);
  });

  it('switches to Chinese, with the glossary\'s words on every page', { timeout: TEST_TIMEOUT }, async () => {
    await page.getByLabel('Language').selectOption('zh-CN');
    const nav = page.getByRole('navigation', { name: '主导航' });
    await nav.getByRole('link', { name: '终端总览' }).click();
    await page.getByRole('heading', { name: '终端总览' }).waitFor();
    await page.getByText('功能维护中', { exact: true }).first().waitFor();
    expect(await page.evaluate('document.documentElement.lang')).toBe('zh-CN');
    await shot('zh-CN-overview');

    await nav.getByRole('link', { name: '终端', exact: true }).click();
    await page.getByRole('heading', { name: '终端', exact: true }).waitFor();
    await page.getByRole('searchbox', { name: '搜索' }).fill('DEMO-1002');
    await page.getByRole('button', { name: '搜索' }).click();
    await expect.poll(() => page.getByRole('table').getByText('功能维护中', { exact: true }).count(), { timeout: WAIT }).toBe(1);
    await shot('zh-CN-terminals');
    await page.getByRole('link', { name: 'DEMO-1002' }).click();
    await page.getByRole('heading', { name: '终端 DEMO-1002' }).waitFor();
    await page.getByRole('img', { name: /^电池（%）: 6 points/ }).waitFor();
    await page.getByRole('table').getByText('停止收单中', { exact: true }).waitFor();
    await shot('zh-CN-terminal');

    await nav.getByRole('link', { name: '维护', exact: true }).click();
    await page.getByRole('heading', { name: '设为功能维护中' }).waitFor();
    await page.getByRole('table', { name: '进行中的维护任务' }).waitFor();
    await shot('zh-CN-maintenance');
  });

  it('defaults to the browser\'s Chinese and is usable at 390 px', { timeout: TEST_TIMEOUT }, async () => {
    const phone = await context({ viewport: PHONE, locale: 'zh-CN' });
    const p = await newPage(phone);
    await p.goto(server.url, { waitUntil: 'domcontentloaded' });
    await p.getByRole('heading', { name: '登录' }).waitFor();
    await shot('zh-CN-login', p);
    await signIn(p, ZH);
    await p.getByRole('heading', { name: '终端总览' }).waitFor();
    // The page itself never scrolls sideways (wide tables scroll inside their own box).
    const fits = () => fitsWidth(p);
    const nav = p.getByRole('navigation', { name: '主导航' });
    await expect.poll(() => p.getByTestId('count-total').textContent(), { timeout: WAIT }).toBe('12');
    expect(await fits()).toBe(true);
    await shot('mobile-zh-CN-overview', p);

    await nav.getByRole('link', { name: '终端', exact: true }).click();
    await p.getByRole('searchbox', { name: '搜索' }).fill('DEMO-2001');
    await p.getByRole('button', { name: '搜索' }).click();
    await p.getByRole('link', { name: 'DEMO-2001' }).waitFor();
    expect(await fits()).toBe(true);
    await shot('mobile-zh-CN-terminals', p);
    await p.getByRole('link', { name: 'DEMO-2001' }).click();
    await p.getByRole('heading', { name: '终端 DEMO-2001' }).waitFor();
    expect(await fits()).toBe(true);
    await shot('mobile-zh-CN-terminal', p);

    await nav.getByRole('link', { name: '维护', exact: true }).click();
    await p.getByRole('button', { name: '开始维护' }).waitFor();
    expect(await fits()).toBe(true);
    await shot('mobile-zh-CN-maintenance', p);

    await p.getByLabel('语言').selectOption('en');
    await p.getByRole('heading', { name: 'Put into maintenance' }).waitFor();
    expect(await p.evaluate('[document.documentElement.scrollWidth, window.innerWidth]')).toEqual([390, 390]);
    await shot('mobile-en-maintenance', p);
    for (const [label, heading] of [['Fleet overview', 'Fleet overview'], ['Terminals', 'Terminals']] as const) {
      await p.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: label, exact: true }).click();
      await p.getByRole('heading', { name: heading, exact: true }).waitFor();
      expect(await fits()).toBe(true);
    }
  });

  it('shows an incident opened by heartbeats and resolves it with its guide, in Chinese', { timeout: TEST_TIMEOUT }, async () => {
    dashboard.current = page;
    // DEMO-2002 reports its printer out of paper, heartbeat after heartbeat (the rule opens at the first).
    for (let i = 0; i < 3; i++) await heartbeat('DEMO-2002', { printer: { paper: 'out', jam: false, coverOpen: false } });
    type Incidents = { items: { id: string; rule: string; status: string; terminalId: string | null }[] };
    const paperOut = async () => (await adminApi<Incidents>('GET', '/incidents?rule=printer_paper_out&limit=100')).items
      .find((i) => i.terminalId === credentials.get('DEMO-2002')?.terminalId);
    await expect.poll(async () => (await paperOut())?.status, { timeout: WAIT }).toBe('open');

    await page.getByRole('combobox', { name: /^(Language|语言)$/ }).selectOption('zh-CN');
    const nav = page.getByRole('navigation', { name: '主导航' });
    await nav.getByRole('link', { name: '故障', exact: true }).click();
    await page.getByRole('heading', { name: '故障', exact: true }).waitFor();
    const table = page.getByRole('table', { name: '故障' });
    const row = table.getByRole('row').filter({ hasText: 'DEMO-2002' }).filter({ hasText: '打印机缺纸' });
    await row.waitFor();
    await row.getByText('高', { exact: true }).waitFor();
    await row.getByText('未处理', { exact: true }).waitFor();
    await shot('zh-CN-incidents');

    await page.getByRole('button', { name: '确认 打印机缺纸 DEMO-2002' }).click();
    await row.getByText('已确认', { exact: true }).waitFor();
    await page.getByRole('button', { name: '排障 打印机缺纸 DEMO-2002' }).click();
    const guide = page.getByRole('region', { name: /^排障指引：/ });
    await guide.getByText('打开打印机盖，检查纸卷', { exact: false }).waitFor();
    await guide.getByRole('button', { name: '已换纸或重新装纸' }).click();
    await guide.getByText('打印一张测试页。', { exact: true }).waitFor();
    await shot('zh-CN-incident-guide');
    await guide.getByRole('button', { name: '打印正常' }).click();
    await guide.getByText('已解决：故障已关闭。').waitFor();
    await expect.poll(() => row.count(), { timeout: WAIT }).toBe(0); // gone from the unresolved list
    expect((await paperOut())?.status).toBe('resolved');

    await page.getByLabel('状态', { exact: true }).selectOption('resolved');
    await row.waitFor();
    await row.getByText('已解决', { exact: true }).waitFor();

    await page.getByLabel('语言').selectOption('en');
    await page.getByRole('heading', { name: 'Incidents', exact: true }).waitFor();
    await page.getByRole('table', { name: 'Incidents' }).getByRole('row').filter({ hasText: 'DEMO-2002' }).filter({ hasText: 'printer paper out' }).waitFor();
    await shot('en-incidents');
  });

  it('completes a work order through its checklist, with photos, and status on a 390 px phone', { timeout: TEST_TIMEOUT }, async () => {
    // A technician to assign it to (open → assigned is an assignment), and the work order itself, through the API.
    const technician = await server.services.access.createUser({ email: 'tech@dashboard.test', name: 'Tao Technician', role: 'technician', password: PASSWORD, locale: 'zh-CN' });
    await adminApi('POST', '/technicians', { userId: technician.id, skills: [], regions: ['DEMO-SH'] });
    const site = (await adminApi<{ items: { id: string; code: string }[] }>('GET', '/sites?limit=1000')).items.find((s) => s.code === 'DEMO-SH-02')!;
    const order = await adminApi<{ id: string; status: string }>('POST', '/work-orders', {
      title: '外滩夜市摊 打印机保养', siteId: site.id,
      checklist: [
        { text: { 'zh-CN': '清洁打印头', en: 'Clean the print head' } },
        { text: { 'zh-CN': '检查读卡器', en: 'Check the card reader' } },
        { text: { 'zh-CN': '检查备用机', en: 'Check the backup terminal' } },
      ],
    });
    expect((await adminApi<{ status: string }>('POST', `/work-orders/${order.id}/assign`, { technicianId: technician.id })).status).toBe('assigned');

    const phone = await context({ viewport: PHONE, locale: 'zh-CN' });
    const p = await newPage(phone);
    await signIn(p, ZH);
    await p.getByRole('heading', { name: '终端总览' }).waitFor();
    const fits = () => fitsWidth(p);
    await p.getByRole('navigation', { name: '主导航' }).getByRole('link', { name: '工单', exact: true }).click();
    await p.getByRole('heading', { name: '工单', exact: true }).waitFor();
    const link = p.getByRole('link', { name: '外滩夜市摊 打印机保养' });
    await link.waitFor();
    expect(await fits()).toBe(true);
    await shot('mobile-zh-CN-work-orders', p);
    await link.click();
    await p.getByRole('heading', { name: '工单：外滩夜市摊 打印机保养' }).waitFor();
    const status = p.getByTestId('work-order-status');
    await expect.poll(() => status.textContent(), { timeout: WAIT }).toBe('已派工');
    expect(await fits()).toBe(true);

    await p.getByRole('region', { name: '下一步' }).getByRole('button', { name: '开始作业' }).click();
    await expect.poll(() => status.textContent(), { timeout: WAIT }).toBe('进行中');
    for (const [item, result] of [['清洁打印头', '通过'], ['检查读卡器', '不通过'], ['检查备用机', '不适用']] as const) {
      const answer = p.getByRole('group', { name: item }).getByRole('button', { name: result, exact: true });
      await answer.click();
      await expect.poll(() => answer.getAttribute('aria-pressed'), { timeout: WAIT }).toBe('true');
    }

    // Photos at the items, through the phone's file input (its camera on a real phone).
    type Photo = { id: string; url: string; contentType: string; sizeBytes: number; sha256: string; takenBy: string };
    type Detail = { status: string; checklist: { result: string | null; photos: Photo[] }[] };
    /** Loaded by the browser with the session cookie: its width once decoded, 0 while it is not (or failed). */
    const loadedWidth = async (thumb: ReturnType<Page['getByRole']>) => {
      await thumb.scrollIntoViewIfNeeded();
      return thumb.evaluate((img) => { const i = img as unknown as { complete: boolean; naturalWidth: number }; return i.complete ? i.naturalWidth : 0; });
    };
    // A small PNG at the failed item is sent as it is.
    const readerItem = p.getByRole('group', { name: '检查读卡器' });
    const small = png(4, 3, Buffer.from(Array.from({ length: 4 * 3 }, (_, i) => [200, 40 + i * 10, 30]).flat()));
    await readerItem.getByLabel('添加照片：检查读卡器', { exact: true }).setInputFiles({ name: 'reader.png', mimeType: 'image/png', buffer: small });
    await readerItem.locator('[aria-live="polite"]').getByText('照片已上传。', { exact: true }).waitFor();
    const readerThumb = readerItem.getByRole('list', { name: '照片：检查读卡器' }).getByRole('img', { name: /^“检查读卡器”的第 1 张照片，Olivia Operator 拍摄于 / });
    await expect.poll(() => loadedWidth(readerThumb), { timeout: WAIT }).toBe(4);
    // A photo over 2 MB is made smaller in the browser (a JPEG) rather than refused.
    const headItem = p.getByRole('group', { name: '清洁打印头' });
    const large = png(1200, 800, randomBytes(1200 * 800 * 3)); // noise: it does not compress
    expect(large.length).toBeGreaterThan(2 * 1024 * 1024);
    await headItem.getByLabel('添加照片：清洁打印头', { exact: true }).setInputFiles({ name: 'head.png', mimeType: 'image/png', buffer: large });
    await headItem.locator('[aria-live="polite"]').getByText(/^照片已压缩后上传（2\.\d MB → [01]\.\d MB）。$/).waitFor();
    const headThumb = headItem.getByRole('img', { name: /^“清洁打印头”的第 1 张照片，/ });
    await expect.poll(() => loadedWidth(headThumb), { timeout: WAIT }).toBe(1200);
    // A file that is no photo is refused beside its item, which keeps no photo.
    const backupItem = p.getByRole('group', { name: '检查备用机' });
    const backupInput = backupItem.getByLabel('添加照片：检查备用机', { exact: true });
    await backupInput.setInputFiles({ name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('not a photo') });
    await backupItem.locator('[aria-live="polite"]').getByText('此文件不是浏览器能读取的照片：请选择 JPEG 或 PNG。', { exact: true }).waitFor();
    expect(await backupInput.getAttribute('aria-invalid')).toBe('true');
    expect(await backupItem.getByRole('img').count()).toBe(0);

    const withPhotos = await adminApi<Detail>('GET', `/work-orders/${order.id}`);
    expect(withPhotos.checklist.map((i) => i.photos.length)).toEqual([1, 1, 0]);
    const readerPhoto = withPhotos.checklist[1]!.photos[0]!;
    expect(readerPhoto).toMatchObject({ contentType: 'image/png', sizeBytes: small.length, sha256: sha256(small), takenBy: 'Olivia Operator' });
    expect((await adminBytes(readerPhoto.url)).equals(small)).toBe(true);
    expect(await readerThumb.getAttribute('src')).toBe(readerPhoto.url);
    const headPhoto = withPhotos.checklist[0]!.photos[0]!;
    expect(headPhoto.contentType).toBe('image/jpeg');
    expect(headPhoto.sizeBytes).toBeLessThanOrEqual(2 * 1024 * 1024);
    const headBytes = await adminBytes(headPhoto.url);
    expect([...headBytes.subarray(0, 3)]).toEqual([0xff, 0xd8, 0xff]);
    expect(sha256(headBytes)).toBe(headPhoto.sha256);

    expect(await fits()).toBe(true);
    await shot('mobile-zh-CN-work-order', p);
    // Completing takes the time spent and the customer's signature (test/console-loops.e2e.test.ts walks it in full).
    const complete = p.getByRole('form', { name: '完成工单' });
    await complete.getByLabel('现场用时（分钟）').fill('20');
    await complete.getByLabel('客户姓名').fill('李店长');
    const pad = complete.getByRole('img', { name: '签名区：请用手指或鼠标签名' });
    await pad.scrollIntoViewIfNeeded();
    const box = (await pad.boundingBox())!;
    await p.mouse.move(box.x + 20, box.y + 20);
    await p.mouse.down();
    await p.mouse.move(box.x + box.width - 20, box.y + box.height - 20, { steps: 8 });
    await p.mouse.up();
    await complete.getByRole('button', { name: '完成工单' }).click();
    await expect.poll(() => status.textContent(), { timeout: WAIT }).toBe('已完成');
    const done = await adminApi<Detail>('GET', `/work-orders/${order.id}`);
    expect(done.status).toBe('done');
    expect(done.checklist.map((i) => i.result)).toEqual(['pass', 'fail', 'n/a']);
    // Closed: its photos stay in view, no more can be added.
    await expect.poll(() => p.getByLabel(/^添加照片：/).count(), { timeout: WAIT }).toBe(0);
    await expect.poll(() => loadedWidth(readerThumb), { timeout: WAIT }).toBe(4);

    await p.getByLabel('语言').selectOption('en');
    await p.getByRole('heading', { name: 'Work order: 外滩夜市摊 打印机保养' }).waitFor();
    await p.getByRole('group', { name: 'Clean the print head' }).getByRole('button', { name: 'Pass', exact: true }).waitFor();
    await p.getByRole('group', { name: 'Check the card reader' }).getByRole('img', { name: /^Photo 1 of “Check the card reader”, taken by Olivia Operator, / }).waitFor();
    expect(await status.textContent()).toBe('Done');
    expect(await fits()).toBe(true);
    await shot('mobile-en-work-order', p);
    await p.getByRole('link', { name: 'All work orders' }).click();
    await p.getByRole('heading', { name: 'Work orders', exact: true }).waitFor();
    await p.getByRole('table', { name: 'Work orders' }).getByRole('row').filter({ hasText: '外滩夜市摊 打印机保养' }).getByText('Done', { exact: true }).waitFor();
    await shot('mobile-en-work-orders', p);
    await p.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Incidents', exact: true }).click();
    await p.getByRole('heading', { name: 'Incidents', exact: true }).waitFor();
    await p.getByRole('combobox', { name: 'Status' }).selectOption('resolved');
    await p.getByRole('table', { name: 'Incidents' }).getByRole('row').filter({ hasText: 'DEMO-2002' }).getByText('Resolved', { exact: true }).waitFor();
    expect(await fits()).toBe(true);
    await shot('mobile-en-incidents', p);
  });
});
