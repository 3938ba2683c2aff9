// A Chinese user's every page: signed in as a zh-CN admin on the demo estate (and as a zh-CN merchant and
// technician for their own pages), each page of the dashboard is visited — lists and the pages of one thing
// (terminal, site, work order, campaign, package, baseline, suspicious-activity case), the campaign preview
// included — and its visible text scanned for English words and internal ids (UUIDs, raw keys), once the
// names people gave things (merchants, sites, serials, models, packages) and a few proper names (PosFleet,
// PCI DSS, TID, MID) are taken out. No page may have any. Findings go to test-artifacts/zh-pages/findings.json,
// screenshots beside it.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../src/server.ts';
import { signPackage } from '../src/rollouts/package-signature.ts';
import { adminApiAt, boundedPage, buildDashboardIfStale, chromiumMissing, emptyFolder, launchChromium, PASSWORD, screenshot, sha256, SIGN_IN, signIn, startDemoServer, WAIT } from './support/browser.ts';

const SHOTS = join(import.meta.dirname, '..', 'test-artifacts', 'zh-pages');
const ADMIN_TOKEN = 'zh-pages-admin-token';

/** Product and data names that are English by nature: kept out of the scan. */
const ALLOWED = [
  /PosFleet/g, /PCI DSS/g, /\bTID\b|\bMID\b/g, /SHA-256/g, /PAX A920|Verifone V240m|PAX|Verifone|A920|V240m/g, /Covent Garden|Harbour Books|Simulator bench|Long Acre|London/g,
  /Maintenance calendar/g, /pos-app|posfleet\.configuration|[\w.-]+\.swu\b/g, // the demo plan's and the test package's names and file (data)
  /PayDroid|\bcounter\b|Thank you for shopping|\bdemo( seed)?\b|unionpay|lakala|worldpay/g, // the demo estate's versions, tags, receipt text, seed actor and acquirers (data)
  /\bEMV\b|\bAID\b|\bCAPK\b|\btar\b/g, // payment-industry terms and the case bundle's file format
  /[A-Z][A-Z0-9]*-[\w.-]+/g, // serials and site codes (DEMO-SH-01)
  /[\w.+-]+@[\w.-]+/g, // e-mail addresses
  /https?:\/\/\S+/g, /\b[A-Z][a-z]+\/[A-Z][A-Za-z_]+\b/g, // URLs, IANA time zones (Asia/Shanghai)
  /\bHTTP\b|\bCSV\b|\bPIN\b|\bTOTP\b|\bAPI\b|\bMB\b|\bKB\b|\bdBm\b|\bms\b|\bWi-?Fi\b|\bwifi\b|\b4G\b|\bApp\b/g,
  /English/g, // the language picker's own name for English
  /\badmin\b/g, // the bootstrap account's name (data)
  // Industry and PCI DSS abbreviations Chinese operators use as they are, and the report file formats.
  /\bKPI\b|\bMTBF\b|\bMTTR\b|\bPOI\b|\bPCI PTS\b|\bPTS\b|\bKSN\b|\bHTML\b|\bJSON\b/g,
  /(?<![\w-])[0-9a-f]{5,}(?![\w-])/g, // a SHA-256 shown in groups (not a UUID's parts: those are findings)
];

const PAGES = ['/', '/terminals', '/maintenance', '/maintenance/calendar', '/updates', '/incidents', '/suspicious-cases', '/preventive', '/work-orders', '/spares', '/reports',
  '/approvals', '/configuration', '/settings/templates', '/settings/rules', '/settings/windows', '/settings/channels', '/settings/users'];

function findings(text: string): string[] {
  let rest = text;
  for (const pattern of ALLOWED) rest = rest.replace(pattern, ' ');
  const ids = rest.match(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|\b[a-z]+\.[a-z]+[A-Z]\w*\b|\b[a-z]+_[a-z_]+\b/g) ?? [];
  for (const id of ids) rest = rest.replace(id, ' ');
  const words = rest.match(/[A-Za-z]{3,}/g) ?? [];
  return [...new Set([...ids, ...words])];
}

