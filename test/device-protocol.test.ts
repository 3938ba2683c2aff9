// The terminal protocol: enrolment, credentials, idempotent heartbeats, latest state and history,
// commands, and offline detection — on every database of the matrix.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildEstate, buildTerminal, enrolTerminal, heartbeatReport, startTestApp, type TestApp } from './support/app.ts';
import { databases } from './support/databases.ts';

describe.each(databases())('terminal protocol on $name', (kind) => {
  let t: TestApp;
  let estate: Awaited<ReturnType<typeof buildEstate>>;
  let now = new Date('2026-11-25T08:00:00.000Z');
  beforeAll(async () => {
    t = await startTestApp(await kind.fresh(), { HEARTBEAT_INTERVAL_SECONDS: '60', OFFLINE_AFTER_MISSED_HEARTBEATS: '3' }, () => now);
    estate = await buildEstate(t);
  });
  afterAll(() => t.close());

  it('enrols a pre-registered terminal and stores a retried heartbeat once', async () => {
    const terminal = await buildTerminal(t, estate);
    const { terminalId, credential } = await enrolTerminal(t, terminal.serialNumber);
    expect(terminalId).toBe(terminal.id);

    const report = heartbeatReport(41, { printer: { paper: 'low', jam: false, coverOpen: false } });
    const first = await t.device('/device/v1/heartbeat', credential, report);
    expect(first.statusCode).toBe(200);
    expect(first.json()).toMatchObject({ seq: 41, duplicate: false, mode: 'normal', commands: [], heartbeatIntervalSeconds: 60 });
    const retry = await t.device('/device/v1/heartbeat', credential, report);
    expect(retry.json()).toMatchObject({ seq: 41, duplicate: true });

    const history = (await t.api('GET', `/api/v1/terminals/${terminal.id}/heartbeats`)).json();
    expect(history.items.map((h: { seq: number }) => h.seq)).toEqual([41]);
    const health = (await t.api('GET', `/api/v1/terminals/${terminal.id}/health`)).json();
    expect(health).toMatchObject({ seq: 41, online: true, report: { printer: { paper: 'low' } } });
  });

  it('keeps the newest state when an older heartbeat arrives late, and keeps both in history', async () => {
    const terminal = await buildTerminal(t, estate);
    const { credential } = await enrolTerminal(t, terminal.serialNumber);
    await t.device('/device/v1/heartbeat', credential, heartbeatReport(10, { temperatureC: 40 }));
    await t.device('/device/v1/heartbeat', credential, heartbeatReport(9, { temperatureC: 20 }));
    expect((await t.api('GET', `/api/v1/terminals/${terminal.id}/health`)).json()).toMatchObject({ seq: 10, report: { temperatureC: 40 } });
    const history = (await t.api('GET', `/api/v1/terminals/${terminal.id}/heartbeats`)).json();
    expect(history.items.map((h: { seq: number }) => h.seq)).toEqual([10, 9]);
  });

  it('records the versions a terminal reports on its estate record', async () => {
    const terminal = await buildTerminal(t, estate);
    const { credential } = await enrolTerminal(t, terminal.serialNumber);
    await t.device('/device/v1/heartbeat', credential, heartbeatReport(1, { appVersion: '5.0.0', firmwareVersion: 'fw-9' }));
    expect((await t.api('GET', `/api/v1/terminals/${terminal.id}`)).json()).toMatchObject({ appVersion: '5.0.0', firmwareVersion: 'fw-9' });
  });

  it('answers 401 to a revoked credential and to none at all', async () => {
    const terminal = await buildTerminal(t, estate);
    const { credential } = await enrolTerminal(t, terminal.serialNumber);
    expect((await t.device('/device/v1/heartbeat', credential, heartbeatReport(1))).statusCode).toBe(200);
    expect((await t.api('POST', `/api/v1/terminals/${terminal.id}/credentials/revoke`)).json()).toEqual({ revoked: 1 });
    const revoked = await t.device('/device/v1/heartbeat', credential, heartbeatReport(2));
    expect(revoked.statusCode).toBe(401);
    expect(revoked.json().error.code).toBe('unauthenticated');
    expect((await t.device('/device/v1/heartbeat', undefined, heartbeatReport(2))).statusCode).toBe(401);
    expect((await t.device('/device/v1/heartbeat', 'pft_forged', heartbeatReport(2))).statusCode).toBe(401);
  });

  it('authenticates terminals heartbeating at the same moment each as itself, and refuses the revoked and removed among them', async () => {
    const fleet = [];
    for (let i = 0; i < 6; i++) {
      const terminal = await buildTerminal(t, estate);
      fleet.push({ terminal, ...(await enrolTerminal(t, terminal.serialNumber)) });
    }
    const [revoked, removed, ...live] = fleet;
    expect((await t.api('POST', `/api/v1/terminals/${revoked!.terminal.id}/credentials/revoke`)).json()).toEqual({ revoked: 1 });
    expect((await t.api('DELETE', `/api/v1/terminals/${removed!.terminal.id}`)).statusCode).toBe(204);
    // Sent together, so their credentials are looked up together; one terminal sends two heartbeats at once.
    const answers = await Promise.all([
      ...fleet.map((f, i) => t.device('/device/v1/heartbeat', f.credential, heartbeatReport(1, { temperatureC: 30 + i }))),
      t.device('/device/v1/heartbeat', live[0]!.credential, heartbeatReport(2, { temperatureC: 50 })),
      t.device('/device/v1/heartbeat', 'pft_forged', heartbeatReport(1)),
    ]);
    expect(answers.map((a) => a.statusCode)).toEqual([401, 401, 200, 200, 200, 200, 200, 401]);
    for (const [i, f] of fleet.entries()) {
      if (f === revoked || f === removed) continue;
      const history = (await t.api('GET', `/api/v1/terminals/${f.terminal.id}/heartbeats`)).json();
      const expected = f === live[0] ? [{ seq: 2, temperatureC: 50 }, { seq: 1, temperatureC: 30 + i }] : [{ seq: 1, temperatureC: 30 + i }];
      expect(history.items.map((h: { seq: number; report: { temperatureC: number } }) => ({ seq: h.seq, temperatureC: h.report.temperatureC }))).toEqual(expected);
    }
  });

  it('replaces the old credential when a terminal enrols again', async () => {
    const terminal = await buildTerminal(t, estate);
    const first = await enrolTerminal(t, terminal.serialNumber);
    const second = await enrolTerminal(t, terminal.serialNumber);
    expect((await t.device('/device/v1/heartbeat', first.credential, heartbeatReport(1))).statusCode).toBe(401);
    expect((await t.device('/device/v1/heartbeat', second.credential, heartbeatReport(1))).statusCode).toBe(200);
  });

  it('accepts an enrolment code once, until it expires, and only for its own terminal', async () => {
    const terminal = await buildTerminal(t, estate);
    const other = await buildTerminal(t, estate);
    const { code } = (await t.api('POST', '/api/v1/enrolment-codes', { serialNumber: terminal.serialNumber, expiresInMinutes: 10 })).json();
    const stolen = await t.device('/device/v1/enrol', undefined, { serialNumber: other.serialNumber, code });
    expect(stolen.statusCode).toBe(403);
    // Codes are read over the phone: case and dashes do not matter.
    const typed = code.toLowerCase().replace('-', ' ');
    expect((await t.device('/device/v1/enrol', undefined, { serialNumber: terminal.serialNumber, code: typed })).statusCode).toBe(201);
    const reused = await t.device('/device/v1/enrol', undefined, { serialNumber: terminal.serialNumber, code });
    expect(reused.statusCode).toBe(401);
    expect(reused.json().error.message).toContain('already been used');

    const late = (await t.api('POST', '/api/v1/enrolment-codes', { serialNumber: other.serialNumber, expiresInMinutes: 10 })).json();
    now = new Date(now.getTime() + 11 * 60_000);
    const expired = await t.device('/device/v1/enrol', undefined, { serialNumber: other.serialNumber, code: late.code });
    expect(expired.statusCode).toBe(401);
    expect(expired.json().error.message).toContain('expired');
  });

  it('takes no second use of a code when a terminal retries an enrolment whose answer was lost', async () => {
    const terminal = await buildTerminal(t, estate);
    const { code } = (await t.api('POST', '/api/v1/enrolment-codes', { serialNumber: terminal.serialNumber })).json();
    const requestId = 'e0b7c1d2-lost-answer-0001';
    const first = await t.device('/device/v1/enrol', undefined, { serialNumber: terminal.serialNumber, code, requestId });
    expect(first.statusCode).toBe(201);
    // The answer never reached the terminal: it sends the same enrolment again. Its requests may be answered
    // in any order, so whichever credential reaches it works.
    const retried = await t.device('/device/v1/enrol', undefined, { serialNumber: terminal.serialNumber, code, requestId });
    expect(retried.statusCode).toBe(201);
    expect((await t.device('/device/v1/heartbeat', retried.json().credential, heartbeatReport(1))).statusCode).toBe(200);
    expect((await t.device('/device/v1/heartbeat', first.json().credential, heartbeatReport(2))).statusCode).toBe(200);
    // Without the terminal's own requestId, the used code stays used.
    const stranger = await t.device('/device/v1/enrol', undefined, { serialNumber: terminal.serialNumber, code, requestId: 'guessed-request-id-000000' });
    expect(stranger.statusCode).toBe(401);
    expect(stranger.json().error.message).toContain('already been used');
    // Nor is a retry long after a retry.
    now = new Date(now.getTime() + 11 * 60_000);
    expect((await t.device('/device/v1/enrol', undefined, { serialNumber: terminal.serialNumber, code, requestId })).statusCode).toBe(401);
    // A new enrolment (a new code) revokes both.
    const again = (await t.api('POST', '/api/v1/enrolment-codes', { serialNumber: terminal.serialNumber })).json();
    expect((await t.device('/device/v1/enrol', undefined, { serialNumber: terminal.serialNumber, code: again.code })).statusCode).toBe(201);
    for (const old of [first, retried]) expect((await t.device('/device/v1/heartbeat', old.json().credential, heartbeatReport(3))).statusCode).toBe(401);
  });

  it('admits as many terminals enrolling at once as a code has uses, and refuses the next', async () => {
    const { code } = (await t.api('POST', '/api/v1/enrolment-codes', { modelId: estate.model.id, siteId: estate.site.id, uses: 50 })).json();
    const serials = Array.from({ length: 50 }, (_, i) => `BATCH-${kind.name}-${String(i).padStart(2, '0')}`);
    const answers = await Promise.all(serials.map((serialNumber) => t.device('/device/v1/enrol', undefined, { serialNumber, code })));
    expect(answers.map((a) => a.statusCode)).toEqual(serials.map(() => 201));
    const late = await t.device('/device/v1/enrol', undefined, { serialNumber: `BATCH-${kind.name}-50`, code });
    expect(late.statusCode).toBe(401);
    expect(late.json().error.message).toContain('already been used');
  });

  it('registers new serials through a code that names a model and site, as many as its uses', async () => {
    const { code } = (await t.api('POST', '/api/v1/enrolment-codes', { modelId: estate.model.id, siteId: estate.site.id, uses: 2 })).json();
    for (const serial of ['NEW-0001', 'NEW-0002']) {
      expect((await t.device('/device/v1/enrol', undefined, { serialNumber: serial, code })).statusCode).toBe(201);
    }
    expect((await t.device('/device/v1/enrol', undefined, { serialNumber: 'NEW-0003', code })).statusCode).toBe(401);
    const listed = (await t.api('GET', '/api/v1/terminals?q=NEW-000')).json().items;
    expect(listed.map((x: { serialNumber: string; siteId: string; status: string }) => [x.serialNumber, x.siteId, x.status])).toEqual([
      ['NEW-0001', estate.site.id, 'active'], ['NEW-0002', estate.site.id, 'active'],
    ]);
    const unbound = (await t.api('POST', '/api/v1/enrolment-codes', {})).json();
    const unknown = await t.device('/device/v1/enrol', undefined, { serialNumber: 'NEVER-SEEN', code: unbound.code });
    expect(unknown.statusCode).toBe(404);
  });

  it('names the field of a malformed heartbeat and refuses oversized ones', async () => {
    const terminal = await buildTerminal(t, estate);
    const { credential } = await enrolTerminal(t, terminal.serialNumber);
    const cases: [Record<string, unknown>, string][] = [
      [{ battery: { percent: 130, health: 90, charging: true, cycleCount: 1 } }, 'battery.percent'],
      [{ seq: -1 }, 'seq'],
      [{ transactions: { count: '3', amountMinor: 0 } }, 'transactions.count'],
      [{ printer: { paper: 'plenty', jam: false, coverOpen: false } }, 'printer.paper'],
      [{ sentAt: 'yesterday' }, 'sentAt'],
    ];
    for (const [overrides, field] of cases) {
      const res = await t.device('/device/v1/heartbeat', credential, heartbeatReport(1, overrides));
      expect(res.statusCode, field).toBe(400);
      expect(res.json().error.field).toBe(field);
    }
    const missing = heartbeatReport(1) as Record<string, unknown>;
    delete missing.network;
    expect((await t.device('/device/v1/heartbeat', credential, missing)).json().error.field).toBe('network');
    const huge = await t.device('/device/v1/heartbeat', credential, heartbeatReport(1, { note: 'x'.repeat(100_000) }));
    expect(huge.statusCode).toBe(413);
    expect((await t.api('GET', `/api/v1/terminals/${terminal.id}/heartbeats`)).json().items).toHaveLength(0);
  });

  it('hands pending commands to the terminal and takes its result once', async () => {
    const terminal = await buildTerminal(t, estate);
    const other = await buildTerminal(t, estate);
    const { credential } = await enrolTerminal(t, terminal.serialNumber);
    const otherCredential = (await enrolTerminal(t, other.serialNumber)).credential;
    const command = (await t.api('POST', `/api/v1/terminals/${terminal.id}/commands`, { type: 'self_test', payload: { parts: ['printer'] } })).json();
    const answer = (await t.device('/device/v1/heartbeat', credential, heartbeatReport(1))).json();
    expect(answer.commands).toEqual([{ id: command.id, type: 'self_test', payload: { parts: ['printer'] }, createdAt: command.createdAt }]);

    // Another terminal cannot report on this terminal's command.
    expect((await t.device(`/device/v1/commands/${command.id}/result`, otherCredential, { status: 'failed' })).statusCode).toBe(404);
    const done = await t.device(`/device/v1/commands/${command.id}/result`, credential, { status: 'succeeded', output: { printer: 'ok' } });
    expect(done.json()).toMatchObject({ status: 'succeeded', result: { printer: 'ok' } });
    const late = await t.device(`/device/v1/commands/${command.id}/result`, credential, { status: 'failed' });
    expect(late.json()).toMatchObject({ status: 'succeeded', result: { printer: 'ok' } });
    expect((await t.device('/device/v1/heartbeat', credential, heartbeatReport(2))).json().commands).toEqual([]);
  });

  it('lists a terminal as offline after the configured missed heartbeats, without waiting for a sweep', async () => {
    const terminal = await buildTerminal(t, estate);
    const { credential } = await enrolTerminal(t, terminal.serialNumber);
    await t.device('/device/v1/heartbeat', credential, heartbeatReport(1));
    const status = async () => (await t.api('GET', `/api/v1/terminals/${terminal.id}`)).json().online;
    expect(await status()).toBe(true);
    now = new Date(now.getTime() + 179_000);
    expect(await status()).toBe(true);
    now = new Date(now.getTime() + 2_000);
    expect(await status()).toBe(false);
    const wentOffline = await t.services.device.sweepOffline();
    expect(wentOffline).toContain(terminal.id);
    expect((await t.api('GET', `/api/v1/terminals/${terminal.id}/health`)).json()).toMatchObject({ online: false, offlineSince: now.toISOString() });
    await t.device('/device/v1/heartbeat', credential, heartbeatReport(2));
    expect((await t.api('GET', `/api/v1/terminals/${terminal.id}/health`)).json()).toMatchObject({ online: true, offlineSince: null });
  });
});
