// Terminal configuration through the API on both databases: a parameter schema, values at fleet,
// merchant, site, group and terminal level with the effective value and its source, checks naming
// parameter and level, TID/MID unique per acquirer, versions with diff, history and revert (secrets
// masked), merchant users' limits, TID/MID CSV, and delivery in heartbeats with drift incidents.
import { createHash, generateKeyPairSync, randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_APPLICATION, DEMO_PARAMETERS } from '../src/configuration/demo-schema.ts';
import { configurationHash } from '../src/configuration/hash.ts';
import type { ParameterSchema } from '../src/configuration/parameters.ts';
import { parametersDigest, signPackage } from '../src/rollouts/package-signature.ts';
import { formatMessage } from '../src/shared/messages/format.ts';
import { verifySignature } from '../src/sdk/updates.ts';
import { ADMIN_TOKEN, buildEstate, buildTerminal, enrolTerminal, heartbeatReport, startTestApp, type TestApp } from './support/app.ts';
import { databases } from './support/databases.ts';

const PASSWORD = 'correct horse 42 battery';

describe.each(databases())('terminal configuration on $name', (db) => {
  let t: TestApp;
  let now = new Date('2026-12-01T02:00:00.000Z');
  let estate: Awaited<ReturnType<typeof buildEstate>>;
  let other: Awaited<ReturnType<typeof buildEstate>>;
  let t1: { id: string; serialNumber: string };
  let t2: { id: string; serialNumber: string };
  let t3: { id: string; serialNumber: string };
  let databaseUrl = '';

  beforeAll(async () => {
    databaseUrl = await db.fresh();
    t = await startTestApp(databaseUrl, {}, () => now);
    estate = await buildEstate(t);
    other = await buildEstate(t);
    t1 = await buildTerminal(t, estate);
    t2 = await buildTerminal(t, estate, { tags: ['backup'] });
    t3 = await buildTerminal(t, other);
    const res = await t.api('POST', '/api/v1/configuration/schemas', { application: DEMO_APPLICATION, version: '3.2.0', parameters: DEMO_PARAMETERS });
    expect(res.statusCode, res.body).toBe(201);
  });
  afterAll(() => t.close());

  const set = (level: string, scopeId: string, values: Record<string, unknown>, reason = 'test', headers: Record<string, string> = {}) =>
    t.api('PATCH', `/api/v1/configuration/levels/${level}/${scopeId}`, { values, reason, delivery: 'now' }, headers);
  const effective = async (terminalId: string) => {
    const res = await t.api('GET', `/api/v1/terminals/${terminalId}/configuration`);
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json() as { hash: string; parameters: { name: string; value: unknown; source: { level: string; scopeId: string } }[] };
    return { hash: body.hash, byName: Object.fromEntries(body.parameters.map((p) => [p.name, p])) };
  };

  it('lets each level override the one above and shows where every value came from', async () => {
    expect((await set('fleet', 'fleet', { receiptFooter: 'Fleet footer 车队' })).statusCode).toBe(200);
    expect((await set('merchant', estate.merchant.id, { receiptHeader: '青柠茶饮' })).statusCode).toBe(200);
    expect((await set('site', estate.site.id, { receiptFooter: '欢迎再来 Welcome back', batchCloseTime: '23:00' })).statusCode).toBe(200);
    const group = await t.api('POST', '/api/v1/configuration/groups', { name: `spares ${db.name}`, filter: { tag: 'backup' } });
    expect(group.statusCode, group.body).toBe(201);
    expect((await set('group', group.json().id, { tips: true })).statusCode).toBe(200);
    expect((await set('terminal', t1.id, { tid: '10000001', mid: '898310000000001' })).statusCode).toBe(200);

    const one = await effective(t1.id);
    expect(one.byName.receiptFooter).toMatchObject({ value: '欢迎再来 Welcome back', source: { level: 'site', scopeId: estate.site.id } });
    expect(one.byName.receiptHeader).toMatchObject({ value: '青柠茶饮', source: { level: 'merchant', scopeId: estate.merchant.id } });
    expect(one.byName.tid).toMatchObject({ value: '10000001', source: { level: 'terminal', scopeId: t1.id } });
    expect(one.byName.language).toMatchObject({ value: 'zh-CN', source: { level: 'default' } });
    expect(one.byName.tips!.value).toBe(false);
    const two = await effective(t2.id);
    expect(two.byName.tips).toMatchObject({ value: true, source: { level: 'group', scopeId: group.json().id } });
    const three = await effective(t3.id);
    expect(three.byName.receiptFooter).toMatchObject({ value: 'Fleet footer 车队', source: { level: 'fleet', scopeId: '' } });
  });

  it('refuses a value that fails the schema, naming the parameter and the level, and stores nothing', async () => {
    const bad = await set('site', estate.site.id, { acquirerPort: 70000 });
    expect(bad.statusCode).toBe(400);
    // The admin's account is zh-CN: the reason in Chinese, with its key and parameters for a program.
    expect(bad.json().error).toMatchObject({
      code: 'validation_error', field: 'values.acquirerPort', key: 'configuration.value_invalid', message: '门店层级的 acquirerPort：不能大于 65535。',
      params: { parameter: 'acquirerPort', level: 'site', rule: 'maximum', limit: 65535 },
    });
    const wrongLevel = await set('site', estate.site.id, { tid: '12345678' });
    expect(wrongLevel.json().error).toMatchObject({ field: 'values.tid', key: 'configuration.wrong_level', params: { parameter: 'tid', level: 'site', first: 'terminal', others: 0 } });
    // Logs and scripts read the English text (what the message said before).
    expect(formatMessage('en', wrongLevel.json().error.key, wrongLevel.json().error.params)).toBe('tid at site level: may be set at terminal level only.');
    const unknown = await set('fleet', 'fleet', { colour: 'red' });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json().error.field).toBe('values.colour');
    expect((await t.api('GET', `/api/v1/configuration/levels/site/${estate.site.id}`)).json().values).not.toHaveProperty('acquirerPort');
  });

  it('keeps TID unique per acquirer among terminals and MID among merchants (409 naming the parameter)', async () => {
    const tid = await set('terminal', t2.id, { tid: '10000001' });
    expect(tid.statusCode).toBe(409);
    // The other terminal named by its serial number, not its id.
    expect(tid.json().error).toMatchObject({
      code: 'conflict', field: 'values.tid', key: 'configuration.value_taken', retryable: false,
      params: { parameter: 'tid', value: '10000001', serial: t1.serialNumber, per: 'acquirer', perValue: 'unionpay', again: 'no' },
    });
    expect(tid.json().error.message).toBe(`在 acquirer unionpay 下，tid 10000001 已被终端 ${t1.serialNumber} 使用。`);
    // Another acquirer may use the same TID.
    expect((await set('terminal', t2.id, { acquirer: 'lakala', tid: '10000001' })).statusCode).toBe(200);
    // A merchant's terminals share its MID; another merchant may not take it.
    expect((await set('terminal', t2.id, { acquirer: null, tid: '10000002', mid: '898310000000001' })).statusCode).toBe(200);
    const mid = await set('terminal', t3.id, { mid: '898310000000001' });
    expect(mid.statusCode).toBe(409);
    expect(mid.json().error.field).toBe('values.mid');
  });

  it('versions every change with who, when, why and old → new, secrets masked, and reverts to any version', async () => {
    now = new Date('2026-12-01T03:00:00.000Z');
    const preview = await t.api('POST', `/api/v1/configuration/levels/site/${estate.site.id}/diff`, { values: { adminPin: '123456', receiptFooter: 'Footer v3' } });
    expect(preview.json()).toMatchObject({
      changes: [{ parameter: 'adminPin', old: null, new: '******' }, { parameter: 'receiptFooter', old: '欢迎再来 Welcome back', new: 'Footer v3' }],
      terminals: 2, needsMaintenance: true,
    });
    expect((await set('site', estate.site.id, { adminPin: '123456', receiptFooter: 'Footer v3' }, 'new season')).statusCode).toBe(200);
    expect((await set('site', estate.site.id, { adminPin: '654321' }, 'rotate')).statusCode).toBe(200);
    const history = await t.api('GET', `/api/v1/configuration/levels/site/${estate.site.id}/history`);
    expect(history.json().items.map((v: { version: number; reason: string }) => [v.version, v.reason])).toEqual([[3, 'rotate'], [2, 'new season'], [1, 'test']]);
    expect(history.json().items[0]).toMatchObject({ changes: [{ parameter: 'adminPin', old: '******', new: '******' }], createdBy: 'admin', createdAt: '2026-12-01T03:00:00.000Z' });
    expect(JSON.stringify(history.json())).not.toContain('654321');
    expect((await t.api('GET', `/api/v1/configuration/levels/site/${estate.site.id}`)).json().values.adminPin).toBe('******');

    const revert = await t.api('POST', `/api/v1/configuration/levels/site/${estate.site.id}/revert`, { version: 1, reason: 'back to the opening values' });
    expect(revert.statusCode, revert.body).toBe(200);
    expect(revert.json()).toMatchObject({ version: 4, changes: [{ parameter: 'adminPin', old: '******', new: null }, { parameter: 'receiptFooter', old: 'Footer v3', new: '欢迎再来 Welcome back' }] });
    expect((await effective(t1.id)).byName.receiptFooter!.value).toBe('欢迎再来 Welcome back');
    const audit = await t.api('GET', '/api/v1/audit?limit=20');
    expect(JSON.stringify(audit.json())).toContain('back to the opening values');
  });

  it('stores secret values encrypted at rest (old plain ones too), masked everywhere but in the terminal\'s own configuration', async () => {
    const pin = '246813';
    expect((await set('site', other.site.id, { adminPin: pin }, 'rotate the PIN')).statusCode).toBe(200);
    // A change held for a campaign carries its secret sealed too.
    const held = await t.api('PATCH', `/api/v1/configuration/levels/merchant/${other.merchant.id}`, { values: { adminPin: '975310' }, reason: 'held' });
    expect(held.json().pending.changes).toEqual([{ parameter: 'adminPin', old: null, new: '******' }]);
    // A value an older PosFleet stored in plain is sealed at the next load.
    await t.services.db.kysely.insertInto('config_values').values({ level: 'merchant', scope_id: estate.merchant.id, parameter: 'adminPin', value: JSON.stringify('135792'), updated_at: now.toISOString() }).execute();
    await t.services.configuration.load();

    const stored = JSON.stringify(await Promise.all([
      t.services.db.kysely.selectFrom('config_values').selectAll().execute(), t.services.db.kysely.selectFrom('config_versions').selectAll().execute(),
      t.services.db.kysely.selectFrom('config_changes').selectAll().execute(),
    ]));
    expect(stored).toContain('sealed:v1:');
    for (const secret of [pin, '975310', '135792']) expect(stored).not.toContain(secret);
    if (db.name === 'sqlite') {
      for (const file of [databaseUrl, `${databaseUrl}-wal`]) if (existsSync(file)) expect(readFileSync(file).includes(pin), file).toBe(false);
    }
    expect((await effective(t3.id)).byName.adminPin!.value).toBe('******');
    const history = await t.api('GET', `/api/v1/configuration/levels/site/${other.site.id}/history`);
    expect(JSON.stringify(history.json())).not.toContain('sealed:');
    expect(history.json().items[0].changes).toEqual([{ parameter: 'adminPin', old: null, new: '******' }]);

    // Only the terminal itself gets the value, in its own configuration fetch.
    const { credential } = await enrolTerminal(t, t3.serialNumber);
    const fetched = await t.app.inject({ method: 'GET', url: '/device/v1/configuration', headers: { authorization: `Bearer ${credential}` } });
    expect(fetched.json().values.adminPin).toBe(pin);
    const mine = await buildTerminal(t, estate);
    const mineCredential = (await enrolTerminal(t, mine.serialNumber)).credential;
    const inherited = await t.app.inject({ method: 'GET', url: '/device/v1/configuration', headers: { authorization: `Bearer ${mineCredential}` } });
    expect(inherited.json().values.adminPin).toBe('135792');
  });

  it("lets a merchant's user see and edit its own receipt header, never its TID or acquirer host nor another merchant's", async () => {
    const user = await t.api('POST', '/api/v1/users', { email: `shop-${db.name}@example.com`, name: 'Shop owner', role: 'merchant', merchantId: estate.merchant.id, password: PASSWORD });
    expect(user.statusCode, user.body).toBe(201);
    const { token } = await t.services.access.createToken(user.json().id, { name: 'shop' });
    const as = { authorization: `Bearer ${token}` };
    expect((await set('site', estate.site.id, { receiptHeader: '青柠茶饮 人民广场' }, 'shop', as)).statusCode).toBe(200);
    const tid = await set('terminal', t1.id, { tid: '10000009' }, 'shop', as);
    expect(tid.statusCode).toBe(403);
    expect(tid.json().error.field).toBe('values.tid');
    expect((await set('site', estate.site.id, { acquirerHost: 'evil.example' }, 'shop', as)).json().error.field).toBe('values.acquirerHost');
    expect((await set('site', other.site.id, { receiptHeader: 'x' }, 'shop', as)).statusCode).toBe(404);
    expect((await t.api('GET', `/api/v1/terminals/${t3.id}/configuration`, undefined, as)).statusCode).toBe(404);
    const mine = await t.api('GET', `/api/v1/terminals/${t1.id}/configuration`, undefined, as);
    expect(mine.statusCode).toBe(200);
  });

  it('imports TID/MID by CSV, naming the line and field of a bad row and storing nothing then', async () => {
    const bad = await t.api('POST', '/api/v1/configuration/terminal-values/import', `serial_number,tid,mid\n${t3.serialNumber},20000003,898310000000003\nNOPE-1,20000004,\n`);
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error).toMatchObject({
      code: 'invalid_csv', field: 'serial_number', key: 'configuration.csv_unknown_terminal', params: { line: 3, column: 'serial_number', serial: 'NOPE-1' },
      details: { line: 3, field: 'serial_number' }, message: '第 3 行：没有登记序列号为 NOPE-1 的终端。',
    });
    const badTid = await t.api('POST', '/api/v1/configuration/terminal-values/import', `serial_number,tid,mid\n${t3.serialNumber},2000,\n`);
    expect(badTid.json().error).toMatchObject({ field: 'tid', key: 'configuration.value_invalid', params: { line: 2, column: 'tid', where: 'csv', rule: 'pattern', pattern: '^[0-9]{8}$' } });
    const clash = await t.api('POST', '/api/v1/configuration/terminal-values/import', `serial_number,tid\n${t3.serialNumber},10000001\n`);
    expect(clash.json().error).toMatchObject({ code: 'invalid_csv', field: 'tid', key: 'configuration.value_taken', params: { line: 2, where: 'csv', parameter: 'tid', value: '10000001' } });
    expect(clash.json().error.message).toMatch(/^第 2 行的 tid：/);
    expect((await effective(t3.id)).byName.tid!.value).toBeNull();

    const ok = await t.api('POST', '/api/v1/configuration/terminal-values/import', `serial_number,tid,mid\n${t3.serialNumber},20000003,898310000000003\n`);
    expect(ok.json()).toEqual({ terminals: 1 });
    const csv = await t.api('GET', '/api/v1/configuration/terminal-values/export');
    expect(csv.body).toContain(`${t3.serialNumber},20000003,898310000000003`);
    expect(csv.body.split('\n')[0]).toBe('serial_number,tid,mid');
  });

  it("answers the effective hash in heartbeats, gives a terminal only its own configuration, and opens one drift incident naming the parameters", async () => {
    const terminal = await buildTerminal(t, estate);
    const { credential, terminalId } = await enrolTerminal(t, terminal.serialNumber);
    const beat = async (seq: number, configuration?: Record<string, unknown>) => {
      const res = await t.device('/device/v1/heartbeat', credential, heartbeatReport(seq, configuration ? { configuration } : {}));
      expect(res.statusCode, res.body).toBe(200);
      return res.json() as { configuration: { hash: string } | null };
    };
    // A terminal the server had not placed yet is looked up off the heartbeat's path: its hash comes next.
    await beat(1);
    const fetched = await t.app.inject({ method: 'GET', url: '/device/v1/configuration', headers: { authorization: `Bearer ${credential}` } });
    expect(fetched.statusCode).toBe(200);
    const body = fetched.json() as { hash: string; values: Record<string, unknown>; parameters: ParameterSchema };
    expect((await beat(2)).configuration!.hash).toBe(body.hash);
    expect(configurationHash(body.values, body.parameters)).toBe(body.hash);
    expect(body.values).toMatchObject({ receiptHeader: '青柠茶饮 人民广场', receiptFooter: '欢迎再来 Welcome back' });
    expect(body.values).not.toHaveProperty('tid'); // t1's TID is not this terminal's

    // A live change: a new hash in the next answer, no maintenance job.
    expect((await set('site', estate.site.id, { receiptFooter: '新年快乐' })).json().needsMaintenance).toBe(false);
    const third = await beat(3, { appliedHash: body.hash });
    expect(third.configuration!.hash).not.toBe(body.hash);
    expect((await t.api('GET', `/api/v1/maintenance/jobs?terminalId=${terminalId}`)).json().items ?? []).toEqual([]);

    // The terminal stays on another configuration: one incident after the grace period, naming the parameter.
    await beat(4, { appliedHash: 'f'.repeat(64), differing: ['receiptFooter'] });
    expect(await t.services.configurationDelivery.sweep()).toEqual({ opened: 0, resolved: 0 });
    now = new Date(now.getTime() + 31 * 60_000);
    await beat(5, { appliedHash: 'f'.repeat(64), differing: ['receiptFooter'] });
    expect(await t.services.configurationDelivery.sweep()).toEqual({ opened: 1, resolved: 0 });
    expect(await t.services.configurationDelivery.sweep()).toEqual({ opened: 0, resolved: 0 });
    const incidents = (await t.api('GET', `/api/v1/incidents?terminalId=${terminalId}`)).json().items as { rule: string; detail: { parameters: string[] } }[];
    const drift = incidents.filter((i) => i.rule === 'configuration_drift');
    expect(drift).toHaveLength(1);
    expect(drift[0]!.detail.parameters).toEqual(['receiptFooter']);
    const view = await t.api('GET', `/api/v1/terminals/${terminalId}/configuration`);
    expect(view.json()).toMatchObject({ appliedHash: 'f'.repeat(64), differing: ['receiptFooter'] });

    // The terminal applies its effective configuration again: the incident resolves itself at the next tick.
    await beat(6, { appliedHash: third.configuration!.hash });
    expect(await t.services.configurationDelivery.sweep()).toEqual({ opened: 0, resolved: 1 });
    const after = (await t.api('GET', `/api/v1/incidents?terminalId=${terminalId}`)).json().items as { rule: string; status: string; resolution: string | null; resolvedBy: string | null }[];
    expect(after.filter((i) => i.rule === 'configuration_drift').map((i) => i.status)).toEqual(['resolved']);
    expect(await t.services.configurationDelivery.sweep()).toEqual({ opened: 0, resolved: 0 });
  });

  it('shows what a terminal last applied even when this server no longer remembers it (restarted, or forgotten past its bound)', async () => {
    const drifting = await buildTerminal(t, estate);
    const steady = await buildTerminal(t, estate);
    const never = await buildTerminal(t, estate);
    const beat = async (credential: string, configuration?: Record<string, unknown>) => {
      const res = await t.device('/device/v1/heartbeat', credential, heartbeatReport(1, configuration ? { configuration } : {}));
      expect(res.statusCode, res.body).toBe(200);
    };
    const a = await enrolTerminal(t, drifting.serialNumber);
    const b = await enrolTerminal(t, steady.serialNumber);
    const c = await enrolTerminal(t, never.serialNumber);
    const { hash } = await effective(steady.id);
    await beat(a.credential, { appliedHash: 'e'.repeat(64), differing: ['receiptFooter'] });
    await beat(b.credential, { appliedHash: hash });
    await beat(c.credential);

    // Another server process on the same database remembers none of them: it reads their last heartbeats.
    const other = await startTestApp(databaseUrl, {}, () => now);
    try {
      const view = async (id: string) => (await other.api('GET', `/api/v1/terminals/${id}/configuration`)).json<{ hash: string; appliedHash: string | null; differing: string[] }>();
      expect(await view(drifting.id)).toMatchObject({ appliedHash: 'e'.repeat(64), differing: ['receiptFooter'] });
      expect(await view(steady.id)).toMatchObject({ hash, appliedHash: hash, differing: [] });
      expect(await view(never.id)).toMatchObject({ appliedHash: null, differing: [] });
    } finally {
      await other.close();
    }
  });

  it("registers the parameter schema a signed application package carries when it is published, and refuses a bad one naming the parameter", async () => {
    const keys = generateKeyPairSync('ed25519');
    const key = (await t.api('POST', '/api/v1/publisher-keys', { name: `pos ${db.name}`, publicKey: keys.publicKey.export({ type: 'spki', format: 'pem' }).toString() })).json<{ id: string }>();
    const declare = (kind: 'application' | 'firmware', version: string, parameters: Record<string, unknown>, content: Buffer) => {
      const facts = { kind, name: DEMO_APPLICATION, version, size: content.length, sha256: createHash('sha256').update(content).digest('hex') };
      return t.api('POST', '/api/v1/packages', {
        ...facts, parameters, fileName: `pos-${version}.apk`, keyId: key.id, compatibleModels: [estate.model.id],
        signature: signPackage({ ...facts, parametersSha256: parametersDigest(parameters) }, keys.privateKey),
      });
    };
    const content = randomBytes(1000);
    const bad = await declare('application', '3.9.0', { ...DEMO_PARAMETERS, tipPercent: { type: 'fraction' } }, content);
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.field).toBe('parameters.tipPercent.type');
    expect((await declare('firmware', '3.9.0', DEMO_PARAMETERS, content)).json().error.field).toBe('parameters');

    const parameters = { ...DEMO_PARAMETERS, tipPercent: { type: 'integer', minimum: 0, maximum: 30, default: 10, applies: 'live' } };
    const declared = await declare('application', '3.9.0', parameters, content);
    expect(declared.statusCode, declared.body).toBe(201);
    const schemas = async () => (await t.api('GET', '/api/v1/configuration/schemas')).json<{ items: { version: string; packageId: string | null; current: boolean }[] }>().items;
    expect((await schemas()).map((s) => s.version)).not.toContain('3.9.0'); // declared, not published yet
    const uploaded = await t.app.inject({ method: 'PUT', url: `/api/v1/packages/${declared.json().id}/content`, headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/octet-stream' }, payload: content });
    expect(uploaded.statusCode, uploaded.body).toBe(200);
    expect((await schemas()).find((s) => s.version === '3.9.0')).toMatchObject({ packageId: declared.json().id, current: true });
    // A terminal checks the same statement, schema line included, before installing.
    const view = (await t.api('GET', `/api/v1/packages/${declared.json().id}`)).json();
    expect(view.parametersSha256).toBe(parametersDigest(parameters));
    expect(await verifySignature({ ...view, publicKey: keys.publicKey.export({ type: 'spki', format: 'pem' }).toString() })).toBe(true);
    expect(await verifySignature({ ...view, parametersSha256: null, publicKey: keys.publicKey.export({ type: 'spki', format: 'pem' }).toString() })).toBe(false);
    // The new parameter is one values are checked against now.
    expect((await set('fleet', 'fleet', { tipPercent: 45 })).json().error.field).toBe('values.tipPercent');
  });

  it('keeps planned work and the suggested window clear of a site whose batch closes at 23:00', async () => {
    now = new Date('2026-12-01T06:00:00.000Z'); // 14:00 in Shanghai
    expect((await set('site', other.site.id, { batchCloseTime: '23:00' }, 'settlement at 23:00')).statusCode).toBe(200);
    // A nightly window 22:00–02:00 (Shanghai): an hour of work does not fit before 22:30, so it starts at 23:30 or later.
    const window = await t.api('POST', '/api/v1/maintenance/windows', {
      name: 'Nightly', target: { siteId: other.site.id }, schedule: { kind: 'cron', cron: '0 22 * * *', durationMinutes: 240 }, timeZone: 'Asia/Shanghai',
    });
    expect(window.statusCode, window.body).toBe(201);
    const plan = await t.api('POST', '/api/v1/maintenance/plans', { siteId: other.site.id, work: ['update'], reason: 'batch close', expectedMinutes: 60, maxMinutes: 60, seed: 'b', dryRun: true });
    expect(plan.statusCode, plan.body).toBe(200);
    const planned = plan.json().planned as { plannedStart: string; expectedEnd: string }[];
    expect(planned).toHaveLength(1);
    expect(planned[0]!.plannedStart >= '2026-12-01T15:30:00.000Z').toBe(true); // 23:30 Shanghai
    expect(planned[0]!.expectedEnd <= '2026-12-01T18:00:00.000Z').toBe(true);

    const suggested = await t.api('GET', `/api/v1/sites/${other.site.id}/suggested-window?minutes=60&top=10`);
    expect(suggested.statusCode, suggested.body).toBe(200);
    const candidates = suggested.json().candidates as { localStart: string; localEnd: string }[];
    expect(candidates.length).toBeGreaterThan(0);
    const minute = (local: string) => Number(local.slice(11, 13)) * 60 + Number(local.slice(14, 16));
    for (const c of candidates) {
      const [from, to] = [minute(c.localStart), minute(c.localEnd)];
      const crosses = from <= to ? from < 23 * 60 + 30 && to > 22 * 60 + 30 : from < 23 * 60 + 30 || to > 22 * 60 + 30;
      expect(crosses, `${c.localStart} – ${c.localEnd}`).toBe(false);
    }
  });

  it("gives a terminal moved to another site that site's configuration (in its heartbeat answer too) without re-reading the fleet", async () => {
    const from = await buildEstate(t);
    const to = await buildEstate(t);
    expect((await set('site', to.site.id, { receiptFooter: '搬来了 Moved here' })).statusCode).toBe(200);
    expect((await set('merchant', from.merchant.id, { receiptHeader: '老商户 Old merchant' })).statusCode).toBe(200);
    const terminal = await buildTerminal(t, from);
    const { credential } = await enrolTerminal(t, terminal.serialNumber);
    const beat = async (seq: number) => {
      const res = await t.device('/device/v1/heartbeat', credential, heartbeatReport(seq));
      expect(res.statusCode, res.body).toBe(200);
      return (res.json() as { configuration: { hash: string } | null }).configuration?.hash;
    };
    const before = await effective(terminal.id);
    expect(before.byName.receiptFooter!.source.level).not.toBe('site');
    const fullReads = t.services.configuration.fullReads;

    expect((await t.api('PATCH', `/api/v1/terminals/${terminal.id}`, { siteId: to.site.id })).statusCode).toBe(200);
    // What each node's watcher does every 2 s: only the terminals whose place changed are looked up.
    await t.services.configuration.applyPlacementChanges();
    const moved = await effective(terminal.id);
    expect(moved.byName.receiptFooter).toMatchObject({ value: '搬来了 Moved here', source: { level: 'site', scopeId: to.site.id } });
    expect(moved.hash).not.toBe(before.hash);
    expect(await beat(1)).toBe(moved.hash);

    // Its new site given to another merchant: the terminal takes that merchant's values.
    expect((await t.api('PATCH', `/api/v1/sites/${to.site.id}`, { merchantId: from.merchant.id })).statusCode).toBe(200);
    await t.services.configuration.applyPlacementChanges();
    const handed = await effective(terminal.id);
    expect(handed.byName.receiptHeader).toMatchObject({ value: '老商户 Old merchant', source: { level: 'merchant', scopeId: from.merchant.id } });
    expect(await beat(2)).toBe(handed.hash);

    // Retired: it leaves the cache (no hash to answer for it).
    expect((await t.api('DELETE', `/api/v1/terminals/${terminal.id}`)).statusCode).toBe(204);
    await t.services.configuration.applyPlacementChanges();
    expect(t.services.configuration.cache.hashOf(terminal.id)).toBeUndefined();
    expect(t.services.configuration.fullReads).toBe(fullReads);

    // The recorded changes do not pile up: those older than two hours go with the next refresh.
    const kysely = t.services.db.kysely;
    await kysely.insertInto('placement_changes').values({ terminal_id: terminal.id, site_id: null, changed_at: Date.now() - 3 * 3_600_000 }).execute();
    await t.services.configuration.refresh();
    const left = await kysely.selectFrom('placement_changes').select((eb) => eb.fn.countAll<number | string>().as('n')).where('changed_at', '<', Date.now() - 2 * 3_600_000).executeTakeFirstOrThrow();
    expect(Number(left.n)).toBe(0);
  });

  // PostgreSQL numbers a change when it is written, not when it commits: a move still in its transaction
  // leaves a gap the others' rows come after. SQLite has one writer: no such gap.
  it.runIf(db.name === 'postgres')('re-places a terminal whose move commits after a later one was seen, without re-reading the fleet', async () => {
    const from = await buildEstate(t);
    const to = await buildEstate(t);
    expect((await set('site', to.site.id, { receiptFooter: '晚到 Late' })).statusCode).toBe(200);
    const slow = await buildTerminal(t, from);
    const quick = await buildTerminal(t, from);
    await t.services.configuration.applyPlacementChanges();
    const fullReads = t.services.configuration.fullReads;
    let commit = () => {};
    const held = new Promise<void>((resolve) => { commit = resolve; });
    let moving!: Promise<void>;
    const started = new Promise<void>((resolve) => {
      moving = t.services.db.kysely.transaction().execute(async (trx) => {
        await trx.updateTable('terminals').set({ site_id: to.site.id }).where('id', '=', slow.id).execute();
        resolve();
        await held;
      });
    });
    await started;
    expect((await t.api('PATCH', `/api/v1/terminals/${quick.id}`, { siteId: to.site.id })).statusCode).toBe(200);
    await t.services.configuration.applyPlacementChanges();
    expect((await effective(quick.id)).byName.receiptFooter!.value).toBe('晚到 Late');
    expect((await effective(slow.id)).byName.receiptFooter!.value).not.toBe('晚到 Late');
    commit();
    await moving;
    await t.services.configuration.applyPlacementChanges();
    expect((await effective(slow.id)).byName.receiptFooter).toMatchObject({ value: '晚到 Late', source: { level: 'site', scopeId: to.site.id } });
    expect(t.services.configuration.fullReads).toBe(fullReads);
  });
});

