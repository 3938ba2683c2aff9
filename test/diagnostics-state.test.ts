// Diagnostics that outlive one process: rule streaks kept in the database (two API nodes on one
// database count one terminal's readings together, and a restarted node goes on counting), a flapping
// link raising one incident with hysteresis of its own, and terminals past the password policy told to
// rotate their password through the command channel, through the terminal SDK over real HTTP.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RuleStateRepository } from '../src/diagnostics/rule-state.repository.ts';
import { PosFleetTerminal } from '../src/sdk/index.ts';
import { buildEstate, buildTerminal, enrolTerminal, heartbeatReport, startTestApp, type TestApp } from './support/app.ts';
import { databases } from './support/databases.ts';
import { heartbeatContent } from './support/server.ts';

interface IncidentView { id: string; rule: string; status: string; severity: string; detail: Record<string, unknown>; resolution: string | null }

describe.each(databases())('diagnostics state on $name', (kind) => {
  let url: string;
  let t: TestApp;
  let now = new Date('2026-11-25T02:00:00.000Z');
  let seq = 1;
  const env = { HEARTBEAT_INTERVAL_SECONDS: '60', OFFLINE_AFTER_MISSED_HEARTBEATS: '3', SQLITE_SYNCHRONOUS: 'NORMAL' };
  const start = () => startTestApp(url, { ...env, DATA_DIR: mkdtempSync(join(tmpdir(), 'posfleet-diag-state-')) }, () => now);
  beforeAll(async () => {
    url = await kind.fresh();
    t = await start();
  });
  afterAll(() => t.close());

  const advance = (seconds: number) => { now = new Date(now.getTime() + seconds * 1000); };
  const beat = async (on: TestApp, credential: string, overrides: Record<string, unknown> = {}) => {
    const res = await on.device('/device/v1/heartbeat', credential, heartbeatReport(seq++, { sentAt: now.toISOString(), ...overrides }));
    expect(res.statusCode, res.body).toBe(200);
    return res.json<{ commands: { id: string; type: string; payload: Record<string, unknown> }[] }>();
  };
  const incidents = async (query: string, on = t) => {
    const res = await on.api('GET', `/api/v1/incidents?${query}`);
    expect(res.statusCode, res.body).toBe(200);
    return res.json<{ items: IncidentView[] }>().items;
  };
  const sweep = async () => {
    await t.services.jobs.recurring('offline-sweep', 'offline-sweep', 15_000);
    await t.services.jobs.runDueJobs();
  };
  async function terminal() {
    const estate = await buildEstate(t);
    const created = await buildTerminal(t, estate);
    return { estate, ...created, credential: (await enrolTerminal(t, created.serialNumber)).credential };
  }
  const worn = { battery: { percent: 80, health: 40, charging: true, cycleCount: 120 } };

  it('counts one terminal\'s readings together across two API nodes on one database, and across a restart', async () => {
    const a = await terminal();
    const other = await start(); // a second node on the same database
    // A terminal beats once a minute; a node writes its rule state within a second: flushStates() is that second.
    const beatOn = async (node: TestApp, overrides: Record<string, unknown> = {}) => {
      await beat(node, a.credential, overrides);
      await node.services.heartbeatObserver.flushStates();
    };
    try {
      // battery_health_low opens after 3 bad readings in a row: each node alone saw fewer.
      await beatOn(t, worn);
      await beatOn(other, worn);
      expect(await incidents(`terminalId=${a.id}&status=unresolved`)).toEqual([]);
      await beatOn(t, worn);
      const [opened, ...more] = await incidents(`terminalId=${a.id}&status=unresolved`, other);
      expect(more).toEqual([]);
      expect(opened).toMatchObject({ rule: 'battery_health_low', severity: 'medium' });

      // It resolves after 3 good readings in a row, wherever they arrive; a node that restarted goes on counting.
      await beat(other, a.credential); // its state is written as the node shuts down
      await other.close();
      const restarted = await start();
      try {
        await beatOn(restarted);
        expect((await incidents(`terminalId=${a.id}`))[0]).toMatchObject({ id: opened!.id, status: 'open' });
        await beatOn(restarted);
        expect((await incidents(`terminalId=${a.id}`))[0]).toMatchObject({ id: opened!.id, status: 'resolved', resolution: 'the condition cleared' });
      } finally {
        await restarted.close();
      }
    } finally {
      await other.close().catch(() => {}); // closed above unless an expectation failed first
    }
  });

  it('tells the shop of paper out at once and the operator only after 30 minutes, across a restart; paper low and a harmless weak signal never', async () => {
    const a = await terminal();
    const paperOut = { printer: { paper: 'out', jam: false, coverOpen: false } };
    const beatOn = async (node: TestApp, overrides: Record<string, unknown>) => {
      const answer = await beat(node, a.credential, overrides) as { notices?: { kind: string; text: string; texts: { en: string } }[] };
      await node.services.heartbeatObserver.flushStates();
      return answer;
    };
    const first = await beatOn(t, paperOut);
    // The terminal's screen says what to do, in the merchant's language; no operator incident yet.
    expect(first.notices).toEqual([expect.objectContaining({ kind: 'paper_out', text: '打印机缺纸，请装入新纸卷', texts: expect.objectContaining({ en: 'The printer is out of paper: put in a new roll' }) })]);
    const shop = await t.api('GET', '/api/v1/merchant/notices');
    expect(shop.statusCode, shop.body).toBe(200);
    expect(shop.json().items).toContainEqual(expect.objectContaining({ terminalId: a.id, serialNumber: a.serialNumber, kind: 'paper_out' }));
    advance(20 * 60);
    await beatOn(t, paperOut);
    expect(await incidents(`terminalId=${a.id}&status=unresolved`)).toEqual([]);
    // Another node started since (or this one restarted) goes on counting from the first reading.
    const restarted = await start();
    try {
      advance(11 * 60);
      await beatOn(restarted, paperOut);
      expect((await incidents(`terminalId=${a.id}&status=unresolved`)).map((i) => [i.rule, i.severity])).toEqual([['printer_paper_out', 'high']]);
      await beatOn(restarted, { printer: { paper: 'ok', jam: false, coverOpen: false } });
      expect((await incidents(`terminalId=${a.id}`)).map((i) => i.status)).toEqual(['resolved']);
    } finally {
      await restarted.close();
    }

    // Paper low for hours, and a weak signal while every payment goes through: the shop is told, no incident.
    const low = { printer: { paper: 'low', jam: false, coverOpen: false }, network: { type: 'cellular', signalDbm: -112, latencyMs: 2600 } };
    for (let i = 0; i < 6; i++) {
      advance(60 * 60);
      const answer = await beatOn(t, low);
      expect(answer.notices?.map((n) => n.kind)).toEqual(['paper_low']);
    }
    expect((await incidents(`terminalId=${a.id}&status=unresolved`)).map((i) => i.rule)).toEqual([]);
    // When payments fail on that weak link, it is an operator's incident (3 heartbeats in a row).
    for (let i = 0; i < 3; i++) await beatOn(t, { ...low, transactions: { count: 4, amountMinor: 100, failed: 3 } });
    expect((await incidents(`terminalId=${a.id}&status=unresolved`)).map((i) => i.rule).sort()).toEqual(['high_latency', 'weak_signal']);
  });

  it('keeps no rule state changing for a healthy, busy terminal, however many heartbeats it sends', async () => {
    const a = await terminal();
    for (let i = 0; i < 12; i++) await beat(t, a.credential);
    await t.services.heartbeatObserver.flushStates(); // as a second later: state is written at most once a second
    const row = await t.services.db.kysely.selectFrom('diagnostic_state').selectAll().where('terminal_id', '=', a.id).executeTakeFirst();
    // Only the card windows are remembered, and they stop changing once full of good reads.
    expect(row && JSON.parse(row.streaks)).toEqual({});
    const seqBefore = Number(row!.seq);
    await beat(t, a.credential);
    await t.services.heartbeatObserver.flushStates();
    const after = await t.services.db.kysely.selectFrom('diagnostic_state').select('seq').where('terminal_id', '=', a.id).executeTakeFirstOrThrow();
    expect(Number(after.seq)).toBe(seqBefore);
  });

  it('writes the rule state of a busy second\'s many terminals at once, keeping a row another node wrote for a newer heartbeat', async () => {
    const repo = new RuleStateRepository(t.services.db.kysely);
    const ids = Array.from({ length: 250 }, (_, i) => `state-${kind.name}-${i}`);
    const row = (id: string, seq: number) => ({ terminal_id: id, seq, streaks: `{"temperature":[${seq},0]}`, cards: '{}', updated_at: now.toISOString() });
    await repo.saveDiagnosticStates(ids.map((id) => row(id, 5)));
    // A second later: most terminals moved on; a few were last counted by another node, with a newer heartbeat.
    await repo.saveDiagnosticStates(ids.map((id, i) => row(id, i % 50 === 0 ? 4 : 6)));
    const { states } = await repo.batchState(ids);
    expect(states).toHaveLength(250);
    for (const s of states) expect([s.seq, s.streaks]).toEqual(Number(s.terminal_id.split('-').at(-1)) % 50 === 0 ? [5, '{"temperature":[5,0]}'] : [6, '{"temperature":[6,0]}']);
  });

  it('raises one flapping incident for a link that keeps dropping, per its model\'s thresholds, and resolves it after a quiet window', async () => {
    const a = await terminal();
    const thresholds = await t.api('PUT', `/api/v1/terminal-models/${a.estate.model.id}/diagnostic-thresholds`, { network: { flapCount: 2, flapWindowMinutes: 30 } });
    expect(thresholds.statusCode, thresholds.body).toBe(200);
    const bad = await t.api('PUT', `/api/v1/terminal-models/${a.estate.model.id}/diagnostic-thresholds`, { network: { flapWindowMinutes: 0 } });
    expect(bad.statusCode).toBe(400);
    expect((await t.api('GET', `/api/v1/terminal-models/${a.estate.model.id}/diagnostic-thresholds`)).json().effective.network)
      .toMatchObject({ flapCount: 2, flapWindowMinutes: 30 });

    const drop = async () => {
      advance(200); // silent for more than 3 intervals: the sweep finds the link gone
      await sweep();
      await beat(t, a.credential); // and it is back
    };
    await beat(t, a.credential);
    await drop();
    await drop();
    expect((await incidents(`terminalId=${a.id}`)).map((i) => [i.rule, i.status])).toEqual([['offline', 'resolved'], ['offline', 'resolved']]);
    await drop(); // the third drop within 30 minutes: more than 2
    await drop();
    const open = await incidents(`terminalId=${a.id}&status=unresolved`);
    expect(open.map((i) => [i.rule, i.severity])).toEqual([['network_flapping', 'medium']]);
    expect(open[0]!.detail).toMatchObject({ drops: 3, windowMinutes: 30, maxDrops: 2 });
    // While it flaps, its short drops open no offline incident each.
    expect((await incidents(`terminalId=${a.id}&rule=offline`)).length).toBe(2);

    // Steady heartbeats: the incident stays open until a whole window passed without a drop.
    for (let i = 0; i < 9; i++) {
      advance(170);
      await beat(t, a.credential);
      await sweep();
    }
    expect((await incidents(`terminalId=${a.id}&rule=network_flapping`))[0]).toMatchObject({ status: 'open' });
    for (let i = 0; i < 3; i++) {
      advance(170);
      await beat(t, a.credential);
      await sweep();
    }
    const [flapping] = await incidents(`terminalId=${a.id}&rule=network_flapping`);
    expect(flapping).toMatchObject({ status: 'resolved', resolution: 'no link drop for 30 minutes' });
  });

  it('tells a terminal past the password policy to rotate its password, once, and resolves the incident when it reports the new date', async () => {
    const a = await terminal();
    const listening = await t.app.listen({ port: 0, host: '127.0.0.1' }).catch(() => `http://127.0.0.1:${(t.app.server.address() as { port: number }).port}`);
    const client = new PosFleetTerminal({ server: listening, serialNumber: a.serialNumber, credential: a.credential, now: () => now, retry: { attempts: 1 } });
    let passwordChangedAt = '2026-05-01T00:00:00.000Z'; // 208 days before now: past the default 90
    const report = () => heartbeatContent({ security: { passwordChangedAt, pinEntryEnabled: true, encryptionEnabled: true } });

    await client.heartbeat(report());
    const [incident] = await incidents(`terminalId=${a.id}&status=unresolved`);
    expect(incident).toMatchObject({ rule: 'password_too_old', detail: { ageDays: 208 } });
    await client.heartbeat(report());
    await client.heartbeat(report()); // not rotated yet: no second command
    const commands = (await t.api('GET', `/api/v1/terminals/${a.id}/commands`)).json().items as { id: string; type: string; status: string; payload: unknown }[];
    expect(commands.filter((c) => c.type === 'rotate_password')).toEqual([expect.objectContaining({ status: 'delivered', payload: { incidentId: incident!.id, maxAgeDays: 90 } })]);
    const [command] = client.pendingCommands;
    expect(command).toMatchObject({ type: 'rotate_password' });

    const posture = async () => (await t.api('GET', `/api/v1/security/posture?merchantId=${a.estate.merchant.id}`)).json();
    expect((await posture()).summary).toMatchObject({ terminals: 1, passwordTooOld: 1, rotationRequested: 1 });

    // The application changes the password and says so; its next heartbeat reports the new date.
    advance(60);
    passwordChangedAt = now.toISOString();
    await client.reportPasswordRotated(command!.id, now);
    await client.heartbeat(report());
    expect((await incidents(`terminalId=${a.id}`))[0]).toMatchObject({ id: incident!.id, status: 'resolved' });
    const after = await posture();
    expect(after.summary).toMatchObject({ passwordTooOld: 0, rotationRequested: 0 });
    expect(after.terminals[0]).toMatchObject({ passwordAgeDays: 0, passwordRotation: { commandId: command!.id, status: 'succeeded', passwordChangedAt } });
    await client.close();
  });
});
