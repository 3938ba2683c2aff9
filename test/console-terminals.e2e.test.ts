// The terminal loops walked in a real browser (Debian's Chromium through playwright-core) against a real,
// listening server on the demo estate, from sign-in to their end, in zh-CN and in en, at 1366 px and 390 px:
// 1. a terminal's page says what and where it is, its health and open incidents; a remote command is
//    sent once (the button waits while the command does) and its result shows when the terminal reports;
//    the terminal is put into maintenance and back in service from its page;
// 2. the terminals list shows health, open incidents, mode, model, merchant and version; its filters
//    are kept in the address (and saved as named views); a column header sorts it; chosen terminals are tagged and sent a
//    command with a result per terminal; incidents come worst first (critical before low) and sort by a header.
// Screenshots go to test-artifacts/console-terminals/.
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { chromiumMissing, deviceCall, fitsWidth, PHONE, protocolTerminals, useDashboard, WAIT } from './support/browser.ts';

const DESK = { width: 1366, height: 900 };
const TEST_TIMEOUT = 180_000;
const OPERATOR = { email: 'olga@terminals.test', name: 'Olga Operator' };

const JAMMED = { printer: { paper: 'ok', jam: true, coverOpen: false } };

interface Command { id: string; type: string; status: string }

describe.skipIf(chromiumMissing('terminal console browser tests'))('the terminal pages in a real browser', () => {
  const { server, adminApi, shots: SHOTS, shot, page } = useDashboard({ name: 'console-terminals', users: [{ ...OPERATOR, role: 'operator', locale: 'en' }] });
  const terminals = protocolTerminals(() => server, 'console terminals test');
  const idOf = new Map<string, string>();

  beforeAll(async () => {
    // DEMO-1001's printer jams; DEMO-1002 and DEMO-1003 are healthy.
    await terminals.heartbeat('DEMO-1001', JAMMED);
    await terminals.heartbeat('DEMO-1002');
    await terminals.heartbeat('DEMO-1003');
    for (const [serial, { terminalId }] of terminals.credentials) idOf.set(serial, terminalId);
  });

  async function open(viewport: { width: number; height: number }, locale: 'zh-CN' | 'en-US', path: string): Promise<Page> {
    const p = await page(viewport, locale, OPERATOR.email, path);
    return p;
  }
  /** The words of a zh-CN page's main part that look English, once the estate's names and codes are taken out. */
  const englishOn = async (p: Page) => {
    const data = /Olga Operator|PAX A920|Verifone V240m|Covent Garden|Harbour Books|Simulator bench|CSV|PIN|Wi-Fi|dBm|[A-Z]+-[\w.-]+|\bfw-\d+/g;
    const text = (await p.locator('main').innerText()).replace(data, ' ');
    return text.match(/[A-Za-z]{3,}/g) ?? [];
  };
  const commandsOf = async (serial: string) => (await adminApi<{ items: Command[] }>('GET', `/terminals/${idOf.get(serial)}/commands`)).items;

  /** The terminal takes its waiting commands at a heartbeat and reports each as succeeded. */
  async function terminalRunsCommands(serial: string, output: Record<string, unknown>) {
    const answer = await terminals.heartbeat(serial) as unknown as { commands: Command[] };
    const { credential } = terminals.credentials.get(serial)!;
    for (const command of answer.commands) await deviceCall(server.url, 'POST', `/commands/${command.id}/result`, credential, { status: 'succeeded', output });
    return answer.commands;
  }

  it('1 (zh-CN, desk): the terminal page says what and where the terminal is, sends a self-test once and shows its result, and puts it into maintenance and back', { timeout: TEST_TIMEOUT }, async () => {
    const desk = await open(DESK, 'zh-CN', `/terminals/${idOf.get('DEMO-1001')}`);
    await desk.getByRole('heading', { name: '终端 DEMO-1001', level: 1 }).waitFor();
    const identity = desk.getByTestId('identity');
    await identity.getByText('人民广场店 (DEMO-SH-01)').waitFor();
    await identity.getByText('上海市黄浦区南京东路 1 号 · 31.2336, 121.4753').waitFor();
    expect(await identity.innerText()).toMatch(/商户\s+\S+/);
    expect(await identity.innerText()).toContain('Wi-Fi · -60 dBm');
    const incidents = desk.getByRole('region', { name: /未处理故障/ });
    await incidents.getByText('打印机卡纸').waitFor();
    expect(await fitsWidth(desk)).toBe(true);
    await shot(desk, 'zh-CN-desk-1-terminal');

    // A double click sends one self-test: the button waits while the command does.
    const commands = desk.getByRole('region', { name: '远程指令' });
    const selfTest = commands.getByRole('button', { name: /^自检/ });
    await selfTest.dblclick();
    await commands.getByText('已发送「自检」，终端将在下一次心跳时执行。').waitFor();
    await expect.poll(() => selfTest.isDisabled(), { timeout: WAIT }).toBe(true);
    await commands.getByRole('button', { name: '自检 · 等待终端执行' }).waitFor();
    expect((await commandsOf('DEMO-1001')).filter((c) => c.type === 'self_test')).toHaveLength(1);
    await shot(desk, 'zh-CN-desk-2-command-waiting');
    await terminalRunsCommands('DEMO-1001', { printer: 'jam', reader: 'ok' });
    const row = commands.getByRole('table', { name: '已发送的指令' }).locator('tr[data-command="self_test"]');
    await row.getByText('成功').waitFor({ timeout: 20_000 });
    await row.getByText(/printer: jam · reader: ok/).waitFor();
    expect(await selfTest.isDisabled()).toBe(false);
    await shot(desk, 'zh-CN-desk-3-command-result');

    // Maintenance of this terminal, from its page.
    const maintenance = desk.getByRole('region', { name: '此终端的维护' });
    await maintenance.getByLabel('原因').fill('更换打印机');
    await maintenance.getByRole('button', { name: '将此终端设为功能维护中' }).click();
    await maintenance.getByText('已创建维护任务：任务开始后终端暂停收款。').waitFor();
    await maintenance.getByText(/进行中的任务：/).waitFor();
    await shot(desk, 'zh-CN-desk-4-maintenance');
    await maintenance.getByRole('button', { name: '取消任务' }).click();
    await maintenance.getByText(/任务已结束：/).waitFor();
    await maintenance.getByRole('button', { name: '将此终端设为功能维护中' }).waitFor();
  });

  it('1 (en, phone): the terminal page fits a phone and offers every remote command', { timeout: TEST_TIMEOUT }, async () => {
    const phone = await open(PHONE, 'en-US', `/terminals/${idOf.get('DEMO-1001')}`);
    await phone.getByRole('heading', { name: 'Terminal DEMO-1001', level: 1 }).waitFor();
    await phone.getByTestId('identity').getByText('Wi-Fi').waitFor();
    const commands = phone.getByRole('region', { name: 'Remote commands' });
    for (const name of ['Reboot', 'Self-test', 'Sync time', 'Collect logs', 'Rotate password']) {
      const button = commands.getByRole('button', { name, exact: true });
      expect((await button.boundingBox())!.height).toBeGreaterThanOrEqual(44);
    }
    await commands.getByRole('button', { name: 'Sync time', exact: true }).click();
    await commands.getByText('Sync time: sent; the terminal runs it at its next heartbeat.').waitFor();
    await commands.getByRole('table', { name: 'Commands sent' }).getByText('Waiting for the terminal').waitFor();
    expect(await fitsWidth(phone)).toBe(true);
    await shot(phone, 'en-phone-1-terminal');
    await commands.scrollIntoViewIfNeeded();
    await phone.screenshot({ path: join(SHOTS, 'en-phone-2-commands.png') });
    await terminalRunsCommands('DEMO-1001', { clock: 'synced' });
  });

  it('2 (zh-CN, desk): the list filters by fault with the filter in the address, shows health and incidents, and tags and commands chosen terminals with a result each', { timeout: TEST_TIMEOUT }, async () => {
    await terminals.heartbeat('DEMO-1001', JAMMED);
    const desk = await open(DESK, 'zh-CN', '/terminals');
    await desk.getByRole('heading', { name: '终端', level: 1 }).waitFor();
    const table = desk.getByRole('table', { name: '终端' });
    for (const column of ['健康度', '未处理故障', '模式', '商户', '终端型号', '应用版本']) await table.getByRole('columnheader', { name: column }).waitFor();
    await desk.getByLabel('故障').selectOption({ label: '打印机卡纸' });
    await expect.poll(() => new URL(desk.url()).search, { timeout: WAIT }).toBe('?fault=printer_jam');
    await desk.reload();
    await expect.poll(() => table.locator('tbody tr').count(), { timeout: WAIT }).toBe(1);
    const jammed = table.locator('tr[data-serial="DEMO-1001"]');
    await jammed.getByRole('link', { name: '1', exact: true }).waitFor();
    expect(await jammed.locator('[data-score]').getAttribute('data-score')).toBe('80');
    await expect.poll(() => desk.getByLabel('故障').locator('option:checked').textContent(), { timeout: WAIT }).toBe('打印机卡纸');
    await shot(desk, 'zh-CN-desk-5-list-fault');

    // Online terminals of one site: choose two and tag them, then send them a command.
    await desk.getByRole('button', { name: '清除筛选' }).click();
    await desk.getByLabel('连接', { exact: true }).selectOption({ label: '在线' });
    await expect.poll(() => new URL(desk.url()).search, { timeout: WAIT }).toBe('?online=true');
    await expect.poll(() => table.locator('tbody tr').count(), { timeout: WAIT }).toBe(3);
    // A column header sorts the list (again: the other way) and says so with aria-sort.
    const serials = () => table.locator('tbody tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-serial')));
    expect(await serials()).toEqual(['DEMO-1001', 'DEMO-1002', 'DEMO-1003']);
    const serialHeader = table.getByRole('columnheader', { name: '序列号' });
    await serialHeader.getByRole('button').click();
    await serialHeader.getByRole('button').click();
    await expect.poll(serials, { timeout: WAIT }).toEqual(['DEMO-1003', 'DEMO-1002', 'DEMO-1001']);
    expect(await serialHeader.getAttribute('aria-sort')).toBe('descending');
    const healthHeader = table.getByRole('columnheader', { name: '健康度' });
    await healthHeader.getByRole('button').click();
    await expect.poll(() => healthHeader.getAttribute('aria-sort'), { timeout: WAIT }).toBe('ascending');
    expect((await serials())[0]).toBe('DEMO-1001'); // the jammed printer's terminal has the lowest health
    expect(await serialHeader.getAttribute('aria-sort')).toBe('none');
    await desk.getByLabel('选择 DEMO-1002').check();
    await desk.getByLabel('选择 DEMO-1003').check();
    const bulk = desk.getByRole('region', { name: /对所选终端执行操作/ });
    await bulk.getByText('已选 2 台').waitFor();
    await bulk.getByLabel('标签').fill('夜班');
    await bulk.getByRole('button', { name: '应用到 2 台终端' }).click();
    const results = bulk.getByRole('table', { name: '各终端结果' });
    await bulk.getByText('完成：2 台终端中 2 台成功。').waitFor();
    expect(await results.locator('tbody tr').allInnerTexts()).toEqual(['DEMO-1002\t标签已更改', 'DEMO-1003\t标签已更改']);
    const tagged = await adminApi<{ items: { serialNumber: string }[] }>('GET', `/terminals?tag=${encodeURIComponent('夜班')}`);
    expect(tagged.items.map((x) => x.serialNumber).sort()).toEqual(['DEMO-1002', 'DEMO-1003']);
    await shot(desk, 'zh-CN-desk-6-list-tagged');

    await bulk.getByLabel('操作').selectOption({ label: '发送指令' });
    await bulk.getByLabel('指令').selectOption({ label: '重启' });
    await bulk.getByRole('button', { name: '应用到 2 台终端' }).click();
    await expect.poll(() => results.locator('tbody tr').allInnerTexts(), { timeout: WAIT }).toEqual(['DEMO-1002\t指令已发送', 'DEMO-1003\t指令已发送']);
    await bulk.getByRole('button', { name: '应用到 2 台终端' }).click();
    await expect.poll(() => results.locator('tbody tr').allInnerTexts(), { timeout: WAIT }).toEqual(['DEMO-1002\t已在等待执行', 'DEMO-1003\t已在等待执行']);
    expect((await commandsOf('DEMO-1002')).filter((c) => c.type === 'reboot')).toHaveLength(1);
    expect(await englishOn(desk)).toEqual([]);
    await shot(desk, 'zh-CN-desk-7-list-command');
  });

  it('2 (en, phone): the list is usable on a phone and puts a chosen terminal into maintenance with its result', { timeout: TEST_TIMEOUT }, async () => {
    const phone = await open(PHONE, 'en-US', '/terminals?online=true');
    await phone.getByRole('heading', { name: 'Terminals', level: 1 }).waitFor();
    const table = phone.getByRole('table', { name: 'Terminals' });
    await expect.poll(() => table.locator('tbody tr').count(), { timeout: WAIT }).toBe(3);
    await phone.getByLabel('Select DEMO-1003').check();
    const bulk = phone.getByRole('region', { name: /Act on the selected terminals/ });
    await bulk.getByLabel('Actions').selectOption({ label: 'Put into maintenance' });
    await bulk.getByLabel('Reason').fill('Replace the printer');
    await bulk.getByRole('button', { name: 'Apply to 1 selected' }).click();
    await bulk.getByText('Done: 1 of 1 succeeded.').waitFor();
    await bulk.getByRole('table', { name: 'Result per terminal' }).getByText('Maintenance job created').waitFor();
    expect(await fitsWidth(phone)).toBe(true);
    await shot(phone, 'en-phone-3-list-maintenance');
    await terminals.heartbeat('DEMO-1003');
    await phone.goto(`${server.url}/terminals?mode=maintenance`);
    await table.locator('tr[data-serial="DEMO-1003"]').waitFor();
    expect(await table.locator('tbody tr').count()).toBe(1);
    await shot(phone, 'en-phone-4-list-mode');
  });

  it('3 (zh-CN, desk): every number on the overview opens the list behind it; the worst terminals and what changed since yesterday are listed', { timeout: TEST_TIMEOUT }, async () => {
    await terminals.heartbeat('DEMO-1001', JAMMED);
    const desk = await open(DESK, 'zh-CN', '/');
    await desk.getByRole('heading', { name: '终端总览', level: 1 }).waitFor();
    const worst = desk.getByRole('region', { name: '健康分最低的终端' });
    await worst.getByRole('link', { name: 'DEMO-1001' }).waitFor();
    await desk.getByRole('region', { name: '与昨天相比' }).getByText(/今天新增故障 \d+ 个/).waitFor();
    // The severities come worst first, each in its own colour.
    const tiles = desk.locator('li[data-severity]');
    expect(await tiles.evaluateAll((els) => els.map((e) => e.getAttribute('data-severity')))).toEqual(['critical', 'high', 'medium', 'low']);
    const colours = await tiles.evaluateAll((els) => els.map((e) => (e as unknown as { style: { borderLeftColor: string } }).style.borderLeftColor));
    expect(new Set(colours).size).toBe(4);
    expect(await fitsWidth(desk)).toBe(true);
    await shot(desk, 'zh-CN-desk-8-overview');

    await desk.getByRole('link', { name: /未解决故障：高/ }).click();
    await expect.poll(() => new URL(desk.url()).search, { timeout: WAIT }).toBe('?severity=high');
    await desk.getByRole('heading', { name: '故障', level: 1 }).waitFor();
    const rows = desk.getByRole('table', { name: '故障' }).locator('tbody tr[data-incident]');
    await rows.filter({ hasText: 'DEMO-1001' }).waitFor();
    expect(new Set(await rows.locator('.sev:not(.score)').allInnerTexts())).toEqual(new Set(['高']));

    await desk.goBack();
    await desk.getByRole('link', { name: /^离线\s*\d+$/ }).click();
    await expect.poll(() => new URL(desk.url()).search, { timeout: WAIT }).toBe('?mode=offline');
    const list = desk.getByRole('table', { name: '终端' });
    await list.locator('tbody tr').first().waitFor();
    expect(await list.locator('tr[data-serial="DEMO-1001"]').count()).toBe(0);
    expect(await englishOn(desk)).toEqual([]);
  });

  it('4 (zh-CN desk, en phone): incidents filter by severity, fault and age in the address, worst first, and the guide opens under its incident', { timeout: TEST_TIMEOUT }, async () => {
    await terminals.heartbeat('DEMO-1001', JAMMED);
    await terminals.heartbeat('DEMO-1002', { tamper: true });
    // A clock half an hour behind, three heartbeats running: a low incident, opened after the critical one
    // so the server's order is not what sorts it.
    for (let i = 0; i < 3; i++) await terminals.heartbeat('DEMO-1003', { sentAt: new Date(Date.now() - 30 * 60_000).toISOString() });
    const desk = await open(DESK, 'zh-CN', '/incidents');
    await desk.getByRole('heading', { name: '故障', level: 1 }).waitFor();
    const incidents = desk.getByRole('table', { name: '故障' });
    const rows = incidents.locator('tbody tr[data-incident]');
    await rows.filter({ hasText: '拆机报警' }).waitFor();
    await rows.filter({ hasText: 'DEMO-1003' }).waitFor();
    const order = ['严重', '高', '中', '低'];
    const severities = () => rows.locator('.sev:not(.score)').allInnerTexts();
    const shown = (await severities()).map((x) => order.indexOf(x));
    expect(shown).toEqual([...shown].sort((a, b) => a - b));
    expect(await rows.first().locator('.sev:not(.score)').innerText()).toBe('严重');
    expect((await severities()).indexOf('严重')).toBeLessThan((await severities()).indexOf('低')); // critical before low
    const severityHeader = incidents.getByRole('columnheader', { name: '严重程度' });
    expect(await severityHeader.getAttribute('aria-sort')).toBe('descending');
    // Sorted the other way by a click, and back to the worst first with one button.
    await severityHeader.getByRole('button').click();
    await expect.poll(async () => (await severities())[0], { timeout: WAIT }).toBe('低');
    expect(await severityHeader.getAttribute('aria-sort')).toBe('ascending');
    await desk.getByRole('button', { name: '恢复为最严重、等待最久的在前' }).click();
    await expect.poll(async () => (await severities())[0], { timeout: WAIT }).toBe('严重');
    await desk.getByLabel('故障类型').selectOption({ label: '打印机卡纸' });
    await expect.poll(() => new URL(desk.url()).search, { timeout: WAIT }).toBe('?rule=printer_jam');
    await desk.reload();
    await expect.poll(() => rows.count(), { timeout: WAIT }).toBe(1);
    await desk.getByLabel('持续时间').selectOption({ label: '超过 1 天' });
    await desk.getByText('没有故障。').waitFor();
    expect(await rows.count()).toBe(0);
    await desk.goBack();
    await expect.poll(() => rows.count(), { timeout: WAIT }).toBe(1);

    // The guide opens right under its incident, in view.
    await desk.getByRole('button', { name: '排障 打印机卡纸 DEMO-1001' }).click();
    const guide = desk.getByRole('region', { name: /^排障指引：/ });
    await guide.waitFor();
    expect(await desk.locator('tr[data-incident] + tr.guide-row').count()).toBe(1);
    const box = (await guide.boundingBox())!;
    expect(box.y >= 0 && box.y < DESK.height).toBe(true); // in view, where the user clicked
    expect(await englishOn(desk)).toEqual([]);
    await desk.screenshot({ path: join(SHOTS, 'zh-CN-desk-9-incident-guide.png') });

    const phone = await open(PHONE, 'en-US', '/incidents?severity=critical');
    await phone.getByRole('heading', { name: 'Incidents', level: 1 }).waitFor();
    const prow = phone.getByRole('table', { name: 'Incidents' }).locator('tbody tr[data-incident]');
    await prow.filter({ hasText: 'DEMO-1002' }).waitFor();
    expect(new Set(await prow.locator('.sev:not(.score)').allInnerTexts())).toEqual(new Set(['Critical']));
    await expect.poll(() => phone.getByLabel('Severity').locator('option:checked').textContent(), { timeout: WAIT }).toBe('Critical');
    expect(await fitsWidth(phone)).toBe(true);
    await shot(phone, 'en-phone-5-incidents');
    const overview = await open(PHONE, 'en-US', '/');
    await overview.getByRole('region', { name: 'Since yesterday' }).waitFor();
    expect(await fitsWidth(overview)).toBe(true);
    await shot(overview, 'en-phone-6-overview');
  });
  it('5 (zh-CN desk, en phone): the list\'s filters are saved as a named view that opens the same list again, on the phone too, and is removed', { timeout: TEST_TIMEOUT }, async () => {
    const desk = await open(DESK, 'zh-CN', '/terminals?fault=printer_jam');
    const table = desk.getByRole('table', { name: '终端' });
    await table.locator('tr[data-serial="DEMO-1001"]').waitFor();
    const views = desk.getByRole('group', { name: '常用筛选' });
    await views.getByRole('button', { name: '保存当前筛选' }).click();
    const naming = views.getByRole('form', { name: '保存当前筛选' });
    await naming.getByRole('button', { name: '保存' }).click(); // no name yet: the browser asks for one
    await naming.getByLabel('常用筛选名称').fill('卡纸的终端');
    await naming.getByRole('button', { name: '保存' }).click();
    await views.getByText('已保存为“卡纸的终端”。').waitFor();
    await views.getByRole('button', { name: '删除常用筛选“卡纸的终端”' }).waitFor();
    await shot(desk, 'zh-CN-desk-10-saved-view');

    // Another list, then the saved view: the same filter in the address and the same terminals.
    await desk.getByRole('button', { name: '清除筛选' }).click();
    await expect.poll(() => new URL(desk.url()).search, { timeout: WAIT }).toBe('');
    await views.getByLabel('打开常用筛选').selectOption({ label: '卡纸的终端' });
    await expect.poll(() => new URL(desk.url()).search, { timeout: WAIT }).toBe('?fault=printer_jam');
    await expect.poll(() => table.locator('tbody tr').count(), { timeout: WAIT }).toBe(1);
    expect(await englishOn(desk)).toEqual([]);

    // The same person on a phone finds it there, and removes it.
    const phone = await open(PHONE, 'en-US', '/terminals');
    const phoneViews = phone.getByRole('group', { name: 'Saved views' });
    await phoneViews.getByLabel('Open a saved view').selectOption({ label: '卡纸的终端' });
    await expect.poll(() => new URL(phone.url()).search, { timeout: WAIT }).toBe('?fault=printer_jam');
    expect(await fitsWidth(phone)).toBe(true);
    await shot(phone, 'en-phone-7-saved-view');
    await phoneViews.getByRole('button', { name: 'Remove view “卡纸的终端”' }).click();
    await phoneViews.getByText('View “卡纸的终端” removed.').waitFor();
    await phoneViews.getByRole('button', { name: 'Save these filters' }).waitFor();
    expect(await phoneViews.getByLabel('Open a saved view').count()).toBe(0);
  });
});
