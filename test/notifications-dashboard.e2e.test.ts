// Quiet hours and rate limits on the dashboard's notification-channel settings, in a real browser
// (Debian's Chromium through playwright-core) against a real, listening server on the demo estate:
// set when a channel is created, refused with the field named, changed later, shown in both languages.
// Screenshots go to test-artifacts/notifications-dashboard/.
import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { chromiumMissing, fitsWidth, PHONE, screenshot, useDashboard, WAIT, openMenu } from './support/browser.ts';

const ADMIN = { email: 'admin@quiet.test', name: 'Quinn Quiet' };
const TEST_TIMEOUT = 120_000;

interface ChannelView { id: string; name: string; quietHours: { start: string; end: string; timeZone: string | null } | null; rateLimit: { max: number; periodMinutes: number } | null }

describe.skipIf(chromiumMissing('notification settings browser tests'))('quiet hours and rate limits on the channel settings page', () => {
  const dashboard = useDashboard({ name: 'notifications-dashboard', users: [{ ...ADMIN, role: 'admin', locale: 'en' }] });
  const { server, adminApi, shots: SHOTS } = dashboard;
  let page: Page;
  const channel = async (name: string) => (await adminApi<{ items: ChannelView[] }>('GET', '/notification-channels')).items.find((c) => c.name === name);

  beforeAll(async () => {
    page = await dashboard.page({ width: 1280, height: 900 }, 'en-US', ADMIN.email);
  });

  it('creates a fleet channel with quiet hours and a limit, names a bad zone, and edits the limit later', { timeout: TEST_TIMEOUT }, async () => {
    await page.goto(`${server.url}/settings/channels`, { waitUntil: 'domcontentloaded' });
    const form = page.getByRole('form', { name: 'New notification channel' });
    await form.getByLabel('Channel name').fill('Night desk');
    await form.getByLabel('E-mail address').fill('night@posfleet.test');
    await form.getByLabel('Quiet from').fill('22:00');
    await form.getByLabel('Quiet until').fill('07:00');
    await form.getByLabel('Time zone of the quiet hours').fill('Asia/Atlantis');
    await form.getByLabel('At most (notices)').fill('20');
    await form.getByLabel('per (minutes)').fill('60');
    await form.getByRole('button', { name: 'Create channel' }).click();
    const zone = form.getByLabel('Time zone of the quiet hours');
    await expect.poll(() => zone.getAttribute('aria-invalid'), { timeout: WAIT }).toBe('true');
    await form.getByText('"Asia/Atlantis" is not an IANA time zone such as Asia/Shanghai.').waitFor();
    expect(await channel('Night desk')).toBeUndefined(); // refused: nothing stored

    await zone.fill('Asia/Shanghai');
    await form.getByRole('button', { name: 'Create channel' }).click();
    await form.getByText('Notification channel “Night desk” created.').waitFor();
    expect(await channel('Night desk')).toMatchObject({ quietHours: { start: '22:00', end: '07:00', timeZone: 'Asia/Shanghai' }, rateLimit: { max: 20, periodMinutes: 60 } });
    const row = page.getByRole('table', { name: 'All notification channels' }).getByRole('row').filter({ hasText: 'Night desk' });
    await row.getByText('quiet 22:00–07:00 (Asia/Shanghai) · at most 20 per 60 min').waitFor();
    await screenshot(page, SHOTS, 'en-channels-created');

    await row.getByRole('button', { name: 'Edit quiet hours and rate limit of Night desk' }).click();
    const editor = page.getByRole('form', { name: 'Quiet hours and rate limit of “Night desk”' });
    await editor.getByLabel('At most (notices)').fill('0');
    await editor.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => editor.getByLabel('At most (notices)').getAttribute('aria-invalid'), { timeout: WAIT }).toBe('true');
    expect((await channel('Night desk'))?.rateLimit).toEqual({ max: 20, periodMinutes: 60 });
    await editor.getByLabel('At most (notices)').fill('5');
    await editor.getByLabel('per (minutes)').fill('15');
    await editor.getByLabel('Quiet from').fill('');
    await editor.getByLabel('Quiet until').fill('');
    await editor.getByRole('button', { name: 'Save' }).click();
    await editor.getByText('Quiet hours and rate limit of “Night desk” saved.').waitFor();
    expect(await channel('Night desk')).toMatchObject({ quietHours: null, rateLimit: { max: 5, periodMinutes: 15 } });
    await row.getByText('no quiet hours · at most 5 per 15 min').waitFor();
    await screenshot(page, SHOTS, 'en-channels-edited');

    // In Chinese, at phone width.
    await page.setViewportSize(PHONE);
    await openMenu(page);
    await page.getByRole('combobox', { name: /^(Language|语言)$/ }).selectOption('zh-CN');
    await page.getByRole('table', { name: '全部通知渠道' }).getByRole('row').filter({ hasText: 'Night desk' }).getByText('无静默时段 · 每 15 分钟最多 5 条').waitFor();
    await page.getByRole('form', { name: '新建通知渠道' }).getByLabel('静默开始').waitFor();
    expect(await fitsWidth(page)).toBe(true);
    await screenshot(page, SHOTS, 'zh-channels-phone');
  });
});
