// Suspicious activity as cases: every report (by a merchant user, a terminal or an operator) is a case
// with an owner, a status and a history; merchants see only their own; people who handle incidents
// assign owners and move cases on; the terminal's incident resolves when its last case closes; reports
// for terminals out of the reporter's scope, bad owners and bad moves are refused, changing nothing.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildEstate, buildTerminal, enrolTerminal, startTestApp, type TestApp } from './support/app.ts';
import { databases } from './support/databases.ts';

const PASSWORD = 'correct horse 12 battery';

describe.each(databases())('suspicious-activity cases on $name', (kind) => {
  let t: TestApp;
  // A clock a second further on each time it is read: reports never share a time, so "newest first" is one order.
  let tick = 0;
  const clock = () => new Date(Date.parse('2026-11-25T02:00:00.000Z') + ++tick * 1000);
  beforeAll(async () => {
    t = await startTestApp(await kind.fresh(), { SQLITE_SYNCHRONOUS: 'NORMAL', DATA_DIR: mkdtempSync(join(tmpdir(), 'posfleet-cases-')) }, clock);
  });
  afterAll(() => t.close());

  let users = 0;
  async function userWith(role: 'merchant' | 'support' | 'technician', merchantId?: string) {
    const user = await t.services.access.createUser({ email: `${role}-${++users}@cases.test`, name: `${role} ${users}`, role, password: PASSWORD, ...(merchantId && { merchantId }) });
    const { token } = await t.services.access.createToken(user.id, { name: 'cases' });
    return { ...user, as: { authorization: `Bearer ${token}` } };
  }
  async function merchant() {
    const estate = await buildEstate(t);
    const terminal = await buildTerminal(t, estate);
    return { estate, terminal, user: await userWith('merchant', estate.merchant.id) };
  }
  const casesTable = async () => (await t.services.db.kysely.selectFrom('suspicious_reports').selectAll().orderBy('id').execute());
  const eventsTable = async () => (await t.services.db.kysely.selectFrom('suspicious_case_events').selectAll().orderBy('id').execute());

  it('makes each report a case the reporter\'s merchant sees, and refuses reports for terminals the reporter does not own', async () => {
    const mine = await merchant();
    const theirs = await merchant();
    const report = (terminalId: string, what: string) => t.api('POST', `/api/v1/terminals/${terminalId}/suspicious-activity`, { what }, mine.user.as);

    const first = await report(mine.terminal.id, 'a card reader overlay on the slot');
    expect(first.statusCode, first.body).toBe(201);
    const second = await report(mine.terminal.id, 'a stranger asked to "service" the terminal');
    expect(second.json().incidentId).toBe(first.json().incidentId);

    const before = [await casesTable(), await eventsTable()];
    const refused = await report(theirs.terminal.id, 'not my terminal');
    expect(refused.statusCode).toBe(404);
    expect([await casesTable(), await eventsTable()]).toEqual(before);

    // The terminal reports for itself too.
    const { credential } = await enrolTerminal(t, theirs.terminal.serialNumber);
    const byTerminal = await t.device('/device/v1/suspicious-activity', credential, { what: 'the case was opened: switch tripped' });
    expect(byTerminal.statusCode, byTerminal.body).toBe(201);
    expect(byTerminal.json()).toMatchObject({ terminalId: theirs.terminal.id, reportedBy: `terminal ${theirs.terminal.serialNumber}` });

    const listed = await t.api('GET', '/api/v1/suspicious-cases?status=open', undefined, mine.user.as);
    expect(listed.statusCode, listed.body).toBe(200);
    expect(listed.json().items.map((c: { id: string }) => c.id)).toEqual([second.json().id, first.json().id]);
    expect(listed.json().items[1]).toMatchObject({ what: 'a card reader overlay on the slot', status: 'open', ownerId: null, reportedBy: mine.user.name, serialNumber: mine.terminal.serialNumber });
    expect((await t.api('GET', `/api/v1/suspicious-cases/${byTerminal.json().id}`, undefined, mine.user.as)).statusCode).toBe(404);
    const all = (await t.api('GET', `/api/v1/suspicious-cases?terminalId=${theirs.terminal.id}`)).json().items;
    expect(all.map((c: { id: string }) => c.id)).toEqual([byTerminal.json().id]);

    const one = (await t.api('GET', `/api/v1/suspicious-cases/${first.json().id}`, undefined, mine.user.as)).json();
    expect(one.history).toEqual([{ at: expect.any(String), actor: mine.user.name, changes: { status: [null, 'open'] }, note: 'a card reader overlay on the slot' }]);
    // Merchants report and look; they do not run cases.
    expect((await t.api('POST', `/api/v1/suspicious-cases/${first.json().id}/status`, { status: 'dismissed', note: 'mine' }, mine.user.as)).statusCode).toBe(403);
  });

  it('assigns an owner, moves a case to investigating and closed with a note, keeps the history, and resolves the incident with its last case', async () => {
    const { terminal } = await merchant();
    const support = await userWith('support');
    const report = async (what: string) => (await t.api('POST', `/api/v1/terminals/${terminal.id}/suspicious-activity`, { what })).json();
    const a = await report('skimmer seen by the cashier');
    const b = await report('PIN pad cover looks different');
    const status = (id: string, body: unknown, headers?: Record<string, string>) => t.api('POST', `/api/v1/suspicious-cases/${id}/status`, body, headers);
    const assign = (id: string, body: unknown) => t.api('POST', `/api/v1/suspicious-cases/${id}/assign`, body);

    const before = [await casesTable(), await eventsTable()];
    const notAHandler = await userWith('technician');
    expect((await assign(a.id, { ownerId: notAHandler.id })).json().error).toMatchObject({ code: 'validation_error', field: 'ownerId' });
    expect((await assign(a.id, { ownerId: 'no-such-user' })).statusCode).toBe(400);
    expect((await status(a.id, { status: 'resolved' })).json().error).toMatchObject({ code: 'validation_error', field: 'note' });
    expect((await status(a.id, { status: 'escalated' })).statusCode).toBe(400);
    expect([await casesTable(), await eventsTable()]).toEqual(before);

    const assigned = await assign(a.id, { ownerId: support.id, note: 'fraud desk' });
    expect(assigned.statusCode, assigned.body).toBe(200);
    expect(assigned.json()).toMatchObject({ ownerId: support.id, ownerName: support.name, status: 'open' });
    const investigating = await status(a.id, { status: 'investigating' }, support.as);
    expect(investigating.json()).toMatchObject({ status: 'investigating', ownerId: support.id });
    const resolved = (await status(a.id, { status: 'resolved', note: 'skimmer removed; acquirer informed' }, support.as)).json();
    expect(resolved.status).toBe('resolved');
    expect(resolved.history.map((h: { actor: string; changes: unknown; note: string | null }) => [h.changes, h.note])).toEqual([
      [{ status: [null, 'open'] }, 'skimmer seen by the cashier'],
      [{ ownerId: [null, support.id] }, 'fraud desk'],
      [{ status: ['open', 'investigating'] }, null],
      [{ status: ['investigating', 'resolved'] }, 'skimmer removed; acquirer informed'],
    ]);
    expect(resolved.history.at(-1).actor).toBe(support.name);
    const reopen = await status(a.id, { status: 'open' }, { 'accept-language': 'en' });
    expect(reopen.statusCode).toBe(409); // closed cases stay closed: a final refusal, in the account's language (zh-CN)
    expect(reopen.json().error).toMatchObject({
      code: 'conflict', field: 'status', key: 'diagnostics.case_transition', params: { why: 'closed', from: 'resolved', to: 'open' }, retryable: false,
      message: '此案件已解决（已结案）；新的发现请作为新的报告提交。',
    });
    expect((await assign(a.id, { ownerId: support.id })).statusCode).toBe(409);

    // One case still open: the incident stays; dismissing that one (without taking it on) resolves the incident.
    expect((await t.api('GET', `/api/v1/incidents/${a.incidentId}`)).json()).toMatchObject({ status: 'open' });
    expect((await status(b.id, { status: 'dismissed', note: 'new cover fitted by the vendor' })).json()).toMatchObject({ status: 'dismissed', ownerId: null });
    const incident = (await t.api('GET', `/api/v1/incidents/${a.incidentId}`)).json();
    expect(incident).toMatchObject({ status: 'resolved', rule: 'suspicious_activity' });
    expect(incident.resolution).toContain('dismissed: new cover fitted by the vendor');
    expect(incident.suspiciousReports.map((r: { id: string; status: string; ownerId: string | null }) => [r.id, r.status, r.ownerId])).toEqual([[a.id, 'resolved', support.id], [b.id, 'dismissed', null]]);

    // A new sighting afterwards is a new case under a new incident.
    const c = await report('overlay again');
    expect(c.incidentId).not.toBe(a.incidentId);
    expect((await t.api('GET', '/api/v1/suspicious-cases?status=unclosed&terminalId=' + terminal.id)).json().items.map((x: { id: string }) => x.id)).toEqual([c.id]);
    expect((await t.api('GET', `/api/v1/suspicious-cases?ownerId=${support.id}`)).json().items.map((x: { id: string }) => x.id)).toContain(a.id);
  });
});
