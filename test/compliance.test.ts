// PCI DSS evidence through the HTTP API, on every database of the matrix: the terminal inventory,
// inspections with photos, the overdue list, password and security-setting checks from heartbeats,
// and the compliance report in HTML and CSV.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Role } from '../src/access/roles.ts';
import { ComplianceService } from '../src/compliance/compliance.service.ts';
import { ComplianceRepository } from '../src/compliance/compliance.repository.ts';
import { REPORT_CSV_COLUMNS } from '../src/compliance/report-render.ts';
import { buildEstate, buildTerminal, enrolTerminal, heartbeatReport, startTestApp, type TestApp } from './support/app.ts';
import { databases } from './support/databases.ts';

const PASSWORD = 'inspection 2026 counter';
const DAY = 86_400_000;
const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), randomBytes(4096)]);
const JPEG = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), randomBytes(2048)]);
const CLEAN = { outcome: 'pass', serialMatches: true, sealIntact: true, sealNumber: 'SEAL-0001', tamperSigns: [] };

type Row = Record<string, string>;
const csvRows = (text: string) => parse(text, { bom: true, columns: true }) as Row[];
/** The report's CSV has its header in the report's language: read it by the columns' fixed order. */
const reportRows = (text: string) => parse(text, { bom: true, columns: () => [...REPORT_CSV_COLUMNS] }) as Row[];

