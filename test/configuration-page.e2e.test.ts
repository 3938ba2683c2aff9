// The terminal configuration page walked in a real browser (Debian's Chromium through playwright-core)
// against a real, listening server on the demo estate (which seeds the demo POS application's parameter
// schema and values): an operator sets the receipt footer at a site, sees the diff before applying it
// with a reason, sees a terminal of that site take its effective value from the site, and undoes the
// change from the site's history — in zh-CN at 1366 px and in en at 390 px.
// Screenshots go to test-artifacts/configuration-page/.
import { beforeAll, describe, expect, it } from 'vitest';
import { chromiumMissing, fitsWidth, navLink, PASSWORD, PHONE, screenshot, SIGN_IN, signIn, useDashboard } from './support/browser.ts';

const DESK = { width: 1366, height: 900 };
const OPERATOR = { email: 'olivia@config.test', name: 'Olivia Operator' };
const SHOP = { email: 'shop@config.test', name: '青柠店长' };

interface Effective { parameters: { name: string; value: unknown; source: { level: string; scopeId: string } }[] }

const RUNS = [
  {
    name: 'zh-CN at 1366 px', locale: 'zh-CN' as const, viewport: DESK, siteCode: 'DEMO-SH-01', serial: 'DEMO-1001', footer: '春节快乐 Happy New Year',
    words: {
      nav: '参数配置', level: '层级', site: '门店', terminal: '终端', footer: '小票页脚', preview: '预览变更', reason: '原因', apply: '应用',
      applied: '已应用，版本 1。', affected: '4 台终端的生效配置将改变。', live: '即时生效：终端照常营业。', source: (site: string) => `门店「${site}」`,
      undo: '撤销此次及之后的变更', undone: '已撤销：当前为版本 2。', inherited: '继承上级',
    },
  },
  {
    name: 'en at 390 px', locale: 'en-US' as const, viewport: PHONE, siteCode: 'DEMO-LDN-01', serial: 'DEMO-3001', footer: 'See you at Covent Garden',
    words: {
      nav: 'Configuration', level: 'Level', site: 'Site', terminal: 'Terminal', footer: 'Receipt footer', preview: 'Preview the change', reason: 'Reason', apply: 'Apply',
      applied: 'Applied as version 1.', affected: '4 terminals get a new effective configuration.', live: 'Applies live: terminals keep trading.', source: (site: string) => `Site ${site}`,
      undo: 'Undo this change and later ones', undone: 'Undone: now version 2.', inherited: 'inherited',
    },
  },
];

