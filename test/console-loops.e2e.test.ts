// The console's daily loops walked in a real browser (Debian's Chromium through playwright-core) against a
// real, listening server on the demo estate, from sign-in to their end, in zh-CN and in en, at 1366 px
// (the operator's desk) and 390 px (the technician's phone):
// 1. a work order through its life on its own page: created from a site and terminal, assigned with the
//    technician suggestions, started, its checklist with a photo, a spare part, the time spent, the
//    customer's signature drawn on the phone, completed; cancelled with a reason; the list filtered with
//    the filter kept in the address;
// 2. a site's maintenance ended in one action: starting shows who stops trading and which spare stays in
//    service and asks for an end time; the site's 199 jobs are finished in one action with progress and a
//    result per terminal; ended rows offer nothing more; a small site's jobs extended and cancelled;
// 3. a software package uploaded in the browser: from the Updates page's empty state, the file and its
//    signed statement; the browser works out size and SHA-256, uploads with progress and shows the
//    server's verdict (signature and SHA-256 checked) or its refusal, in the user's language.
// Screenshots go to test-artifacts/console-loops/.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { chromiumMissing, deviceCall, fitsWidth, PASSWORD, PHONE, png, screenshot, sha256, useDashboard, WAIT, navLink, openMenu } from './support/browser.ts';
import { heartbeatReport } from './support/app.ts';
import { signPackage } from '../src/rollouts/package-signature.ts';

const DESK = { width: 1366, height: 900 };
const TEST_TIMEOUT = 180_000;
const OPERATOR = { email: 'olivia@loops.test', name: 'Olivia Operator' };
const TAO = { email: 'tao@loops.test', name: 'Tao Technician' };
const LEE = { email: 'lee@loops.test', name: 'Lee Technician' };

interface Site { id: string; code: string; name: string }
interface WorkOrderDetail {
  id: string; status: string; technicianId: string | null; minutesSpent: number; terminalIds: string[];
  signature: { name: string; image: string | null } | null; parts: { sku: string; quantity: number }[];
  checklist: { result: string | null; photos: unknown[] }[]; history: { to: string; note: string | null }[];
}