describe.each(databases())('a fleet without a parameter schema on $name', (db) => {
  let t: TestApp;
  beforeAll(async () => { t = await startTestApp(await db.fresh()); });
  afterAll(() => t.close());

  it('hints no configuration in heartbeat answers until a schema is registered, so terminals ask for none', async () => {
    const estate = await buildEstate(t);
    const { credential } = await enrolTerminal(t, (await buildTerminal(t, estate)).serialNumber);
    const beat = async (seq: number) => {
      const res = await t.device('/device/v1/heartbeat', credential, heartbeatReport(seq));
      expect(res.statusCode, res.body).toBe(200);
      return (res.json() as { configuration: { hash: string } | null }).configuration;
    };
    // Two beats: the first places the terminal off the heartbeat's path, the second would carry its hash.
    expect(await beat(1)).toBeNull();
    expect(await beat(2)).toBeNull();
    const fetched = await t.app.inject({ method: 'GET', url: '/device/v1/configuration', headers: { authorization: `Bearer ${credential}` } });
    expect(fetched.statusCode).toBe(404);

    const res = await t.api('POST', '/api/v1/configuration/schemas', { application: DEMO_APPLICATION, version: '3.2.0', parameters: DEMO_PARAMETERS });
    expect(res.statusCode, res.body).toBe(201);
    await beat(3);
    expect((await beat(4))?.hash).toMatch(/^[0-9a-f]{64}$/);
  });
});
