// The dashboard's calendar, reports and settings pages in a real browser (Debian's Chromium through
// playwright-core) against a real, listening server on the seeded demo estate. The browser sits in
// Shanghai's time zone, so a London site's window proves that times are shown in the site's zone.
// Every page is photographed in en and zh-CN, at desktop width and at 390 px, into
// test-artifacts/dashboard-pages/ (its own folder: the other browser test clears test-artifacts/screenshots).
import { readFileSync } from 'node:fs';
import { DateTime } from 'luxon';
import type { BrowserContext, Page } from 'playwright-core';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { chromiumMissing, fitsWidth as fits, PHONE, protocolTerminals, screenshot, SIGN_IN, signIn as submitSignIn, type SignInLabels, useDashboard, WAIT, navLink, openMenu } from './support/browser.ts';

const ADMIN = { email: 'admin@pages.test', name: 'Ada Admin' };
const SUPPORT = { email: 'support@pages.test', name: 'Sun Support' };
const TEST_TIMEOUT = 120_000;
const BROWSER_ZONE = 'Asia/Shanghai';

/** Money as the dashboard shows it (format.ts): minor units in CNY, in the page's locale. */
const money = (minor: number, locale: string, currency = 'CNY') => new Intl.NumberFormat(locale, { style: 'currency', currency }).format(minor / 100);

interface Site { id: string; code: string; name: string; merchantId: string; timeZone: string }
interface Figures { total: { jobs: { total: number }; downtimeMinutes: number; refusedTransactions: number; estimatedRevenueLost: Record<string, number> } }
interface Candidate { start: string; localStart: string; expectedLossMinor: number | null }
interface WindowView { id: string; name: string; target: { siteId?: string }; schedule: { kind: string; start?: string; durationMinutes: number }; timeZone: string }

