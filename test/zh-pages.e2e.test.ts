// A Chinese user's every page: signed in as a zh-CN admin on the demo estate, each page of the dashboard
// is visited and its visible text scanned for English words and internal ids (UUIDs, raw keys), once the
// names people gave things (merchants, sites, serials, models, packages) and product names are taken out.
// Pages of this engineer's capabilities must have none; what the scan finds on the other pages is written to
// test-artifacts/zh-pages/findings.json (and printed) for their owners. Screenshots beside it.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { chromiumMissing, screenshot, useDashboard, WAIT } from './support/browser.ts';


/** Product and data names that are English by nature: kept out of the scan. */
const ALLOWED = [
  /PosFleet/g, /PCI DSS/g, /SHA-256/g, /PAX A920|Verifone V240m|PAX|Verifone|A920|V240m/g, /Covent Garden|Harbour Books|Simulator bench|Long Acre|London/g,
  /Maintenance calendar/g, // the demo plan's name (data)
  /[A-Z][A-Z0-9]*-[\w.-]+/g, // serials and site codes (DEMO-SH-01)
  /[\w.+-]+@[\w.-]+/g, // e-mail addresses
  /https?:\/\/\S+/g, /\b[A-Z][a-z]+\/[A-Z][A-Za-z_]+\b/g, // URLs, IANA time zones (Asia/Shanghai)
  /\bHTTP\b|\bCSV\b|\bPIN\b|\bTOTP\b|\bAPI\b|\bMB\b|\bKB\b|\bdBm\b|\bms\b|\bWi-?Fi\b|\bwifi\b|\b4G\b|\bApp\b/g,
  /English/g, // the language picker's own name for English
  /\badmin\b/g, // the bootstrap account's name (data)
  // Industry and PCI DSS abbreviations Chinese operators use as they are, and the report file formats.
  /\bKPI\b|\bMTBF\b|\bMTTR\b|\bPOI\b|\bPCI PTS\b|\bPTS\b|\bKSN\b|\bHTML\b|\bJSON\b/g,
];

/** This engineer's pages: no finding allowed. */
const MINE = new Set(['/settings/templates', '/settings/rules', '/settings/windows', '/settings/channels', '/settings/users', '/preventive', '/maintenance/calendar', '/reports']);
const PAGES = ['/', '/terminals', '/maintenance', '/maintenance/calendar', '/updates', '/incidents', '/suspicious-cases', '/preventive', '/work-orders', '/spares', '/reports',
  '/settings/templates', '/settings/rules', '/settings/windows', '/settings/channels', '/settings/users'];

function findings(text: string): string[] {
  let rest = text;
  for (const pattern of ALLOWED) rest = rest.replace(pattern, ' ');
  const ids = rest.match(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|\b[a-z]+\.[a-z]+[A-Z]\w*\b|\b[a-z]+_[a-z_]+\b/g) ?? [];
  for (const id of ids) rest = rest.replace(id, ' ');
  const words = rest.match(/[A-Za-z]{3,}/g) ?? [];
  return [...new Set([...ids, ...words])];
}

describe.skipIf(chromiumMissing('zh-CN page scan'))('a Chinese user reads only Chinese', () => {
  const dashboard = useDashboard({ name: 'zh-pages', users: [{ email: 'admin-zh@pages.test', name: '管理员', role: 'admin', locale: 'zh-CN' }] });
  const { server, shots: SHOTS } = dashboard;
  let page: Page;

  beforeAll(async () => {
    page = await dashboard.page({ width: 1366, height: 900 }, 'zh-CN', 'admin-zh@pages.test');
  });

  it('shows no English word and no internal id on any page', async () => {
    const found: Record<string, string[]> = {};
    for (const path of PAGES) {
      await page.goto(`${server.url}${path}`);
      await page.locator('main h1').first().waitFor({ timeout: WAIT });
      // Wait until nothing is loading any more.
      await expect.poll(() => page.locator('main').innerText(), { timeout: WAIT }).not.toMatch(/加载中/);
      found[path] = findings(await page.locator('main').innerText());
      await screenshot(page, SHOTS, path.replace(/\//g, '_') || 'overview');
    }
    writeFileSync(join(SHOTS, 'findings.json'), `${JSON.stringify(found, null, 2)}\n`);
    const others = Object.fromEntries(Object.entries(found).filter(([p, f]) => !MINE.has(p) && f.length));
    if (Object.keys(others).length) console.warn('English or ids on other pages (for their owners):', others);
    expect(Object.fromEntries(Object.entries(found).filter(([p]) => MINE.has(p)))).toEqual(Object.fromEntries([...MINE].map((p) => [p, []])));
  }, 180_000);
});