describe.each(databases())('PCI DSS evidence on $name', (kind) => {
  let t: TestApp;
  let dataDir: string;
  let now = new Date('2026-11-25T08:00:00.000Z');
  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'posfleet-data-'));
    t = await startTestApp(await kind.fresh(), { DATA_DIR: dataDir, INSPECTION_INTERVAL_DAYS: '90', TERMINAL_PASSWORD_MAX_AGE_DAYS: '90' }, () => now);
  });
  afterAll(() => t.close());

  let n = 0;
  /** An API token of a new user with this role. */
  const tokenOf = async (role: Role, merchantId?: string) => {
    const user = await t.services.access.createUser({ email: `${role}${++n}@example.com`, name: `${role} ${n}`, role, merchantId, password: PASSWORD });
    return { authorization: `Bearer ${(await t.services.access.createToken(user.id, { name: 'test' })).token}` };
  };
  const inspect = (terminalId: string, body: Record<string, unknown> = CLEAN, headers?: Record<string, string>) =>
    t.api('POST', `/api/v1/terminals/${terminalId}/inspections`, body, headers);
  /** A merchant with a named site at an address, and a model. */
  const estateWithAddress = async (merchantName = `商户 ${++n}`) => {
    const estate = await buildEstate(t);
    const merchant = await t.services.estate.createMerchant({ name: merchantName, timeZone: 'Asia/Shanghai', locale: 'zh-CN' });
    const site = await t.services.estate.createSite({ merchantId: merchant.id, code: `SITE-${++n}`, name: '人民广场店', address: '上海市黄浦区南京东路 1 号' });
    return { ...estate, merchant, site };
  };

  it('lists every terminal with make, model, location and serial number, without deleted ones, as JSON and CSV', async () => {
    const estate = await estateWithAddress('青柠茶饮');
    for (const serial of ['INV-1', 'INV-2', 'INV-3']) await buildTerminal(t, estate, { serialNumber: serial });
    const gone = await buildTerminal(t, estate, { serialNumber: 'INV-GONE' });
    await t.api('DELETE', `/api/v1/terminals/${gone.id}`);

    const res = await t.api('GET', `/api/v1/compliance/poi-devices?merchantId=${estate.merchant.id}`);
    expect(res.statusCode, res.body).toBe(200);
    const { items, nextCursor } = res.json();
    expect(nextCursor).toBeNull();
    expect(items.map((d: { serialNumber: string }) => d.serialNumber)).toEqual(['INV-1', 'INV-2', 'INV-3']);
    expect(items[0]).toMatchObject({
      vendor: 'PAX', model: 'A920', status: 'active', merchantId: estate.merchant.id, merchantName: '青柠茶饮',
      siteName: '人民广场店', address: '上海市黄浦区南京东路 1 号', lastSeenAt: null, lastInspectedAt: null,
    });

    const page = (await t.api('GET', `/api/v1/compliance/poi-devices?merchantId=${estate.merchant.id}&limit=2`)).json();
    expect(page.items).toHaveLength(2);
    const rest = (await t.api('GET', `/api/v1/compliance/poi-devices?merchantId=${estate.merchant.id}&limit=2&cursor=${page.nextCursor}`)).json();
    expect(rest.items.map((d: { serialNumber: string }) => d.serialNumber)).toEqual(['INV-3']);

    const csv = await t.api('GET', `/api/v1/compliance/poi-devices?format=csv&merchantId=${estate.merchant.id}`);
    expect(csv.headers['content-type']).toBe('text/csv; charset=utf-8');
    const rows = csvRows(csv.body);
    expect(rows.map((r) => r.serial_number)).toEqual(['INV-1', 'INV-2', 'INV-3']);
    expect(rows[0]).toMatchObject({ vendor: 'PAX', model: 'A920', merchant: '青柠茶饮', site: '人民广场店', address: '上海市黄浦区南京东路 1 号', status: 'active' });

    const fleet = csvRows((await t.api('GET', '/api/v1/compliance/poi-devices?format=csv')).body).map((r) => r.serial_number);
    expect(fleet).toEqual(expect.arrayContaining(['INV-1', 'INV-2', 'INV-3']));
    expect(fleet).not.toContain('INV-GONE');
    expect((await t.api('GET', '/api/v1/compliance/poi-devices?merchantId=nope')).statusCode).toBe(404);
  });

  it('stores an inspection with its photo and serves the photo back byte for byte', async () => {
    const estate = await buildEstate(t);
    const terminal = await buildTerminal(t, estate);
    const res = await inspect(terminal.id, { ...CLEAN, notes: '外观完好', photo: { contentType: 'image/png', dataBase64: PNG.toString('base64') } });
    expect(res.statusCode, res.body).toBe(201);
    const inspection = res.json();
    expect(inspection).toMatchObject({
      terminalId: terminal.id, inspectedAt: now.toISOString(), outcome: 'pass', serialMatches: true, sealIntact: true, sealNumber: 'SEAL-0001',
      tamperSigns: [], notes: '外观完好', inspector: { name: 'admin' },
      photo: { contentType: 'image/png', sizeBytes: PNG.length, url: `/api/v1/inspections/${inspection.id}/photo` },
    });
    expect(readFileSync(join(dataDir, 'inspections', `${inspection.id}.png`)).equals(PNG)).toBe(true);

    const photo = await t.api('GET', inspection.photo.url);
    expect(photo.statusCode).toBe(200);
    expect(photo.headers['content-type']).toBe('image/png');
    expect(photo.rawPayload.equals(PNG)).toBe(true);
    expect(photo.headers['x-content-sha256']).toBe(inspection.photo.sha256);

    const jpeg = (await inspect(terminal.id, { ...CLEAN, photo: { contentType: 'image/jpeg', dataBase64: JPEG.toString('base64') } })).json();
    const served = await t.api('GET', jpeg.photo.url);
    expect(served.headers['content-type']).toBe('image/jpeg');
    expect(served.rawPayload.equals(JPEG)).toBe(true);

    const listed = (await t.api('GET', `/api/v1/terminals/${terminal.id}/inspections`)).json().items;
    expect(listed.map((i: { id: string }) => i.id).sort()).toEqual([inspection.id, jpeg.id].sort());
  });

  it('refuses a photo that is not what it claims or is too large, naming the field, and stores nothing', async () => {
    const estate = await buildEstate(t);
    const terminal = await buildTerminal(t, estate);
    const liar = await inspect(terminal.id, { ...CLEAN, photo: { contentType: 'image/jpeg', dataBase64: PNG.toString('base64') } });
    expect(liar.statusCode).toBe(400);
    // Said in the admin's language (zh-CN), with the key and parameters a program reads.
    expect(liar.json().error).toEqual({
      code: 'validation_error', field: 'photo.contentType', key: 'compliance.photo_type_differs', params: { declared: 'image/jpeg', actual: 'png' },
      message: '照片声明为 image/jpeg，但数据是 PNG 图像。',
    });

    const big = Buffer.concat([PNG, Buffer.alloc(3 * 1024 * 1024 - PNG.length)]);
    const tooBig = await inspect(terminal.id, { ...CLEAN, photo: { contentType: 'image/png', dataBase64: big.toString('base64') } });
    expect(tooBig.statusCode).toBe(400);
    expect(tooBig.json().error).toMatchObject({ code: 'validation_error', field: 'photo.dataBase64', key: 'compliance.photo_too_large', params: { max: 2 * 1024 * 1024 } });

    const passWithSigns = await inspect(terminal.id, { ...CLEAN, tamperSigns: ['keypad overlay'] });
    expect(passWithSigns.json().error).toMatchObject({ field: 'outcome', key: 'compliance.pass_not_clean', params: { reason: 'tamper' } });
    const unknownField = await inspect(terminal.id, { ...CLEAN, colour: 'grey' });
    expect(unknownField.json().error).toMatchObject({ field: 'colour' });

    expect((await t.api('GET', `/api/v1/terminals/${terminal.id}/inspections`)).json().items).toEqual([]);
  });

  it('keeps inspections and photos within what a caller may see', async () => {
    const mine = await buildEstate(t);
    const theirs = await buildEstate(t);
    const myTerminal = await buildTerminal(t, mine);
    const theirTerminal = await buildTerminal(t, theirs);
    const photo = { contentType: 'image/png', dataBase64: PNG.toString('base64') };
    const theirInspection = (await inspect(theirTerminal.id, { ...CLEAN, photo })).json();
    const myInspection = (await inspect(myTerminal.id, { ...CLEAN, photo })).json();

    const merchantUser = await tokenOf('merchant', mine.merchant.id);
    expect((await t.api('GET', myInspection.photo.url, undefined, merchantUser)).statusCode).toBe(200);
    const hidden = await t.api('GET', theirInspection.photo.url, undefined, merchantUser);
    expect(hidden.statusCode).toBe(404);
    expect(hidden.json().error).toMatchObject({ key: 'common.not_found', params: { what: 'inspection', id: theirInspection.id } });
    expect((await t.api('GET', `/api/v1/terminals/${theirTerminal.id}/inspections`, undefined, merchantUser)).statusCode).toBe(404);
    expect((await inspect(myTerminal.id, CLEAN, merchantUser)).statusCode).toBe(403);
    // Technicians see only the terminals of their own work orders: until those exist, none.
    expect((await inspect(myTerminal.id, CLEAN, await tokenOf('technician'))).statusCode).toBe(404);
  });

  it('hands a failed inspection on inside its transaction, so a failing follow-up stores nothing', async () => {
    const estate = await buildEstate(t);
    const terminal = await buildTerminal(t, estate);
    const { config, clock, db } = t.services;
    const settings = { inspectionIntervalDays: 90, terminalPasswordMaxAgeDays: 90, operatorPasswordMaxAgeDays: 90, dataDir: config.dataDir };
    const handed: string[] = [];
    const followed = new ComplianceService(new ComplianceRepository(db.kysely), clock, t.services.estate, settings, async (inspection, trx) => {
      handed.push(inspection.id);
      const stored = await trx.selectFrom('inspections').select('outcome').where('id', '=', inspection.id).executeTakeFirst();
      expect(stored?.outcome).toBe('fail');
    });
    const who = { id: null, name: 'test' };
    const failed = await followed.recordInspection(terminal.id, { ...CLEAN, outcome: 'fail', sealIntact: false }, who, { kind: 'fleet' });
    await followed.recordInspection(terminal.id, { ...CLEAN, outcome: 'pass' }, who, { kind: 'fleet' });
    expect(handed).toEqual([failed.id]);

    const broken = new ComplianceService(new ComplianceRepository(db.kysely), clock, t.services.estate, settings, () => { throw new Error('no work orders today'); });
    const photo = { contentType: 'image/png' as const, dataBase64: PNG.toString('base64') };
    const photos = () => readdirSync(join(dataDir, 'inspections')).sort();
    await inspect(terminal.id, { ...CLEAN, photo }); // so the folder exists
    const filesBefore = photos();
    await expect(broken.recordInspection(terminal.id, { ...CLEAN, outcome: 'fail', tamperSigns: ['overlay'], photo }, who, { kind: 'fleet' })).rejects.toThrow('no work orders today');
    expect(photos()).toEqual(filesBefore);
    const items = (await t.api('GET', `/api/v1/terminals/${terminal.id}/inspections`)).json().items;
    expect(items.map((i: { outcome: string }) => i.outcome).sort()).toEqual(['fail', 'pass', 'pass']);
  });

  it('lists terminals never inspected or inspected too long ago as overdue, with the days, but not fresh ones', async () => {
    const estate = await buildEstate(t);
    const stale = await buildTerminal(t, estate, { serialNumber: 'OVD-STALE' });
    const fresh = await buildTerminal(t, estate, { serialNumber: 'OVD-FRESH' });
    await buildTerminal(t, estate, { serialNumber: 'OVD-NEVER' });
    const registeredAt = now;
    expect((await inspect(stale.id)).statusCode).toBe(201);
    now = new Date(now.getTime() + 100 * DAY);
    expect((await inspect(fresh.id)).statusCode).toBe(201);

    const res = await t.api('GET', `/api/v1/compliance/inspections/overdue?merchantId=${estate.merchant.id}`);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().items).toEqual([
      expect.objectContaining({ serialNumber: 'OVD-NEVER', neverInspected: true, lastInspectedAt: null, dueAt: registeredAt.toISOString(), daysOverdue: 100 }),
      expect.objectContaining({ serialNumber: 'OVD-STALE', neverInspected: false, lastInspectedAt: registeredAt.toISOString(), daysOverdue: 10, vendor: 'PAX' }),
    ]);
  });

  it('finds terminals with old passwords, PIN entry or encryption off from their latest heartbeat', async () => {
    const estate = await buildEstate(t);
    const report = async () => reportRows((await t.api('GET', `/api/v1/compliance/report?merchantId=${estate.merchant.id}&format=csv&locale=en`)).body);
    const security = (changes: Record<string, unknown> = {}) => ({ security: { passwordChangedAt: now.toISOString(), pinEntryEnabled: true, encryptionEnabled: true, ...changes } });
    const beat = async (serialNumber: string, changes: Record<string, unknown>) => {
      await buildTerminal(t, estate, { serialNumber });
      const { credential } = await enrolTerminal(t, serialNumber);
      const res = await t.device('/device/v1/heartbeat', credential, heartbeatReport(1, security(changes)));
      expect(res.statusCode, res.body).toBe(200);
      return credential;
    };
    await beat('SEC-OK', {});
    await beat('SEC-OLDPW', { passwordChangedAt: new Date(now.getTime() - 200 * DAY).toISOString() });
    const noPin = await beat('SEC-NOPIN', { pinEntryEnabled: false });
    await beat('SEC-NOCRYPT', { encryptionEnabled: false });
    await buildTerminal(t, estate, { serialNumber: 'SEC-SILENT' });

    const gaps = (await report()).filter((r) => r.status === 'gap');
    const of = (requirement: string) => gaps.filter((r) => r.requirement === requirement).map((r) => `${r.serial_number}:${r.finding}`);
    expect(of('terminal-passwords')).toEqual(['SEC-SILENT:password_unknown', 'SEC-OLDPW:password_expired']);
    expect(of('pin-encryption')).toEqual(['SEC-NOCRYPT:encryption_off', 'SEC-NOPIN:pin_entry_off', 'SEC-SILENT:settings_unknown']);
    const old = gaps.find((r) => r.serial_number === 'SEC-OLDPW' && r.requirement === 'terminal-passwords')!;
    expect(old).toMatchObject({ reference: '8.3.9', days: '200', description: expect.stringContaining('200 days ago (limit 90 days)') });

    // The latest heartbeat is what counts.
    expect((await t.device('/device/v1/heartbeat', noPin, heartbeatReport(2, security()))).statusCode).toBe(200);
    expect((await report()).filter((r) => r.requirement === 'pin-encryption' && r.status === 'gap').map((r) => r.serial_number)).toEqual(['SEC-NOCRYPT', 'SEC-SILENT']);
  });

  it('finds operator accounts whose password is older than the limit', async () => {
    const estate = await buildEstate(t);
    const owner = await t.services.access.createUser({ email: `owner${++n}@example.com`, name: 'Owner', role: 'merchant', merchantId: estate.merchant.id, password: PASSWORD });
    const before = reportRows((await t.api('GET', `/api/v1/compliance/report?merchantId=${estate.merchant.id}&format=csv`)).body);
    expect(before.find((r) => r.requirement === 'operator-passwords' && r.status === 'gap')).toBeUndefined();
    now = new Date(now.getTime() + 91 * DAY);
    const after = reportRows((await t.api('GET', `/api/v1/compliance/report?merchantId=${estate.merchant.id}&format=csv`)).body);
    expect(after.filter((r) => r.requirement === 'operator-passwords' && r.status === 'gap')).toEqual([
      expect.objectContaining({ finding: 'password_expired', account: owner.email, days: '91' }),
    ]);
  });

  it('reports each requirement for one merchant and for the fleet, in HTML with every value escaped and in CSV', async () => {
    const evil = `<script>alert("x")</script> 茶饮`;
    const estate = await estateWithAddress(evil);
    const other = await buildEstate(t);
    await buildTerminal(t, estate, { serialNumber: 'RPT-MINE' });
    await buildTerminal(t, other, { serialNumber: 'RPT-OTHER' });

    const page = await t.api('GET', `/api/v1/compliance/report?merchantId=${estate.merchant.id}`);
    expect(page.statusCode, page.body).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.headers['content-security-policy']).toContain("default-src 'none'");
    expect(page.body).not.toContain('<script');
    expect(page.body).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; 茶饮');
    expect(page.body).toContain('PCI DSS 合规报告');
    for (const ref of ['9.5.1.1', '9.5.1.2', '8.3.9']) expect(page.body).toContain(`PCI DSS ${ref}`);
    expect(page.body).toContain('RPT-MINE');
    expect(page.body).not.toContain('RPT-OTHER');
    const english = (await t.api('GET', `/api/v1/compliance/report?merchantId=${estate.merchant.id}&locale=en`)).body;
    expect(english).toContain('PCI DSS compliance report');
    expect(english).toContain('never inspected');
    expect(english).toContain('The terminal SDK refuses to back up data holding anything that looks like a card number');

    const csv = await t.api('GET', `/api/v1/compliance/report?merchantId=${estate.merchant.id}&format=csv&locale=en`);
    expect(csv.headers['content-disposition']).toContain(`pci-report-${estate.merchant.id}-`);
    const rows = reportRows(csv.body);
    expect(rows.filter((r) => r.finding === 'summary').map((r) => r.requirement)).toEqual([
      'poi-inventory', 'poi-inspection', 'terminal-passwords', 'operator-passwords', 'pin-encryption', 'backup-card-data',
      'software-patches', 'pts-approval', 'staff-training', 'audit-logs', 'key-inventory',
    ]);
    expect(rows.find((r) => r.finding === 'never_inspected')).toMatchObject({ serial_number: 'RPT-MINE', merchant: evil, reference: '9.5.1.2', status: 'gap' });
    expect(rows.some((r) => r.serial_number === 'RPT-OTHER')).toBe(false);

    const fleet = reportRows((await t.api('GET', '/api/v1/compliance/report?format=csv')).body);
    expect(fleet.filter((r) => r.finding === 'never_inspected').map((r) => r.serial_number)).toEqual(expect.arrayContaining(['RPT-MINE', 'RPT-OTHER']));
    const fleetPage = (await t.api('GET', '/api/v1/compliance/report?locale=en')).body;
    expect(fleetPage).toContain('All merchants');
    expect(fleetPage).not.toContain('<script>');
  });

  it('reports 6.3.3, PTS approval per model, 9.5.1.3 training per site, 10.x audit log and the key inventory in HTML, CSV and JSON, in zh-CN and en', async () => {
    const estate = await estateWithAddress('安全商户');
    const expired = await t.api('PATCH', `/api/v1/terminal-models/${estate.model.id}`, { ptsApprovalNumber: '4-30310', ptsExpiresAt: '2026-04-30' });
    expect(expired.statusCode, expired.body).toBe(200);
    expect(expired.json()).toMatchObject({ ptsApprovalNumber: '4-30310', ptsExpiresAt: '2026-04-30' });
    expect((await t.api('PATCH', `/api/v1/terminal-models/${estate.model.id}`, { ptsExpiresAt: '30/04/2026' })).json().error.field).toBe('ptsExpiresAt');
    const terminal = await buildTerminal(t, estate, { serialNumber: 'SEC-PATCH' });
    await t.services.estate.updateTerminal(terminal.id, { status: 'active' });
    await t.services.incidents.openIncident({
      terminal_id: terminal.id, site_id: estate.site.id, merchant_id: estate.merchant.id, rule: 'software_unpatched', at: now.toISOString(),
      detail: { appVersion: '3.1.0', firmwareVersion: 'fw-9.0.0', latestSecurityPatch: { application: '3.2.1', firmware: null } },
    });
    await t.api('GET', '/api/v1/audit/verify'); // a review of the log

    const json = (await t.api('GET', `/api/v1/compliance/report?merchantId=${estate.merchant.id}&format=json`)).json();
    const req = (id: string) => json.requirements.find((r: { id: string }) => r.id === id);
    expect(req('software-patches').findings.map((f: { code: string; terminal: { serialNumber: string } }) => [f.code, f.terminal.serialNumber])).toEqual([['software_unpatched', 'SEC-PATCH']]);
    expect(req('pts-approval').findings.map((f: { code: string }) => f.code)).toEqual(['pts_expired']);
    expect(req('staff-training').findings.map((f: { code: string; subject: string }) => [f.code, f.subject])).toEqual([['training_missing', `${estate.site.code} 人民广场店`]]);
    expect(req('audit-logs')).toMatchObject({ met: true, counts: expect.arrayContaining([{ key: 'chain', value: 'intact' }, { key: 'retention_days', value: 400 }]) });
    expect(req('key-inventory')).toMatchObject({ met: true, counts: [{ key: 'terminals_with_keys', value: 0 }, { key: 'key_slots', value: 0 }, { key: 'key_problems', value: 0 }] });

    // A training recorded at the site closes 9.5.1.3; a bad one is refused naming the field.
    expect((await t.api('POST', `/api/v1/sites/${estate.site.id}/training-records`, { personName: '王芳', trainedOn: '2026-11-20', topics: [] })).json().error.field).toBe('topics');
    expect((await t.api('POST', `/api/v1/sites/${estate.site.id}/training-records`, { personName: '王芳', trainedOn: '2030-01-01', topics: ['tamper'] })).json().error.field).toBe('trainedOn');
    const trained = await t.api('POST', `/api/v1/sites/${estate.site.id}/training-records`, { personName: '王芳', trainedOn: '2026-11-20', topics: ['tamper', 'substitution'], trainer: 'Li' });
    expect(trained.statusCode, trained.body).toBe(201);
    expect((await t.api('GET', `/api/v1/sites/${estate.site.id}/training-records`)).json().items).toEqual([expect.objectContaining({ personName: '王芳', topics: ['tamper', 'substitution'] })]);
    const after = (await t.api('GET', `/api/v1/compliance/report?merchantId=${estate.merchant.id}&format=json`)).json();
    expect(after.requirements.find((r: { id: string }) => r.id === 'staff-training')).toMatchObject({ met: true, counts: expect.arrayContaining([{ key: 'people_trained', value: 1 }]) });

    for (const [locale, words] of [
      ['zh-CN', ['PCI DSS 6.3.3', '已有安全补丁的终端软件', 'PCI PTS POI 认证', '已于 2026-04-30 过期', 'PCI DSS 9.5.1.3', 'PCI DSS 10.2–10.7', '哈希链证明记录未被修改', '终端密钥清单']],
      ['en', ['PCI DSS 6.3.3', 'security fix available', 'PCI PTS POI approval', 'expired on 2026-04-30', 'PCI DSS 9.5.1.3', 'PCI DSS 10.2–10.7', 'the chain proves that no entry was changed', 'Terminal key inventory']],
    ] as const) {
      const page = (await t.api('GET', `/api/v1/compliance/report?merchantId=${estate.merchant.id}&locale=${locale}`)).body;
      for (const w of words) expect(page).toContain(w);
      const csv = (await t.api('GET', `/api/v1/compliance/report?merchantId=${estate.merchant.id}&format=csv&locale=${locale}`)).body;
      expect(csv).toContain(locale === 'en' ? 'Requirement,PCI DSS,Title' : '要求,条款,标题');
      const rows = reportRows(csv);
      expect(rows.filter((r) => r.status === 'gap').map((r) => `${r.requirement}:${r.finding}`)).toEqual(expect.arrayContaining(['software-patches:software_unpatched', 'pts-approval:pts_expired']));
      expect(rows.filter((r) => r.finding === 'summary').map((r) => r.requirement)).toEqual(expect.arrayContaining(['staff-training', 'audit-logs', 'key-inventory']));
    }
  });

  it('lets auditors read the report, audited, and refuses support staff and merchants', async () => {
    const auditor = await tokenOf('auditor');
    const res = await t.api('GET', '/api/v1/compliance/report?format=csv', undefined, auditor);
    expect(res.statusCode).toBe(200);
    const [entry] = await t.services.audit.list({ limit: 1, action: 'GET /api/v1/compliance/report' });
    expect(entry).toMatchObject({ actorName: expect.stringMatching(/^auditor/), outcome: 'success' });

    const support = await t.api('GET', '/api/v1/compliance/report', undefined, await tokenOf('support'));
    expect(support.statusCode).toBe(403);
    expect(support.json().error.code).toBe('forbidden');
    const estate = await buildEstate(t);
    expect((await t.api('GET', '/api/v1/compliance/poi-devices', undefined, await tokenOf('merchant', estate.merchant.id))).statusCode).toBe(403);
    expect((await t.api('GET', '/api/v1/compliance/inspections/overdue', undefined, await tokenOf('support'))).statusCode).toBe(403);
  });
});
