// Fault diagnostics end to end: heartbeats through the terminal protocol open and resolve incidents
// (with hysteresis, one per terminal and rule), the offline sweep opens offline and site incidents,
// guides are walked in both languages, self-tests report back, tamper locks, merchants report
// suspicious activity, software behind the newest security patch is flagged, and incidents reach the
// notification channels.
import { createHash, generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signPackage } from '../src/rollouts/package-signature.ts';
import { buildEstate, buildTerminal, enrolTerminal, heartbeatReport, startTestApp, type TestApp } from './support/app.ts';
import { databases } from './support/databases.ts';

interface IncidentView { id: string; rule: string; status: string; severity: string; terminalId: string | null; siteId: string | null; guideId: string | null; resolvedBy: string | null; detail: Record<string, unknown> }

describe.each(databases())('diagnostics on $name', (kind) => {
  let t: TestApp;
  let now = new Date('2026-11-25T02:00:00.000Z');
  let seq = 1;
  beforeAll(async () => {
    t = await startTestApp(await kind.fresh(), {
      HEARTBEAT_INTERVAL_SECONDS: '60', OFFLINE_AFTER_MISSED_HEARTBEATS: '3', SQLITE_SYNCHRONOUS: 'NORMAL', DATA_DIR: mkdtempSync(join(tmpdir(), 'posfleet-diag-')),
    }, () => now);
  });
  afterAll(() => t.close());

  const advance = (seconds: number) => { now = new Date(now.getTime() + seconds * 1000); };
  /** A heartbeat sent now by the terminal's own clock (so no clock-skew readings). */
  const beat = async (credential: string, overrides: Record<string, unknown> = {}) => {
    const res = await t.device('/device/v1/heartbeat', credential, heartbeatReport(seq++, { sentAt: now.toISOString(), ...overrides }));
    expect(res.statusCode, res.body).toBe(200);
    return res.json<{ mode: string; commands: { id: string; type: string; payload: Record<string, unknown> }[] }>();
  };
  /** A site with enrolled terminals and an e-mail channel for its merchant. */
  async function site(count: number) {
    const estate = await buildEstate(t);
    await t.services.notificationChannels.createChannel({ merchantId: estate.merchant.id, kind: 'email', name: 'shop', address: 'shop@example.com' });
    const terminals = [];
    for (let i = 0; i < count; i++) {
      const terminal = await buildTerminal(t, estate);
      terminals.push({ ...terminal, credential: (await enrolTerminal(t, terminal.serialNumber)).credential });
    }
    return { estate, terminals };
  }
  const incidents = async (query: string) => {
    const res = await t.api('GET', `/api/v1/incidents?${query}`);
    expect(res.statusCode, res.body).toBe(200);
    return res.json<{ items: IncidentView[] }>().items;
  };
  const noticesOf = async (merchantId: string) => (await t.services.db.kysely.selectFrom('notification_deliveries').select(['event', 'body', 'locale'])
    .where('merchant_id', '=', merchantId).where('event', 'like', 'incident.%').orderBy('created_at').execute());
  const sweep = async () => {
    await t.services.jobs.recurring('offline-sweep', 'offline-sweep', 15_000);
    await t.services.jobs.runDueJobs();
  };

  it('moves an open incident\'s last-seen time along the server\'s clock while the fault goes on', async () => {
    const { terminals: [a] } = await site(1);
    const paperOut = { printer: { paper: 'out', jam: false, coverOpen: false } };
    const lastSeen = async () => (await incidents(`terminalId=${a!.id}&rule=printer_paper_out`)).map((i) => (i as IncidentView & { lastSeenAt: string }).lastSeenAt);
    // Paper out is the shop's to fix: it becomes an operator incident once it lasted 30 minutes.
    for (let i = 0; i < 5 && !(await lastSeen()).length; i++) {
      await beat(a!.credential, paperOut);
      advance(10 * 60);
    }
    expect(await lastSeen()).toHaveLength(1);
    for (let i = 0; i < 4; i++) {
      advance(120);
      await beat(a!.credential, paperOut);
      expect(await lastSeen()).toEqual([now.toISOString()]);
    }
  });

  it('opens one card-reader incident for a dirty chip slot, not one per heartbeat, and resolves it after clean readings', async () => {
    const { estate, terminals: [a] } = await site(1);
    const dirty = { cardReader: { chip: { attempts: 10, failures: 6 }, contactless: { attempts: 5, failures: 0 } } };
    const clean = { cardReader: { chip: { attempts: 10, failures: 0 }, contactless: { attempts: 5, failures: 0 } } };
    await beat(a!.credential, dirty);
    expect(await incidents(`terminalId=${a!.id}`)).toEqual([]); // 10 attempts are not enough to judge
    for (let i = 0; i < 5; i++) await beat(a!.credential, dirty);
    const open = await incidents(`terminalId=${a!.id}&status=unresolved`);
    expect(open.map((i) => [i.rule, i.severity, i.status, i.guideId])).toEqual([['card_reader_chip', 'high', 'open', 'card_slot']]);
    expect(open[0]!.detail).toMatchObject({ failureRate: 0.6 });

    // One clean heartbeat is not enough (hysteresis): the window still holds failures, then 3 good readings in a row.
    await beat(a!.credential, clean);
    expect(await incidents(`terminalId=${a!.id}&status=unresolved`)).toHaveLength(1);
    for (let i = 0; i < 7; i++) await beat(a!.credential, clean);
    const all = await incidents(`terminalId=${a!.id}`);
    expect(all.map((i) => [i.rule, i.status, i.resolvedBy])).toEqual([['card_reader_chip', 'resolved', 'PosFleet']]);
    expect((await noticesOf(estate.merchant.id)).map((n) => n.event)).toEqual(['incident.opened', 'incident.resolved']);
    const [opened] = await noticesOf(estate.merchant.id);
    expect(opened!.locale).toBe('zh-CN');
    expect(opened!.body).toContain('接触式读卡失败率过高');
    expect(opened!.body).toContain(a!.serialNumber);
  });

  it('opens a paper-out incident, shows the terminal its printer guide, and resolves when paper is refilled', async () => {
    const { terminals: [a] } = await site(1);
    await beat(a!.credential, { printer: { paper: 'out', jam: false, coverOpen: false } });
    advance(31 * 60); // the shop did not refill it within 30 minutes
    await beat(a!.credential, { printer: { paper: 'out', jam: false, coverOpen: false } });
    const [incident, ...more] = await incidents(`terminalId=${a!.id}&status=unresolved`);
    expect(more).toEqual([]);
    expect(incident).toMatchObject({ rule: 'printer_paper_out', severity: 'high', guideId: 'printer' });

    const guide = await t.app.inject({ method: 'GET', url: '/device/v1/guide?locale=en', headers: { authorization: `Bearer ${a!.credential}` } });
    expect(guide.statusCode, guide.body).toBe(200);
    expect(guide.json()).toMatchObject({ incidentId: incident!.id, rule: 'printer_paper_out', guide: { id: 'printer', firstStep: 'check_paper' } });
    expect(guide.json().guide.steps[0].instruction).toContain('Open the printer cover');

    await beat(a!.credential, { printer: { paper: 'ok', jam: false, coverOpen: false } });
    expect((await incidents(`terminalId=${a!.id}`)).map((i) => i.status)).toEqual(['resolved']);
    const none = await t.app.inject({ method: 'GET', url: '/device/v1/guide', headers: { authorization: `Bearer ${a!.credential}` } });
    expect(none.json()).toEqual({ incidentId: null, rule: null, guide: null });
  });

  it('opens an offline incident within one sweep of the timeout, reminds while offline, and resolves on the next heartbeat', async () => {
    const { estate, terminals: [a, b] } = await site(2);
    await beat(a!.credential);
    await beat(b!.credential);
    advance(170);
    await beat(a!.credential);
    await sweep();
    expect(await incidents(`terminalId=${b!.id}`)).toEqual([]); // 170 s of silence: not yet offline
    advance(15);
    await beat(a!.credential);
    await sweep();
    const [offline] = await incidents(`terminalId=${b!.id}&status=unresolved`);
    expect(offline).toMatchObject({ rule: 'offline', severity: 'high', guideId: 'network' });
    expect(await incidents(`siteId=${estate.site.id}&rule=site_network_down`)).toEqual([]); // one of two is not "most"

    advance(61 * 60);
    await beat(a!.credential);
    await sweep();
    await sweep(); // a second sweep in the same interval reminds no one twice
    expect((await noticesOf(estate.merchant.id)).map((n) => n.event)).toEqual(['incident.opened', 'incident.reminder']);

    await beat(b!.credential);
    expect((await incidents(`terminalId=${b!.id}`)).map((i) => [i.rule, i.status])).toEqual([['offline', 'resolved']]);
  });

  it('raises one "site network down" incident when most of a site goes offline together', async () => {
    const { estate, terminals } = await site(4);
    for (const terminal of terminals) await beat(terminal.credential);
    advance(200);
    await beat(terminals[0]!.credential);
    await sweep();
    const siteIncidents = await incidents(`siteId=${estate.site.id}&status=unresolved`);
    expect(siteIncidents.map((i) => [i.rule, i.severity, i.terminalId])).toEqual([['site_network_down', 'critical', null]]);
    expect(siteIncidents[0]!.detail).toMatchObject({ offline: 3, monitored: 4 });
    expect((await noticesOf(estate.merchant.id)).map((n) => n.event)).toEqual(['incident.opened']);
    expect((await noticesOf(estate.merchant.id))[0]!.body).toContain('门店网络中断');

    advance(15);
    for (const terminal of terminals) await beat(terminal.credential);
    await sweep();
    expect((await incidents(`siteId=${estate.site.id}`)).map((i) => [i.rule, i.status])).toEqual([['site_network_down', 'resolved']]);
  });

  it('walks a guide in zh-CN and en, records every answer, and reports resolution rates per step and model', async () => {
    const { estate, terminals: [a] } = await site(1);
    await beat(a!.credential, { printer: { paper: 'out', jam: false, coverOpen: false } });
    advance(31 * 60); // an operator's incident once the shop left it out for 30 minutes
    await beat(a!.credential, { printer: { paper: 'out', jam: false, coverOpen: false } });
    const [incident] = await incidents(`terminalId=${a!.id}&status=unresolved`);

    const started = await t.api('POST', '/api/v1/guide-runs', { incidentId: incident!.id });
    expect(started.statusCode, started.body).toBe(201);
    const run = started.json();
    expect(run).toMatchObject({ guideId: 'printer', locale: 'zh-CN', status: 'running', step: { id: 'check_paper' } });
    expect(run.step.instruction).toContain('纸卷');

    const answerTo = (id: string, body: unknown) => t.api('POST', `/api/v1/guide-runs/${id}/answers`, body);
    const notAnOutcome = await answerTo(run.id, { stepId: 'check_paper', outcome: 'prints' });
    expect(notAnOutcome.statusCode).toBe(400);
    expect(notAnOutcome.json().error).toMatchObject({ code: 'validation_error', field: 'outcome' });
    expect((await answerTo(run.id, { stepId: 'test_print', outcome: 'prints' })).statusCode).toBe(409);
    expect((await answerTo(run.id, { stepId: 'check_paper', outcome: 'refilled' })).json().step.id).toBe('test_print');
    const done = (await answerTo(run.id, { stepId: 'test_print', outcome: 'prints' })).json();
    expect(done).toMatchObject({ status: 'resolved', step: null });
    expect(done.answers.map((x: { stepId: string; outcome: string }) => `${x.stepId}:${x.outcome}`)).toEqual(['check_paper:refilled', 'test_print:prints']);
    expect((await answerTo(run.id, { stepId: 'test_print', outcome: 'prints' })).statusCode).toBe(409);
    expect((await incidents(`terminalId=${a!.id}`))[0]).toMatchObject({ status: 'resolved' });

    const en = (await t.api('POST', '/api/v1/guide-runs', { terminalId: a!.id, guideId: 'card_slot', locale: 'en' })).json();
    expect(en.step.instruction).toBe('Clean the card slot with a soft cloth or a cleaning card, then try a card.');
    await answerTo(en.id, { stepId: 'clean_slot', outcome: 'still_fails' });
    const escalated = (await answerTo(en.id, { stepId: 'inspect_slot', outcome: 'damaged' })).json();
    expect(escalated).toMatchObject({ status: 'escalated', escalation: { parts: ['card reader'], atStep: 'inspect_slot' } });
    expect((await t.api('GET', `/api/v1/guide-runs/${en.id}`)).json().answers).toHaveLength(2);
    // The escalation opens a work order for a technician, carrying the answers and the likely parts.
    const orders = (await t.api('GET', `/api/v1/work-orders?siteId=${estate.site.id}`)).json().items as { id: string; source: string }[];
    const order = (await t.api('GET', `/api/v1/work-orders/${orders.find((o) => o.source === 'incident')!.id}`)).json();
    expect(order).toMatchObject({ source: 'incident', status: 'open', terminalIds: [a!.id] });
    expect(order.note).toContain('clean_slot: still_fails; inspect_slot: damaged');
    expect(order.note).toContain('likely parts: card reader');

    const rates = (await t.api('GET', `/api/v1/guides/resolution-rates?modelId=${estate.model.id}`)).json().items;
    expect(rates).toEqual([
      { guideId: 'card_slot', modelId: estate.model.id, stepId: 'clean_slot', answered: 1, resolvedHere: 0, escalatedHere: 0, resolutionRate: 0 },
      { guideId: 'card_slot', modelId: estate.model.id, stepId: 'inspect_slot', answered: 1, resolvedHere: 0, escalatedHere: 1, resolutionRate: 0 },
      { guideId: 'printer', modelId: estate.model.id, stepId: 'check_paper', answered: 1, resolvedHere: 0, escalatedHere: 0, resolutionRate: 0 },
      { guideId: 'printer', modelId: estate.model.id, stepId: 'test_print', answered: 1, resolvedHere: 1, escalatedHere: 0, resolutionRate: 1 },
    ]);
  });

  it('opens a critical incident on tamper and locks the terminal at once', async () => {
    const { estate, terminals: [a] } = await site(1);
    const answer = await beat(a!.credential, { tamper: true });
    expect(answer.mode).toBe('locked');
    const [incident] = await incidents(`terminalId=${a!.id}&status=unresolved`);
    expect(incident).toMatchObject({ rule: 'tamper', severity: 'critical' });
    // Tamper does not clear by itself: only an operator resolves it (and unlocks the terminal).
    for (let i = 0; i < 3; i++) expect((await beat(a!.credential)).mode).toBe('locked');
    expect((await incidents(`terminalId=${a!.id}&status=unresolved`)).map((i) => i.id)).toEqual([incident!.id]);
    expect((await noticesOf(estate.merchant.id)).map((n) => n.event)).toEqual(['incident.opened']);
    const acknowledged = await t.api('POST', `/api/v1/incidents/${incident!.id}/acknowledge`, {});
    expect(acknowledged.json()).toMatchObject({ status: 'acknowledged', acknowledgedBy: expect.any(String) });
    expect((await t.api('POST', `/api/v1/incidents/${incident!.id}/acknowledge`, {})).statusCode).toBe(409);
    expect((await beat(a!.credential, { tamper: true })).mode).toBe('locked'); // still the same incident, no second notice
    expect((await incidents(`terminalId=${a!.id}&status=acknowledged`)).map((i) => i.id)).toEqual([incident!.id]);
    const resolved = await t.api('POST', `/api/v1/incidents/${incident!.id}/resolve`, { note: 'inspected: seal intact' });
    expect(resolved.json()).toMatchObject({ status: 'resolved', resolvedBy: expect.any(String), resolution: 'inspected: seal intact' });
    expect((await t.api('POST', `/api/v1/incidents/${incident!.id}/resolve`, {})).statusCode).toBe(409);
  });

  it('opens an incident while a terminal misses the newest security patch for its model, and resolves it once updated', async () => {
    const { estate, terminals: [a] } = await site(1);
    await beat(a!.credential, { appVersion: '3.2.0' });
    expect(await incidents(`terminalId=${a!.id}&rule=software_unpatched`)).toEqual([]);
    // A publisher's signed security patch for the model: terminals on anything older are unpatched.
    const keys = generateKeyPairSync('ed25519');
    const key = await t.services.packages.registerKey({ name: 'app team', publicKey: keys.publicKey.export({ type: 'spki', format: 'pem' }).toString() }, 'test');
    const content = randomBytes(1024);
    const facts = { kind: 'application' as const, name: `pay-app-${seq}`, version: '3.3.0', size: content.length, sha256: createHash('sha256').update(content).digest('hex') };
    const pkg = await t.services.packages.declare({
      ...facts, fileName: 'pay-app.bin', signature: signPackage(facts, keys.privateKey), keyId: key.id, compatibleModels: [estate.model.id], securityPatch: true,
    }, 'test');
    await t.services.packages.receiveContent(pkg.id, Readable.from([content]));
    await beat(a!.credential, { appVersion: '3.2.0' });
    const [incident] = await incidents(`terminalId=${a!.id}&status=unresolved`);
    expect(incident).toMatchObject({ rule: 'software_unpatched', severity: 'medium', detail: { appVersion: '3.2.0', latestSecurityPatch: { application: '3.3.0' } } });
    await beat(a!.credential, { appVersion: '3.3.0' });
    expect((await incidents(`terminalId=${a!.id}&rule=software_unpatched`))[0]).toMatchObject({ id: incident!.id, status: 'resolved' });
  });

  it('opens a high incident when PIN entry or encryption is off, and lists terminals with old passwords', async () => {
    const { estate, terminals: [a, b] } = await site(2);
    await beat(a!.credential, { security: { passwordChangedAt: '2026-01-01T00:00:00.000Z', pinEntryEnabled: true, encryptionEnabled: false } });
    await beat(b!.credential);
    expect((await incidents(`terminalId=${a!.id}&status=unresolved`)).map((i) => [i.rule, i.severity]).sort()).toEqual([['password_too_old', 'medium'], ['security_features_off', 'high']]);
    const posture = (await t.api('GET', `/api/v1/security/posture?merchantId=${estate.merchant.id}`)).json();
    expect(posture.summary).toEqual({ terminals: 2, notReporting: 0, passwordTooOld: 1, securityFeaturesOff: 1, tamper: 0, rotationRequested: 1 });
    expect(posture.terminals.find((x: { terminalId: string }) => x.terminalId === a!.id)).toMatchObject({ passwordTooOld: true, encryptionEnabled: false });
  });

  it('sends a self-test for an incident and keeps the structured report with it', async () => {
    const { terminals: [a] } = await site(1);
    await beat(a!.credential, { printer: { paper: 'ok', jam: true, coverOpen: false } });
    const [incident] = await incidents(`terminalId=${a!.id}&status=unresolved`);
    const requested = await t.api('POST', `/api/v1/incidents/${incident!.id}/self-test`, { parts: ['printer', 'card_reader'] });
    expect(requested.statusCode, requested.body).toBe(201);
    const [command] = (await beat(a!.credential, { printer: { paper: 'ok', jam: true, coverOpen: false } })).commands;
    expect(command).toMatchObject({ type: 'self_test', payload: { parts: ['printer', 'card_reader'], incidentId: incident!.id } });
    const report = { printer: { passed: false, detail: 'paper jam at the cutter' }, card_reader: { passed: true } };
    expect((await t.device(`/device/v1/commands/${command!.id}/result`, a!.credential, { status: 'succeeded', output: report })).statusCode).toBe(200);
    const view = (await t.api('GET', `/api/v1/incidents/${incident!.id}`)).json();
    expect(view.selfTests).toEqual([expect.objectContaining({ commandId: command!.id, parts: ['printer', 'card_reader'], status: 'succeeded', report })]);
  });

  it("lets a merchant user report suspicious activity at its own terminal, not at another merchant's", async () => {
    const mine = await site(1);
    const theirs = await site(1);
    const user = await t.services.access.createUser({ email: `shop-${kind.name}@diag.test`, name: 'Shop owner', role: 'merchant', password: 'correct horse 12 battery', merchantId: mine.estate.merchant.id });
    const { token } = await t.services.access.createToken(user.id, { name: 'shop' });
    const report = (terminalId: string) => t.api('POST', `/api/v1/terminals/${terminalId}/suspicious-activity`, { what: 'a card reader overlay was found on the slot' }, { authorization: `Bearer ${token}` });

    const created = await report(mine.terminals[0]!.id);
    expect(created.statusCode, created.body).toBe(201);
    const again = await report(mine.terminals[0]!.id);
    expect(again.json().incidentId).toBe(created.json().incidentId); // one open case per terminal, every report kept
    const hidden = await report(theirs.terminals[0]!.id);
    expect(hidden.statusCode).toBe(404);
    expect(await incidents(`terminalId=${theirs.terminals[0]!.id}`)).toEqual([]);

    const asMerchant = await t.api('GET', `/api/v1/incidents/${created.json().incidentId}`, undefined, { authorization: `Bearer ${token}` });
    expect(asMerchant.json()).toMatchObject({ rule: 'suspicious_activity', severity: 'high' });
    expect(asMerchant.json().suspiciousReports).toHaveLength(2);
    const ofTheirs = (await t.api('POST', `/api/v1/terminals/${theirs.terminals[0]!.id}/suspicious-activity`, { what: 'reported by the fleet team' })).json().incidentId;
    const merchantGet = (url: string) => t.api('GET', url, undefined, { authorization: `Bearer ${token}` });
    expect((await merchantGet(`/api/v1/incidents/${ofTheirs}`)).statusCode).toBe(404);
    expect((await merchantGet('/api/v1/incidents?rule=suspicious_activity')).json().items.map((i: { id: string }) => i.id)).toEqual([created.json().incidentId]);
    const audited = await t.services.db.kysely.selectFrom('audit_log').select(['action', 'outcome']).where('actor_id', '=', user.id).execute();
    expect(audited).toContainEqual({ action: 'POST /api/v1/terminals/:id/suspicious-activity', outcome: 'success' });
    expect(audited).toContainEqual({ action: 'POST /api/v1/terminals/:id/suspicious-activity', outcome: 'failure' });
    expect((await noticesOf(mine.estate.merchant.id)).map((n) => n.event)).toEqual(['incident.opened']);
  });

  it('takes per-model thresholds and refuses unknown rules and contradictions, changing nothing', async () => {
    const { estate } = await site(0);
    const url = `/api/v1/terminal-models/${estate.model.id}/diagnostic-thresholds`;
    expect((await t.api('PUT', url, { tampering: { on: true } })).statusCode).toBe(400);
    const contradictory = await t.api('PUT', url, { temperature: { minC: 70 } });
    expect(contradictory.json().error).toMatchObject({ code: 'validation_error', field: 'temperature.minC' });
    expect((await t.api('GET', url)).json().overrides).toEqual({});
    const saved = await t.api('PUT', url, { temperature: { maxC: 80 } });
    expect(saved.json().effective.temperature).toEqual({ minC: -10, maxC: 80 });
  });
});
