// Settings walked in a real browser (Chromium through playwright-core) on the demo estate, in zh-CN and en,
// at 1366 px and 390 px: an admin creates an account, disables it (it cannot sign in), enables it and
// gives it a temporary password; defines a weekly maintenance window and reads it in words, then edits it;
// sends a test message to a webhook channel and sees the receiver's answer; reads the rules' labels;
// switches the calendar between the site's clock and the viewer's; orders a plan's due work and reads
// what was created and why nothing else.
// Screenshots go to test-artifacts/console-settings/.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumMissing, fitsWidth, PASSWORD, PHONE, useDashboard, WAIT } from './support/browser.ts';

const DESK = { width: 1366, height: 900 };
const TEST_TIMEOUT = 120_000;

const WORDS = {
  zh: {
    users: '用户与角色', windows: '维护窗口', channels: '通知渠道', rules: '诊断规则',
    disable: '停用', enable: '启用', confirmDisabled: /已停用/, reset: '设置临时密码', resetDone: /已为 .* 设置临时密码/,
    weekly: '每周选定的日子', monday: '周一', wednesday: '周三', words: '每周一 02:00–04:00', edited: '每周一、三 03:00–05:00',
    edit: '编辑', save: '保存', sendTest: '发送测试', orderDue: /^为“.*”生成本周到期的技术员工单$/, londonSiteTime: 'Europe/London 时区显示。 （门店时间）', myClock: /北京时间（Asia\/Shanghai）/, testOk: /测试消息已送达/, deepDischarge: '闲置终端深度放电阈值（%）',
  },
  en: {
    users: 'Users and roles', windows: 'Maintenance windows', channels: 'Notification channels', rules: 'Diagnostic rules',
    disable: 'Disable', enable: 'Enable', confirmDisabled: /is disabled/, reset: 'Set a temporary password', resetDone: /Temporary password set for/,
    weekly: 'On chosen days every week', monday: 'Mon', wednesday: 'Wed', words: 'Mondays 02:00–04:00', edited: 'Mondays and Wednesdays 03:00–05:00',
    edit: 'Edit', save: 'Save', sendTest: 'Send a test', orderDue: /^Order the technician work due this week under/, londonSiteTime: 'Europe/London. (site time)', myClock: /Beijing time \(Asia\/Shanghai\)/, testOk: /delivered/, deepDischarge: 'Deep discharge of a stored terminal (%)',
  },
};

