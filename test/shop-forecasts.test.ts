// Forecasts the shop acts on, end to end on SQLite and PostgreSQL: a terminal's receipts meter says its
// paper roll ends tomorrow; after the daily forecast pass its heartbeat answer tells the staff (in the
// merchant's language) and the merchant sees it, once — not again each day — until a new roll goes in.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MerchantRepository } from '../src/merchant/merchant.repository.ts';
import { SHOP_FORECASTS_JOB, ShopForecasts } from '../src/merchant/shop-forecasts.service.ts';
import { ShopNotices } from '../src/merchant/shop-notices.ts';
import { buildEstate, buildTerminal, enrolTerminal, heartbeatReport, startTestApp, type TestApp } from './support/app.ts';
import { databases } from './support/databases.ts';

interface Notice { kind: string; text: string; since: string; daysLeft: number | null; terminalId?: string }
const DAY = 86_400;

describe.each(databases())('forecasts the shop acts on, on $name', (kind) => {
  let t: TestApp;
  let now = new Date('2026-11-25T02:00:00.000Z');
  let seq = 1;
  beforeAll(async () => {
    t = await startTestApp(await kind.fresh(), { HEARTBEAT_INTERVAL_SECONDS: '60', SQLITE_SYNCHRONOUS: 'NORMAL', DATA_DIR: mkdtempSync(join(tmpdir(), 'posfleet-forecast-')) }, () => now);
  });
  afterAll(() => t.close());

  const advance = (seconds: number) => { now = new Date(now.getTime() + seconds * 1000); };
  const beat = async (credential: string, rollReceipts: number) => {
    const res = await t.device('/device/v1/heartbeat', credential, heartbeatReport(seq++, { sentAt: now.toISOString(), printer: { paper: 'ok', jam: false, coverOpen: false, receipts: 3, rollReceipts } }));
    expect(res.statusCode, res.body).toBe(200);
    return res.json<{ notices?: Notice[] }>();
  };
  /** The daily job, run as the job runner would once its day came. */
  const dailyPass = async () => {
    await t.services.jobs.recurring(SHOP_FORECASTS_JOB, SHOP_FORECASTS_JOB, DAY * 1000);
    await t.services.jobs.runDueJobs();
  };

  it('tells the staff and the merchant the day before the paper roll runs out, once, until a new roll goes in', async () => {
    const estate = await buildEstate(t);
    // The model's roll length is part of the model (default 300), editable.
    const model = await t.api('PATCH', `/api/v1/terminal-models/${estate.model.id}`, { receiptsPerRoll: 400 });
    expect(model.statusCode, model.body).toBe(200);
    expect(model.json().receiptsPerRoll).toBe(400);
    const badRoll = await t.api('PATCH', `/api/v1/terminal-models/${estate.model.id}`, { receiptsPerRoll: 0 });
    expect(badRoll.statusCode).toBe(400);
    expect(badRoll.json().error.field).toBe('receiptsPerRoll');

    const terminal = await buildTerminal(t, estate);
    const { credential } = await enrolTerminal(t, terminal.serialNumber);
    await beat(credential, 100);
    await dailyPass(); // the first pass only learns the meter
    expect((await beat(credential, 100)).notices).toBeUndefined();

    // A day later the meter says 250 of 400: 150 receipts a day, the roll ends tomorrow.
    advance(DAY);
    await beat(credential, 250);
    await dailyPass();
    const [told, ...more] = (await beat(credential, 252)).notices ?? [];
    expect(more).toEqual([]);
    expect(told).toMatchObject({ kind: 'paper_running_out', daysLeft: 1, text: '按目前的用量，打印纸将在明天用完，请备好新纸卷' });
    const shop = await t.api('GET', '/api/v1/merchant/notices');
    expect(shop.statusCode, shop.body).toBe(200);
    expect(shop.json().items).toContainEqual(expect.objectContaining({ terminalId: terminal.id, serialNumber: terminal.serialNumber, kind: 'paper_running_out', since: told!.since }));

    // The next day's pass tells nothing new: the same notice, from the day it was first told.
    advance(DAY / 2);
    await beat(credential, 320);
    await dailyPass();
    expect((await beat(credential, 320)).notices).toEqual([expect.objectContaining({ kind: 'paper_running_out', since: told!.since })]);

    // A new roll: the forecast closes.
    advance(DAY);
    await beat(credential, 5);
    await dailyPass();
    expect((await beat(credential, 6)).notices).toBeUndefined();
  });

  it('after a restart tells a terminal its forecast in its merchant\'s language, and names the site as it is after the daily pass', async () => {
    const estate = await buildEstate(t);
    await t.services.estate.updateMerchant(estate.merchant.id, { locale: 'en' });
    const terminal = await buildTerminal(t, estate);
    const quiet = await buildTerminal(t, estate);
    const { credential } = await enrolTerminal(t, terminal.serialNumber);
    advance(DAY); // the last test's pass ran now
    await beat(credential, 100);
    await dailyPass();
    advance(DAY);
    await beat(credential, 250);
    await dailyPass();

    // A server starting now reads only the terminals with something to tell, not the whole fleet's places.
    const repo = new MerchantRepository(t.services.db.kysely);
    const restarted = new ShopNotices(repo, () => now);
    await restarted.refresh();
    await new ShopForecasts(repo, () => now, restarted).load();
    expect(restarted.of(terminal.id)).toEqual([expect.objectContaining({ kind: 'paper_running_out', text: expect.stringContaining('At the current rate the paper roll runs out') })]);
    expect(restarted.of(quiet.id)).toBeUndefined();

    // The site renamed: the merchant view names it as it is once the daily pass read the places again.
    await t.services.estate.updateSite(estate.site.id, { name: 'Renamed shop' });
    await restarted.refresh();
    const shop = await restarted.list({}, { kind: 'merchant', merchantId: estate.merchant.id });
    expect(shop.map((n) => [n.serialNumber, n.siteName, n.kind])).toEqual([[terminal.serialNumber, 'Renamed shop', 'paper_running_out']]);
  });
});