describe.skipIf(chromiumMissing('zh-CN page scan'))('a Chinese user reads only Chinese', () => {
  let server: RunningServer;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const api = adminApiAt(() => server.url, ADMIN_TOKEN);
  const paths = [...PAGES];
  let orderPath = '';

  /** Visits `path` and returns what looks English on it; the campaign form's preview is asked for first. */
  async function scan(p: Page, path: string, name: string): Promise<string[]> {
    await p.goto(`${server.url}${path}`);
    await p.locator('main h1').first().waitFor({ timeout: WAIT });
    if (path.startsWith('/updates/campaigns/new')) {
      await p.getByRole('button', { name: '预览' }).click();
      await p.getByTestId('campaign-preview').waitFor();
    }
    // Wait until nothing is loading any more.
    await expect.poll(() => p.locator('main').innerText(), { timeout: WAIT }).not.toMatch(/加载中/);
    await screenshot(p, SHOTS, name);
    return findings(await p.locator('main').innerText());
  }

  beforeAll(async () => {
    buildDashboardIfStale();
    emptyFolder(SHOTS);
    server = await startDemoServer('posfleet-zh-pages', ADMIN_TOKEN);
    await server.services.access.createUser({ email: 'admin-zh@pages.test', name: '管理员', role: 'admin', password: PASSWORD, locale: 'zh-CN' });
    // One of each thing that has a page of its own.
    const tea = (await api<{ items: { id: string; name: string }[] }>('GET', '/merchants?limit=10')).items.find((m) => m.name === '青柠茶饮')!;
    await server.services.access.createUser({ email: 'shop-zh@pages.test', name: '青柠店长', role: 'merchant', merchantId: tea.id, password: PASSWORD, locale: 'zh-CN' });
    const techUser = await server.services.access.createUser({ email: 'tech-zh@pages.test', name: '陶师傅', role: 'technician', password: PASSWORD, locale: 'zh-CN' });
    const technician = await api<{ id: string }>('POST', '/technicians', { userId: techUser.id, skills: [], regions: ['DEMO-SH'] });
    const site = (await api<{ items: { id: string; code: string }[] }>('GET', '/sites?limit=100')).items.find((x) => x.code === 'DEMO-SH-01')!;
    const terminal = (await api<{ items: { id: string; serialNumber: string; modelId: string }[] }>('GET', `/terminals?siteId=${site.id}&limit=10`)).items[0]!;
    const order = await api<{ id: string }>('POST', '/work-orders', { title: '人民广场店 读卡器无响应', siteId: site.id, terminalIds: [terminal.id], dueAt: new Date(Date.now() + 3_600_000).toISOString(),
      checklist: [{ text: { 'zh-CN': '检查读卡器', en: 'Check the card reader' }, required: true }] });
    await api('POST', `/work-orders/${order.id}/assign`, { technicianId: technician.id });
    await api('POST', `/terminals/${terminal.id}/suspicious-activity`, { what: '收银台附近发现可疑的读卡装置' });
    const suspicious = (await api<{ items: { id: string }[] }>('GET', `/suspicious-cases?terminalId=${terminal.id}`)).items[0]!;
    const baseline = await api<{ id: string }>('POST', '/baselines', { name: '上海门店基线', filter: { merchantId: tea.id }, appVersion: '9.9.9' });
    const models = (await api<{ items: { id: string }[] }>('GET', '/terminal-models?limit=100')).items.map((m) => m.id);
    const keys = generateKeyPairSync('ed25519');
    const key = await api<{ id: string }>('POST', '/publisher-keys', { name: '发布团队', publicKey: keys.publicKey.export({ type: 'spki', format: 'pem' }).toString() });
    const content = randomBytes(2000);
    const facts = { kind: 'application', name: 'pos-app', version: '9.9.9', size: content.length, sha256: sha256(content) };
    const pkg = await api<{ id: string }>('POST', '/packages', { ...facts, fileName: 'pos-app-9.9.9.swu', signature: signPackage(facts, keys.privateKey), keyId: key.id, compatibleModels: models, securityPatch: false });
    const put = await fetch(`${server.url}/api/v1/packages/${pkg.id}/content`, { method: 'PUT', headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/octet-stream' }, body: content });
    expect(put.status).toBe(200);
    const campaign = await api<{ id: string }>('POST', '/campaigns', { name: '青柠茶饮 收银应用 9.9.9', packageId: pkg.id, filter: { merchantId: tea.id }, waves: [50, 100] });
    paths.push(`/terminals/${terminal.id}`, `/sites/${site.id}`, `/work-orders/${order.id}`, `/suspicious-cases/${suspicious.id}`, `/updates/baselines/${baseline.id}`,
      `/updates/packages/${pkg.id}`, `/updates/campaigns/${campaign.id}`, `/updates/campaigns/new?package=${pkg.id}`);
    orderPath = `/work-orders/${order.id}`;
    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 1366, height: 900 }, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' });
    page = await boundedPage(context);
    await signIn(page, server.url, 'admin-zh@pages.test', SIGN_IN.zh);
    await page.getByRole('navigation', { name: '主导航' }).waitFor();
  }, 120_000);

  afterAll(async () => {
    await context?.close();
    await browser?.close();
    await server?.close();
  });

  it('shows no English word and no internal id on any page', async () => {
    const found: Record<string, string[]> = {};
    for (const path of paths) found[path] = await scan(page, path, path.replace(/[/?=]/g, '_') || 'overview');
    // The merchant's home and the technician's own work orders, as they see them.
    for (const [email, own] of [['shop-zh@pages.test', ['/shop']], ['tech-zh@pages.test', ['/work-orders', orderPath]]] as const) {
      const other = await browser.newContext({ viewport: { width: 1366, height: 900 }, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' });
      const p = await boundedPage(other);
      await signIn(p, server.url, email, SIGN_IN.zh);
      await p.getByRole('navigation', { name: '主导航' }).waitFor();
      for (const path of own) found[`${email.split('@')[0]} ${path}`] = await scan(p, path, `${email.split('-')[0]}${path.replace(/\//g, '_')}`);
      await other.close();
    }
    writeFileSync(join(SHOTS, 'findings.json'), `${JSON.stringify(found, null, 2)}\n`);
    expect(Object.fromEntries(Object.entries(found).filter(([, f]) => f.length))).toEqual({});
  }, 300_000);
});
