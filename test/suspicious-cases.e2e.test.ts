// Suspicious-activity cases in a real browser (Debian's Chromium through playwright-core) against a real,
// listening server on the seeded demo estate: an operator reports suspicious activity from a terminal's
// page, finds the case in the list, takes it, moves it to investigating and then resolved with a note,
// and reads its history; a close without a note is refused with the server's message beside the note.
// Roles that may only look get no buttons. Photographed in en and zh-CN, at desktop width and at 390 px,
// into test-artifacts/suspicious-cases/.
import type { Page } from 'playwright-core';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { chromiumMissing, fitsWidth, PHONE, screenshot, SIGN_IN, signIn as submitSignIn, type SignInLabels, useDashboard, WAIT, openMenu } from './support/browser.ts';

const OPERATOR = { email: 'operator@cases.test', name: 'Olga Operator' };
const SUPPORT = { email: 'support@cases.test', name: 'Sam Support' };
const TECHNICIAN = { email: 'tech@cases.test', name: 'Tom Technician' };
const AUDITOR = { email: 'auditor@cases.test', name: 'Ann Auditor' };
const ADMIN = { email: 'admin@cases.test', name: 'Adam Admin' };
const TEST_TIMEOUT = 120_000;
const SEEN = 'A plastic overlay glued over the card slot';

interface CaseView {
  id: string; serialNumber: string; what: string; status: string; ownerId: string | null; ownerName: string | null;
  history: { actor: string; changes: Record<string, [unknown, unknown]>; note: string | null }[];
}

