// Maintenance mode end to end through the operator API and the terminal protocol: the job's states,
// the heartbeat answer's mode, leases, the continuity rule, locks and refused transactions.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyWebhookSignature } from '../src/notifications/webhook-signature.ts';
import { buildEstate, buildTerminal, enrolTerminal, heartbeatReport, startTestApp, type TestApp } from './support/app.ts';
import { databases } from './support/databases.ts';

describe.each(databases())('maintenance mode on $name', (kind) => {
  let t: TestApp;
  let now = new Date('2026-11-25T02:00:00.000Z');
  let seq = 1;
  beforeAll(async () => {
    t = await startTestApp(await kind.fresh(), { HEARTBEAT_INTERVAL_SECONDS: '60', OFFLINE_AFTER_MISSED_HEARTBEATS: '3' }, () => now);
  });
  afterAll(() => t.close());

  /** A site whose terminals are enrolled and online; `backup` ones are tagged as spares. */
  async function site(count: number, backups = 0) {
    const estate = await buildEstate(t);
    const terminals = [];
    for (let i = 0; i < count + backups; i++) {
      const terminal = await buildTerminal(t, estate, { tags: i >= count ? ['backup'] : [] });
      const { credential } = await enrolTerminal(t, terminal.serialNumber);
      terminals.push({ ...terminal, credential });
    }
    for (const terminal of terminals.slice(0, count)) await beat(terminal.credential);
    return { estate, terminals };
  }
  const beat = async (credential: string, overrides: Record<string, unknown> = {}) =>
    (await t.device('/device/v1/heartbeat', credential, heartbeatReport(seq++, overrides))).json();
  const step = (credential: string, jobId: string, body: unknown) => t.device(`/device/v1/maintenance/${jobId}/steps`, credential, body);
  const putIntoMaintenance = async (body: Record<string, unknown>) => {
    const res = await t.api('POST', '/api/v1/maintenance/jobs', { work: ['update'], reason: 'security patch 3.2.1', ...body });
    expect(res.statusCode, res.body).toBe(201);
    return res.json().items as { id: string; terminalId: string; siteId: string; state: string; waitingReason: string | null }[];
  };

  it('walks a terminal through every state and shows "under maintenance" meanwhile', async () => {
    const { terminals: [a, b] } = await site(2);
    const [job] = await putIntoMaintenance({ terminalIds: [a!.id], expectedMinutes: 20, maxMinutes: 40 });
    expect(job!.state).toBe('draining');

    const answer = await beat(a!.credential, { transactions: { count: 0, amountMinor: 0, refused: 3 } });
    expect(answer).toMatchObject({ mode: 'maintenance', reason: 'security patch 3.2.1', maintenance: { jobId: job!.id, work: ['update'], expectedEndAt: '2026-11-25T02:20:00.000Z', leaseUntil: '2026-11-25T02:40:00.000Z' } });
    expect((await beat(b!.credential)).mode).toBe('normal');

    for (const state of ['in_maintenance', 'restarting']) expect((await step(a!.credential, job!.id, { state })).json().state).toBe(state);
    // A retried report of an earlier step changes nothing.
    expect((await step(a!.credential, job!.id, { state: 'in_maintenance' })).json().state).toBe('restarting');
    const verified = await step(a!.credential, job!.id, { state: 'verifying', selfTests: [{ name: 'printer', passed: true }, { name: 'card reader', passed: true }] });
    expect(verified.json()).toMatchObject({ state: 'completed', refusedTransactions: 3 });
    expect((await beat(a!.credential)).mode).toBe('normal');

    const history = (await t.api('GET', `/api/v1/maintenance/jobs/${job!.id}`)).json().transitions;
    expect(history.map((h: { to: string; actor: string }) => `${h.to}:${h.actor}`)).toEqual([
      'scheduled:operator', 'draining:server', 'in_maintenance:terminal', 'restarting:terminal', 'verifying:terminal', 'completed:server',
    ]);
    expect((await t.api('GET', `/api/v1/terminals/${a!.id}/maintenance-jobs`)).json().items).toHaveLength(1);

    const figures = (await t.api('GET', `/api/v1/maintenance/figures?siteId=${job!.siteId}&from=2026-11-25T00:00:00.000Z&to=2026-11-26T00:00:00.000Z`)).json();
    // Three refused sales at this terminal's average ticket (3 sales for 45.00 a heartbeat: 15.00 each).
    expect(figures.total).toMatchObject({ jobs: { total: 1, onTime: 1, late: 0, failed: 0 }, refusedTransactions: 3, estimatedRevenueLost: { CNY: 4500 } });
  });

  it('never takes down every working terminal of a site', async () => {
    const { estate, terminals } = await site(3);
    const jobs = await putIntoMaintenance({ siteId: estate.site.id });
    expect(jobs.map((j) => j.state).sort()).toEqual(['draining', 'draining', 'scheduled']);
    const waiting = jobs.find((j) => j.state === 'scheduled')!;
    expect(waiting.waitingReason).toBe(`taking terminal ${terminals.find((x) => x.id === waiting.terminalId)!.serialNumber} down would leave 0 terminal(s) in service; at least 1 must stay and the site has no backup terminal`);
    const modes = await Promise.all(terminals.map(async (x) => (await beat(x.credential)).mode));
    expect(modes.filter((m) => m === 'normal')).toHaveLength(1);

    // When one comes back, the waiting one may go.
    const done = jobs.find((j) => j.state === 'draining')!;
    const credential = terminals.find((x) => x.id === done.terminalId)!.credential;
    await step(credential, done.id, { state: 'in_maintenance' });
    await step(credential, done.id, { state: 'verifying', selfTests: [{ name: 'printer', passed: true }] });
    expect((await t.api('GET', `/api/v1/maintenance/jobs/${waiting.id}`)).json().state).toBe('draining');
  });

  it('lets an operator override the continuity rule with a recorded reason', async () => {
    const { terminals: [only] } = await site(1);
    const [job] = await putIntoMaintenance({ terminalIds: [only!.id], overrideReason: 'tamper suspected, must be checked now' });
    expect(job!.state).toBe('draining');
    const transitions = (await t.api('GET', `/api/v1/maintenance/jobs/${job!.id}`)).json().transitions;
    expect(transitions[1].note).toBe('continuity rule overridden: tamper suspected, must be checked now');
    // The audit log keeps why, not only that it was done.
    const entries = (await t.api('GET', '/api/v1/audit?limit=20')).json().items as { action: string; details: Record<string, unknown> }[];
    expect(entries.find((e) => e.action === 'POST /api/v1/maintenance/jobs')?.details).toEqual({
      status: 201, reason: 'security patch 3.2.1', overrideReason: 'tamper suspected, must be checked now',
    });
  });

  it('ends a forgotten job when its lease runs out, and the terminal trades again', async () => {
    const { terminals: [a] } = await site(2);
    const [job] = await putIntoMaintenance({ terminalIds: [a!.id], expectedMinutes: 10, maxMinutes: 15 });
    await step(a!.credential, job!.id, { state: 'in_maintenance' });
    now = new Date(now.getTime() + 16 * 60_000);
    expect(await t.services.jobLifecycle.expireLeases()).toBe(1);
    expect((await beat(a!.credential)).mode).toBe('normal');
    const rolledBack = await step(a!.credential, job!.id, { state: 'rolled_back', note: 'lease ended; previous version restored' });
    expect(rolledBack.json().state).toBe('rolled_back');
  });

  it('fails a job whose self-tests fail, and hands it to a technician', async () => {
    const { terminals: [a] } = await site(2);
    const [job] = await putIntoMaintenance({ terminalIds: [a!.id], work: ['repair'] });
    await step(a!.credential, job!.id, { state: 'in_maintenance' });
    const failed = await step(a!.credential, job!.id, { state: 'verifying', selfTests: [{ name: 'card reader', passed: false, detail: 'chip contacts dirty' }] });
    expect(failed.json().state).toBe('failed');
    const handed = await t.api('POST', `/api/v1/maintenance/jobs/${job!.id}/hand-over`, { note: 'send a technician with a reader module' });
    expect(handed.json().state).toBe('handed_to_technician');
    expect((await t.api('POST', `/api/v1/maintenance/jobs/${job!.id}/finish`, {})).statusCode).toBe(409);
  });

  it('lets operators extend and finish a job', async () => {
    const { terminals: [a] } = await site(2);
    const [job] = await putIntoMaintenance({ terminalIds: [a!.id], expectedMinutes: 10, maxMinutes: 20 });
    const extended = (await t.api('POST', `/api/v1/maintenance/jobs/${job!.id}/extend`, { minutes: 15 })).json();
    expect(new Date(extended.leaseUntil).getTime() - new Date(extended.startedAt).getTime()).toBe(35 * 60_000);
    expect((await t.api('POST', `/api/v1/maintenance/jobs/${job!.id}/finish`, { note: 'verified on site' })).json().state).toBe('completed');
    expect((await beat(a!.credential)).mode).toBe('normal');
  });

  it('locks a terminal until an operator lifts the lock', async () => {
    const { terminals: [a] } = await site(2);
    const locked = await t.api('POST', `/api/v1/terminals/${a!.id}/lock`, { reason: 'tamper alert' });
    expect(locked.json()).toMatchObject({ mode: 'locked', reason: 'tamper alert' });
    expect(await beat(a!.credential)).toMatchObject({ mode: 'locked', reason: 'tamper alert' });
    expect((await t.api('POST', `/api/v1/terminals/${a!.id}/lock`, { reason: 'again' })).statusCode).toBe(409);
    expect((await t.api('POST', `/api/v1/terminals/${a!.id}/unlock`, {})).json().error).toMatchObject({ field: 'reason' });
    expect((await t.api('POST', `/api/v1/terminals/${a!.id}/unlock`, { reason: 'inspected: seal intact' })).json().mode).toBe('normal');
    expect((await t.api('GET', `/api/v1/terminals/${a!.id}/locks`)).json().items[0]).toMatchObject({ liftedBy: expect.any(String), liftReason: 'inspected: seal intact' });
    expect((await beat(a!.credential)).mode).toBe('normal');
  });

  it('answers each terminal of one batch by its own job and lock: a lock outranks a job, the job still shown', async () => {
    // On PostgreSQL the batch's jobs and locks come back from one statement: each row must reach its own terminal.
    const { terminals: [a, b, c] } = await site(4);
    const jobs = await putIntoMaintenance({ terminalIds: [a!.id, b!.id], expectedMinutes: 20, maxMinutes: 40 });
    expect((await t.api('POST', `/api/v1/terminals/${b!.id}/lock`, { reason: 'seal broken' })).statusCode).toBe(200);
    const [answerA, answerB, answerC] = await Promise.all([beat(a!.credential), beat(b!.credential), beat(c!.credential)]);
    expect(answerA).toMatchObject({ mode: 'maintenance', reason: 'security patch 3.2.1', maintenance: { jobId: jobs.find((j) => j.terminalId === a!.id)!.id } });
    expect(answerB).toMatchObject({ mode: 'locked', reason: 'seal broken', maintenance: { jobId: jobs.find((j) => j.terminalId === b!.id)!.id } });
    expect(answerC).toMatchObject({ mode: 'normal', reason: null, maintenance: null });
    await t.api('POST', `/api/v1/terminals/${b!.id}/unlock`, { reason: 'inspected' });
  });

  it('refuses a second open job, a missing target, an unknown terminal and a start in the past', async () => {
    const { terminals: [a] } = await site(2);
    await putIntoMaintenance({ terminalIds: [a!.id] });
    const again = await t.api('POST', '/api/v1/maintenance/jobs', { terminalIds: [a!.id], work: ['update'], reason: 'x' });
    expect(again.statusCode).toBe(409);
    const none = await t.api('POST', '/api/v1/maintenance/jobs', { work: ['update'], reason: 'x' });
    expect(none.json().error).toMatchObject({ code: 'validation_error', field: 'terminalIds' });
    const past = await t.api('POST', '/api/v1/maintenance/jobs', { terminalIds: [a!.id], work: ['update'], reason: 'x', plannedStart: '2020-01-01T00:00:00.000Z' });
    expect(past.json().error.field).toBe('plannedStart');
    const badWork = await t.api('POST', '/api/v1/maintenance/jobs', { terminalIds: [a!.id], work: ['defrag'], reason: 'x' });
    expect(badWork.json().error.field).toBe('work.0');
    const { terminals: [b] } = await site(2);
    const unknown = await t.api('POST', '/api/v1/maintenance/jobs', { terminalIds: [b!.id, 'no-such-terminal'], work: ['update'], reason: 'x' });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().error.message).toContain('no-such-terminal');
    expect((await t.api('GET', `/api/v1/terminals/${b!.id}/maintenance-jobs`)).json()).toMatchObject({ items: [] }); // nothing was asked of the known one
  });

  // Last in this block: it moves the clock past other tests' leases.
  it('brings a spare into service before the last working terminal goes down, asking the merchant and technicians for it by a deadline', async () => {
    const { estate, terminals: [main, spare] } = await site(1, 1);
    // The merchant's manager, and the technicians' fleet-wide channel.
    const manager = await t.services.notificationChannels.createChannel({ merchantId: estate.merchant.id, kind: 'email', name: 'manager', address: 'manager@example.com', locale: 'en' });
    const technicians = await t.services.notificationChannels.createChannel({ merchantId: null, kind: 'email', name: 'field technicians', address: 'field@example.com', locale: 'zh-CN', events: ['maintenance.spare_needed', 'maintenance.spare_overdue'] });
    const notices = async () => (await t.services.db.kysely.selectFrom('notification_deliveries').select(['channel_id', 'event', 'subject', 'body'])
      .where('channel_id', 'in', [manager.id, technicians.id]).orderBy('created_at').orderBy('channel_id').execute());
    const started = now;
    const [job] = await putIntoMaintenance({ terminalIds: [main!.id] });
    expect(job!.state).toBe('scheduled');
    const deadline = new Date(started.getTime() + 30 * 60_000).toISOString();
    // Named by its serial number, as on its label and in the dashboard: not by an internal id.
    expect(job!.waitingReason).toBe(`terminal ${main!.serialNumber} is the site's last working terminal, and no backup terminal has sent a healthy heartbeat in the last 3 minutes; `
      + `the merchant and technicians were asked to switch a spare on by ${deadline}`);
    const asked = await notices();
    expect(asked.map((n) => [n.channel_id, n.event])).toEqual(expect.arrayContaining([[manager.id, 'maintenance.spare_needed'], [technicians.id, 'maintenance.spare_needed']]));
    expect(asked).toHaveLength(2);
    const english = asked.find((n) => n.channel_id === manager.id)!;
    expect(english.subject).toMatch(/^Please switch on a spare terminal by /);
    expect(english.body).toContain(`Please switch on spare terminal ${spare!.serialNumber} and connect it to the network by`);
    expect(asked.find((n) => n.channel_id === technicians.id)!.body).toContain(`请在`);
    // A later tick before the deadline asks nothing again.
    now = new Date(started.getTime() + 10 * 60_000);
    expect(await t.services.jobLifecycle.startDueJobs()).toBe(0);
    expect(await notices()).toHaveLength(2);

    // The deadline passes with the spare still off: escalated, once.
    now = new Date(started.getTime() + 31 * 60_000);
    await beat(main!.credential);
    expect(await t.services.jobLifecycle.startDueJobs()).toBe(0);
    expect(await t.services.jobLifecycle.startDueJobs()).toBe(0);
    const escalated = (await notices()).filter((n) => n.event === 'maintenance.spare_overdue');
    expect(escalated.map((n) => n.channel_id).sort()).toEqual([manager.id, technicians.id].sort());
    expect(escalated.find((n) => n.channel_id === manager.id)!.body).toContain(`The spare terminal ${spare!.serialNumber}`);
    expect((await t.api('GET', `/api/v1/maintenance/jobs/${job!.id}`)).json().waitingReason).toContain(`no spare was switched on by ${deadline}: escalated`);

    await beat(spare!.credential); // the spare is switched on and healthy
    expect(await t.services.jobLifecycle.startDueJobs()).toBe(1);
    expect((await beat(main!.credential)).mode).toBe('maintenance');
  });
});