describe.skipIf(chromiumMissing('settings browser tests'))('Settings in a real browser', () => {
  let receiver: Server;
  let hookUrl = '';
  const { server, adminApi, shots: SHOTS, shot, page } = useDashboard({ name: 'console-settings', env: { WEBHOOK_ALLOWED_NETWORKS: '127.0.0.1/32' } });

  beforeAll(async () => {
    receiver = createServer((req, res) => { req.resume(); req.on('end', () => res.writeHead(200).end('ok')); });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    hookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => (receiver ? receiver.close(() => resolve()) : resolve()));
  });

  let walk = 0;
  for (const [lang, locale] of [['zh', 'zh-CN'], ['en', 'en-US']] as const) {
    for (const [size, viewport] of [['desk', DESK], ['phone', PHONE]] as const) {
      it(`closes the settings loops in ${locale} at ${viewport.width} px`, async () => {
        const w = WORDS[lang];
        const tag = `${lang}-${size}`;
        const adminEmail = `admin-${tag}@settings.test`;
        await server.services.access.createUser({ email: adminEmail, name: `管理员 ${tag}`, role: 'admin', password: PASSWORD, locale: locale === 'en-US' ? 'en' : 'zh-CN' });
        const p = await page(viewport, locale, adminEmail);
        p.on('dialog', (d) => void d.accept());

        // Users: a new account, disabled (it cannot sign in), enabled, given a temporary password.
        const email = `clerk-${tag}@settings.test`;
        await adminApi('POST', '/users', { email, name: `店员 ${tag}`, role: 'operator', password: PASSWORD });
        await p.goto(`${server.url}/settings/users`);
        const row = p.locator(`li[data-user="${email}"]`);
        await row.getByRole('button', { name: new RegExp(`^${w.disable}`) }).click();
        await row.getByRole('status').filter({ hasText: w.confirmDisabled }).waitFor();
        const refused = await fetch(`${server.url}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password: PASSWORD }) });
        expect(refused.status).toBe(401);
        await shot(p, `${tag}-1-user-disabled`);
        await row.getByRole('button', { name: new RegExp(`^${w.enable}`) }).click();
        await row.getByRole('button', { name: new RegExp(`^${w.disable}`) }).waitFor();
        await row.getByRole('button', { name: w.reset }).click();
        await row.locator('input[type=password]').fill('temporary pass 2026');
        await shot(p, `${tag}-2-user-reset`);
        await row.locator('form').last().getByRole('button', { name: w.reset }).click();
        await row.getByRole('status').filter({ hasText: w.resetDone }).waitFor();
        const fresh = await fetch(`${server.url}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password: 'temporary pass 2026' }) });
        expect(((await fresh.json()) as { me: { mustChangePassword: boolean } }).me.mustChangePassword).toBe(true);
        expect(await fitsWidth(p)).toBe(true);

        // Windows: a weekly window said in words, then edited.
        await p.goto(`${server.url}/settings/windows`);
        const form = p.locator('form[data-window-form="new"]');
        const name = `Window ${tag}`;
        await form.getByLabel(lang === 'zh' ? '窗口名称' : 'Window name').fill(name);
        await form.locator('select').first().selectOption({ index: ++walk }); // a site of its own: windows of one site may not overlap
        await form.locator('select').nth(1).selectOption('weekly');
        await form.getByLabel(w.monday, { exact: true }).check();
        await form.getByLabel(lang === 'zh' ? '周二' : 'Tue', { exact: true }).uncheck();
        await form.locator('input[type=time]').fill('02:00');
        await form.locator('input[type=number]').fill('120');
        await expect.poll(() => form.getByTestId('window-preview').innerText(), { timeout: WAIT }).toBe(w.words);
        await form.locator('button[type=submit]').click();
        const listed = p.locator('tr', { hasText: name });
        await expect.poll(() => listed.getByTestId('window-schedule').innerText(), { timeout: WAIT }).toBe(w.words);
        await shot(p, `${tag}-3-window-created`);
        await listed.getByRole('button', { name: new RegExp(`^${w.edit}`) }).click();
        const editor = p.locator('form[data-window-form]:not([data-window-form="new"])');
        await editor.getByLabel(w.wednesday, { exact: true }).check();
        await editor.locator('input[type=time]').fill('03:00');
        await editor.getByRole('button', { name: w.save }).click();
        await expect.poll(() => listed.getByTestId('window-schedule').innerText(), { timeout: WAIT }).toBe(w.edited);
        expect(await p.locator('main').innerText()).not.toMatch(/FREQ=|BYDAY/);
        await shot(p, `${tag}-4-window-edited`);

        // Channels: a test message to a webhook, its answer shown.
        const channel = await adminApi<{ id: string }>('POST', '/notification-channels', { kind: 'webhook', name: `Hook ${tag}`, address: hookUrl });
        await p.goto(`${server.url}/settings/channels`);
        await p.locator(`tr[data-channel="${channel.id}"]`).getByRole('button', { name: new RegExp(w.sendTest) }).click();
        await expect.poll(() => p.getByTestId('channel-test-result').innerText(), { timeout: WAIT }).toMatch(w.testOk);
        await shot(p, `${tag}-5-channel-tested`);

        // Rules: every threshold has a label, none a raw key.
        await p.goto(`${server.url}/settings/rules`);
        await p.getByLabel(w.deepDischarge).waitFor();
        expect(await p.locator('main').innerText()).not.toMatch(/[a-z]+\.[a-z]+[A-Z]\w+/);
        await shot(p, `${tag}-6-rules`);
        expect(await fitsWidth(p)).toBe(true);

        // Calendar: a London site's week in its own clock, then in the viewer's (Shanghai).
        await p.goto(`${server.url}/maintenance/calendar`);
        const filters = p.getByRole('group', { name: lang === 'zh' ? '筛选' : 'Filters' });
        await filters.getByRole('option', { name: 'Covent Garden (DEMO-LDN-01)' }).waitFor({ state: 'attached' });
        await filters.locator('select').nth(1).selectOption({ label: 'Covent Garden (DEMO-LDN-01)' });
        await expect.poll(() => p.getByTestId('calendar-zone').innerText(), { timeout: WAIT }).toContain(w.londonSiteTime);
        await p.getByLabel(w.myClock).check();
        await expect.poll(() => p.getByTestId('calendar-zone').innerText(), { timeout: WAIT }).toContain('Asia/Shanghai');
        await shot(p, `${tag}-7-calendar-my-clock`);

        // Preventive: ordering the due work says what it created and why nothing else, in words.
        await p.goto(`${server.url}/preventive`);
        await p.getByRole('button', { name: w.orderDue }).first().click();
        await p.getByTestId('order-outcome').getByRole('status').waitFor();
        const reasons = p.getByTestId('order-skipped').locator('li');
        await expect.poll(() => reasons.count(), { timeout: WAIT }).toBeGreaterThan(0);
        expect(await p.getByTestId('order-outcome').innerText()).not.toMatch(/_task|not_due|already_ordered/);
        await p.getByTestId('order-outcome').scrollIntoViewIfNeeded();
        await p.screenshot({ path: join(SHOTS, `${tag}-8-preventive-ordered.png`) });
      }, TEST_TIMEOUT);
    }
  }
});