describe.skipIf(chromiumMissing('dashboard page tests'))('dashboard calendar, reports and settings in a real browser', () => {
  const dashboard = useDashboard({
    name: 'dashboard-pages', users: [{ ...ADMIN, role: 'admin', locale: 'en' }, { ...SUPPORT, role: 'support', locale: 'en' }],
  });
  const { server, adminApi, shots: SHOTS, context, newPage } = dashboard;
  let desk: BrowserContext;
  let page: Page;
  let sites: Site[] = [];
  const site = (code: string) => sites.find((s) => s.code === code)!;
  const { heartbeat } = protocolTerminals(() => server, 'dashboard pages test');

  const terminalId = async (serial: string) =>
    (await adminApi<{ items: { id: string; serialNumber: string }[] }>('GET', `/terminals?q=${serial}&limit=10`)).items.find((x) => x.serialNumber === serial)!.id;

  const shot = (name: string, p: Page = page) => screenshot(p, SHOTS, name);

  async function signIn(p: Page, email: string, labels: SignInLabels) {
    await submitSignIn(p, server.url, email, labels);
    await p.getByRole('navigation', { name: /^(Main|主导航)$/ }).waitFor();
  }
  const { en: EN, zh: ZH } = SIGN_IN;

  /** A phone-sized context in Chinese, signed in as the admin. */
  async function phone(): Promise<Page> {
    const p = await newPage(await context({ viewport: PHONE, locale: 'zh-CN', timezoneId: BROWSER_ZONE }));
    await signIn(p, ADMIN.email, ZH);
    return p;
  }

  /** The header's language switch (the users form has a language field of its own). */
  const language = async (p: Page, locale: 'en' | 'zh-CN') => {
    await openMenu(p);
    return p.getByRole('combobox', { name: /^(Language|语言)$/ }).selectOption(locale);
  };
  const nav = (p: Page, name: string) => navLink(p, name);

  beforeAll(async () => {
    sites = (await adminApi<{ items: Site[] }>('GET', '/sites?limit=1000')).items;
    desk = await context({ viewport: { width: 1280, height: 900 }, locale: 'en-US', timezoneId: BROWSER_ZONE });
    page = await newPage(desk);
    await signIn(page, ADMIN.email, EN);
  });

  beforeEach(() => {
    dashboard.current = page;
  });

  it('shows a window created through the API, and a planned job, at the London site\'s local time', { timeout: TEST_TIMEOUT }, async () => {
    const london = site('DEMO-LDN-01');
    expect(london.timeZone).toBe('Europe/London');
    const day = DateTime.now().setZone('Europe/London').plus({ days: 3 }).startOf('day');
    const windowStart = day.set({ hour: 2, minute: 30 });
    await adminApi('POST', '/maintenance/windows', {
      name: 'Covent Garden stock-take', target: { siteId: london.id },
      schedule: { kind: 'once', start: windowStart.toISO(), durationMinutes: 90 },
    });
    await adminApi('POST', '/maintenance/jobs', {
      terminalIds: [await terminalId('DEMO-3002')], work: ['update'], reason: 'App 3.3 for the tills', plannedStart: day.set({ hour: 5 }).toUTC().toISO(),
    });

    await (await nav(page, 'Calendar')).click();
    await page.getByRole('heading', { name: 'Maintenance calendar', level: 1 }).waitFor();
    expect(await page.evaluate('Intl.DateTimeFormat().resolvedOptions().timeZone')).toBe(BROWSER_ZONE);
    const filters = page.getByRole('group', { name: 'Filters' });
    await filters.getByRole('option', { name: 'Covent Garden (DEMO-LDN-01)' }).waitFor({ state: 'attached' });
    await filters.getByLabel('Site', { exact: true }).selectOption({ label: 'Covent Garden (DEMO-LDN-01)' });
    await filters.getByLabel('Week of').fill(day.toISODate()!);
    await page.getByText('Times are shown in Europe/London.').waitFor();

    const cell = page.locator(`li.day[data-day="${day.toISODate()}"]`);
    const windowEvent = cell.locator('.event-window').filter({ hasText: 'Covent Garden stock-take' });
    // 02:30 in London, not the 09:30 or 10:30 it is in the browser's Shanghai.
    await expect.poll(() => windowEvent.locator('.event-time').textContent(), { timeout: WAIT }).toBe('02:30–04:00');
    const jobEvent = cell.locator('.event-job').filter({ hasText: 'DEMO-3002' });
    await expect.poll(() => jobEvent.locator('.event-time').textContent(), { timeout: WAIT }).toMatch(/^05:00–/);
    await jobEvent.getByText('App 3.3 for the tills').waitFor();
    await page.getByRole('status').filter({ hasText: 'In the week shown: 1 maintenance window, 1 maintenance job.' }).waitFor();
    await shot('en-calendar');
  });

  it('suggests the site\'s cheapest window with its expected revenue loss, and creates a window from it', { timeout: TEST_TIMEOUT }, async () => {
    // The 人民广场店 terminals trade and report: the suggestion learns from their heartbeats.
    for (const serial of ['DEMO-1001', 'DEMO-1002', 'DEMO-1003']) {
      for (let i = 0; i < 3; i++) await heartbeat(serial, { transactions: { count: 5 + i, amountMinor: 12_345 + i * 1000, currency: 'CNY' } });
    }
    const shanghai = site('DEMO-SH-01');
    const panel = page.getByRole('region', { name: 'Suggested window' });
    await panel.getByLabel('Site', { exact: true }).selectOption({ label: '人民广场店 (DEMO-SH-01)' });
    await panel.getByLabel('Preference').selectOption({ label: 'Any time' });
    const answered = page.waitForResponse((r) => r.url().includes(`/sites/${shanghai.id}/suggested-window`));
    await panel.getByRole('button', { name: 'Suggest' }).click();
    const shown = (await (await answered).json()) as { basis: string; candidates: Candidate[] };
    expect(shown.basis).toBe('history');
    const best = shown.candidates[0]!;
    expect(best.expectedLossMinor).not.toBeNull();
    await expect.poll(() => panel.getByTestId('suggested-loss').textContent(), { timeout: WAIT }).toBe(money(best.expectedLossMinor!, 'en'));
    // The API, asked independently, learns from the same trade.
    const asked = await adminApi<{ basis: string; history: { terminals: number } }>('GET', `/sites/${shanghai.id}/suggested-window?preference=any`);
    expect(asked.basis).toBe('history');
    expect(asked.history.terminals).toBe(3);
    const alternatives = panel.getByRole('table', { name: 'Alternatives' }).getByRole('row');
    await expect.poll(() => alternatives.count(), { timeout: WAIT }).toBe(shown.candidates.length); // header + all but the best
    await panel.getByText(/^Learnt from the site's transactions\./).waitFor();
    await shot('en-calendar-suggestion');

    await panel.getByLabel('Window name').fill('Quiet hour at 人民广场店');
    await panel.getByRole('button', { name: 'Create this maintenance window' }).click();
    await panel.getByText(/Maintenance window “Quiet hour at 人民广场店” created/).waitFor();
    const created = (await adminApi<{ items: WindowView[] }>('GET', `/maintenance/windows?siteId=${shanghai.id}`)).items.find((w) => w.name === 'Quiet hour at 人民广场店');
    expect(created?.schedule.kind).toBe('once');
    expect(Date.parse(created!.schedule.start!)).toBe(Date.parse(best.start));
    expect(created!.timeZone).toBe('Asia/Shanghai');
  });

  it('shows the calendar in Chinese and on a 390 px phone', { timeout: TEST_TIMEOUT }, async () => {
    await language(page, 'zh-CN');
    await page.getByRole('heading', { name: '维护日历', level: 1 }).waitFor();
    await page.getByRole('heading', { name: '建议维护窗口' }).waitFor();
    await page.locator('.event-window .event-kind').first().filter({ hasText: '维护窗口' }).waitFor();
    await shot('zh-CN-calendar');
    await language(page, 'en');

    const p = await phone();
    await (await nav(p, '维护日历')).click();
    await p.getByRole('heading', { name: '维护日历', level: 1 }).waitFor();
    await p.getByRole('status').filter({ hasText: /^所示一周内：\d+ 个维护窗口，\d+ 个维护任务。$/ }).waitFor();
    expect(await fits(p)).toBe(true);
    await shot('mobile-zh-CN-calendar', p);
    await language(p, 'en');
    await p.getByRole('heading', { name: 'Maintenance calendar', level: 1 }).waitFor();
    expect(await fits(p)).toBe(true);
    await shot('mobile-en-calendar', p);
  });

  it('reports maintenance figures that match the API, exports them as CSV safe from formulas, and shows the PCI DSS report', { timeout: TEST_TIMEOUT }, async () => {
    // A job whose terminal refuses sales while in maintenance, at a site whose name is a formula.
    const tea = site('DEMO-SH-01').merchantId;
    const models = await adminApi<{ items: { id: string }[] }>('GET', '/terminal-models?limit=10');
    const evil = await adminApi<Site>('POST', '/sites', { merchantId: tea, code: 'EVIL-01', name: '=HYPERLINK("http://evil.example","x")' });
    sites.push(evil);
    const evilTerminal = await adminApi<{ id: string }>('POST', '/terminals', { serialNumber: 'EVIL-0001', modelId: models.items[0]!.id, siteId: evil.id, status: 'active' });
    // The terminal speaks first: the demo's seeded terminals are offline while their shop is closed (its
    // night), and an offline terminal cannot take the job.
    await heartbeat('DEMO-1001');
    const [job] = (await adminApi<{ items: { id: string }[] }>('POST', '/maintenance/jobs', {
      terminalIds: [await terminalId('DEMO-1001')], work: ['update'], reason: 'Card reader firmware', overrideReason: 'quiet afternoon, checked with the manager',
    })).items;
    await adminApi('POST', '/maintenance/jobs', { terminalIds: [evilTerminal.id], work: ['repair'], reason: 'Printer', overrideReason: 'site closed today' });
    await expect.poll(async () => (await adminApi<{ state: string }>('GET', `/maintenance/jobs/${job!.id}`)).state, { timeout: WAIT }).toBe('draining');
    await heartbeat('DEMO-1001', { transactions: { count: 0, amountMinor: 0, refused: 4, currency: 'CNY' } });
    await expect.poll(async () => (await adminApi<{ refusedTransactions: number }>('GET', `/maintenance/jobs/${job!.id}`)).refusedTransactions, { timeout: WAIT }).toBe(4);
    // A London shop sells in pounds: its loss is priced and shown in pounds, never added to the yuan.
    await heartbeat('DEMO-3001', { transactions: { count: 2, amountMinor: 2400, currency: 'GBP' } });
    const [london] = (await adminApi<{ items: { id: string }[] }>('POST', '/maintenance/jobs', {
      terminalIds: [await terminalId('DEMO-3001')], work: ['update'], reason: 'Card reader firmware', overrideReason: 'quiet morning, checked with the manager',
    })).items;
    await expect.poll(async () => (await adminApi<{ state: string }>('GET', `/maintenance/jobs/${london!.id}`)).state, { timeout: WAIT }).toBe('draining');
    await heartbeat('DEMO-3001', { transactions: { count: 0, amountMinor: 0, refused: 2, currency: 'GBP' } });
    await expect.poll(async () => (await adminApi<{ refusedTransactions: number }>('GET', `/maintenance/jobs/${london!.id}`)).refusedTransactions, { timeout: WAIT }).toBe(2);
    const period = `from=${encodeURIComponent(DateTime.now().minus({ days: 30 }).toUTC().toISO()!)}&to=${encodeURIComponent(DateTime.now().plus({ days: 1 }).toUTC().toISO()!)}`;
    const figures = await adminApi<Figures>('GET', `/maintenance/figures?${period}`);
    expect(figures.total.refusedTransactions).toBe(6);
    const { CNY: yuan, GBP: pounds } = figures.total.estimatedRevenueLost;
    expect(Object.keys(figures.total.estimatedRevenueLost).sort()).toEqual(['CNY', 'GBP']);
    expect(yuan).toBeGreaterThan(0);
    expect(pounds).toBe(2 * 1200);

    await (await nav(page, 'Reports')).click();
    await page.getByRole('heading', { name: 'Reports', level: 1 }).waitFor();
    await expect.poll(() => page.getByTestId('kpi-jobs').textContent(), { timeout: WAIT }).toBe(String(figures.total.jobs.total));
    expect(await page.getByTestId('kpi-refused').textContent()).toBe('6');
    expect(await page.getByTestId('kpi-lost').textContent()).toBe(`${money(yuan!, 'en')} + ${money(pounds!, 'en', 'GBP')}`);
    await page.getByRole('img', { name: /^Maintenance jobs by outcome:/ }).waitFor();
    await page.getByRole('img', { name: /^Revenue lost by site \(CNY\):/ }).waitFor();
    await page.getByRole('img', { name: /^Revenue lost by site \(GBP\):/ }).waitFor();
    const bySite = page.getByRole('table', { name: 'By site' });
    await bySite.getByRole('row').filter({ hasText: '人民广场店' }).getByText(money(yuan!, 'en'), { exact: true }).waitFor();
    await bySite.getByRole('row').filter({ hasText: 'Covent Garden' }).getByText('£24.00', { exact: true }).waitFor();

    const [file] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export CSV' }).click()]);
    expect(file.suggestedFilename()).toMatch(/^maintenance-figures-\d{4}-\d{2}-\d{2}-\d{4}-\d{2}-\d{2}\.csv$/);
    const text = readFileSync((await file.path())!, 'utf8').replace(/^\uFEFF/, '');
    const lines = text.trim().split('\r\n');
    expect(lines[0]).toBe('Site,Site code,Maintenance jobs,On time,Late,Failed,Running,Waiting,Minutes out of service,Refused transactions,Estimated revenue lost (CNY),Estimated revenue lost (GBP)');
    expect(lines[1]).toMatch(new RegExp(`^All sites,,${figures.total.jobs.total},\\d+,\\d+,\\d+,\\d+,\\d+,${figures.total.downtimeMinutes},6,${yuan! / 100},24$`));
    expect(lines.find((l) => l.startsWith('Covent Garden,DEMO-LDN-01,'))).toMatch(/,2,0,24$/);
    expect(lines.some((l) => l.startsWith('人民广场店,DEMO-SH-01,'))).toBe(true);
    // The formula is text in a spreadsheet: an apostrophe first, the whole cell quoted.
    expect(lines.find((l) => l.includes('HYPERLINK'))).toMatch(/^"'=HYPERLINK\(""http:\/\/evil\.example"",""x""\)",EVIL-01,1,/);

    // PCI DSS: the requirements as the API reports them, and the downloads.
    const report = await adminApi<{ requirements: { id: string; met: boolean }[] }>('GET', '/compliance/report?format=json');
    const pci = page.getByRole('table', { name: 'PCI DSS report' });
    await expect.poll(() => pci.getByRole('row').count(), { timeout: WAIT }).toBe(report.requirements.length + 1);
    for (const r of report.requirements) {
      await pci.locator(`tr[data-requirement="${r.id}"]`).getByText(r.met ? 'Met' : 'Gaps', { exact: true }).waitFor();
    }
    await pci.getByRole('rowheader', { name: 'Terminal (POI device) inventory' }).waitFor();
    const csvHref = await page.getByTestId('pci-csv').getAttribute('href');
    expect(csvHref).toBe('/api/v1/compliance/report?format=csv&locale=en');
    const fetched = await page.evaluate(async (href) => {
      const res = await fetch(href!);
      return { status: res.status, type: res.headers.get('content-type'), disposition: res.headers.get('content-disposition') };
    }, csvHref);
    expect(fetched).toMatchObject({ status: 200, type: 'text/csv; charset=utf-8' });
    expect(fetched.disposition).toMatch(/^attachment; filename="pci-report-fleet-/);
    expect(await page.getByTestId('pci-json').getAttribute('href')).toBe('/api/v1/compliance/report?format=json&locale=en');
    await page.getByRole('button', { name: 'Show the printable report' }).click();
    await page.frameLocator('iframe.report-frame').getByRole('heading', { name: 'PCI DSS compliance report' }).waitFor();
    await shot('en-reports');

    await language(page, 'zh-CN');
    await page.getByRole('heading', { name: '报表', level: 1 }).waitFor();
    await page.getByRole('table', { name: 'PCI DSS 合规报告' }).getByRole('rowheader', { name: '终端（POI 设备）清单' }).waitFor();
    expect(await page.getByTestId('kpi-lost').textContent()).toBe(`${money(yuan!, 'zh-CN')} + ${money(pounds!, 'zh-CN', 'GBP')}`);
    await page.frameLocator('iframe.report-frame').getByRole('heading', { name: 'PCI DSS 合规报告' }).waitFor();
    await shot('zh-CN-reports');
    await language(page, 'en');

    const p = await phone();
    await (await nav(p, '报表')).click();
    await expect.poll(() => p.getByTestId('kpi-jobs').textContent(), { timeout: WAIT }).toBe(String(figures.total.jobs.total));
    expect(await fits(p)).toBe(true);
    await shot('mobile-zh-CN-reports', p);
    await language(p, 'en');
    await p.getByRole('heading', { name: 'Reports', level: 1 }).waitFor();
    expect(await fits(p)).toBe(true);
    await shot('mobile-en-reports', p);
  });

  it('edits a model\'s rule threshold, keeps it, and shows the server\'s message beside a wrong one', { timeout: TEST_TIMEOUT }, async () => {
    await (await nav(page, 'Settings')).click();
    await page.getByRole('heading', { name: 'Settings', level: 1 }).waitFor();
    await page.getByRole('navigation', { name: 'Settings sections' }).getByRole('link', { name: 'Diagnostic rules' }).click();
    await page.getByRole('heading', { name: 'Diagnostic rules', level: 2 }).waitFor();
    const model = page.getByLabel('Terminal model');
    await model.locator('option').first().waitFor({ state: 'attached' });
    const modelId = await model.inputValue();
    const latency = page.getByLabel('Highest network latency (ms)');
    await latency.fill('1500');
    // The model's form (each merchant's trading thresholds have a form and a Save of their own).
    const rules = page.getByRole('form', { name: 'Diagnostic rules' });
    await rules.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
    type Thresholds = { overrides: { network?: { maxLatencyMs?: number }; battery?: { lowPercent?: number } }; effective: { network: { maxLatencyMs: number } } };
    const saved = await adminApi<Thresholds>('GET', `/terminal-models/${modelId}/diagnostic-thresholds`);
    expect(saved.overrides.network?.maxLatencyMs).toBe(1500);
    expect(saved.effective.network.maxLatencyMs).toBe(1500);
    await page.reload({ waitUntil: 'domcontentloaded' });
    await expect.poll(() => page.getByLabel('Highest network latency (ms)').inputValue(), { timeout: WAIT }).toBe('1500');

    const low = page.getByLabel('Low charge (%)');
    await low.fill('150');
    await page.getByRole('form', { name: 'Diagnostic rules' }).getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => low.getAttribute('aria-invalid'), { timeout: WAIT }).toBe('true');
    const describedBy = (await low.getAttribute('aria-describedby'))!.split(' ');
    const message = await page.locator(`[id="${describedBy.at(-1)}"]`).textContent();
    expect(message).toMatch(/^must be <= 100/);
    expect((await adminApi<Thresholds>('GET', `/terminal-models/${modelId}/diagnostic-thresholds`)).overrides.battery?.lowPercent).toBeUndefined();
    await shot('en-settings-rules');
  });

  it('creates a maintenance window from settings in the site\'s time zone, names a wrong duration, and deletes it', { timeout: TEST_TIMEOUT }, async () => {
    const nightMarket = site('DEMO-SH-02');
    await page.getByRole('navigation', { name: 'Settings sections' }).getByRole('link', { name: 'Maintenance windows' }).click();
    const form = page.getByRole('form', { name: 'New maintenance window' });
    await form.waitFor();
    await form.getByLabel('Window name').fill('Night market firmware');
    await form.getByRole('option', { name: '外滩夜市摊 (DEMO-SH-02)' }).waitFor({ state: 'attached' });
    await form.getByRole('combobox', { name: 'Site', exact: true }).selectOption({ label: '外滩夜市摊 (DEMO-SH-02)' });
    const start = DateTime.now().setZone('Asia/Shanghai').plus({ days: 2 }).set({ hour: 3, minute: 15, second: 0, millisecond: 0 });
    await form.getByLabel('Starts at').fill(start.toFormat("yyyy-MM-dd'T'HH:mm"));
    await form.getByText('Local time in Asia/Shanghai.').waitFor();
    const duration = form.getByLabel('Duration (minutes)');
    await duration.fill('2000');
    await form.getByRole('button', { name: 'Create window' }).click();
    await expect.poll(() => duration.getAttribute('aria-invalid'), { timeout: WAIT }).toBe('true');
    await form.getByText(/^The duration must be at most 24 hours/).waitFor();
    await shot('en-settings-windows-error');

    await duration.fill('45');
    await form.getByRole('button', { name: 'Create window' }).click();
    await form.getByRole('status').filter({ hasText: 'Maintenance window “Night market firmware” created' }).waitFor();
    expect(await duration.getAttribute('aria-invalid')).toBeNull();
    const windows = async () => (await adminApi<{ items: WindowView[] }>('GET', `/maintenance/windows?siteId=${nightMarket.id}`)).items.filter((w) => w.name === 'Night market firmware');
    const [created] = await windows();
    expect(created?.schedule).toMatchObject({ kind: 'once', durationMinutes: 45 });
    expect(Date.parse(created!.schedule.start!)).toBe(start.toMillis());
    const row = page.getByRole('table', { name: 'All maintenance windows' }).getByRole('row').filter({ hasText: 'Night market firmware' });
    await row.waitFor();
    await shot('en-settings-windows');

    page.once('dialog', (dialog) => void dialog.accept());
    await row.getByRole('button', { name: 'Delete Night market firmware' }).click();
    await page.getByRole('status').filter({ hasText: 'Maintenance window “Night market firmware” deleted.' }).waitFor();
    expect(await windows()).toEqual([]);
  });

  it('edits a preventive template, creates a notification channel and a user, and changes a role', { timeout: TEST_TIMEOUT }, async () => {
    const sections = page.getByRole('navigation', { name: 'Settings sections' });
    // Templates
    await sections.getByRole('link', { name: 'Preventive maintenance templates' }).click();
    const templates = (await adminApi<{ items: { id: string; code: string; name: { en: string }; intervalDays: number }[] }>('GET', '/preventive/templates')).items;
    const template = templates[0]!;
    await page.getByRole('button', { name: `Edit ${template.name.en}` }).click();
    const interval = page.getByLabel('Interval (days)');
    await interval.fill('0');
    await page.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => interval.getAttribute('aria-invalid'), { timeout: WAIT }).toBe('true');
    await page.getByText(/^must be > 0/).waitFor();
    await interval.fill('45');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
    await expect.poll(() => page.getByTestId(`interval-${template.code}`).textContent(), { timeout: WAIT }).toBe('45');
    expect((await adminApi<{ items: { id: string; intervalDays: number }[] }>('GET', '/preventive/templates')).items.find((x) => x.id === template.id)?.intervalDays).toBe(45);
    await shot('en-settings-templates');

    // Notification channels
    await sections.getByRole('link', { name: 'Notification channels' }).click();
    const channelForm = page.getByRole('form', { name: 'New notification channel' });
    await channelForm.getByLabel('Kind').selectOption('webhook');
    await channelForm.getByLabel('Channel name').fill('Ops webhook');
    await channelForm.getByLabel('Webhook URL (https)').fill('https://hooks.example/posfleet');
    await channelForm.getByRole('checkbox', { name: 'Incident opened' }).check();
    await channelForm.getByRole('button', { name: 'Create channel' }).click();
    await channelForm.getByText('Notification channel “Ops webhook” created.').waitFor();
    expect((await channelForm.getByTestId('channel-secret').locator('code').textContent())!.length).toBeGreaterThanOrEqual(16);
    const channels = (await adminApi<{ items: { name: string; kind: string; address: string; events: string[] }[] }>('GET', '/notification-channels')).items;
    expect(channels.find((c) => c.name === 'Ops webhook')).toMatchObject({ kind: 'webhook', address: 'https://hooks.example/posfleet', events: ['incident.opened'] });
    await page.getByRole('table', { name: 'All notification channels' }).getByRole('row').filter({ hasText: 'Ops webhook' }).getByText('Incident opened').waitFor();
    await shot('en-settings-channels');

    // Users and roles
    await sections.getByRole('link', { name: 'Users and roles' }).click();
    const userForm = page.getByRole('form', { name: 'New user' });
    await userForm.getByLabel('Email').fill('tina@pages.test');
    await userForm.getByLabel('Name', { exact: true }).fill('Tina Tech');
    await userForm.getByLabel('Role', { exact: true }).selectOption('support');
    const password = userForm.getByLabel('First password');
    await password.fill('short');
    await userForm.getByRole('button', { name: 'Create user' }).click();
    await expect.poll(() => password.getAttribute('aria-invalid'), { timeout: WAIT }).toBe('true');
    await password.fill('a much longer passphrase 42');
    await userForm.getByRole('button', { name: 'Create user' }).click();
    await userForm.getByText('User Tina Tech created as support.').waitFor();
    const tina = page.locator('li[data-user="tina@pages.test"]');
    await tina.getByLabel('Role of Tina Tech').selectOption({ label: 'technician' });
    await tina.getByRole('button', { name: 'Change role' }).click();
    await tina.getByText('Tina Tech is now technician.').waitFor();
    await expect.poll(() => tina.getByTestId('role-tina@pages.test').textContent(), { timeout: WAIT }).toBe('technician');
    const users = (await adminApi<{ items: { email: string; role: string }[] }>('GET', '/users')).items;
    expect(users.find((u) => u.email === 'tina@pages.test')?.role).toBe('technician');
    await page.locator(`li[data-user="${ADMIN.email}"]`).getByText('You cannot change your own role here.').waitFor();
    await shot('en-settings-users');
  });

  it('shows every settings section in Chinese and on a 390 px phone', { timeout: TEST_TIMEOUT }, async () => {
    const sections = [
      ['templates', '预防性维护模板'], ['rules', '诊断规则'], ['windows', '维护窗口'], ['channels', '通知渠道'], ['users', '用户与角色'],
    ] as const;
    await language(page, 'zh-CN');
    for (const [id, heading] of sections) {
      await page.getByRole('navigation', { name: '设置分类' }).getByRole('link', { name: heading }).click();
      await page.getByRole('heading', { name: heading, level: 2 }).waitFor();
      await expect.poll(() => page.getByRole('status').filter({ hasText: '加载中…' }).count(), { timeout: WAIT }).toBe(0);
      await shot(`zh-CN-settings-${id}`);
    }
    await language(page, 'en');

    const p = await phone();
    await (await nav(p, '设置')).click();
    for (const [id, heading] of sections) {
      await p.getByRole('navigation', { name: '设置分类' }).getByRole('link', { name: heading }).click();
      await p.getByRole('heading', { name: heading, level: 2 }).waitFor();
      await expect.poll(() => p.getByRole('status').filter({ hasText: '加载中…' }).count(), { timeout: WAIT }).toBe(0);
      expect(await fits(p), id).toBe(true);
      await shot(`mobile-zh-CN-settings-${id}`, p);
    }
    await language(p, 'en');
    const english = [
      ['templates', 'Preventive maintenance templates'], ['rules', 'Diagnostic rules'], ['windows', 'Maintenance windows'],
      ['channels', 'Notification channels'], ['users', 'Users and roles'],
    ] as const;
    for (const [id, heading] of english) {
      await p.getByRole('navigation', { name: 'Settings sections' }).getByRole('link', { name: heading }).click();
      await p.getByRole('heading', { name: heading, level: 2 }).waitFor();
      expect(await fits(p), id).toBe(true);
      await shot(`mobile-en-settings-${id}`, p);
    }
  });

  it("shows an admin a terminal's audit history, newest first", { timeout: TEST_TIMEOUT }, async () => {
    const id = await terminalId('DEMO-2001');
    await adminApi('POST', `/terminals/${id}/lock`, { reason: 'seal looks broken' });
    await adminApi('POST', `/terminals/${id}/unlock`, { reason: 'inspected: seal intact' });
    await page.goto(`${server.url}/terminals/${id}`, { waitUntil: 'domcontentloaded' });
    const audit = page.getByRole('table', { name: 'Audit history' });
    await expect.poll(async () => (await audit.locator('code').allTextContents()).slice(0, 2), { timeout: WAIT })
      .toEqual(['POST /api/v1/terminals/:id/unlock', 'POST /api/v1/terminals/:id/lock']);
    await shot('en-terminal-history');
  });

  it("shows the demo plan's due tasks with why each date is what it is, in both languages and on a phone", { timeout: TEST_TIMEOUT }, async () => {
    interface PlanSummary { id: string; name: string; tasks: number; overdue: number; dueWithin7Days: number }
    interface Due { serialNumber: string; siteName: string | null; templateName: { en: string; 'zh-CN': string }; why: { factor: string }[] }
    const [plan] = (await adminApi<{ items: PlanSummary[] }>('GET', '/preventive/plans')).items;
    expect(plan).toMatchObject({ name: 'Maintenance calendar 维护日历', tasks: 12 * 5 });

    await (await nav(page, 'Preventive maintenance')).click();
    const plans = page.getByRole('table', { name: 'Plans' });
    const row = plans.getByRole('row').filter({ hasText: plan!.name });
    await row.waitFor();
    // The plan's figures are the server's.
    await expect.poll(async () => (await row.getByRole('cell').allTextContents()).slice(2, 5)).toEqual([plan!.tasks, plan!.overdue, plan!.dueWithin7Days].map(String));

    // The open-air, humid night market's tasks: each one explains its shorter interval by the site.
    const market = site('DEMO-SH-02');
    await page.getByLabel('Site', { exact: true }).selectOption(market.id);
    const tasks = page.getByTestId('due-task');
    await expect.poll(async () => {
      const wheres = await tasks.locator('.due-where').allTextContents();
      return wheres.length > 0 && wheres.every((w) => w.includes(market.name));
    }).toBe(true);
    const listed = (await adminApi<{ items: Due[] }>('GET', `/preventive/due?siteId=${market.id}&before=${encodeURIComponent(new Date(Date.now() + 30 * 86_400_000).toISOString())}&limit=100`)).items;
    expect(await tasks.count()).toBe(listed.length);
    const first = tasks.first();
    await expect.poll(() => first.locator('strong').textContent()).toBe(listed[0]!.templateName.en);
    await first.getByText('Why this date').click();
    await first.getByText('Site environment (outdoor): interval ×').waitFor();
    await first.getByText('Site environment (humid): interval ×').waitFor();
    await shot('en-preventive');

    await language(page, 'zh-CN');
    await page.getByRole('heading', { name: '预防性维护', level: 1 }).waitFor();
    await first.getByText('门店环境（户外）：周期 ×').waitFor();
    await expect.poll(() => first.locator('strong').textContent()).toBe(listed[0]!.templateName['zh-CN']);
    await shot('zh-CN-preventive');
    await language(page, 'en');

    const p = await phone();
    await (await nav(p, '预防性维护')).click();
    await p.getByTestId('due-task').first().waitFor();
    expect(await fits(p)).toBe(true);
    await shot('mobile-zh-CN-preventive', p);
    await language(p, 'en');
    await p.getByRole('heading', { name: 'Preventive maintenance', level: 1 }).waitFor();
    expect(await fits(p)).toBe(true);
    await shot('mobile-en-preventive', p);
  });

  it('offers a support user only what the role may use', { timeout: TEST_TIMEOUT }, async () => {
    const p = await newPage(await context({ viewport: { width: 1280, height: 900 }, locale: 'en-US', timezoneId: BROWSER_ZONE }));
    await signIn(p, SUPPORT.email, EN);
    await (await nav(p, 'Settings')).click();
    const sections = p.getByRole('navigation', { name: 'Settings sections' });
    await sections.getByRole('link', { name: 'Preventive maintenance templates' }).waitFor();
    expect(await sections.getByRole('link').allTextContents()).toEqual(['Preventive maintenance templates', 'Diagnostic rules', 'Maintenance windows', 'Security']);
    await p.getByText('Your role may look, not change.').waitFor();
    expect(await p.getByRole('button', { name: /^Edit / }).count()).toBe(0);
    await sections.getByRole('link', { name: 'Maintenance windows' }).click();
    await p.getByRole('table', { name: 'All maintenance windows' }).waitFor();
    expect(await p.getByRole('form', { name: 'New maintenance window' }).count()).toBe(0);
    expect(await p.getByRole('button', { name: /^Delete / }).count()).toBe(0);
    await p.goto(`${server.url}/settings/users`, { waitUntil: 'domcontentloaded' });
    await p.getByRole('alert').filter({ hasText: 'Your role may not see this.' }).waitFor();
    await shot('en-settings-support', p);

    await (await nav(p, 'Reports')).click();
    await p.getByRole('heading', { name: 'Maintenance figures' }).waitFor();
    await p.getByTestId('kpi-unresolved-incidents').waitFor();
    expect(await p.getByRole('heading', { name: 'PCI DSS report' }).count()).toBe(0);
    await (await nav(p, 'Calendar')).click();
    const panel = p.getByRole('region', { name: 'Suggested window' });
    await panel.getByRole('option', { name: '人民广场店 (DEMO-SH-01)' }).waitFor({ state: 'attached' });
    await panel.getByLabel('Site', { exact: true }).selectOption({ label: '人民广场店 (DEMO-SH-01)' });
    await panel.getByRole('button', { name: 'Suggest' }).click();
    await panel.getByTestId('suggested-loss').waitFor();
    expect(await panel.getByRole('button', { name: /^Create/ }).count()).toBe(0);
  });
});