describe.each(databases())('maintenance notices on $name', (kind) => {
  let t: TestApp;
  let now = new Date('2026-11-25T10:00:00.000Z');
  const received: { body: string; signature: string }[] = [];
  let receiver: Server;
  beforeAll(async () => {
    t = await startTestApp(await kind.fresh(), { ANNOUNCE_LEAD_MINUTES: '1440,60', WEBHOOK_ALLOWED_NETWORKS: '127.0.0.1/32' }, () => now);
    receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => { body += c; });
      req.on('end', () => { received.push({ body, signature: String(req.headers['x-posfleet-signature']) }); res.end('ok'); });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  });
  afterAll(async () => { receiver.close(); await t.close(); });

  it('announces planned work ahead, once per lead time, and tells when it completes', async () => {
    const estate = await buildEstate(t);
    const [a, b] = [await buildTerminal(t, estate), await buildTerminal(t, estate)];
    const { credential } = await enrolTerminal(t, a.serialNumber);
    const other = (await enrolTerminal(t, b.serialNumber)).credential;
    const channel = await t.services.notificationChannels.createChannel({
      merchantId: estate.merchant.id, kind: 'webhook', name: 'merchant IT', address: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`,
    });
    const planned = await t.api('POST', '/api/v1/maintenance/jobs', { terminalIds: [a.id], work: ['update'], reason: 'app 3.3', plannedStart: '2026-11-26T02:00:00.000Z', expectedMinutes: 20 });
    const jobId = planned.json().items[0].id;
    const deliver = async () => { for (let i = 0; i < 5 && (await t.services.jobs.runDueJobs()) > 0; i++); };

    await t.services.jobLifecycle.announceUpcoming(); // 16 h ahead: inside the 24 h lead
    await t.services.jobLifecycle.announceUpcoming(); // a second tick sends nothing new
    await deliver();
    expect(received).toHaveLength(1);
    const notice = JSON.parse(received[0]!.body);
    expect(notice).toMatchObject({ event: 'maintenance.announced' });
    expect(JSON.stringify(notice)).toContain(a.serialNumber);
    expect(verifyWebhookSignature(channel.secret!, received[0]!.body, received[0]!.signature, now).valid).toBe(true);
    expect((await t.api('GET', `/api/v1/maintenance/jobs/${jobId}`)).json().state).toBe('announced');

    now = new Date('2026-11-26T01:10:00.000Z'); // 50 min ahead: the 1 h notice
    await t.services.jobLifecycle.announceUpcoming();
    await deliver();
    expect(received).toHaveLength(2);

    now = new Date('2026-11-26T02:00:00.000Z');
    await t.device('/device/v1/heartbeat', other, heartbeatReport(1)); // the other terminal keeps the shop trading
    await t.device('/device/v1/heartbeat', credential, heartbeatReport(1));
    expect(await t.services.jobLifecycle.startDueJobs()).toBe(1);
    await t.device(`/device/v1/maintenance/${jobId}/steps`, credential, { state: 'in_maintenance' });
    await t.device(`/device/v1/maintenance/${jobId}/steps`, credential, { state: 'verifying', selfTests: [{ name: 'printer', passed: true }] });
    await deliver();
    expect(received.map((r) => JSON.parse(r.body).event)).toEqual(['maintenance.announced', 'maintenance.announced', 'maintenance.completed']);
  });
});