describe.skipIf(chromiumMissing('console loop browser tests'))('the console\'s daily loops in a real browser', () => {
  const { server, adminApi, shots: SHOTS, page: open } = useDashboard({ name: 'console-loops', users: [{ ...OPERATOR, role: 'operator', locale: 'en' }] });
  const technicianIds: Record<string, string> = {};
  let sites: Site[] = [];

  beforeAll(async () => {
    // Two technicians: Tao works in Shanghai, Lee in London; the suggestions rank them by the site's region.
    for (const [who, region] of [[TAO, 'DEMO-SH'], [LEE, 'DEMO-LDN']] as const) {
      const user = await server.services.access.createUser({ ...who, role: 'technician', password: PASSWORD, locale: 'en' });
      technicianIds[who.email] = (await adminApi<{ id: string }>('POST', '/technicians', { userId: user.id, skills: [], regions: [region] })).id;
    }
    await adminApi('POST', '/depots', { code: 'SH-DEPOT', name: 'Shanghai depot', region: 'SH' });
    await adminApi('POST', '/spare-parts', { depot: 'SH-DEPOT', sku: 'HEAD-1', name: 'Printer head', quantity: 5, minimum: 1 });
    sites = (await adminApi<{ items: Site[] }>('GET', '/sites?limit=100')).items;
  });
  const shot = (p: Page, name: string) => screenshot(p, SHOTS, name);
  /** The part of a long page in view (a 200-row table makes a full-page shot unreadable). */
  const viewShot = (p: Page, name: string) => p.screenshot({ path: join(SHOTS, `${name}.png`) });
  const orderId = (p: Page) => decodeURIComponent(new URL(p.url()).pathname.split('/').pop()!);
  const order = (id: string) => adminApi<WorkOrderDetail>('GET', `/work-orders/${id}`);

  /** The datetime-local value `hours` from now in the browser's own time zone. */
  const localIn = (p: Page, hours: number) => p.evaluate((h) => {
    const d = new Date(Date.now() + h * 3_600_000);
    const pad = (n: number) => String(n).padStart(2, '0');
    return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
  }, hours);
  interface JobView { id: string; terminalId: string; state: string; maxMinutes: number }
  const jobsOf = async (serials: string[]) => {
    const all = (await adminApi<{ items: { id: string; serialNumber: string }[] }>('GET', '/terminals?limit=1000')).items;
    return Promise.all(serials.map(async (serial) => {
      const terminal = all.find((x) => x.serialNumber === serial)!;
      return (await adminApi<{ items: JobView[] }>('GET', `/terminals/${terminal.id}/maintenance-jobs`)).items;
    }));
  };

  /**
   * The words of a zh-CN page's main part that look English, once what people typed or the estate names
   * (serial numbers, people, parts, models, package names, hashes) is taken out: none is expected.
   */
  const englishOn = async (p: Page) => {
    const data = /Olivia Operator|Tao Technician|Lee Technician|Printer head|PAX A920|Verifone V240m|Covent Garden|Harbour Books|Simulator bench|PayDroid-9\.1|VOS3-4\.2|SHA-256|[A-Z]+-[\w.-]+|pos-app|posfleet\.json|[0-9a-f]{12,}|\b(KB|MB)\b/g;
    const text = (await p.locator('main').innerText()).replace(data, ' ');
    return text.match(/[A-Za-z]{3,}/g) ?? [];
  };

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

  it('1 (zh-CN): an operator creates and assigns a work order at the desk; the technician completes it on the phone with a photo, a part, the time and a signature', { timeout: TEST_TIMEOUT }, async () => {
    const site = sites.find((s) => s.code === 'DEMO-SH-01')!;
    // ---- the operator, at 1366 px
    const desk = await open(DESK, 'zh-CN', OPERATOR.email);
    await desk.getByRole('navigation', { name: '主导航' }).getByRole('link', { name: '工单', exact: true }).click();
    await desk.getByRole('heading', { name: '工单', level: 1 }).waitFor();
    await desk.getByRole('button', { name: '新建工单' }).click();
    const form = desk.getByRole('form', { name: '新建工单' });
    await form.getByLabel('门店').selectOption({ label: `${site.name} (${site.code})` });
    await form.getByLabel('终端（可选）').locator('option', { hasText: 'DEMO-1001' }).waitFor({ state: 'attached' });
    await form.getByLabel('终端（可选）').selectOption({ label: 'DEMO-1001' });
    await form.getByLabel('标题').fill('人民广场店 读卡器无响应');
    await form.getByLabel('检查清单（可选）').fill('检查读卡器\n清洁打印头');
    expect(await fitsWidth(desk)).toBe(true);
    await shot(desk, 'zh-CN-desk-1-create');
    await form.getByRole('button', { name: '创建工单' }).click();

    await desk.getByRole('heading', { name: '工单：人民广场店 读卡器无响应' }).waitFor();
    const id = orderId(desk);
    const status = desk.getByTestId('work-order-status');
    expect(await status.textContent()).toBe('待派工');
    const next = desk.getByRole('region', { name: '下一步' });
    // The suggestion comes first and is chosen: Tao works in the site's region.
    const technician = next.getByLabel('技术员');
    await expect.poll(() => technician.locator('option:checked').textContent(), { timeout: WAIT }).toBe(`${TAO.name}（推荐）`);
    await next.getByText('负责区域 DEMO-SH · 0 张未完成工单').waitFor();
    // Cancelling is there, but not as the next step.
    expect(await next.getByRole('button', { name: '取消工单…' }).count()).toBe(0);
    await desk.getByRole('group', { name: '其他操作' }).getByRole('button', { name: '取消工单…' }).waitFor();
    await shot(desk, 'zh-CN-desk-2-assign');
    await next.getByRole('button', { name: '派工' }).click();
    await expect.poll(() => status.textContent(), { timeout: WAIT }).toBe('已派工');
    expect((await order(id)).technicianId).toBe(technicianIds[TAO.email]);
    await desk.getByRole('definition').filter({ hasText: TAO.name }).waitFor();
    await desk.getByRole('definition').filter({ hasText: 'DEMO-1001' }).waitFor();
    expect(await englishOn(desk)).toEqual([]);
    await shot(desk, 'zh-CN-desk-3-assigned');

    // The list, filtered by status and technician: the filter is in the address and survives a reload.
    await desk.getByRole('link', { name: '全部工单' }).click();
    await desk.getByRole('heading', { name: '工单', level: 1 }).waitFor();
    await desk.getByLabel('状态').selectOption({ label: '已派工' });
    await desk.getByLabel('技术员').selectOption({ label: TAO.name });
    await expect.poll(() => new URL(desk.url()).search, { timeout: WAIT }).toBe(`?status=assigned&technicianId=${technicianIds[TAO.email]}`);
    await desk.reload();
    const rows = desk.getByRole('table', { name: '工单' }).getByRole('row');
    await rows.filter({ hasText: '人民广场店 读卡器无响应' }).getByText('已派工', { exact: true }).waitFor();
    await expect.poll(() => desk.getByLabel('状态').locator('option:checked').textContent(), { timeout: WAIT }).toBe('已派工');
    await shot(desk, 'zh-CN-desk-4-list-filtered');
    await desk.getByLabel('技术员').selectOption({ label: LEE.name });
    await desk.getByText('没有符合筛选条件的工单。').waitFor();
    await shot(desk, 'zh-CN-desk-5-list-none-match');

    // ---- the technician, on a 390 px phone
    const phone = await open(PHONE, 'zh-CN', TAO.email);
    await (await navLink(phone, '工单')).click();
    await phone.getByRole('link', { name: '人民广场店 读卡器无响应' }).click();
    await phone.getByRole('heading', { name: '工单：人民广场店 读卡器无响应' }).waitFor();
    const pstatus = phone.getByTestId('work-order-status');
    expect(await pstatus.textContent()).toBe('已派工');
    expect(await fitsWidth(phone)).toBe(true);
    await shot(phone, 'zh-CN-phone-1-assigned');
    await phone.getByRole('region', { name: '下一步' }).getByRole('button', { name: '开始作业' }).click();
    await expect.poll(() => pstatus.textContent(), { timeout: WAIT }).toBe('进行中');
    // A technician cannot cancel.
    expect(await phone.getByRole('button', { name: '取消工单…' }).count()).toBe(0);

    for (const item of ['检查读卡器', '清洁打印头']) {
      const pass = phone.getByRole('group', { name: item }).getByRole('button', { name: '通过', exact: true });
      await pass.click();
      await expect.poll(() => pass.getAttribute('aria-pressed'), { timeout: WAIT }).toBe('true');
    }
    const reader = phone.getByRole('group', { name: '检查读卡器' });
    await reader.getByLabel('添加照片：检查读卡器', { exact: true }).setInputFiles({ name: 'reader.png', mimeType: 'image/png', buffer: png(4, 3, Buffer.alloc(36, 180)) });
    await reader.getByText('照片已上传。', { exact: true }).waitFor();

    const parts = phone.getByRole('form', { name: '记录使用的备件' });
    await parts.getByLabel('备件').selectOption({ label: 'Printer head（HEAD-1），SH-DEPOT：库存 5' });
    await parts.getByRole('button', { name: '记录使用的备件' }).click();
    await phone.getByRole('list', { name: '使用的备件' }).getByText('1 × HEAD-1（SH-DEPOT）').waitFor();

    const complete = phone.getByRole('form', { name: '完成工单' });
    await complete.getByLabel('现场用时（分钟）').fill('45');
    await complete.getByLabel('客户姓名').fill('王店长');
    // Without a signature the work order is not completed, and the page says why.
    await complete.getByRole('button', { name: '完成工单' }).click();
    await complete.getByText('完成工单需要客户姓名和签名。').waitFor();
    expect((await order(id)).status).toBe('in_progress');
    await sign(phone, '签名区：请用手指或鼠标签名');
    await expect.poll(() => complete.getByText('完成工单需要客户姓名和签名。').count(), { timeout: WAIT }).toBe(0);
    expect(await fitsWidth(phone)).toBe(true);
    await shot(phone, 'zh-CN-phone-2-signed');
    await complete.getByRole('button', { name: '完成工单' }).click();
    await expect.poll(() => pstatus.textContent(), { timeout: WAIT }).toBe('已完成');
    await phone.getByRole('img', { name: '王店长 的签名' }).waitFor();
    await phone.getByText(/^王店长 签名于 /).waitFor();
    await phone.getByRole('definition').filter({ hasText: '45 分钟' }).waitFor();
    expect(await phone.getByRole('button', { name: '完成工单' }).count()).toBe(0);
    const done = await order(id);
    expect(done).toMatchObject({ status: 'done', minutesSpent: 45, signature: { name: '王店长' }, parts: [{ sku: 'HEAD-1', quantity: 1 }] });
    expect(done.signature!.image).toMatch(/^data:image\/png;base64,/);
    expect(done.checklist.map((i) => [i.result, i.photos.length])).toEqual([['pass', 1], ['pass', 0]]);
    expect(await fitsWidth(phone)).toBe(true);
    expect(await englishOn(phone)).toEqual([]);
    await shot(phone, 'zh-CN-phone-3-completed');
  });

  it('1 (en): an operator assigns with the suggestions and cancels another order with a reason; the technician completes on the phone', { timeout: TEST_TIMEOUT }, async () => {
    const site = sites.find((s) => s.code === 'DEMO-LDN-01')!;
    const desk = await open(DESK, 'en-US', OPERATOR.email);
    // Created from the terminal's page: the site and terminal come along.
    const terminal = (await adminApi<{ items: { id: string; serialNumber: string }[] }>('GET', `/terminals?siteId=${site.id}&limit=10`)).items.find((x) => x.serialNumber === 'DEMO-3001')!;
    await desk.goto(`${server.url}/terminals/${terminal.id}`);
    await desk.getByRole('link', { name: 'New work order for this terminal' }).click();
    const form = desk.getByRole('form', { name: 'New work order' });
    await expect.poll(() => form.getByLabel('Site').locator('option:checked').textContent(), { timeout: WAIT }).toBe(`${site.name} (${site.code})`);
    await expect.poll(() => form.getByLabel('Terminal (optional)').locator('option:checked').textContent(), { timeout: WAIT }).toBe('DEMO-3001');
    await form.getByLabel('Title').fill('Covent Garden printer jams');
    await form.getByLabel('Checklist (optional)').fill('Clear the paper path');
    await shot(desk, 'en-desk-1-create-from-terminal');
    await form.getByRole('button', { name: 'Create work order' }).click();
    await desk.getByRole('heading', { name: 'Work order: Covent Garden printer jams' }).waitFor();
    const id = orderId(desk);
    const next = desk.getByRole('region', { name: 'Next step' });
    await expect.poll(() => next.getByLabel('Technician').locator('option:checked').textContent(), { timeout: WAIT }).toBe(`${LEE.name} (suggested)`);
    await next.getByText('works in region DEMO-LDN · 0 open work orders').waitFor();
    await next.getByRole('button', { name: 'Assign' }).click();
    await expect.poll(() => desk.getByTestId('work-order-status').textContent(), { timeout: WAIT }).toBe('Assigned');
    await next.getByRole('button', { name: 'Start work' }).waitFor();
    await shot(desk, 'en-desk-2-assigned');

    // A second order, cancelled: the dialog asks why, and the reason stays in the history.
    const other = await adminApi<{ id: string }>('POST', '/work-orders', { title: 'Duplicate visit', siteId: site.id });
    await desk.goto(`${server.url}/work-orders/${other.id}`);
    await desk.getByRole('heading', { name: 'Work order: Duplicate visit' }).waitFor();
    await desk.getByRole('button', { name: 'Cancel work order…' }).click();
    const dialog = desk.getByRole('dialog', { name: 'Cancel this work order?' });
    await dialog.getByRole('button', { name: 'Cancel work order' }).click();
    expect((await order(other.id)).status).toBe('open'); // no reason, no cancel
    await dialog.getByLabel('Why is it cancelled?').fill('Booked twice by the merchant');
    await shot(desk, 'en-desk-3-cancel-reason');
    await dialog.getByRole('button', { name: 'Cancel work order' }).click();
    await expect.poll(() => desk.getByTestId('work-order-status').textContent(), { timeout: WAIT }).toBe('Cancelled');
    await desk.getByText('Reason: Booked twice by the merchant').waitFor();
    expect(await desk.getByRole('region', { name: 'Next step' }).count()).toBe(0);
    expect((await order(other.id)).history.at(-1)).toMatchObject({ to: 'cancelled', note: 'Booked twice by the merchant' });
    await desk.goto(`${server.url}/work-orders?status=cancelled`);
    await desk.getByRole('table', { name: 'Work orders' }).getByRole('row').filter({ hasText: 'Duplicate visit' }).getByText('Cancelled', { exact: true }).waitFor();
    expect(await desk.getByRole('table', { name: 'Work orders' }).getByRole('row').filter({ hasText: 'Covent Garden printer jams' }).count()).toBe(0);
    await shot(desk, 'en-desk-4-list-cancelled');

    // Lee, on the phone.
    const phone = await open(PHONE, 'en-US', LEE.email, `/work-orders/${id}`);
    await phone.getByRole('heading', { name: 'Work order: Covent Garden printer jams' }).waitFor();
    await phone.getByRole('region', { name: 'Next step' }).getByRole('button', { name: 'Start work' }).click();
    const status = phone.getByTestId('work-order-status');
    await expect.poll(() => status.textContent(), { timeout: WAIT }).toBe('In progress');
    const complete = phone.getByRole('form', { name: 'Complete the work order' });
    await complete.getByText('1 required checklist item still to answer.').waitFor();
    const pass = phone.getByRole('group', { name: 'Clear the paper path' }).getByRole('button', { name: 'Pass', exact: true });
    await pass.click();
    await expect.poll(() => pass.getAttribute('aria-pressed'), { timeout: WAIT }).toBe('true');
    await complete.getByLabel('Time spent on site (minutes)').fill('30');
    await complete.getByLabel('Customer\'s name').fill('Harriet Books');
    await sign(phone, 'Signature area: sign with a finger or the mouse');
    expect(await fitsWidth(phone)).toBe(true);
    await shot(phone, 'en-phone-1-signed');
    await complete.getByRole('button', { name: 'Complete work order' }).click();
    await expect.poll(() => status.textContent(), { timeout: WAIT }).toBe('Done');
    await phone.getByRole('img', { name: 'Signature of Harriet Books' }).waitFor();
    expect(await order(id)).toMatchObject({ status: 'done', minutesSpent: 30, signature: { name: 'Harriet Books' } });
    expect(await fitsWidth(phone)).toBe(true);
    await shot(phone, 'en-phone-2-completed');
  });

  it('2 (zh-CN): a 200-terminal site goes into maintenance with a preview and an end time, and its 199 jobs are finished in one action', { timeout: TEST_TIMEOUT }, async () => {
    // A big site: 199 counter terminals and one spare, all online (they heartbeat over the protocol).
    const merchant = (await adminApi<{ items: { id: string; name: string }[] }>('GET', '/merchants?limit=10')).items.find((m) => m.name === '青柠茶饮')!;
    const big = await adminApi<{ id: string }>('POST', '/sites', { merchantId: merchant.id, code: 'DEMO-BIG', name: '南京路旗舰店' });
    const model = (await adminApi<{ items: { id: string; code: string }[] }>('GET', '/terminal-models?limit=10')).items.find((m) => m.code === 'PAX-A920')!;
    const { code } = await server.services.device.createEnrolmentCode({ siteId: big.id, modelId: model.id, uses: 200 }, 'console loops');
    const serials = [...Array.from({ length: 199 }, (_, i) => `BIG-${String(i + 1).padStart(3, '0')}`), 'BIG-SPARE'];
    for (const serialNumber of serials) {
      const enrolled = await deviceCall<{ terminalId: string; credential: string }>(server.url, 'POST', '/enrol', undefined, { serialNumber, code });
      if (serialNumber === 'BIG-SPARE') await adminApi('PATCH', `/terminals/${enrolled.terminalId}`, { tags: ['backup'] });
      await deviceCall(server.url, 'POST', '/heartbeat', enrolled.credential, heartbeatReport(1));
    }

    const desk = await open(DESK, 'zh-CN', OPERATOR.email);
    await desk.getByRole('navigation', { name: '主导航' }).getByRole('link', { name: '维护', exact: true }).click();
    const form = desk.getByRole('form', { name: '设为功能维护中' });
    await form.getByLabel('门店', { exact: true }).locator('option', { hasText: 'DEMO-BIG' }).waitFor({ state: 'attached' });
    await form.getByLabel('门店', { exact: true }).selectOption({ label: '南京路旗舰店 (DEMO-BIG)' });
    // The effect, before the button.
    const preview = form.getByRole('status', { name: '开始后的影响' });
    await preview.getByText('将停止 200 台终端中 199 台的交易。').waitFor();
    await preview.getByText('备用机 BIG-SPARE 继续营业。').waitFor();
    await form.getByRole('checkbox', { name: '固件升级' }).check();
    await form.getByLabel('原因', { exact: true }).fill('读卡器固件 9.2');
    // The end time is asked for, in the user's own time, and a past one is refused before sending.
    const endTime = form.getByLabel('结束时间（您的时间）');
    await endTime.fill(await localIn(desk, -1));
    await form.getByText('请选择 1 分钟到 24 小时之后的结束时间。').waitFor();
    expect(await form.getByRole('button', { name: '开始维护（199 台终端）' }).isDisabled()).toBe(true);
    await endTime.fill(await localIn(desk, 3));
    expect(await fitsWidth(desk)).toBe(true);
    await shot(desk, 'zh-CN-desk-maintenance-1-preview');
    await form.getByRole('button', { name: '开始维护（199 台终端）' }).click();
    await form.getByText('已创建 199 个维护任务。').waitFor();
    const started = (await jobsOf(serials)).map((jobs) => jobs[0]);
    expect(started.at(-1)).toBeUndefined(); // the spare stays in service
    expect(started.slice(0, 199).every((j) => j && j.state === 'draining' && j.maxMinutes >= 178 && j.maxMinutes <= 180)).toBe(true);

    // The site's group: one action for its 199 jobs, kept in the address as a filter.
    await desk.getByRole('search', { name: '筛选' }).getByLabel('门店').selectOption({ label: '南京路旗舰店 (DEMO-BIG)' });
    await expect.poll(() => new URL(desk.url()).search, { timeout: WAIT }).toBe(`?siteId=${big.id}`);
    await desk.getByRole('region', { name: '南京路旗舰店：199 个未结束的维护任务' }).waitFor();
    const group = desk.getByRole('region', { name: /^南京路旗舰店：\d+ 个未结束的维护任务$/ });
    const jobsTable = desk.getByRole('table', { name: '进行中的维护任务' });
    await expect.poll(() => jobsTable.getByRole('row').count(), { timeout: WAIT }).toBe(200);
    await desk.getByRole('heading', { name: '进行中的维护任务' }).scrollIntoViewIfNeeded();
    await viewShot(desk, 'zh-CN-desk-maintenance-2-group');
    await group.getByRole('button', { name: '全部完成（199）' }).click();
    const dialog = desk.getByRole('dialog', { name: '完成 199 台终端的维护？' });
    await dialog.getByText('进行中的任务立即结束，终端恢复营业；尚未开始的任务将撤回。').waitFor();
    await dialog.getByLabel('备注（可选，记录在每个任务中）').fill('门店提前营业');
    await dialog.getByRole('button', { name: '全部完成（199）' }).click();
    await group.getByText(/^(处理中… 已完成 \d+ \/ 199|已处理 199 \/ 199)$/).waitFor();
    await group.getByText('已处理 199 / 199').waitFor();
    await group.getByRole('status').filter({ hasText: '已完成 199' }).waitFor();
    await group.getByText('逐台结果（199）').click();
    const results = group.getByRole('table', { name: '逐台结果' });
    await results.getByRole('row').filter({ hasText: 'BIG-001' }).getByText('已完成：恢复营业').waitFor();
    expect(await results.getByRole('row').count()).toBe(200);
    // Nothing is left to press twice: the group is empty and ended rows offer no button.
    const emptied = desk.getByRole('region', { name: '南京路旗舰店：0 个未结束的维护任务' });
    expect(await emptied.getByRole('button', { name: '全部完成（0）' }).isDisabled()).toBe(true);
    expect(await desk.getByRole('button', { name: '取消 BIG-001' }).count()).toBe(0);
    const ended = (await jobsOf(serials.slice(0, 199))).map((jobs) => jobs[0]!.state);
    expect(new Set(ended)).toEqual(new Set(['completed']));
    await group.scrollIntoViewIfNeeded();
    expect(await englishOn(desk)).toEqual([]);
    await viewShot(desk, 'zh-CN-desk-maintenance-3-finished');
    await expect.poll(() => desk.getByText('没有维护任务。').count(), { timeout: WAIT }).toBe(1); // the live stream drops them
    await desk.getByLabel('语言').selectOption('en');
    await desk.getByRole('heading', { name: 'Put into maintenance' }).waitFor();
    await viewShot(desk, 'en-desk-maintenance-4-after');
  });

  it('2 (en): on a phone, a site with a spare is started, one job is cancelled alone and the rest extended then cancelled together', { timeout: TEST_TIMEOUT }, async () => {
    const phone = await open(PHONE, 'en-US', OPERATOR.email);
    await (await navLink(phone, 'Maintenance')).click();
    const form = phone.getByRole('form', { name: 'Put into maintenance' });
    await form.getByLabel('Site', { exact: true }).locator('option', { hasText: 'DEMO-SH-02' }).waitFor({ state: 'attached' });
    await form.getByLabel('Site', { exact: true }).selectOption({ label: '外滩夜市摊 (DEMO-SH-02)' });
    const preview = form.getByRole('status', { name: 'What starting does' });
    await preview.getByText('Stops trading on 3 of 4 terminals.').waitFor();
    await preview.getByText('The spare DEMO-2004 stays in service.').waitFor();
    await form.getByLabel('Reason', { exact: true }).fill('Card reader firmware 9.2');
    await form.getByLabel('Ends at (your time)').fill(await localIn(phone, 2));
    expect(await fitsWidth(phone)).toBe(true);
    await shot(phone, 'en-phone-maintenance-1-preview');
    await form.getByRole('button', { name: 'Start maintenance on 3 terminals' }).click();
    await form.getByText('3 maintenance jobs created.').waitFor();

    await phone.getByRole('search', { name: 'Filters' }).getByLabel('Site').selectOption({ label: '外滩夜市摊 (DEMO-SH-02)' });
    const table = phone.getByRole('table', { name: 'Open maintenance jobs' });
    // The demo's terminals are offline: their jobs say what they wait for, in words.
    await expect.poll(() => table.getByText('Waiting: the terminal is offline.').count(), { timeout: WAIT }).toBe(3);
    await phone.getByRole('region', { name: '外滩夜市摊: 3 open jobs' }).waitFor();
    const group = phone.getByRole('region', { name: /^外滩夜市摊: \d+ open jobs?$/ });
    // One job cancelled alone: its row says so and offers nothing more.
    await table.getByRole('button', { name: 'Cancel DEMO-2001' }).click();
    await table.getByRole('row').filter({ hasText: 'DEMO-2001' }).getByText('Cancelled', { exact: true }).waitFor();
    expect(await table.getByRole('button', { name: 'Cancel DEMO-2001' }).count()).toBe(0);
    await group.getByRole('button', { name: 'Extend all 2…' }).click();
    const extend = phone.getByRole('dialog', { name: 'Extend maintenance on 2 terminals?' });
    await extend.getByLabel('Extend by').selectOption({ label: '60 min' });
    await extend.getByRole('button', { name: 'Extend all 2…' }).click();
    await group.getByRole('status').filter({ hasText: '2 extended' }).waitFor();
    // The connection drops while the group is sent: the page says so, in words, and sends them again.
    await phone.route('**/api/v1/maintenance/jobs/group', (route) => route.abort(), { times: 1 });
    await group.getByRole('button', { name: 'Cancel all 2…' }).click();
    const cancel = phone.getByRole('dialog', { name: 'Cancel maintenance on 2 terminals?' });
    await cancel.getByRole('button', { name: 'Cancel all 2…' }).click();
    await group.getByRole('status').filter({ hasText: '2 not sent' }).waitFor();
    await group.getByRole('table', { name: 'Result per terminal' }).getByRole('row').filter({ hasText: 'DEMO-2002' }).getByText('Not sent: the server could not be reached; try again').waitFor();
    await shot(phone, 'en-phone-maintenance-2a-not-sent');
    await group.getByRole('button', { name: 'Send the 2 unsent again' }).click();
    await group.getByRole('status').filter({ hasText: '2 cancelled' }).waitFor();
    expect(await group.getByRole('button', { name: /unsent again/ }).count()).toBe(0);
    const rows = group.getByRole('table', { name: 'Result per terminal' }).getByRole('row');
    await rows.filter({ hasText: 'DEMO-2002' }).getByText('Cancelled', { exact: true }).waitFor();
    expect(await group.getByRole('button', { name: /^Cancel all/ }).isDisabled()).toBe(true);
    const states = (await jobsOf(['DEMO-2001', 'DEMO-2002', 'DEMO-2003', 'DEMO-2004'])).map((jobs) => jobs[0]?.state ?? null);
    expect(states).toEqual(['aborted', 'aborted', 'aborted', null]);
    const extended = (await jobsOf(['DEMO-2002']))[0]![0]!;
    expect(extended.maxMinutes).toBeGreaterThanOrEqual(60 + 118);
    expect(await fitsWidth(phone)).toBe(true);
    await shot(phone, 'en-phone-maintenance-2-cancelled');
    await openMenu(phone);
    await phone.getByLabel('Language').selectOption('zh-CN');
    await phone.getByRole('heading', { name: '设为功能维护中' }).waitFor();
    // What was said before the switch is said again in Chinese, not left in English.
    await phone.getByText('已创建 3 个维护任务。').waitFor();
    await phone.getByRole('status').filter({ hasText: '已取消 2' }).waitFor();
    expect(await phone.locator('main').innerText()).not.toMatch(/created|Cancelled|open job/);
    expect(await fitsWidth(phone)).toBe(true);
    expect(await englishOn(phone)).toEqual([]);
    await shot(phone, 'zh-CN-phone-maintenance-3-after');
  });

  // ---- loop 3: packages. A publisher's key (registered once) and what signing hands them: the statement.
  const publisher = generateKeyPairSync('ed25519');
  let publisherKeyId = '';
  /** Registers the publisher's public key once, whichever test comes first. */
  const registerPublisher = async () => {
    publisherKeyId ||= (await adminApi<{ id: string }>('POST', '/publisher-keys', { name: '发布团队', publicKey: publisher.publicKey.export({ type: 'spki', format: 'pem' }).toString() })).id;
  };
  const statementFor = (content: Buffer, facts: { name: string; version: string }, fileName: string) => {
    const signed = { kind: 'application', ...facts, size: content.length, sha256: sha256(content) };
    return { ...signed, fileName, keyId: publisherKeyId, signature: signPackage(signed, publisher.privateKey) };
  };
  interface PackageView { id: string; name: string; version: string; ready: boolean; sha256: string; size: number; keyId: string }

  it('3 (zh-CN): from the empty Updates page, a signed package and its statement are uploaded at the desk, and the verdict leads to a campaign', { timeout: TEST_TIMEOUT }, async () => {
    await registerPublisher();
    const content = randomBytes(600_000);
    const statement = statementFor(content, { name: 'pos-app', version: '3.3.0' }, 'pos-app-3.3.0.apk');

    const desk = await open(DESK, 'zh-CN', OPERATOR.email);
    await desk.getByRole('navigation', { name: '主导航' }).getByRole('link', { name: '软件更新', exact: true }).click();
    await desk.getByText('还没有软件包。上传已签名的软件包即可更新终端。').waitFor();
    const text = await desk.locator('main').innerText();
    expect(text).not.toContain('`');
    expect(text.toLowerCase()).not.toContain('posfleet package');
    await shot(desk, 'zh-CN-desk-package-1-empty');
    await desk.getByRole('link', { name: '上传软件包' }).click();
    await desk.getByRole('heading', { name: '上传软件包', level: 1 }).waitFor();
    const form = desk.getByRole('form', { name: '上传软件包' });

    // The statement names another file than the one chosen: said at once, nothing sent.
    await form.getByLabel('软件包文件').setInputFiles({ name: 'pos-app-3.3.0.apk', mimeType: 'application/vnd.android.package-archive', buffer: randomBytes(600_000) });
    await form.getByLabel('签名声明文件（.posfleet.json，可选）').setInputFiles({ name: 'pos-app-3.3.0.apk.posfleet.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(statement)) });
    await form.getByText('此文件不是该声明所签名的文件（大小或 SHA-256 不同）：请选择正确的文件，或与之对应的声明。').waitFor();
    expect(await form.getByLabel('软件包名称').inputValue()).toBe('pos-app');
    expect(await form.getByLabel('版本').inputValue()).toBe('3.3.0');
    await expect.poll(() => form.getByLabel('发布者密钥').locator('option:checked').textContent(), { timeout: WAIT }).toBe(`发布团队（${publisherKeyId.slice(0, 12)}…）`);
    await form.getByRole('checkbox', { name: 'PAX A920' }).check();
    expect(await form.getByRole('button', { name: '核验并上传' }).isDisabled()).toBe(true);

    // The right file: its size and SHA-256, worked out in the browser, match the statement.
    await form.getByLabel('软件包文件').setInputFiles({ name: 'pos-app-3.3.0.apk', mimeType: 'application/vnd.android.package-archive', buffer: content });
    await form.getByText(`大小 585.9 KB（600,000 字节）· SHA-256 ${sha256(content)}`).waitFor();
    expect(await form.getByText(/^此文件不是该声明所签名的文件/).count()).toBe(0);
    await form.getByLabel('中文更新说明（可选）').fill('修复非接读卡超时。');
    expect(await fitsWidth(desk)).toBe(true);
    await shot(desk, 'zh-CN-desk-package-2-chosen');
    await form.getByRole('button', { name: '核验并上传' }).click();
    const verdict = form.getByRole('status').filter({ hasText: 'pos-app 3.3.0 已可用于灰度发布。' });
    await verdict.waitFor();
    await verdict.getByText('签名已用发布者密钥“发布团队”核验。').waitFor();
    await verdict.getByText(`已上传文件的 SHA-256 已核验：${sha256(content)}`).waitFor();
    const pkg = (await adminApi<{ items: PackageView[] }>('GET', '/packages?limit=10')).items.find((x) => x.version === '3.3.0')!;
    expect(pkg).toMatchObject({ name: 'pos-app', ready: true, sha256: sha256(content), size: 600_000, keyId: publisherKeyId });
    expect(await fitsWidth(desk)).toBe(true);
    expect(await englishOn(desk)).toEqual([]);
    await shot(desk, 'zh-CN-desk-package-3-verdict');
    await verdict.getByRole('link', { name: '用此软件包发起灰度发布' }).click();
    await expect.poll(() => new URL(desk.url()).pathname + new URL(desk.url()).search, { timeout: WAIT }).toBe(`/updates/campaigns/new?package=${pkg.id}`);
    await desk.getByRole('navigation', { name: '主导航' }).getByRole('link', { name: '软件更新', exact: true }).click();
    await desk.getByRole('table', { name: '更新包' }).getByRole('row').filter({ hasText: 'pos-app 3.3.0' }).waitFor();
    await desk.getByRole('link', { name: '上传软件包' }).waitFor();
    await shot(desk, 'zh-CN-desk-package-4-listed');
  });

  it('3 (en): on a phone, a statement typed in with a wrong signature is refused in English, and the right one is accepted', { timeout: TEST_TIMEOUT }, async () => {
    await registerPublisher();
    const content = randomBytes(200_000);
    const statement = statementFor(content, { name: 'pos-app', version: '3.4.0' }, 'pos-app-3.4.0.apk');
    const wrong = statementFor(content, { name: 'pos-app', version: '3.4.1' }, 'pos-app-3.4.0.apk'); // signed for another version

    const phone = await open(PHONE, 'en-US', OPERATOR.email);
    await (await navLink(phone, 'Updates')).click();
    await phone.getByRole('link', { name: 'Upload package' }).click();
    const form = phone.getByRole('form', { name: 'Upload a software package' });
    await form.getByLabel('Package file').setInputFiles({ name: 'pos-app-3.4.0.apk', mimeType: 'application/octet-stream', buffer: content });
    await form.getByText(`Size 195.3 KB (200,000 bytes) · SHA-256 ${sha256(content)}`).waitFor();
    await form.getByLabel('Package name').fill('pos-app');
    await form.getByLabel('Version').fill('3.4.0');
    await form.getByLabel('Publisher key').selectOption({ label: `发布团队 (${publisherKeyId.slice(0, 12)}…)` });
    await form.getByLabel('Signature').fill(wrong.signature);
    await form.getByRole('checkbox', { name: 'PAX A920' }).check();
    await form.getByRole('button', { name: 'Check and upload' }).click();
    const refused = form.getByRole('alert').filter({ hasText: 'Refused:' });
    await refused.getByText('the signature does not match this package. Check that the file, name, version and publisher key are those that were signed.').waitFor();
    expect((await adminApi<{ items: PackageView[] }>('GET', '/packages?limit=10')).items.some((x) => x.version === '3.4.0')).toBe(false);
    expect(await fitsWidth(phone)).toBe(true);
    await shot(phone, 'en-phone-package-1-refused');

    await form.getByLabel('Signature').fill(statement.signature);
    await form.getByRole('button', { name: 'Check and upload' }).click();
    const verdict = form.getByRole('status').filter({ hasText: 'pos-app 3.4.0 is ready for campaigns.' });
    await verdict.getByText('Signature checked with publisher key “发布团队”.').waitFor();
    await verdict.getByText(`SHA-256 of the uploaded file checked: ${sha256(content)}`).waitFor();
    expect(await form.getByRole('alert').count()).toBe(0);
    expect((await adminApi<{ items: PackageView[] }>('GET', '/packages?limit=10')).items.find((x) => x.version === '3.4.0')).toMatchObject({ ready: true, sha256: sha256(content) });
    expect(await fitsWidth(phone)).toBe(true);
    await shot(phone, 'en-phone-package-2-verdict');
    await openMenu(phone);
    await phone.getByLabel('Language').selectOption('zh-CN');
    await phone.getByRole('heading', { name: '上传软件包', level: 1 }).waitFor();
    await phone.getByText('签名已用发布者密钥“发布团队”核验。').waitFor();
    expect(await englishOn(phone)).toEqual([]);
    await shot(phone, 'zh-CN-phone-package-3-form');
  });
});
