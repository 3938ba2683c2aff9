// A change that needs terminals out of service, walked in a real browser on the demo estate: an
// operator sets a new acquirer host at a site, is told it is held for maintenance, delivers it as a
// campaign from the Configuration page after a confirmation saying how, and the campaign page shows
// the change it delivers; once the campaign is cancelled with a terminal that took the change, the
// Configuration page says how many keep it and offers to deliver it to the others — in zh-CN at 1366 px
// and in en at 390 px.
// Screenshots go to test-artifacts/configuration-campaigns/.
import { describe, expect, it } from 'vitest';
import { chromiumMissing, fitsWidth, PHONE, screenshot, SIGN_IN, signIn, useDashboard } from './support/browser.ts';

const OPERATOR = { email: 'otto@config-campaigns.test', name: 'Otto Operator' };

const RUNS = [
  {
    name: 'zh-CN at 1366 px', locale: 'zh-CN' as const, viewport: { width: 1366, height: 900 }, siteCode: 'DEMO-SH-01', host: 'acq2.unionpay.example',
    words: {
      nav: '参数配置', level: '层级', site: '门店', host: '收单主机', preview: '预览变更', reason: '原因', apply: '应用',
      held: '已暂存：有参数需要终端暂停营业。请在下方以灰度发布下发。', pending: '待下发', deliver: '以灰度发布下发', change: '配置变更', delivering: '灰度发布下发中',
      waiting: /^\d+ 台终端仍保持变更前的配置，直到灰度发布在其维护窗口内下发（被跳过的终端将由后续灰度发布补发）$/,
      cancelled: '已取消下发', kept: '台终端中 1 台保留此变更', others: '向其余终端下发',
    },
  },
  {
    name: 'en at 390 px', locale: 'en-US' as const, viewport: PHONE, siteCode: 'DEMO-LDN-01', host: 'acq2.worldpay.example',
    words: {
      nav: 'Configuration', level: 'Level', site: 'Site', host: 'Acquirer host', preview: 'Preview the change', reason: 'Reason', apply: 'Apply',
      held: 'Held: a changed parameter needs the terminals out of service. Deliver it as a campaign below.', pending: 'Pending: not delivered', deliver: 'Deliver as campaign',
      change: 'Configuration change', delivering: 'Being delivered by a campaign', cancelled: 'Delivery cancelled', kept: '1 of 4 terminals keep it', others: 'Deliver to the others',
      waiting: /^(1 terminal keeps|\d+ terminals keep) the configuration before it until a campaign reaches (it|them) in a maintenance window \(a terminal a campaign skipped gets a follow-up campaign\)$/,
    },
  },
];