describe.skipIf(chromiumMissing('suspicious-activity case tests'))('suspicious-activity cases in a real browser', () => {
  const dashboard = useDashboard({
    name: 'suspicious-cases',
    users: [
      { ...OPERATOR, role: 'operator', locale: 'en' }, { ...SUPPORT, role: 'support', locale: 'en' }, { ...TECHNICIAN, role: 'technician', locale: 'en' },
      { ...AUDITOR, role: 'auditor', locale: 'en' }, { ...ADMIN, role: 'admin', locale: 'en' },
    ],
  });
  const { server, adminApi, shots: SHOTS, context, newPage } = dashboard;
  let page: Page;
  let terminalId = '';
  let caseId = '';
  const { en: EN, zh: ZH } = SIGN_IN;

  const terminalOf = async (serial: string) =>
    (await adminApi<{ items: { id: string; serialNumber: string }[] }>('GET', `/terminals?q=${serial}&limit=10`)).items.find((x) => x.serialNumber === serial)!.id;

  async function signedIn(email: string, labels: SignInLabels, options: { viewport?: { width: number; height: number }; locale?: string } = {}): Promise<Page> {
    const p = await newPage(await context({ viewport: options.viewport ?? { width: 1280, height: 900 }, locale: options.locale ?? 'en-US' }));
    await submitSignIn(p, server.url, email, labels);
    await p.getByRole('navigation', { name: /^(Main|主导航)$/ }).waitFor();
    return p;
  }
  const open = (p: Page, path: string) => p.goto(`${server.url}${path}`, { waitUntil: 'domcontentloaded' });
  const language = async (p: Page, locale: 'en' | 'zh-CN') => {
    await openMenu(p);
    return p.getByRole('combobox', { name: /^(Language|语言)$/ }).selectOption(locale);
  };
  const shot = (name: string, p: Page = page) => screenshot(p, SHOTS, name);

  beforeAll(async () => {
    terminalId = await terminalOf('DEMO-1001');
    page = await signedIn(OPERATOR.email, EN);
  });

  beforeEach(() => {
    dashboard.current = page;
  });

  it('lets an operator report suspicious activity from the terminal\'s page and find the case in the list', { timeout: TEST_TIMEOUT }, async () => {
    await open(page, `/terminals/${terminalId}`);
    await page.getByRole('heading', { name: 'Terminal DEMO-1001', level: 1 }).waitFor();
    const form = page.getByRole('form', { name: 'Report suspicious activity' });
    // Too short a description: the server's reason stands beside the field, and nothing is reported.
    await form.getByLabel('What did you see?').fill('ab');
    await form.getByRole('button', { name: 'Report' }).click();
    const what = form.getByRole('textbox', { name: 'What did you see?' });
    await expect.poll(() => what.getAttribute('aria-invalid'), { timeout: WAIT }).toBe('true');
    await expect.poll(async () => (await adminApi<{ items: unknown[] }>('GET', `/suspicious-cases?terminalId=${terminalId}`)).items.length, { timeout: WAIT }).toBe(0);

    await what.fill(SEEN);
    await form.getByRole('button', { name: 'Report' }).click();
    await form.getByRole('status').filter({ hasText: 'Reported: a suspicious-activity case is open.' }).waitFor();
    const cases = await adminApi<{ items: CaseView[] }>('GET', `/suspicious-cases?terminalId=${terminalId}`);
    expect(cases.items).toHaveLength(1);
    expect(cases.items[0]).toMatchObject({ what: SEEN, status: 'open', ownerId: null, serialNumber: 'DEMO-1001' });
    caseId = cases.items[0]!.id;
    await shot('en-terminal-report');

    // The list is reached from the incidents page.
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Incidents', exact: true }).click();
    await page.getByRole('heading', { name: 'Incidents', level: 1 }).waitFor();
    await page.getByRole('link', { name: 'Suspicious-activity cases' }).click();
    await page.getByRole('heading', { name: 'Suspicious activity', level: 1 }).waitFor();
    const row = page.locator(`tr[data-case="${caseId}"]`);
    await row.waitFor();
    expect(await row.locator('td').allTextContents()).toEqual(['Open', 'DEMO-1001', SEEN, 'Nobody yet', expect.any(String), expect.any(String)]);
    // Closed cases are not listed by default; "Resolved" shows none yet.
    await page.getByLabel('Status').selectOption('resolved');
    await page.getByText('No suspicious-activity cases.').waitFor();
    await page.getByLabel('Status').selectOption('unclosed');
    await row.waitFor();
    await shot('en-list');
    await row.getByRole('link', { name: SEEN }).click();
    await page.getByRole('heading', { name: 'Suspicious activity at DEMO-1001', level: 1 }).waitFor();
  });

  it('assigns an owner, investigates, refuses a close without a note beside the field, resolves with a note and shows the history', { timeout: TEST_TIMEOUT }, async () => {
    await open(page, `/suspicious-cases/${caseId}`);
    await page.getByRole('heading', { name: 'Suspicious activity at DEMO-1001', level: 1 }).waitFor();
    await expect.poll(() => page.getByTestId('case-owner').textContent(), { timeout: WAIT }).toBe('Nobody yet');

    // An operator may not list users: they take the case themselves.
    const assign = page.getByRole('form', { name: 'Assign an owner' });
    await assign.getByLabel('New owner').selectOption({ label: OPERATOR.name });
    await assign.getByLabel('Note (optional)').fill('I will look at the CCTV');
    await assign.getByRole('button', { name: 'Assign' }).click();
    await assign.getByRole('status').filter({ hasText: `The case is now owned by ${OPERATOR.name}.` }).waitFor();
    await expect.poll(() => page.getByTestId('case-owner').textContent(), { timeout: WAIT }).toBe(OPERATOR.name);
    expect((await adminApi<CaseView>('GET', `/suspicious-cases/${caseId}`)).ownerName).toBe(OPERATOR.name);

    const status = page.getByRole('form', { name: 'Change status' });
    await status.getByLabel('New status').selectOption('investigating');
    await status.getByRole('button', { name: 'Move to: Investigating' }).click();
    await expect.poll(() => page.getByTestId('case-status').textContent(), { timeout: WAIT }).toBe('Investigating');

    // Closing without a note: the server's message sits beside the note, and the case does not move.
    await status.getByLabel('New status').selectOption('resolved');
    const note = status.getByRole('textbox', { name: 'Note (required to close)' });
    await status.getByRole('button', { name: 'Move to: Resolved' }).click();
    await status.getByText('Say why the case is resolved.').waitFor();
    expect(await note.getAttribute('aria-invalid')).toBe('true');
    expect(await note.getAttribute('aria-describedby')).toMatch(/-error/);
    expect((await adminApi<CaseView>('GET', `/suspicious-cases/${caseId}`)).status).toBe('investigating');
    await shot('en-case-refused');

    await note.fill('Overlay removed, card slot checked; police informed');
    await status.getByRole('button', { name: 'Move to: Resolved' }).click();
    await expect.poll(() => page.getByTestId('case-status').textContent(), { timeout: WAIT }).toBe('Resolved');
    await page.getByText('This case is closed. A new sighting is a new report.').waitFor();
    // Nothing is left to do with a closed case.
    expect(await page.getByRole('form', { name: 'Change status' }).count()).toBe(0);
    expect(await page.getByRole('form', { name: 'Assign an owner' }).count()).toBe(0);

    const history = page.getByRole('list', { name: 'History' }).locator(':scope > li');
    await expect.poll(() => history.count(), { timeout: WAIT }).toBe(4);
    const lines = await history.allTextContents();
    expect(lines[0]).toContain('Reported: case opened');
    expect(lines[0]).toContain(SEEN);
    expect(lines[1]).toContain(`Owner: Nobody yet → ${OPERATOR.name}`);
    expect(lines[1]).toContain('I will look at the CCTV');
    expect(lines[2]).toContain('Status: Open → Investigating');
    expect(lines[3]).toContain('Status: Investigating → Resolved');
    expect(lines[3]).toContain('Note: Overlay removed, card slot checked; police informed');
    for (const line of lines.slice(1)) expect(line).toContain(`Who: ${OPERATOR.name}`);
    const stored = await adminApi<CaseView>('GET', `/suspicious-cases/${caseId}`);
    expect(stored.history.map((e) => e.changes)).toEqual([
      { status: [null, 'open'] }, { ownerId: [null, stored.ownerId] }, { status: ['open', 'investigating'] }, { status: ['investigating', 'resolved'] },
    ]);
    await shot('en-case');

    await language(page, 'zh-CN');
    await page.getByRole('heading', { name: 'DEMO-1001 的可疑活动', level: 1 }).waitFor();
    await page.getByText('状态：调查中 → 已解决').waitFor();
    await shot('zh-CN-case');
    await open(page, '/suspicious-cases');
    await page.getByRole('heading', { name: '可疑活动', level: 1 }).waitFor();
    await page.getByLabel('状态').selectOption('all');
    await page.locator(`tr[data-case="${caseId}"]`).getByText('已解决').waitFor();
    await shot('zh-CN-list');
    await language(page, 'en');
  });

  it('offers the active admins, operators and support users as owners, to an operator too', { timeout: TEST_TIMEOUT }, async () => {
    const other = await terminalOf('DEMO-1002');
    const report = await adminApi<{ id: string }>('POST', `/terminals/${other}/suspicious-activity`, { what: 'Someone asked to borrow the terminal' });
    const p = await signedIn(OPERATOR.email, EN);
    await open(p, `/suspicious-cases/${report.id}`);
    const owner = p.getByRole('form', { name: 'Assign an owner' }).getByLabel('New owner');
    await owner.locator('option', { hasText: SUPPORT.name }).waitFor({ state: 'attached' });
    const names = await owner.locator('option').allTextContents();
    expect(names).toEqual(expect.arrayContaining([OPERATOR.name, SUPPORT.name, ADMIN.name]));
    expect(names).not.toContain(TECHNICIAN.name);
    expect(names).not.toContain(AUDITOR.name);
    await owner.selectOption({ label: SUPPORT.name });
    await p.getByRole('form', { name: 'Assign an owner' }).getByRole('button', { name: 'Assign' }).click();
    await expect.poll(() => p.getByTestId('case-owner').textContent(), { timeout: WAIT }).toBe(SUPPORT.name);
    expect((await adminApi<CaseView>('GET', `/suspicious-cases/${report.id}`)).ownerName).toBe(SUPPORT.name);
  });

  it('gives a role that may only look no report form and no buttons', { timeout: TEST_TIMEOUT }, async () => {
    const p = await signedIn(AUDITOR.email, EN);
    await open(p, `/terminals/${terminalId}`);
    await p.getByRole('heading', { name: 'Terminal DEMO-1001', level: 1 }).waitFor();
    await p.getByRole('heading', { name: 'Latest health' }).waitFor();
    expect(await p.getByRole('form', { name: 'Report suspicious activity' }).count()).toBe(0);
    const unclosed = (await adminApi<{ items: CaseView[] }>('GET', '/suspicious-cases?status=unclosed')).items[0]!;
    await open(p, `/suspicious-cases/${unclosed.id}`);
    await p.getByRole('heading', { name: `Suspicious activity at ${unclosed.serialNumber}`, level: 1 }).waitFor();
    await p.getByText('Your role may look, not change.').waitFor();
    expect(await p.getByRole('button').filter({ hasText: /^(Assign|Move to:)/ }).count()).toBe(0);
  });

  it('fits a 390 px phone in Chinese and English', { timeout: TEST_TIMEOUT }, async () => {
    const p = await signedIn(OPERATOR.email, ZH, { viewport: PHONE, locale: 'zh-CN' });
    await language(p, 'zh-CN');
    await open(p, `/terminals/${terminalId}`);
    await p.getByRole('form', { name: '报告可疑活动' }).waitFor();
    expect(await fitsWidth(p)).toBe(true);
    await shot('mobile-zh-CN-terminal-report', p);
    await open(p, '/suspicious-cases');
    await p.getByRole('heading', { name: '可疑活动', level: 1 }).waitFor();
    await p.getByLabel('状态').selectOption('all');
    await p.locator(`tr[data-case="${caseId}"]`).waitFor();
    expect(await fitsWidth(p)).toBe(true);
    await shot('mobile-zh-CN-list', p);
    await open(p, `/suspicious-cases/${caseId}`);
    await p.getByRole('heading', { name: 'DEMO-1001 的可疑活动', level: 1 }).waitFor();
    await p.getByRole('list', { name: '处理记录' }).waitFor();
    expect(await fitsWidth(p)).toBe(true);
    await shot('mobile-zh-CN-case', p);

    await language(p, 'en');
    await p.getByRole('heading', { name: 'Suspicious activity at DEMO-1001', level: 1 }).waitFor();
    expect(await fitsWidth(p)).toBe(true);
    await shot('mobile-en-case', p);
    const unclosed = (await adminApi<{ items: CaseView[] }>('GET', '/suspicious-cases?status=unclosed')).items[0]!;
    await open(p, `/suspicious-cases/${unclosed.id}`);
    await p.getByRole('form', { name: 'Change status' }).waitFor();
    expect(await fitsWidth(p)).toBe(true);
    await shot('mobile-en-case-open', p);
    await open(p, '/suspicious-cases');
    await p.locator(`tr[data-case="${unclosed.id}"]`).waitFor();
    expect(await fitsWidth(p)).toBe(true);
    await shot('mobile-en-list', p);
  });
});
