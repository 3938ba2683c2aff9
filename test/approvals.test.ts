// Four eyes over real HTTP on each database: high-risk operations wait for a second person, who approves
// (the operation then runs as asked, attributed to both) or rejects; nobody approves their own request;
// a request nobody decided in time expires; each step is in the audit chain.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from './support/app.ts';
import { databases } from './support/databases.ts';
import { DEMO_APPLICATION, DEMO_PARAMETERS } from '../src/configuration/demo-schema.ts';
import { NIGHTLY, publishPackage, unique } from './support/rollout-fixture.ts';
import { startSmtp } from './support/smtp.ts';

const FLEET_SIZE = 1000;

describe.each(databases())('four eyes ($name)', (db) => {
  let t: TestApp;
  let url: string;
  let now = new Date('2026-12-07T02:00:00.000Z');
  const people: Record<'alice' | 'bob' | 'carol' | 'dave', { id: string; token: string }> = {} as never;
  let packageId: string;
  let merchantModel: { modelId: string; merchantId: string };
  let smtp: Awaited<ReturnType<typeof startSmtp>>;

  /** A request as one person, over HTTP. */
  async function as(who: keyof typeof people, method: string, path: string, body?: unknown, language = 'en') {
    const response = await fetch(url + path, {
      method, headers: { authorization: `Bearer ${people[who].token}`, 'accept-language': language, ...(body !== undefined && { 'content-type': 'application/json' }) },
      ...(body !== undefined && { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- checked by expect()
    return { status: response.status, body: (text ? JSON.parse(text) : undefined) as any };
  }

  beforeAll(async () => {
    smtp = await startSmtp();
    t = await startTestApp(await db.fresh(), {
      FOUR_EYES: 'all', FOUR_EYES_CAMPAIGN_TERMINALS: '500', APPROVAL_EXPIRY_HOURS: '24', SMTP_URL: `smtp://127.0.0.1:${smtp.port}`, MAIL_FROM: 'PosFleet <noreply@posfleet.test>',
    }, () => now);
    url = await t.app.listen({ port: 0, host: '127.0.0.1' });
    for (const [name, role] of [['alice', 'admin'], ['bob', 'operator'], ['carol', 'support'], ['dave', 'technician']] as const) {
      const user = await t.services.access.createUser({ email: `${name}-${process.pid}@example.com`, name, role, locale: 'en', password: 'correct horse battery staple 42' });
      people[name] = { id: user.id, token: (await t.services.access.createToken(user.id, { name: 'test' })).token };
    }
    // A thousand terminals over 50 sites, imported as an estate is, with a nightly window for the merchant.
    const model = await t.services.estate.createModel({
      code: unique('FE'), vendor: 'PAX', model: 'A920', components: { cardReader: { chip: true, swipe: true, contactless: true }, printer: true, battery: true, networks: ['wifi'] },
    });
    const merchant = await t.services.estate.createMerchant({ name: unique('Four eyes merchant '), timeZone: 'Asia/Shanghai', locale: 'zh-CN' });
    const sites: { code: string }[] = [];
    for (let s = 0; s < 50; s++) sites.push(await t.services.estate.createSite({ merchantId: merchant.id, code: unique(`FE-S${s}-`), name: `Shop ${s}` }));
    const rows = Array.from({ length: FLEET_SIZE }, (_, i) => `${unique('FE-T')},${model.code},${sites[i % 50]!.code},active,,1.0.0`);
    const imported = await t.api('POST', '/api/v1/terminals/import', ['serial_number,model_code,site_code,status,tags,app_version', ...rows].join('\n'));
    expect(imported.statusCode, imported.body).toBeLessThan(300);
    expect((await t.api('POST', '/api/v1/maintenance/windows', { name: 'nightly', target: { merchantId: merchant.id }, schedule: NIGHTLY })).statusCode).toBe(201);
    packageId = (await publishPackage(t, { kind: 'application', name: unique('fe-app'), version: '2.0.0', models: [model.id] })).id;
    merchantModel = { modelId: model.id, merchantId: merchant.id };
  }, 300_000);

  afterAll(async () => {
    await t?.close();
    await smtp?.close();
  });

  const campaign = (name: string, reason?: string) => ({ name, packageId, filter: { merchantId: merchantModel.merchantId }, ...(reason && { reason }) });

  it('previews a campaign to 1,000 terminals without starting it: its reach by site and model, its windows, and that it needs a second person', async () => {
    const preview = await as('alice', 'POST', '/api/v1/campaigns/preview', campaign('Preview only'));
    expect(preview.status, JSON.stringify(preview.body)).toBe(200);
    expect(preview.body.terminals).toBe(FLEET_SIZE);
    expect(preview.body.needsApproval).toBe(true);
    expect(preview.body.approvalThreshold).toBe(500);
    expect(preview.body.bySite).toHaveLength(50);
    expect(preview.body.bySite[0].terminals).toBe(20);
    expect(preview.body.byModel).toEqual([expect.objectContaining({ modelId: merchantModel.modelId, terminals: FLEET_SIZE })]);
    expect(preview.body.stopTrading.terminals).toBe(FLEET_SIZE);
    expect(preview.body.stopTrading.windows[0]).toMatchObject({ name: 'nightly', localStart: expect.stringContaining('01:00') });
    expect((await as('alice', 'GET', '/api/v1/campaigns')).body.items).toEqual([]);
  });

  it('holds a campaign to 1,000 terminals until a second person approves it, then starts it in both their names', async () => {
    const noReason = await as('alice', 'POST', '/api/v1/campaigns', campaign('Big update'));
    expect(noReason.status).toBe(400);
    expect(noReason.body.error.field).toBe('reason');

    const held = await as('alice', 'POST', '/api/v1/campaigns', campaign('Big update', 'security fix for every shop'));
    expect(held.status, JSON.stringify(held.body)).toBe(202);
    expect(held.body).toMatchObject({ state: 'awaiting_approval', kind: 'campaign' });
    expect(held.body.message).toContain('a second person with the permission must approve this campaign');
    // Nothing started: no campaign, no maintenance job.
    expect((await as('alice', 'GET', '/api/v1/campaigns')).body.items).toEqual([]);

    // The requester cannot approve it; nor can someone whose role may not start campaigns.
    const own = await as('alice', 'POST', `/api/v1/approvals/${held.body.id}/approve`, {});
    expect(own.status).toBe(403);
    expect(own.body.error.message).toBe('You asked for this yourself: a second person must approve or reject it.');
    const support = await as('carol', 'POST', `/api/v1/approvals/${held.body.id}/approve`, {});
    expect(support.status).toBe(403);
    expect(support.body.error.message).toBe('Your role (support) may not approve this: it needs the permission rollouts:write.');
    // Nor do they see it among the requests to decide.
    expect((await as('carol', 'GET', '/api/v1/approvals')).body.items).toEqual([]);

    const pending = await as('bob', 'GET', '/api/v1/approvals?state=awaiting_approval');
    expect(pending.body.items).toEqual([expect.objectContaining({
      id: held.body.id, canDecide: true, reason: 'security fix for every shop', requestedBy: expect.objectContaining({ name: 'alice' }),
      summary: expect.objectContaining({ name: 'Big update', terminals: FLEET_SIZE }),
    })]);
    expect((await as('alice', 'GET', `/api/v1/approvals/${held.body.id}`)).body.canDecide).toBe(false);

    const approved = await as('bob', 'POST', `/api/v1/approvals/${held.body.id}/approve`, { note: 'checked the release notes' });
    expect(approved.status, JSON.stringify(approved.body)).toBe(200);
    expect(approved.body).toMatchObject({ state: 'approved', decidedBy: { name: 'bob' }, decisionNote: 'checked the release notes' });
    const started = await as('alice', 'GET', `/api/v1/campaigns/${approved.body.result.id}`);
    expect(started.body).toMatchObject({ name: 'Big update', state: 'running', createdBy: 'alice (approved by bob)' });
    expect(started.body.waves.reduce((sum: number, w: { terminals: number }) => sum + w.terminals, 0)).toBe(FLEET_SIZE);
    // Its first wave says why it waits: the merchant's nightly window, 01:00 in Shanghai.
    expect(started.body.waves[0].waiting).toMatchObject({ code: 'window', at: '2026-12-07T17:00:00.000Z', site: { timeZone: 'Asia/Shanghai' } });
    expect(started.body.waves[0].waiting.terminals).toBe(started.body.waves[0].terminals);
    expect(started.body.waves[1].waiting).toBeNull();

    // Approving twice runs nothing twice.
    expect((await as('bob', 'POST', `/api/v1/approvals/${held.body.id}/approve`, {})).status).toBe(409);
    expect((await as('alice', 'GET', '/api/v1/campaigns')).body.items).toHaveLength(1);

    const audit = (await t.api('GET', `/api/v1/audit?objectId=${held.body.id}`)).json<{ items: { action: string; actorName: string }[] }>().items;
    expect(audit.map((e) => e.action)).toEqual(expect.arrayContaining(['approval.requested', 'approval.approved']));
    expect(audit.find((e) => e.action === 'approval.approved')?.actorName).toBe('bob');
    expect((await t.api('GET', '/api/v1/audit/verify')).json()).toMatchObject({ ok: true });
  });

  it('changes a role only after a second person approves; a rejection keeps the role and tells why', async () => {
    const held = await as('alice', 'PATCH', `/api/v1/users/${people.dave.id}`, { role: 'operator', reason: 'dave leads the night shift now' });
    expect(held.status, JSON.stringify(held.body)).toBe(202);
    expect(held.body.message).toContain('role change');
    expect((await t.api('GET', `/api/v1/users/${people.dave.id}`)).json()).toMatchObject({ role: 'technician' });

    // Approving a role change needs users:manage: an operator may not, an admin may.
    const operator = await as('bob', 'POST', `/api/v1/approvals/${held.body.id}/approve`, {});
    expect(operator.status).toBe(403);
    const admin = await t.api('POST', `/api/v1/approvals/${held.body.id}/approve`, {});
    expect(admin.statusCode, admin.body).toBe(200);
    expect((await t.api('GET', `/api/v1/users/${people.dave.id}`)).json()).toMatchObject({ role: 'operator' });

    const again = await as('alice', 'PATCH', `/api/v1/users/${people.dave.id}`, { role: 'admin', reason: 'needs to manage users' });
    expect(again.status).toBe(202);
    const rejected = await t.api('POST', `/api/v1/approvals/${again.body.id}/reject`, { reason: 'use the operator role' });
    expect(rejected.json()).toMatchObject({ state: 'rejected', decisionNote: 'use the operator role' });
    expect((await t.api('GET', `/api/v1/users/${people.dave.id}`)).json()).toMatchObject({ role: 'operator' });
    // A change without a new role is not held.
    expect((await as('alice', 'PATCH', `/api/v1/users/${people.dave.id}`, { name: 'Dave' })).status).toBe(200);
  });

  it('holds a change of acquirer parameters and lifting a tamper lock; a receipt footer and an operator\'s own lock are not held', async () => {
    expect((await t.api('POST', '/api/v1/configuration/schemas', { application: DEMO_APPLICATION, version: '3.2.0', parameters: DEMO_PARAMETERS })).statusCode).toBe(201);
    const level = `/api/v1/configuration/levels/merchant/${merchantModel.merchantId}`;
    const host = await as('alice', 'PATCH', level, { values: { acquirerHost: 'pos.lakala.example' }, reason: 'acquirer moves host' });
    expect(host.status, JSON.stringify(host.body)).toBe(202);
    expect((await as('alice', 'GET', level)).body.values.acquirerHost).toBeUndefined();
    expect((await as('bob', 'POST', `/api/v1/approvals/${host.body.id}/approve`, {})).status).toBe(200);
    // Approved, the change goes the way of every out-of-service change: held for a configuration campaign.
    const held = (await as('alice', 'GET', `/api/v1/configuration/changes?level=merchant&scopeId=${merchantModel.merchantId}`)).body.items;
    expect(held).toMatchObject([{ state: 'pending', changes: [{ parameter: 'acquirerHost', new: 'pos.lakala.example' }] }]);
    expect((await as('alice', 'PATCH', level, { values: { receiptFooter: '欢迎再来' }, reason: 'new footer' })).status).toBe(200);
    // A second acquirer change is held too, but once approved it meets the first one still pending: the request
    // ends failed, and keeps why with its catalogue entry, so the page says it in each reader's language.
    const port = await as('alice', 'PATCH', level, { values: { acquirerPort: 8443 }, reason: 'acquirer moves port' });
    expect(port.status, JSON.stringify(port.body)).toBe(202);
    const refused = await as('bob', 'POST', `/api/v1/approvals/${port.body.id}/approve`, {});
    expect(refused.status).toBe(409);
    expect(refused.body.error).toMatchObject({ key: 'configuration.change_open', params: { level: 'merchant', state: 'pending' } });
    const failed = (await as('alice', 'GET', '/api/v1/approvals')).body.items.find((a: { id: string }) => a.id === port.body.id);
    expect(failed).toMatchObject({
      state: 'failed',
      result: { key: 'configuration.change_open', params: { level: 'merchant', state: 'pending' }, error: 'The merchant level already has a change that needs maintenance (pending): deliver or discard it first.' },
    });

    const terminal = (await t.api('GET', `/api/v1/terminals?merchantId=${merchantModel.merchantId}&limit=1`)).json<{ items: { id: string }[] }>().items[0]!.id;
    // An operator's own lock is lifted by one person; a tamper lock is a kind of its own, lifted by two.
    expect((await as('alice', 'POST', `/api/v1/terminals/${terminal}/lock`, { reason: 'till moved for painting' })).body).toMatchObject({ mode: 'locked', lockKind: 'manual' });
    expect((await as('alice', 'POST', `/api/v1/terminals/${terminal}/unlock`, { reason: 'painting done' })).body).toMatchObject({ mode: 'normal', lockKind: null });
    expect((await as('alice', 'POST', `/api/v1/terminals/${terminal}/lock`, { reason: 'tamper switch reported open', kind: 'tamper' })).body).toMatchObject({ mode: 'locked', lockKind: 'tamper' });
    const lift = await as('alice', 'POST', `/api/v1/terminals/${terminal}/unlock`, { reason: 'inspected: seal intact' });
    expect(lift.status).toBe(202);
    const tamperLock = async () => (await as('alice', 'GET', `/api/v1/terminals/${terminal}/locks`)).body.items.find((l: { kind: string }) => l.kind === 'tamper');
    expect(await tamperLock()).toMatchObject({ liftedAt: null });
    expect((await as('alice', 'GET', '/api/v1/approvals')).body.items.find((a: { id: string }) => a.id === lift.body.id).summary).toMatchObject({ lockKind: 'tamper' });
    expect((await as('bob', 'POST', `/api/v1/approvals/${lift.body.id}/approve`, {})).status).toBe(200);
    expect(await tamperLock()).toMatchObject({ liftedBy: 'alice (approved by bob)', liftReason: 'inspected: seal intact' });
  });

  it('mails a request to the people who may approve it, in their language, and not to the requester or those who may not', async () => {
    await t.services.access.updateUser(people.bob.id, { locale: 'zh-CN' });
    const terminal = (await t.api('GET', `/api/v1/terminals?merchantId=${merchantModel.merchantId}&limit=10`)).json<{ items: { id: string }[] }>().items[5]!.id;
    expect((await as('alice', 'POST', `/api/v1/terminals/${terminal}/lock`, { reason: 'case opened', kind: 'tamper' })).status).toBe(200);
    const lift = await as('alice', 'POST', `/api/v1/terminals/${terminal}/unlock`, { reason: 'inspected: seal intact' });
    expect(lift.status).toBe(202);
    // Bob (operator) may lift locks: the request waits for him, counted on his page; alice's own does not wait for her.
    const waitingFor = async (who: keyof typeof people) => (await as(who, 'GET', '/api/v1/approvals?state=awaiting_approval')).body.items.filter((a: { canDecide: boolean }) => a.canDecide).map((a: { id: string }) => a.id);
    expect(await waitingFor('bob')).toContain(lift.body.id);
    expect(await waitingFor('alice')).not.toContain(lift.body.id);
    // The notice goes out like any other: one delivery per person, sent by the delivery job.
    const deliveries = (await t.services.notifications.listDeliveries({ event: 'approval.requested' } as never)).items;
    for (const d of deliveries) await t.services.notificationDelivery.runDeliveryJob({ deliveryId: d.id, attempt: 1 });
    const mails = smtp.mails.filter((m) => m.text.includes(lift.body.id));
    const to = (who: keyof typeof people) => mails.filter((m) => m.to.some((a) => a.startsWith(`${who}-`)));
    expect(to('bob')).toHaveLength(1);
    expect(to('bob')[0]!.subject).toContain('待您审批');
    expect(to('bob')[0]!.text).toContain('inspected: seal intact');
    // Alice asked; carol (support) may not lift locks. (Dave became an operator in an earlier test.)
    for (const who of ['alice', 'carol'] as const) expect(to(who).map((m) => m.to), who).toEqual([]);
    // The personal channel is nobody's business on the channels page.
    expect((await t.api('GET', '/api/v1/notification-channels')).json<{ items: { address: string }[] }>().items.map((c) => c.address)).not.toContain(`bob-${process.pid}@example.com`);
    expect((await as('bob', 'POST', `/api/v1/approvals/${lift.body.id}/approve`, {})).status).toBe(200);
  });

  it('an expired request cannot be approved, and the expiry job records it in the audit chain', async () => {
    // The bootstrap admin's account reads Chinese: the answer says what happens in its language.
    const first = await t.api('PATCH', `/api/v1/users/${people.carol.id}`, { role: 'operator', reason: 'covering for bob' });
    expect(first.statusCode).toBe(202);
    expect(first.json().message).toContain('此角色变更需由另一位有权限的人员批准');
    const ownZh = await t.api('POST', `/api/v1/approvals/${first.json().id}/approve`, {});
    expect(ownZh.json().error.message).toBe('这是您本人提交的申请：需由另一人批准或驳回。');
    const second = await t.api('PATCH', `/api/v1/users/${people.carol.id}`, { role: 'auditor', reason: 'quarterly review' });
    expect(second.statusCode).toBe(202);
    now = new Date(now.getTime() + 25 * 3_600_000);
    // The first expires when someone tries to approve it, the second when the job comes round.
    const late = await as('alice', 'POST', `/api/v1/approvals/${first.json().id}/approve`, {});
    expect(late.status).toBe(409);
    expect(late.body.error.message).toMatch(/^This request expired at .* without a decision/);
    expect(await t.services.approvals.expire()).toBe(1);
    const listed = (await t.api('GET', `/api/v1/approvals?objectId=${people.carol.id}`)).json<{ items: { state: string }[] }>().items;
    expect(listed.map((r) => r.state)).toEqual(['expired', 'expired']);
    expect((await t.api('GET', `/api/v1/users/${people.carol.id}`)).json()).toMatchObject({ role: 'support' });
    const audit = (await t.api('GET', '/api/v1/audit?action=approval.expired')).json<{ items: unknown[] }>().items;
    expect(audit).toHaveLength(2);
  });
});