describe.skipIf(chromiumMissing('configuration campaign browser tests'))('configuration campaigns in a real browser', () => {
  const { server, adminApi, shots: SHOTS, context, newPage } = useDashboard({ name: 'configuration-campaigns', users: [{ ...OPERATOR, role: 'operator', locale: 'en' }] });

  for (const run of RUNS) {
    it(`holds a new acquirer host for maintenance and delivers it as a campaign (${run.name})`, async () => {
      const w = run.words;
      const site = (await adminApi<{ items: { id: string; code: string; name: string }[] }>('GET', `/sites?q=${run.siteCode}`)).items.find((s) => s.code === run.siteCode)!;
      const p = await newPage(await context({ viewport: run.viewport, locale: run.locale, timezoneId: 'Asia/Shanghai' }));
      const shot = (name: string) => screenshot(p, SHOTS, `${run.locale}-${run.viewport.width}-${name}`);
      await signIn(p, server.url, OPERATOR.email, run.locale === 'zh-CN' ? SIGN_IN.zh : SIGN_IN.en);
      if (run.locale === 'zh-CN') {
        await p.getByRole('link', { name: w.nav }).click();
        await p.getByLabel(w.level, { exact: true }).selectOption('site');
        await p.getByLabel(w.site, { exact: true }).selectOption({ label: `${site.name} (${site.code})` });
      } else {
        await p.getByRole('navigation', { name: 'Main' }).waitFor(); // signed in
        await p.goto(`${server.url}/configuration?level=site&scope=${site.id}`);
      }
      await p.getByLabel(w.host, { exact: true }).fill(run.host);
      await p.getByRole('button', { name: w.preview }).click();
      await expect.poll(() => p.locator('[data-change="acquirerHost"]').innerText()).toContain(run.host);
      await p.getByLabel(w.reason, { exact: true }).fill('New acquirer host');
      await p.getByRole('button', { name: w.apply, exact: true }).click();
      await p.getByRole('status').filter({ hasText: w.held }).waitFor();

      // Not live: the site's value is unchanged, the change waits in its own section.
      const held = p.locator('[data-change-id]');
      await held.getByText(w.pending).waitFor();
      expect(await held.innerText()).toContain(run.host);
      expect(await p.locator('[data-parameter="acquirerHost"] [data-at-level]').innerText()).not.toContain(run.host);
      expect(await fitsWidth(p)).toBe(true);
      await shot('1-held');

      await held.getByRole('button', { name: w.deliver }).click();
      const dialog = p.getByRole('dialog');
      await dialog.waitFor();
      await shot('2-confirm');
      await dialog.getByRole('button', { name: w.deliver }).click();
      await p.waitForURL(/\/updates\/campaigns\//);
      const change = p.locator('[data-configuration-change]');
      await change.waitFor();
      expect(await change.innerText()).toContain(run.host);
      expect(await change.innerText()).toContain(w.delivering);
      expect(await p.getByText(w.change, { exact: true }).count()).toBe(1);
      expect(await fitsWidth(p)).toBe(true);
      await shot('3-campaign');

      const campaignUrl = p.url();
      // Until the campaign reaches them, the site's terminals keep the configuration before the change:
      // said on the campaign page and beside the change on the Configuration page, at desk and phone width.
      const waiting = p.locator('[data-configuration-change] [data-configuration-waiting]');
      expect(await waiting.innerText()).toMatch(w.waiting);
      await p.goto(`${server.url}/configuration?level=site&scope=${site.id}`);
      const pageWaiting = p.locator('[data-change-id] [data-configuration-waiting]');
      expect(await pageWaiting.innerText()).toMatch(w.waiting);
      expect(await fitsWidth(p)).toBe(true);
      await shot('4-change-waiting');
      if (run.viewport !== PHONE) {
        await p.setViewportSize(PHONE);
        await pageWaiting.waitFor();
        expect(await fitsWidth(p)).toBe(true);
        await screenshot(p, SHOTS, `${run.locale}-${PHONE.width}-4-change-waiting`);
        await p.goBack();
        await waiting.waitFor();
        expect(await fitsWidth(p)).toBe(true);
        await screenshot(p, SHOTS, `${run.locale}-${PHONE.width}-3-campaign-waiting`);
      }
      await p.goto(campaignUrl);
      await p.locator('[data-configuration-change]').waitFor();

      // Cancelled after one terminal of the site took the change in its job (recorded as its job would):
      // the change's delivery ends, that terminal keeps it, and the page says so.
      const campaignId = campaignUrl.split('/').pop()!;
      const changeId = (await change.getAttribute('data-configuration-change-id'))!;
      const terminal = (await adminApi<{ items: { id: string }[] }>('GET', `/terminals?siteId=${site.id}`)).items[0]!;
      const at = new Date().toISOString();
      await server.services.db.kysely.insertInto('config_change_holders').values({ change_id: changeId, terminal_id: terminal.id, since: at }).execute();
      await server.services.db.kysely.updateTable('rollout_actions').set({ state: 'succeeded', maintenance_job_id: null, updated_at: at, finished_at: at })
        .where('campaign_id', '=', campaignId).where('terminal_id', '=', terminal.id).execute();
      await adminApi('POST', `/campaigns/${campaignId}/cancel`, { note: 'wrong week' });
      await server.services.configuration.refresh();
      await server.services.configurationCampaigns.tick();
      await p.reload();
      await expect.poll(() => p.locator('[data-configuration-change]').innerText()).toContain(w.cancelled);
      await p.goto(`${server.url}/configuration?level=site&scope=${site.id}`);
      const kept = p.locator('[data-change-id]');
      await kept.getByText(w.cancelled).waitFor();
      expect(await kept.locator('[data-configuration-kept]').innerText()).toContain(w.kept);
      await kept.getByRole('button', { name: w.others }).waitFor();
      expect(await fitsWidth(p)).toBe(true);
      await shot('5-cancelled');
    }, 120_000);
  }
});