describe.skipIf(chromiumMissing('configuration page browser tests'))('the terminal configuration page in a real browser', () => {
  const { server, adminApi, shots: SHOTS, context, newPage } = useDashboard({ name: 'configuration-page', users: [{ ...OPERATOR, role: 'operator', locale: 'en' }] });

  beforeAll(async () => {
    const tea = (await adminApi<{ items: { id: string; name: string }[] }>('GET', '/merchants?limit=100')).items.find((m) => m.name === '青柠茶饮')!;
    await server.services.access.createUser({ ...SHOP, role: 'merchant', merchantId: tea.id, password: PASSWORD, locale: 'zh-CN' });
  });

  for (const run of RUNS) {
    it(`sets the receipt footer at a site, shows the diff, the terminal's value from the site, and undoes it (${run.name})`, async () => {
      const w = run.words;
      const site = (await adminApi<{ items: { id: string; code: string; name: string }[] }>('GET', `/sites?q=${run.siteCode}`)).items.find((s) => s.code === run.siteCode)!;
      const terminal = (await adminApi<{ items: { id: string; serialNumber: string }[] }>('GET', `/terminals?q=${run.serial}`)).items.find((x) => x.serialNumber === run.serial)!;
      const p = await newPage(await context({ viewport: run.viewport, locale: run.locale, timezoneId: 'Asia/Shanghai' }));
      const shot = (name: string) => screenshot(p, SHOTS, `${run.locale}-${run.viewport.width}-${name}`);
      await signIn(p, server.url, OPERATOR.email, run.locale === 'zh-CN' ? SIGN_IN.zh : SIGN_IN.en);
      await (await navLink(p, w.nav)).click();

      // The site: it has no footer of its own yet (inherited); the new one is typed and previewed.
      await p.getByLabel(w.level, { exact: true }).selectOption('site');
      await p.getByLabel(w.site, { exact: true }).selectOption({ label: `${site.name} (${site.code})` });
      expect(p.url()).toContain(`level=site&scope=${site.id}`);
      await p.getByLabel(w.footer, { exact: true }).fill(run.footer);
      await p.getByRole('button', { name: w.preview }).click();
      const change = p.locator('[data-change="receiptFooter"]');
      await expect.poll(() => change.innerText()).toContain(run.footer);
      expect(await change.innerText()).toContain(w.inherited);
      expect(await p.locator('[data-diff-terminals]').innerText()).toBe(w.affected);
      await p.getByText(w.live).waitFor();
      expect(await fitsWidth(p)).toBe(true);
      await shot('1-diff');

      // Applied with a reason: the site's first version.
      await p.getByLabel(w.reason, { exact: true }).fill('Spring festival receipts');
      await p.getByRole('button', { name: w.apply, exact: true }).click();
      await p.getByRole('status').filter({ hasText: w.applied }).waitFor();
      expect(await p.locator('[data-parameter="receiptFooter"] [data-at-level]').innerText()).toBe(run.footer);
      await p.locator('[data-version="1"]').getByText('Spring festival receipts').waitFor();

      // A terminal of the site (chosen on this page in zh-CN, opened from the terminal's own page in en):
      // its effective footer comes from the site, said in words.
      if (run.locale === 'zh-CN') {
        await p.getByLabel(w.level, { exact: true }).selectOption('terminal');
        await p.getByLabel(w.terminal, { exact: true }).selectOption({ label: run.serial });
      } else {
        await p.goto(`${server.url}/terminals/${terminal.id}`);
        await p.getByRole('link', { name: 'Configuration: effective values and where they come from' }).click();
        // The page's code and its terminal list load after the click: the choice shows once they are there.
        await expect.poll(() => p.getByLabel(w.terminal, { exact: true }).inputValue(), { timeout: 15_000 }).toBe(terminal.id);
      }
      const footer = p.locator('[data-parameter="receiptFooter"]');
      await expect.poll(() => footer.locator('[data-effective]').innerText()).toBe(run.footer);
      expect(await footer.locator('[data-source]').innerText()).toBe(w.source(site.name));
      expect(await fitsWidth(p)).toBe(true);
      await shot('2-terminal');

      // Back at the site, the change is undone from its history: the terminal's footer comes from above again.
      await p.goto(`${server.url}/configuration?level=site&scope=${site.id}`);
      await p.locator('[data-version="1"]').getByRole('button', { name: w.undo }).click();
      const dialog = p.getByRole('dialog');
      await dialog.getByLabel(w.reason, { exact: true }).fill('Festival over');
      await shot('3-undo');
      await dialog.getByRole('button', { name: w.undo }).click();
      await p.getByRole('status').filter({ hasText: w.undone }).waitFor();
      await p.locator('[data-version="2"]').getByText('Festival over').waitFor();
      await shot('4-history');
      const effective = await adminApi<Effective>('GET', `/terminals/${terminal.id}/configuration`);
      const after = effective.parameters.find((x) => x.name === 'receiptFooter')!;
      expect(after.value).not.toBe(run.footer);
      expect(['fleet', 'merchant']).toContain(after.source.level);
    }, 120_000);
  }

  it("shows a merchant's user only the parameters the schema lets a merchant change, and the server's refusal beside its field (zh-CN at 390 px)", async () => {
    const p = await newPage(await context({ viewport: PHONE, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' }));
    await signIn(p, server.url, SHOP.email, SIGN_IN.zh);
    await (await navLink(p, '参数配置')).click();
    await p.getByText('仅显示您的商户可以修改的参数。').waitFor();
    expect(await p.getByLabel('层级', { exact: true }).locator('option').allInnerTexts()).toEqual(['商户', '门店', '终端']);
    await p.getByLabel('商户', { exact: true }).selectOption({ label: '青柠茶饮' });
    await p.locator('[data-parameter]').first().waitFor();
    expect(await p.locator('[data-parameter]').evaluateAll((cards) => cards.map((c) => c.getAttribute('data-parameter')))).toEqual(['receiptHeader', 'receiptFooter', 'language', 'tips']);

    const header = p.getByLabel('小票抬头', { exact: true });
    await header.fill('青'.repeat(65));
    await p.getByRole('button', { name: '预览变更' }).click();
    await expect.poll(() => header.getAttribute('aria-invalid')).toBe('true');
    const message = await p.locator('[data-parameter="receiptHeader"] .field-error').innerText();
    expect(message).toBe('小票抬头：此值不符合要求。最多 64 个字符。');
    expect(await fitsWidth(p)).toBe(true);
    await screenshot(p, SHOTS, 'zh-CN-390-merchant');
  }, 120_000);
});
