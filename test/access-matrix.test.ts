// Proves who may call what: every /api/v1 operation of the OpenAPI document, called by every role, by a
// read-only token and without credentials, is allowed or refused as the role table below says; a
// merchant user cannot see, change or learn of another merchant's estate; and refusals are audited.
import { createHash, generateKeyPairSync, randomUUID, type KeyObject } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DiagnosticsRepository } from '../src/diagnostics/diagnostics.repository.ts';
import { signPackage } from '../src/rollouts/package-signature.ts';
import { DEMO_APPLICATION, DEMO_PARAMETERS } from '../src/configuration/demo-schema.ts';
import { ADMIN_TOKEN, buildEstate, buildTerminal, enrolTerminal, heartbeatReport, startTestApp, type TestApp } from './support/app.ts';
import { databases } from './support/databases.ts';
import { fillPath, operations } from './support/openapi.ts';

// ---- the spec, written from the role descriptions (deliberately not imported from src/access/roles.ts)
const ROLES = ['admin', 'operator', 'support', 'technician', 'merchant', 'auditor'] as const;
type Role = (typeof ROLES)[number];
type Caller = Role | 'read-only admin token' | 'no credentials';
const CALLERS: readonly Caller[] = [...ROLES, 'read-only admin token', 'no credentials'];

const MAY = {
  'read the estate': ROLES, // technicians and merchant users only see their part of it
  'change the estate': ['admin', 'operator'],
  'command terminals': ['admin', 'operator', 'support'],
  'enrol terminals': ['admin', 'operator'],
  'manage users': ['admin'],
  'read the audit log': ['admin', 'auditor'],
  'read compliance evidence': ['admin', 'operator', 'auditor'],
  'record inspections': ['admin', 'operator', 'technician'],
  'put terminals into maintenance': ['admin', 'operator'], // and lock and unlock them: running the fleet is operators' work
  'manage notifications': ['admin', 'operator'], // where merchants and the fleet team hear about maintenance
  'read work orders': ['admin', 'operator', 'support', 'technician', 'auditor'], // technicians only their own
  'manage work orders': ['admin', 'operator'], // templates, plans, creating and assigning work orders, technicians, spare parts
  'work on work orders': ['admin', 'operator', 'technician'], // status, checklist, parts: technicians on their own only
  'request work orders': ['admin', 'operator', 'support', 'merchant'], // file a request for a site in their scope (merchant users: their own), see those requests
  'handle incidents': ['admin', 'operator', 'support'], // acknowledge, resolve, self-tests, troubleshooting runs
  'report suspicious activity': ['admin', 'operator', 'support', 'technician', 'merchant'], // at a terminal in their scope
  'export cases': ['admin', 'operator'], // a signed bundle of a suspicious-activity case for an acquirer or the police
  'read rollouts': ['admin', 'operator', 'support', 'auditor'], // packages, publisher keys, campaigns, the fleet's versions
  'run rollouts': ['admin', 'operator'], // start, pause, resume, cancel and roll back campaigns
  'publish packages': ['admin', 'operator'], // register publisher keys, declare and upload signed packages
  'read configuration': ROLES, // parameter schemas, values per level, effective configurations (merchant users: their own)
  'set configuration': ['admin', 'operator', 'merchant'], // merchant users: only what the schema marks merchant-editable, for their own
  'manage parameter schemas': ['admin', 'operator'], // schemas, saved groups, TID/MID import and export
  'confirm care': ['admin', 'operator', 'merchant'], // the shop staff's daily care tasks (merchant users: at their own sites)
  'move maintenance': ['admin', 'operator', 'merchant'], // a planned job, within the policy (merchant users: their own)
  'use their own account': ROLES,
  'sign in': ROLES, // and callers without credentials
} as const satisfies Record<string, readonly Role[]>;
type Need = keyof typeof MAY;

/** What a read-only token keeps: reading the estate, the audit log, compliance evidence and its own account. */
const READ_ONLY_TOKEN_READS: readonly Need[] = ['read the estate', 'read the audit log', 'read compliance evidence', 'read work orders', 'read rollouts', 'read configuration', 'use their own account'];

const PASSWORD = 'correct horse 12 battery';
let counter = 0;
const unique = (prefix: string) => `${prefix}-MX${++counter}`;

interface Fixtures {
  t: TestApp;
  a: Awaited<ReturnType<typeof buildEstate>> & { terminal: { id: string; serialNumber: string } };
  b: Awaited<ReturnType<typeof buildEstate>> & { terminal: { id: string; serialNumber: string } };
  /** Evidence about merchant B's terminal that merchant A's user must not reach either. */
  ofB: { inspectionId: string; jobId: string };
  /** A user the users:manage routes act on, so no caller's own account changes under the matrix. */
  victim: { id: string; email: string };
  callers: Record<Caller, { userId: string | null; token: string | null }>;
  userOf: Record<Role, { id: string; email: string }>;
}

interface Probe {
  params?: Record<string, string>;
  query?: string;
  body?: unknown;
  contentType?: string;
}

interface RouteSpec {
  need: Need;
  /** A read-only token may call this change (none may today: a read-only token only reads). */
  readOnlyTokenMay?: boolean;
  /** A plausible request: real ids inside a merchant user's scope (estate A), a minimal body. */
  probe?: (f: Fixtures, caller: Caller) => Promise<Probe> | Probe;
  /** The admin's status when the handler refuses the probe by design (default: any 2xx). */
  adminGets?: number;
}

/** A maintenance job on a terminal of its own (made through the API, as an operator would). */
async function freshJob(f: Fixtures, terminalId?: string): Promise<string> {
  const res = await f.t.api('POST', '/api/v1/maintenance/jobs', { terminalIds: [terminalId ?? (await buildTerminal(f.t, f.a)).id], work: ['repair'], reason: 'matrix' });
  if (res.statusCode !== 201) throw new Error(`could not create a maintenance job: ${res.statusCode} ${res.body}`);
  return res.json<{ items: { id: string }[] }>().items[0]!.id;
}

async function freshBaseline(f: Fixtures): Promise<string> {
  return (await f.t.services.terminalData.baselines.create({ name: unique('BASELINE'), filter: { siteId: f.b.site.id }, appVersion: '3.3.0' }, 'matrix')).id;
}

/** A webhook channel of merchant A (made through the API, as an operator would). */
async function freshChannel(f: Fixtures): Promise<string> {
  const res = await f.t.api('POST', '/api/v1/notification-channels', { merchantId: f.a.merchant.id, kind: 'webhook', name: 'matrix', address: 'http://127.0.0.1:9/hook' });
  if (res.statusCode !== 201) throw new Error(`could not create a channel: ${res.statusCode} ${res.body}`);
  return res.json<{ id: string }>().id;
}

async function lockedTerminal(f: Fixtures): Promise<string> {
  const terminal = await buildTerminal(f.t, f.a);
  const res = await f.t.api('POST', `/api/v1/terminals/${terminal.id}/lock`, { reason: 'matrix' });
  if (res.statusCode !== 200) throw new Error(`could not lock a terminal: ${res.statusCode} ${res.body}`);
  return terminal.id;
}

/** The smallest bytes the server accepts as a PNG: its signature and the start of its header chunk. */
const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52]);
const INSPECTION = { outcome: 'pass', serialMatches: true, sealIntact: true, tamperSigns: [] };

async function inspectionWithPhoto(f: Fixtures, terminalId = f.a.terminal.id): Promise<string> {
  const res = await f.t.api('POST', `/api/v1/terminals/${terminalId}/inspections`, { ...INSPECTION, photo: { contentType: 'image/png', dataBase64: PNG.toString('base64') } });
  if (res.statusCode !== 201) throw new Error(`could not record an inspection: ${res.statusCode} ${res.body}`);
  return res.json<{ id: string }>().id;
}

const freshSite = async (f: Fixtures) => f.t.services.estate.createSite({ merchantId: f.a.merchant.id, code: unique('SITE'), name: unique('Site') });

/** A maintenance window of a site of its own (merchant A's), so windows made for one caller never overlap another's. */
async function freshWindow(f: Fixtures): Promise<string> {
  const res = await f.t.api('POST', '/api/v1/maintenance/windows', { name: 'matrix', target: { siteId: (await freshSite(f)).id }, schedule: { kind: 'cron', cron: '0 2 * * *', durationMinutes: 60 } });
  if (res.statusCode !== 201) throw new Error(`could not create a maintenance window: ${res.statusCode} ${res.body}`);
  return res.json<{ id: string }>().id;
}

/** A work order at merchant A's site with one checklist item (made through the service, as an operator would). */
async function freshWorkOrder(f: Fixtures): Promise<{ id: string; itemId: string }> {
  const order = await f.t.services.workOrders.createWorkOrder(
    { title: unique('Work'), siteId: f.a.site.id, terminalIds: [f.a.terminal.id], checklist: [{ text: { 'zh-CN': '检查', en: 'Check' } }] },
    { id: null, name: 'matrix', scope: { kind: 'fleet' } },
  );
  return { id: order.id, itemId: order.checklist[0]!.id };
}

/** Per database run: a technician no caller is, so assignments made by the matrix widen no caller's scope. */
const assignees = new WeakMap<Fixtures, string>();
async function assigneeId(f: Fixtures): Promise<string> {
  let id = assignees.get(f);
  if (!id) {
    const user = await f.t.services.access.createUser({ email: 'assignee@matrix.test', name: 'Assignee', role: 'technician', password: PASSWORD });
    id = (await f.t.services.technicians.createTechnician({ userId: user.id, skills: ['printer'], regions: ['SITE'] })).id;
    assignees.set(f, id);
  }
  return id;
}

const templateId = async (f: Fixtures, code = 'monthly') => (await f.t.services.preventive.findTemplateByCode(code))!.id;
const freshPlan = async (f: Fixtures) =>
  (await f.t.services.preventive.createPlan({ name: unique('Plan'), templateIds: [await templateId(f)], filter: { siteId: f.a.site.id } }, { id: null, name: 'matrix', scope: { kind: 'fleet' } })).id;
const CHECKLIST_TEMPLATE = (code: string) => ({
  code, name: { 'zh-CN': '模板', en: 'Template' }, intervalDays: 10,
  tasks: [{ code: 'task', name: { 'zh-CN': '任务', en: 'Task' }, performer: 'technician', skill: null, checklist: [{ code: 'item', text: { 'zh-CN': '项', en: 'Item' }, required: true }] }],
});

/**
 * An open incident on merchant A's terminal, stored directly: each probe needs a fresh one, and new
 * terminals would crowd the serial-number searches of the scope tests below.
 */
async function freshIncident(f: Fixtures): Promise<string> {
  const at = new Date().toISOString();
  const id = randomUUID();
  await new DiagnosticsRepository(f.t.services.db.kysely).openIncident({
    id, terminal_id: f.a.terminal.id, site_id: f.a.site.id, merchant_id: f.a.merchant.id, rule: 'printer_jam', severity: 'high', status: 'open',
    open_key: `matrix-${id}|printer_jam`, detail: '{}', first_seen_at: at, last_seen_at: at, acknowledged_at: null, acknowledged_by: null,
    resolved_at: null, resolved_by: null, resolution: null, notified_count: 0, last_notified_at: null,
  });
  return id;
}

/** A suspicious-activity case on merchant A's terminal. */
const freshCase = async (f: Fixtures) => (await f.t.services.incidents.reportSuspicious(f.a.terminal.id, { what: 'matrix' }, { kind: 'fleet' }, 'matrix')).id;

/** A running troubleshooting run on merchant A's terminal. */
const freshRun = async (f: Fixtures) => (await f.t.services.guideRuns.start({ terminalId: f.a.terminal.id, guideId: 'printer' }, { kind: 'fleet' }, 'matrix')).id;

/**
 * Rollouts, per database run: a publisher key, a ready package for merchant B's model and a campaign
 * over merchant B's site (B, so that the terminals the probes add never crowd merchant A's lists).
 */
interface RolloutFixture { privateKey: KeyObject; keyId: string; packageId: string; campaignId: string; actionId: number }
const rollouts = new WeakMap<Fixtures, RolloutFixture>();
const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');
function declaration(f: Fixtures, r: { privateKey: KeyObject; keyId: string }, version: string, content: Buffer) {
  const facts = { kind: 'application', name: 'matrix-app', version, size: content.length, sha256: sha256(content) };
  return { ...facts, fileName: 'matrix-app.apk', signature: signPackage(facts, r.privateKey), keyId: r.keyId, compatibleModels: [f.b.model.id] };
}
async function created<T>(res: Promise<LightMyRequestResponse>, what: string): Promise<T> {
  const answer = await res;
  if (answer.statusCode >= 300) throw new Error(`could not ${what}: ${answer.statusCode} ${answer.body}`);
  return answer.json<T>();
}
async function rollout(f: Fixtures): Promise<RolloutFixture> {
  let r = rollouts.get(f);
  if (!r) {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const keyId = (await created<{ id: string }>(f.t.api('POST', '/api/v1/publisher-keys', { name: 'matrix', publicKey: publicKey.export({ type: 'spki', format: 'pem' }).toString() }), 'register a key')).id;
    const content = Buffer.from('matrix package');
    const packageId = (await created<{ id: string }>(f.t.api('POST', '/api/v1/packages', declaration(f, { privateKey, keyId }, '9.0.0', content)), 'declare a package')).id;
    await created(uploadAsAdmin(f, packageId, content), 'upload a package');
    const campaignId = (await created<{ id: string }>(f.t.api('POST', '/api/v1/campaigns', { name: 'matrix', packageId, filter: { siteId: f.b.site.id } }), 'start a campaign')).id;
    const actionId = (await created<{ items: { id: number }[] }>(f.t.api('GET', `/api/v1/campaigns/${campaignId}/actions`), 'list actions')).items[0]!.id;
    r = { privateKey, keyId, packageId, campaignId, actionId };
    rollouts.set(f, r);
  }
  return r;
}
const uploadAsAdmin = (f: Fixtures, id: string, content: Buffer) => f.t.app.inject({
  method: 'PUT', url: `/api/v1/packages/${id}/content`, payload: content, headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/octet-stream' },
});
const freshPublicKey = () => generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' }).toString();
const freshKey = async (f: Fixtures) => (await created<{ id: string }>(f.t.api('POST', '/api/v1/publisher-keys', { name: 'to revoke', publicKey: freshPublicKey() }), 'register a key')).id;
let versions = 0;
/** A declared package without its content yet, and the content to upload. */
async function freshDeclared(f: Fixtures) {
  const content = Buffer.from(`matrix package ${++versions}`);
  const body = declaration(f, await rollout(f), `9.1.${versions}`, content);
  return { id: (await created<{ id: string }>(f.t.api('POST', '/api/v1/packages', body), 'declare a package')).id, content };
}
/** A running campaign over a site of its own at merchant B (no window there: its one action is skipped, the wave observed). */
async function freshCampaign(f: Fixtures): Promise<string> {
  const site = await f.t.services.estate.createSite({ merchantId: f.b.merchant.id, code: unique('RSITE'), name: unique('Rollout site') });
  await buildTerminal(f.t, { ...f.b, site }, { serialNumber: unique('ZZ-RO') });
  const body = { name: 'matrix', packageId: (await rollout(f)).packageId, filter: { siteId: site.id } };
  return (await created<{ id: string }>(f.t.api('POST', '/api/v1/campaigns', body), 'start a campaign')).id;
}
async function pausedCampaign(f: Fixtures): Promise<string> {
  const id = await freshCampaign(f);
  await created(f.t.api('POST', `/api/v1/campaigns/${id}/pause`, {}), 'pause a campaign');
  return id;
}

// ---- spares and backup terminals (stock per depot, pools, swaps, custody), made through the service
const MATRIX_ACTOR = { id: null, name: 'matrix', scope: { kind: 'fleet' } } as const;
const freshPart = async (f: Fixtures) => (await f.t.services.spares.createPart({ depot: 'matrix', sku: unique('SKU'), name: 'Paper', quantity: 5 }, MATRIX_ACTOR)).id;
const freshDepot = async (f: Fixtures) => (await f.t.services.spares.createDepot({ code: unique('DEPOT'), name: 'Matrix depot' })).code;
const freshPool = async (f: Fixtures) => (await f.t.services.backupTerminals.createPool({ code: unique('POOL'), name: 'Matrix pool', siteId: f.a.site.id })).id;
/** A terminal in stock (at no site): 'ZZ-' keeps it out of the scope tests' serial searches. */
const inStock = async (f: Fixtures) => f.t.services.estate.createTerminal({ serialNumber: unique('ZZ-SPARE'), modelId: f.a.model.id });
/** A work order at merchant A's site on a faulty terminal of its own, and a spare in a pool to swap it for. */
async function swappable(f: Fixtures): Promise<{ workOrderId: string; faultyTerminalId: string; spareTerminalId: string }> {
  const faulty = await buildTerminal(f.t, f.a, { serialNumber: unique('ZZ-FAULTY') });
  const spare = await inStock(f);
  await f.t.services.backupTerminals.addToPool(await freshPool(f), spare.id, MATRIX_ACTOR);
  const order = await f.t.services.workOrders.createWorkOrder({ title: unique('Swap'), siteId: f.a.site.id, terminalIds: [faulty.id] }, MATRIX_ACTOR);
  return { workOrderId: order.id, faultyTerminalId: faulty.id, spareTerminalId: spare.id };
}
async function freshCustody(f: Fixtures): Promise<string> {
  const { workOrderId, ...terminals } = await swappable(f);
  return (await f.t.services.backupTerminals.swap(workOrderId, terminals, MATRIX_ACTOR)).custodyId;
}

/**
 * The expectation table: one row per /api/v1 operation. A route the OpenAPI document lists but this table
 * does not fails the suite, so every new route gets a row (and a decision about who may call it).
 */
const ROUTES: Record<string, RouteSpec> = {
  'POST /api/v1/auth/login': { need: 'sign in', probe: (f) => ({ body: { email: f.victim.email, password: PASSWORD } }) },
  'POST /api/v1/auth/logout': { need: 'use their own account' },
  'GET /api/v1/auth/me': { need: 'use their own account' },
  'POST /api/v1/auth/password': {
    need: 'use their own account', adminGets: 400,
    probe: () => ({ body: { currentPassword: 'not the current one 1', newPassword: 'another horse 34 battery' } }),
  },
  'POST /api/v1/auth/totp': { need: 'use their own account' },
  'POST /api/v1/auth/totp/confirm': { need: 'use their own account', adminGets: 400, probe: () => ({ body: { code: '000000' } }) },

  // Four eyes: anyone signed in may list and decide requests; which requests they see and may decide is the
  // operation's permission, checked per request (test/approvals.test.ts).
  'GET /api/v1/approvals': { need: 'use their own account' },
  'GET /api/v1/approvals/{id}': { need: 'use their own account', adminGets: 404, probe: () => ({ params: { id: 'no-such-request' } }) },
  'POST /api/v1/approvals/{id}/approve': { need: 'use their own account', adminGets: 404, probe: () => ({ params: { id: 'no-such-request' }, body: { note: 'checked' } }) },
  'POST /api/v1/approvals/{id}/reject': { need: 'use their own account', adminGets: 404, probe: () => ({ params: { id: 'no-such-request' }, body: { reason: 'not now' } }) },
  // Saved views: each person's own named filters (test/saved-views.test.ts).
  'GET /api/v1/saved-views': { need: 'use their own account', probe: () => ({ query: 'page=terminals' }) },
  'POST /api/v1/saved-views': { need: 'use their own account', probe: () => ({ body: { page: 'incidents', name: unique('view'), query: 'severity=high' } }) },
  'DELETE /api/v1/saved-views/{id}': { need: 'use their own account', adminGets: 404, probe: () => ({ params: { id: 'no-such-view' } }) },

  'GET /api/v1/users': { need: 'manage users' },
  'POST /api/v1/users': { need: 'manage users', probe: () => ({ body: { email: `${unique('new')}@matrix.test`, name: 'New', role: 'support', password: PASSWORD } }) },
  'GET /api/v1/users/{id}': { need: 'manage users', probe: (f) => ({ params: { id: f.victim.id } }) },
  'PATCH /api/v1/users/{id}': { need: 'manage users', probe: (f) => ({ params: { id: f.victim.id }, body: { name: 'Renamed' } }) },
  'POST /api/v1/users/{id}/unlock': { need: 'manage users', probe: (f) => ({ params: { id: f.victim.id } }) },
  'POST /api/v1/users/{id}/disable': { need: 'manage users', probe: (f) => ({ params: { id: f.victim.id } }) },
  'POST /api/v1/users/{id}/enable': { need: 'manage users', probe: (f) => ({ params: { id: f.victim.id } }) },
  'POST /api/v1/users/{id}/password-reset': { need: 'manage users', probe: (f) => ({ params: { id: f.victim.id }, body: { password: 'temporary horse 56 battery' } }) },

  'GET /api/v1/tokens': { need: 'use their own account' },
  'POST /api/v1/tokens': { need: 'use their own account', probe: () => ({ body: { name: 'matrix' } }) },
  'DELETE /api/v1/tokens/{id}': {
    need: 'use their own account',
    probe: async (f, caller) => ({ params: { id: (await f.t.services.access.createToken(f.callers[caller].userId ?? f.victim.id, { name: 'to revoke' })).id } }),
  },

  'GET /api/v1/audit': { need: 'read the audit log' },
  'GET /api/v1/audit/verify': { need: 'read the audit log' },
  'GET /api/v1/audit/export': { need: 'read the audit log' },

  'GET /api/v1/merchants': { need: 'read the estate' },
  'POST /api/v1/merchants': { need: 'change the estate', probe: () => ({ body: { name: unique('Merchant') } }) },
  'GET /api/v1/merchants/{id}': { need: 'read the estate', probe: (f) => ({ params: { id: f.a.merchant.id } }) },
  'PATCH /api/v1/merchants/{id}': { need: 'change the estate', probe: (f) => ({ params: { id: f.a.merchant.id }, body: { locale: 'en' } }) },
  'DELETE /api/v1/merchants/{id}': {
    need: 'change the estate',
    probe: async (f) => ({ params: { id: (await f.t.services.estate.createMerchant({ name: unique('Doomed'), timeZone: 'Asia/Shanghai', locale: 'zh-CN' })).id } }),
  },

  'GET /api/v1/sites': { need: 'read the estate' },
  'POST /api/v1/sites': { need: 'change the estate', probe: (f) => ({ body: { merchantId: f.a.merchant.id, code: unique('SITE'), name: 'New site' } }) },
  'GET /api/v1/sites/{id}': { need: 'read the estate', probe: (f) => ({ params: { id: f.a.site.id } }) },
  'PATCH /api/v1/sites/{id}': { need: 'change the estate', probe: (f) => ({ params: { id: f.a.site.id }, body: { address: 'Renamed street 1' } }) },
  'DELETE /api/v1/sites/{id}': { need: 'change the estate', probe: async (f) => ({ params: { id: (await freshSite(f)).id } }) },

  'GET /api/v1/terminal-models': { need: 'read the estate' },
  'POST /api/v1/terminal-models': {
    need: 'change the estate',
    probe: (f) => ({ body: { code: unique('MODEL'), vendor: 'PAX', model: 'A80', components: f.a.model.components } }),
  },
  'GET /api/v1/terminal-models/{id}': { need: 'read the estate', probe: (f) => ({ params: { id: f.a.model.id } }) },
  'PATCH /api/v1/terminal-models/{id}': { need: 'change the estate', probe: (f) => ({ params: { id: f.a.model.id }, body: { vendor: 'PAX' } }) },
  'DELETE /api/v1/terminal-models/{id}': {
    need: 'change the estate',
    probe: async (f) => ({ params: { id: (await f.t.services.estate.createModel({ code: unique('DOOMED'), vendor: 'PAX', model: 'A80', components: f.a.model.components })).id } }),
  },

  'GET /api/v1/terminals': { need: 'read the estate' },
  'POST /api/v1/terminals': { need: 'change the estate', probe: (f) => ({ body: { serialNumber: unique('SN'), modelId: f.a.model.id, siteId: f.a.site.id } }) },
  'GET /api/v1/terminals/{id}': { need: 'read the estate', probe: (f) => ({ params: { id: f.a.terminal.id } }) },
  'PATCH /api/v1/terminals/{id}': { need: 'change the estate', probe: (f) => ({ params: { id: f.a.terminal.id }, body: { tags: ['matrix'] } }) },
  'DELETE /api/v1/terminals/{id}': { need: 'change the estate', probe: async (f) => ({ params: { id: (await buildTerminal(f.t, f.a)).id } }) },
  'POST /api/v1/terminals/import': { need: 'change the estate', probe: () => ({ body: 'serial_number,model_code\n', contentType: 'text/csv' }) },
  'GET /api/v1/terminals/export': { need: 'read the estate' },
  'POST /api/v1/terminals/bulk/tags': { need: 'change the estate', probe: (f) => ({ body: { terminalIds: [f.a.terminal.id], add: ['matrix'] } }) },

  'POST /api/v1/enrolment-codes': { need: 'enrol terminals', probe: () => ({ body: {} }) },
  'POST /api/v1/terminals/{id}/credentials/revoke': { need: 'enrol terminals', probe: async (f) => ({ params: { id: (await buildTerminal(f.t, f.a)).id } }) },
  'GET /api/v1/terminals/{id}/health': { need: 'read the estate', probe: (f) => ({ params: { id: f.a.terminal.id } }) },
  'GET /api/v1/terminals/{id}/heartbeats': { need: 'read the estate', probe: (f) => ({ params: { id: f.a.terminal.id } }) },
  'GET /api/v1/terminals/{id}/commands': { need: 'read the estate', probe: (f) => ({ params: { id: f.a.terminal.id } }) },
  'POST /api/v1/terminals/{id}/commands': { need: 'command terminals', probe: (f) => ({ params: { id: f.a.terminal.id }, body: { type: 'self_test' } }) },
  'POST /api/v1/terminals/bulk/commands': { need: 'command terminals', probe: (f) => ({ body: { terminalIds: [f.a.terminal.id], type: 'sync_time' } }) },

  'GET /api/v1/compliance/poi-devices': { need: 'read compliance evidence' },
  'GET /api/v1/compliance/inspections/overdue': { need: 'read compliance evidence' },
  'GET /api/v1/compliance/report': { need: 'read compliance evidence' },
  'POST /api/v1/terminals/{id}/inspections': { need: 'record inspections', probe: (f) => ({ params: { id: f.a.terminal.id }, body: INSPECTION }) },
  'GET /api/v1/terminals/{id}/inspections': { need: 'read the estate', probe: (f) => ({ params: { id: f.a.terminal.id } }) },
  'GET /api/v1/inspections/{id}/photo': { need: 'read the estate', probe: async (f) => ({ params: { id: await inspectionWithPhoto(f) } }) },

  'POST /api/v1/maintenance/jobs': {
    need: 'put terminals into maintenance',
    probe: async (f) => ({ body: { terminalIds: [(await buildTerminal(f.t, f.a)).id], work: ['repair'], reason: 'matrix' } }),
  },
  'GET /api/v1/maintenance/jobs/{id}': { need: 'read the estate', probe: async (f) => ({ params: { id: await freshJob(f) } }) },
  'POST /api/v1/maintenance/jobs/{id}/extend': { need: 'put terminals into maintenance', probe: async (f) => ({ params: { id: await freshJob(f) }, body: { minutes: 15 } }) },
  'POST /api/v1/maintenance/jobs/{id}/finish': { need: 'put terminals into maintenance', adminGets: 409, probe: async (f) => ({ params: { id: await freshJob(f) }, body: {} }) },
  'POST /api/v1/maintenance/jobs/{id}/abort': { need: 'put terminals into maintenance', probe: async (f) => ({ params: { id: await freshJob(f) }, body: {} }) },
  'POST /api/v1/maintenance/jobs/group': { need: 'put terminals into maintenance', probe: async (f) => ({ body: { action: 'abort', jobIds: [await freshJob(f)] } }) },
  // Only a failed job can be handed over or marked rolled back: the fresh (draining) job is refused by the
  // handler with a 409, after the guard let the caller in, which is all this table is about.
  'POST /api/v1/maintenance/jobs/{id}/hand-over': { need: 'put terminals into maintenance', adminGets: 409, probe: async (f) => ({ params: { id: await freshJob(f) }, body: {} }) },
  'POST /api/v1/maintenance/jobs/{id}/rolled-back': { need: 'put terminals into maintenance', adminGets: 409, probe: async (f) => ({ params: { id: await freshJob(f) }, body: {} }) },
  'GET /api/v1/notification-channels': { need: 'manage notifications' },
  'POST /api/v1/notification-channels': { need: 'manage notifications', probe: (f) => ({ body: { merchantId: f.a.merchant.id, kind: 'email', name: 'shop', address: 'shop@example.com' } }) },
  'GET /api/v1/notification-channels/{id}': { need: 'manage notifications', probe: async (f) => ({ params: { id: await freshChannel(f) } }) },
  'PATCH /api/v1/notification-channels/{id}': { need: 'manage notifications', probe: async (f) => ({ params: { id: await freshChannel(f) }, body: { name: 'renamed' } }) },
  'POST /api/v1/notification-channels/{id}/rotate-secret': { need: 'manage notifications', probe: async (f) => ({ params: { id: await freshChannel(f) } }) },
  'POST /api/v1/notification-channels/{id}/test': { need: 'manage notifications', probe: async (f) => ({ params: { id: await freshChannel(f) } }) },
  'DELETE /api/v1/notification-channels/{id}': { need: 'manage notifications', probe: async (f) => ({ params: { id: await freshChannel(f) } }) },
  'GET /api/v1/notification-deliveries': { need: 'manage notifications' },
  'GET /api/v1/notification-deliveries/{id}': { need: 'manage notifications', adminGets: 404, probe: () => ({ params: { id: 'no-such-delivery' } }) },
  'POST /api/v1/notification-deliveries/{id}/replay': { need: 'manage notifications', adminGets: 404, probe: () => ({ params: { id: 'no-such-delivery' } }) },
  'GET /api/v1/maintenance/figures': { need: 'read the estate', probe: () => ({ query: 'from=2026-01-01T00:00:00.000Z&to=2027-01-01T00:00:00.000Z' }) },
  // Maintenance KPIs: merchant users see their own merchant's, technicians their own work orders'.
  'GET /api/v1/care/today': { need: 'read the estate' },
  'POST /api/v1/care/confirmations': {
    need: 'confirm care', adminGets: 400, probe: () => ({ body: { taskId: 'no-such-task:daily-care', dueAt: '2026-12-08T00:00:00.000Z', outcome: 'done' } }),
  },
  'GET /api/v1/care/report': { need: 'read the estate', probe: () => ({ query: 'from=2026-01-01T00:00:00.000Z&to=2026-02-01T00:00:00.000Z' }) },
  'GET /api/v1/merchant/maintenance': { need: 'read the estate' },
  'GET /api/v1/maintenance/moves': { need: 'read the estate' },
  'GET /api/v1/merchant/notices': { need: 'read the estate' },
  'POST /api/v1/maintenance/jobs/{id}/move': { need: 'move maintenance', adminGets: 404, probe: () => ({ params: { id: 'no-such-job' }, body: { startAt: '2026-12-08T00:00:00.000Z' } }) },
  'GET /api/v1/kpis': { need: 'read the estate', probe: () => ({ query: 'from=2026-01-01T00:00:00.000Z&to=2026-12-01T00:00:00.000Z&groupBy=site' }) },
  'POST /api/v1/maintenance/windows': {
    need: 'put terminals into maintenance',
    probe: async (f) => ({ body: { name: 'matrix', target: { siteId: (await freshSite(f)).id }, schedule: { kind: 'cron', cron: '0 3 * * *', durationMinutes: 60 } } }),
  },
  'GET /api/v1/maintenance/windows': { need: 'read the estate' },
  'GET /api/v1/maintenance/windows/{id}': { need: 'read the estate', probe: async (f) => ({ params: { id: await freshWindow(f) } }) },
  'PATCH /api/v1/maintenance/windows/{id}': { need: 'put terminals into maintenance', probe: async (f) => ({ params: { id: await freshWindow(f) }, body: { name: 'renamed' } }) },
  'DELETE /api/v1/maintenance/windows/{id}': { need: 'put terminals into maintenance', probe: async (f) => ({ params: { id: await freshWindow(f) } }) },
  'GET /api/v1/maintenance/windows/{id}/occurrences': { need: 'read the estate', probe: async (f) => ({ params: { id: await freshWindow(f) } }) },
  // A dry run: plans and reports, creates no job (merchant A's site has no window: its terminals are reported).
  'POST /api/v1/maintenance/plans': { need: 'put terminals into maintenance', probe: (f) => ({ body: { siteId: f.a.site.id, work: ['update'], reason: 'matrix', dryRun: true } }) },
  'POST /api/v1/sites/{id}/trading-history': {
    need: 'put terminals into maintenance', probe: (f) => ({ params: { id: f.a.site.id }, body: { currency: 'CNY', buckets: [{ start: '2026-01-05T02:00:00.000Z', transactions: 3 }] } }),
  },
  'GET /api/v1/sites/{id}/suggested-window': { need: 'read the estate', probe: (f) => ({ params: { id: f.a.site.id }, query: 'minutes=60&batchClose=23:30' }) },
  'GET /api/v1/terminals/{id}/maintenance-jobs': { need: 'read the estate', probe: (f) => ({ params: { id: f.a.terminal.id } }) },
  'GET /api/v1/terminals/{id}/mode': { need: 'read the estate', probe: (f) => ({ params: { id: f.a.terminal.id } }) },
  'POST /api/v1/terminals/{id}/lock': { need: 'put terminals into maintenance', probe: async (f) => ({ params: { id: (await buildTerminal(f.t, f.a)).id }, body: { reason: 'tamper' } }) },
  'POST /api/v1/terminals/{id}/unlock': { need: 'put terminals into maintenance', probe: async (f) => ({ params: { id: await lockedTerminal(f) }, body: { reason: 'inspected' } }) },
  'GET /api/v1/terminals/{id}/locks': { need: 'read the estate', probe: (f) => ({ params: { id: f.a.terminal.id } }) },
  'GET /api/v1/terminals/{id}/versions': { need: 'read the estate', probe: (f) => ({ params: { id: f.a.terminal.id } }) },

  'GET /api/v1/preventive/templates': { need: 'read work orders' },
  'POST /api/v1/preventive/templates': { need: 'manage work orders', probe: () => ({ body: CHECKLIST_TEMPLATE(unique('tpl')) }) },
  'PATCH /api/v1/preventive/templates/{id}': { need: 'manage work orders', probe: async (f) => ({ params: { id: await templateId(f, 'yearly') }, body: { intervalDays: 365 } }) },
  'POST /api/v1/preventive/plans': { need: 'manage work orders', probe: async (f) => ({ body: { name: 'matrix', templateIds: [await templateId(f)], filter: { siteId: f.a.site.id } } }) },
  'GET /api/v1/preventive/plans/{id}': { need: 'read work orders', probe: async (f) => ({ params: { id: await freshPlan(f) } }) },
  'GET /api/v1/preventive/plans': { need: 'read work orders' },
  'GET /api/v1/preventive/due': { need: 'read work orders', probe: () => ({ query: 'limit=5' }) },
  'GET /api/v1/preventive/remote-runs': { need: 'read work orders' },
  'POST /api/v1/preventive/plans/{id}/work-orders': { need: 'manage work orders', probe: async (f) => ({ params: { id: await freshPlan(f) }, body: {} }) },
  'GET /api/v1/technicians': { need: 'read work orders' },
  'POST /api/v1/technicians': {
    need: 'manage work orders',
    probe: async (f) => ({ body: { userId: (await f.t.services.access.createUser({ email: `${unique('tech')}@matrix.test`, name: 'Tech', role: 'technician', password: PASSWORD })).id, skills: [], regions: [] } }),
  },
  'GET /api/v1/work-orders': { need: 'read work orders' },
  'POST /api/v1/work-orders': { need: 'manage work orders', probe: (f) => ({ body: { title: 'matrix', siteId: f.a.site.id, source: 'merchant_request' } }) },
  'POST /api/v1/work-orders/requests': { need: 'request work orders', probe: (f) => ({ body: { title: 'matrix request', siteId: f.a.site.id, terminalIds: [f.a.terminal.id] } }) },
  'GET /api/v1/work-orders/requests': { need: 'request work orders' },
  // Technicians are let in but find only their own work orders: these fresh ones are nobody's (404).
  'GET /api/v1/work-orders/{id}': { need: 'read work orders', probe: async (f) => ({ params: { id: (await freshWorkOrder(f)).id } }) },
  'POST /api/v1/work-orders/{id}/assign': { need: 'manage work orders', probe: async (f) => ({ params: { id: (await freshWorkOrder(f)).id }, body: { technicianId: await assigneeId(f) } }) },
  'GET /api/v1/work-orders/{id}/suggestions': { need: 'manage work orders', probe: async (f) => ({ params: { id: (await freshWorkOrder(f)).id } }) },
  'POST /api/v1/work-orders/{id}/status': { need: 'work on work orders', probe: async (f) => ({ params: { id: (await freshWorkOrder(f)).id }, body: { to: 'cancelled' } }) },
  'POST /api/v1/work-orders/{id}/checklist': {
    need: 'work on work orders',
    probe: async (f) => {
      const order = await freshWorkOrder(f);
      return { params: { id: order.id }, body: { results: [{ itemId: order.itemId, result: 'pass' }] } };
    },
  },
  'POST /api/v1/work-orders/{id}/checklist/{itemId}/photos': {
    need: 'work on work orders',
    probe: async (f) => {
      const order = await freshWorkOrder(f);
      return { params: { id: order.id, itemId: order.itemId }, body: { photo: { contentType: 'image/png', dataBase64: PNG.toString('base64') } } };
    },
  },
  'GET /api/v1/work-orders/{id}/photos/{photoId}': {
    need: 'read work orders',
    probe: async (f) => {
      const order = await freshWorkOrder(f);
      const res = await f.t.api('POST', `/api/v1/work-orders/${order.id}/checklist/${order.itemId}/photos`, { photo: { contentType: 'image/png', dataBase64: PNG.toString('base64') } });
      if (res.statusCode !== 201) throw new Error(`could not add a photo: ${res.statusCode} ${res.body}`);
      return { params: { id: order.id, photoId: res.json<{ id: string }>().id } };
    },
  },
  'POST /api/v1/work-orders/{id}/parts': {
    need: 'work on work orders',
    probe: async (f) => ({
      params: { id: (await freshWorkOrder(f)).id },
      body: { partId: (await f.t.services.spares.createPart({ depot: 'matrix', sku: unique('SKU'), name: 'Paper', quantity: 5 }, { id: null, name: 'matrix', scope: { kind: 'fleet' } })).id, quantity: 1 },
    }),
  },
  'GET /api/v1/spare-parts': { need: 'read work orders' },
  'POST /api/v1/spare-parts': { need: 'manage work orders', probe: () => ({ body: { depot: 'matrix', sku: unique('SKU'), name: 'Printer head', quantity: 3 } }) },
  'PATCH /api/v1/spare-parts/{id}': { need: 'manage work orders', probe: async (f) => ({ params: { id: await freshPart(f) }, body: { minimum: 1 } }) },
  'POST /api/v1/spare-parts/{id}/restock': { need: 'manage work orders', probe: async (f) => ({ params: { id: await freshPart(f) }, body: { quantity: 2 } }) },
  'POST /api/v1/spare-parts/{id}/counts': { need: 'manage work orders', probe: async (f) => ({ params: { id: await freshPart(f) }, body: { counted: 4, reason: 'matrix count' } }) },
  'POST /api/v1/stock-transfers': { need: 'manage work orders', probe: async (f) => ({ body: { partId: await freshPart(f), toDepot: await freshDepot(f), quantity: 1 } }) },
  'GET /api/v1/stock-ledger': { need: 'read work orders' },
  'GET /api/v1/depots': { need: 'read work orders' },
  'POST /api/v1/depots': { need: 'manage work orders', probe: () => ({ body: { code: unique('DEPOT'), name: 'Matrix depot', region: 'SH' } }) },
  'GET /api/v1/backup-pools': { need: 'read work orders' },
  'POST /api/v1/backup-pools': { need: 'manage work orders', probe: (f) => ({ body: { code: unique('POOL'), name: 'Matrix pool', siteId: f.a.site.id } }) },
  'GET /api/v1/backup-pools/{id}': { need: 'read work orders', probe: async (f) => ({ params: { id: await freshPool(f) } }) },
  'POST /api/v1/backup-pools/{id}/terminals': { need: 'manage work orders', probe: async (f) => ({ params: { id: await freshPool(f) }, body: { terminalId: (await inStock(f)).id } }) },
  'POST /api/v1/work-orders/{id}/swap': {
    need: 'work on work orders', // technicians on their own work orders only (this one is nobody's: a 404 for them)
    probe: async (f) => {
      const { workOrderId, ...body } = await swappable(f);
      return { params: { id: workOrderId }, body };
    },
  },
  'GET /api/v1/custody': { need: 'read work orders' },
  'GET /api/v1/custody/{id}': { need: 'read work orders', probe: async (f) => ({ params: { id: await freshCustody(f) } }) },
  'POST /api/v1/custody/{id}/steps': { need: 'work on work orders', probe: async (f) => ({ params: { id: await freshCustody(f) }, body: { to: 'in_transit', note: 'matrix' } }) },

  'GET /api/v1/incidents': { need: 'read the estate' },
  'GET /api/v1/incidents/{id}': { need: 'read the estate', probe: async (f) => ({ params: { id: await freshIncident(f) } }) },
  'POST /api/v1/incidents/{id}/acknowledge': { need: 'handle incidents', probe: async (f) => ({ params: { id: await freshIncident(f) }, body: {} }) },
  'POST /api/v1/incidents/{id}/resolve': { need: 'handle incidents', probe: async (f) => ({ params: { id: await freshIncident(f) }, body: { note: 'matrix' } }) },
  'POST /api/v1/incidents/{id}/self-test': { need: 'handle incidents', probe: async (f) => ({ params: { id: await freshIncident(f) }, body: { parts: ['printer'] } }) },
  'POST /api/v1/terminals/{id}/suspicious-activity': { need: 'report suspicious activity', probe: (f) => ({ params: { id: f.a.terminal.id }, body: { what: 'matrix report' } }) },
  'GET /api/v1/security/posture': { need: 'read the estate' },
  // Diagnostics: suspicious-activity cases (one per report), each probe on a fresh case of merchant A's terminal.
  'GET /api/v1/suspicious-cases': { need: 'read the estate' },
  'GET /api/v1/suspicious-cases/owners': { need: 'handle incidents' },
  'GET /api/v1/suspicious-cases/{id}': { need: 'read the estate', probe: async (f) => ({ params: { id: await freshCase(f) } }) },
  'POST /api/v1/suspicious-cases/{id}/assign': { need: 'handle incidents', probe: async (f) => ({ params: { id: await freshCase(f) }, body: { ownerId: f.userOf.support.id } }) },
  'GET /api/v1/sites/{id}/training-records': { need: 'read compliance evidence', probe: (f) => ({ params: { id: f.a.site.id } }) },
  'POST /api/v1/sites/{id}/training-records': { need: 'record inspections', probe: (f) => ({ params: { id: f.a.site.id }, body: { personName: 'Matrix', trainedOn: '2026-01-01', topics: ['tamper'] } }) },
  'GET /api/v1/suspicious-cases/{id}/export': { need: 'export cases', probe: async (f) => ({ params: { id: await freshCase(f) } }) },
  'POST /api/v1/suspicious-cases/{id}/status': { need: 'handle incidents', probe: async (f) => ({ params: { id: await freshCase(f) }, body: { status: 'investigating' } }) },
  'GET /api/v1/health-score': { need: 'read the estate' },
  'GET /api/v1/health-scores/terminals': { need: 'read the estate' },
  'GET /api/v1/terminal-models/{id}/diagnostic-thresholds': { need: 'read the estate', probe: (f) => ({ params: { id: f.a.model.id } }) },
  'PUT /api/v1/terminal-models/{id}/diagnostic-thresholds': { need: 'change the estate', probe: (f) => ({ params: { id: f.a.model.id }, body: { storage: { minFreeMb: 50 } } }) },
  'GET /api/v1/merchants/{id}/trading-thresholds': { need: 'read the estate', probe: (f) => ({ params: { id: f.a.merchant.id } }) },
  'PUT /api/v1/merchants/{id}/trading-thresholds': { need: 'change the estate', probe: (f) => ({ params: { id: f.a.merchant.id }, body: { spikeFactor: 4 } }) },
  'GET /api/v1/guides': { need: 'read the estate' },
  'GET /api/v1/guides/resolution-rates': { need: 'read the estate' },
  'GET /api/v1/guides/learning': { need: 'read the estate' },
  'POST /api/v1/guide-runs': { need: 'handle incidents', probe: (f) => ({ body: { terminalId: f.a.terminal.id, guideId: 'printer' } }) },
  'GET /api/v1/guide-runs/{id}': { need: 'read the estate', probe: async (f) => ({ params: { id: await freshRun(f) } }) },
  'POST /api/v1/guide-runs/{id}/answers': { need: 'handle incidents', probe: async (f) => ({ params: { id: await freshRun(f) }, body: { stepId: 'check_paper', outcome: 'refilled' } }) },

  // The dashboard's live fleet state (a stream only for Accept: text/event-stream; here one JSON snapshot).
  'GET /api/v1/events': { need: 'read the estate' },
  'GET /api/v1/overview': { need: 'read the estate' },

  'GET /api/v1/publisher-keys': { need: 'read rollouts' },
  'POST /api/v1/publisher-keys': { need: 'publish packages', probe: () => ({ body: { name: 'matrix', publicKey: freshPublicKey() } }) },
  'POST /api/v1/publisher-keys/{id}/revoke': { need: 'publish packages', probe: async (f) => ({ params: { id: await freshKey(f) } }) },
  'GET /api/v1/packages': { need: 'read rollouts' },
  'POST /api/v1/packages': {
    need: 'publish packages',
    probe: async (f) => ({ body: declaration(f, await rollout(f), `9.2.${++versions}`, Buffer.from(`matrix ${versions}`)) }),
  },
  'GET /api/v1/packages/{id}': { need: 'read rollouts', probe: async (f) => ({ params: { id: (await rollout(f)).packageId } }) },
  'PUT /api/v1/packages/{id}/content': {
    need: 'publish packages',
    probe: async (f) => {
      const { id, content } = await freshDeclared(f);
      return { params: { id }, body: content.toString(), contentType: 'application/octet-stream' };
    },
  },
  'GET /api/v1/campaigns': { need: 'read rollouts' },
  'POST /api/v1/campaigns': {
    need: 'run rollouts',
    probe: async (f) => {
      const site = await f.t.services.estate.createSite({ merchantId: f.b.merchant.id, code: unique('RSITE'), name: unique('Rollout site') });
      await buildTerminal(f.t, { ...f.b, site }, { serialNumber: unique('ZZ-RO') });
      return { body: { name: 'matrix', packageId: (await rollout(f)).packageId, filter: { siteId: site.id } } };
    },
  },
  'POST /api/v1/campaigns/preview': {
    need: 'read rollouts',
    probe: async (f) => {
      const site = await f.t.services.estate.createSite({ merchantId: f.b.merchant.id, code: unique('PSITE'), name: unique('Preview site') });
      await buildTerminal(f.t, { ...f.b, site }, { serialNumber: unique('ZZ-PV') });
      return { body: { name: 'matrix preview', packageId: (await rollout(f)).packageId, filter: { siteId: site.id } } };
    },
  },
  'GET /api/v1/campaigns/{id}': { need: 'read rollouts', probe: async (f) => ({ params: { id: (await rollout(f)).campaignId } }) },
  'GET /api/v1/campaigns/{id}/actions': { need: 'read rollouts', probe: async (f) => ({ params: { id: (await rollout(f)).campaignId } }) },
  'GET /api/v1/campaigns/{id}/actions/{actionId}': {
    need: 'read rollouts',
    probe: async (f) => {
      const r = await rollout(f);
      return { params: { id: r.campaignId, actionId: String(r.actionId) } };
    },
  },
  'POST /api/v1/campaigns/{id}/pause': { need: 'run rollouts', probe: async (f) => ({ params: { id: await freshCampaign(f) }, body: {} }) },
  'POST /api/v1/campaigns/{id}/resume': { need: 'run rollouts', probe: async (f) => ({ params: { id: await pausedCampaign(f) }, body: {} }) },
  'POST /api/v1/campaigns/{id}/cancel': { need: 'run rollouts', probe: async (f) => ({ params: { id: await freshCampaign(f) }, body: {} }) },
  // A campaign that updated no terminal has nothing to roll back: the handler refuses with a 409, after the guard.
  'POST /api/v1/campaigns/{id}/rollback': { need: 'run rollouts', adminGets: 409, probe: async (f) => ({ params: { id: await freshCampaign(f) }, body: {} }) },
  'GET /api/v1/fleet/versions': { need: 'read rollouts' },

  // Terminal data: a terminal's backups and restores (downloading and restoring are operators' work), baselines.
  'GET /api/v1/terminals/{id}/backups': { need: 'read the estate', probe: (f) => ({ params: { id: f.a.terminal.id } }) },
  'GET /api/v1/terminals/{id}/backups/{backupId}/download': { need: 'put terminals into maintenance', adminGets: 404, probe: (f) => ({ params: { id: f.a.terminal.id, backupId: 'no-backup' } }) },
  'GET /api/v1/terminals/{id}/restores': { need: 'read the estate', probe: (f) => ({ params: { id: f.a.terminal.id } }) },
  // The terminal has no backup yet: the handler refuses with a 409, after the guard.
  'POST /api/v1/terminals/{id}/restores': { need: 'put terminals into maintenance', adminGets: 409, probe: (f) => ({ params: { id: f.a.terminal.id }, body: {} }) },
  'GET /api/v1/baselines': { need: 'read rollouts' },
  'POST /api/v1/baselines': { need: 'run rollouts', probe: (f) => ({ body: { name: unique('BASELINE'), filter: { siteId: f.b.site.id }, appVersion: '3.3.0' } }) },
  'GET /api/v1/baselines/{id}': { need: 'read rollouts', probe: async (f) => ({ params: { id: await freshBaseline(f) } }) },
  'PATCH /api/v1/baselines/{id}': { need: 'run rollouts', probe: async (f) => ({ params: { id: await freshBaseline(f) }, body: { firmwareVersion: 'fw-2' } }) },
  'DELETE /api/v1/baselines/{id}': { need: 'run rollouts', probe: async (f) => ({ params: { id: await freshBaseline(f) } }) },
  // Remote assistance: a terminal's logs and screenshots (downloading is for those who assist terminals), screen messages.
  'GET /api/v1/terminals/{id}/files': { need: 'read the estate', probe: (f) => ({ params: { id: f.a.terminal.id } }) },
  'POST /api/v1/terminals/{id}/files/requests': { need: 'command terminals', probe: (f) => ({ params: { id: f.a.terminal.id }, body: { kind: 'screenshot' } }) },
  'GET /api/v1/terminals/{id}/files/{artifactId}/download': { need: 'command terminals', adminGets: 404, probe: (f) => ({ params: { id: f.a.terminal.id, artifactId: 'no-file' } }) },
  'GET /api/v1/incidents/{id}/files': { need: 'read the estate', probe: async (f) => ({ params: { id: await freshIncident(f) } }) },
  'GET /api/v1/terminals/{id}/messages': { need: 'read the estate', probe: (f) => ({ params: { id: f.a.terminal.id } }) },
  'POST /api/v1/terminals/{id}/messages': { need: 'command terminals', probe: (f) => ({ params: { id: f.a.terminal.id }, body: { text: 'matrix' } }) },
  // Terminal configuration: values at merchant A's site (a receipt header, which merchant users may edit).
  'GET /api/v1/configuration/schemas': { need: 'read configuration' },
  'POST /api/v1/configuration/schemas': { need: 'manage parameter schemas', probe: () => ({ body: { application: DEMO_APPLICATION, version: unique('3.9'), parameters: DEMO_PARAMETERS } }) },
  'GET /api/v1/configuration/groups': { need: 'read configuration' },
  'POST /api/v1/configuration/groups': { need: 'manage parameter schemas', probe: () => ({ body: { name: unique('group'), filter: { tag: 'backup' } } }) },
  'GET /api/v1/configuration/levels/{level}/{scopeId}': { need: 'read configuration', probe: (f) => ({ params: { level: 'site', scopeId: f.a.site.id } }) },
  'POST /api/v1/configuration/levels/{level}/{scopeId}/diff': {
    need: 'read configuration', probe: async (f) => ({ params: { level: 'site', scopeId: await configuredSite(f) }, body: { values: { receiptHeader: 'Matrix' } } }),
  },
  'PATCH /api/v1/configuration/levels/{level}/{scopeId}': {
    need: 'set configuration', probe: async (f) => ({ params: { level: 'site', scopeId: await configuredSite(f) }, body: { values: { receiptHeader: unique('Header') }, reason: 'matrix' } }),
  },
  'GET /api/v1/configuration/levels/{level}/{scopeId}/history': { need: 'read configuration', probe: (f) => ({ params: { level: 'site', scopeId: f.a.site.id } }) },
  'POST /api/v1/configuration/levels/{level}/{scopeId}/revert': {
    need: 'set configuration',
    probe: async (f) => {
      const scopeId = await configuredSite(f);
      await f.t.services.configurationLevels.set('site', scopeId, { values: { receiptHeader: unique('Header') }, reason: 'matrix' }, { name: 'matrix', scope: { kind: 'fleet' } });
      return { params: { level: 'site', scopeId }, body: { version: 0, reason: 'matrix' } };
    },
  },
  'GET /api/v1/terminals/{id}/configuration': { need: 'read configuration', probe: (f) => ({ params: { id: f.a.terminal.id } }) },
  'GET /api/v1/configuration/changes': { need: 'read configuration' },
  'GET /api/v1/configuration/changes/{id}': { need: 'read configuration', probe: async (f) => ({ params: { id: await pendingChange(f) } }) },
  'POST /api/v1/configuration/changes/{id}/campaign': { need: 'run rollouts', probe: async (f) => ({ params: { id: await pendingChange(f) }, body: { waves: [100] } }) },
  'POST /api/v1/configuration/changes/{id}/discard': { need: 'set configuration', probe: async (f) => ({ params: { id: await pendingChange(f) } }) },
  'GET /api/v1/configuration/terminal-values/export': { need: 'manage parameter schemas' },
  // Terminal security: settings, geofences (merchant A's site), acquirer key policies, a terminal's view, the key inventory.
  'GET /api/v1/security/settings': { need: 'read the estate' },
  'PATCH /api/v1/security/settings': { need: 'change the estate', probe: () => ({ body: { relocationGraceMinutes: 15 } }) },
  'GET /api/v1/sites/{id}/geofence': { need: 'read the estate', probe: (f) => ({ params: { id: f.a.site.id } }) },
  'PUT /api/v1/sites/{id}/geofence': { need: 'change the estate', probe: (f) => ({ params: { id: f.a.site.id }, body: { latitude: 31.23, longitude: 121.47, radiusM: 500 } }) },
  'DELETE /api/v1/sites/{id}/geofence': {
    need: 'change the estate',
    probe: async (f) => {
      const site = await freshSite(f);
      await f.t.services.security.setGeofence(site.id, { latitude: 31.23, longitude: 121.47, radiusM: 500 }, { kind: 'fleet' }, 'matrix');
      return { params: { id: site.id } };
    },
  },
  'GET /api/v1/security/key-policies': { need: 'read configuration' },
  'PUT /api/v1/security/key-policies': { need: 'manage parameter schemas', probe: () => ({ body: { acquirer: 'unionpay', keyType: 'TPK' } }) },
  'DELETE /api/v1/security/key-policies/{acquirer}/{keyType}': {
    need: 'manage parameter schemas',
    probe: async (f) => {
      const acquirer = unique('acq');
      await f.t.services.security.savePolicy({ acquirer, keyType: 'TMK' }, 'matrix');
      return { params: { acquirer, keyType: 'TMK' } };
    },
  },
  'GET /api/v1/terminals/{id}/security': { need: 'read the estate', probe: (f) => ({ params: { id: f.a.terminal.id } }) },
  'GET /api/v1/security/key-inventory': { need: 'read compliance evidence' },
  'POST /api/v1/configuration/terminal-values/import': {
    need: 'manage parameter schemas',
    probe: async (f) => {
      await configuredSite(f);
      return { contentType: 'text/csv', body: `serial_number,tid\n${f.a.terminal.serialNumber},${30_000_000 + ++counter}\n` };
    },
  },
};

/** Merchant A's site, once the demo parameter schema is registered. */
async function configuredSite(f: Fixtures): Promise<string> {
  if (!(await f.t.services.configurationSchemas.listSchemas()).length) {
    await f.t.services.configurationSchemas.registerSchema({ application: DEMO_APPLICATION, version: '3.2.0', parameters: DEMO_PARAMETERS }, 'matrix');
  }
  return f.a.site.id;
}

/** A change held pending for a campaign (a new acquirer host) at a fresh site of merchant A with one terminal. */
async function pendingChange(f: Fixtures): Promise<string> {
  await configuredSite(f);
  const site = await f.t.services.estate.createSite({ merchantId: f.a.merchant.id, code: unique('CSITE'), name: unique('Config site') });
  await buildTerminal(f.t, { ...f.a, site }, { serialNumber: unique('ZZ-CC') });
  await f.t.services.configuration.refresh();
  const result = await f.t.services.configurationLevels.set('site', site.id, { values: { acquirerHost: 'matrix.example' }, reason: 'matrix' }, { name: 'matrix', scope: { kind: 'fleet' } });
  return result.pending!.id;
}

function mayCall(caller: Caller, method: string, spec: RouteSpec): boolean {
  if (caller === 'no credentials') return spec.need === 'sign in';
  if (caller === 'read-only admin token') {
    return spec.need === 'sign in' || !!spec.readOnlyTokenMay || (method === 'GET' && READ_ONLY_TOKEN_READS.includes(spec.need));
  }
  return (MAY[spec.need] as readonly Role[]).includes(caller);
}

let ip = 0;
/** Each request from its own address, so per-address rate limits (sign-in: 10 a minute) never decide an outcome. */
const nextIp = () => `10.20.${Math.floor(++ip / 250) % 250}.${(ip % 250) + 1}`;

async function call(t: TestApp, method: string, url: string, token: string | null, probe: Probe = {}): Promise<LightMyRequestResponse> {
  const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
  if (probe.body !== undefined) headers['content-type'] = probe.contentType ?? 'application/json';
  return t.app.inject({
    method: method as 'GET', url: probe.query ? `${url}?${probe.query}` : url, headers, remoteAddress: nextIp(),
    ...(probe.body !== undefined && { payload: typeof probe.body === 'string' ? probe.body : JSON.stringify(probe.body) }),
  });
}

describe.each(databases())('access on $name', (kind) => {
  const f = {} as Fixtures;
  let adminToken: string;

  beforeAll(async () => {
    f.t = await startTestApp(await kind.fresh(), {
      DATA_DIR: mkdtempSync(join(tmpdir(), 'posfleet-matrix-')),
      WEBHOOK_ALLOWED_NETWORKS: '127.0.0.1/32', // the fixture's webhook channel points at loopback
      SQLITE_SYNCHRONOUS: 'NORMAL', // durability is not under test here; a thousand fsyncs would only slow it
    });
    for (const key of ['a', 'b'] as const) {
      const estate = await buildEstate(f.t);
      const terminal = await buildTerminal(f.t, estate);
      const { credential } = await enrolTerminal(f.t, terminal.serialNumber);
      const hb = await f.t.device('/device/v1/heartbeat', credential, heartbeatReport(1));
      if (hb.statusCode !== 200) throw new Error(`heartbeat failed: ${hb.body}`);
      await f.t.services.device.queueCommand(terminal.id, { type: 'self_test' }, 'test');
      f[key] = { ...estate, terminal };
    }
    f.ofB = { inspectionId: await inspectionWithPhoto(f, f.b.terminal.id), jobId: await freshJob(f, f.b.terminal.id) };
    f.userOf = {} as Fixtures['userOf'];
    f.callers = { 'no credentials': { userId: null, token: null } } as Fixtures['callers'];
    for (const role of ROLES) {
      const user = await f.t.services.access.createUser({
        email: `${role}@matrix.test`, name: `${role} user`, role, password: PASSWORD, ...(role === 'merchant' && { merchantId: f.a.merchant.id }),
      });
      f.userOf[role] = user;
      f.callers[role] = { userId: user.id, token: (await f.t.services.access.createToken(user.id, { name: 'matrix' })).token };
    }
    f.callers['read-only admin token'] = {
      userId: f.userOf.admin.id,
      token: (await f.t.services.access.createToken(f.userOf.admin.id, { name: 'read only', scope: 'read' })).token,
    };
    f.victim = await f.t.services.access.createUser({ email: 'victim@matrix.test', name: 'Victim', role: 'support', password: PASSWORD });
    adminToken = f.callers.admin.token!;
  });
  afterAll(() => f.t.close());

  it('lists every /api/v1 operation of the OpenAPI document in the role table, and nothing else', async () => {
    const documented = (await operations(f.t, ['/api/v1/'])).map((op) => op.key);
    expect({ missingFromTable: documented.filter((k) => !ROUTES[k]), notInDocument: Object.keys(ROUTES).filter((k) => !documented.includes(k)) })
      .toEqual({ missingFromTable: [], notInDocument: [] });
  });

  it.each(Object.keys(ROUTES))('%s lets in exactly the callers the role table names', async (key) => {
    const spec = ROUTES[key]!;
    const [method, path] = key.split(' ') as [string, string];
    const wrong: string[] = [];
    for (const caller of CALLERS) {
      const probe = (await spec.probe?.(f, caller)) ?? {};
      const res = await call(f.t, method, fillPath(path, probe.params ?? {}), f.callers[caller].token, probe);
      const allowed = mayCall(caller, method, spec);
      const refusedAs = caller === 'no credentials' ? 401 : 403;
      const ok = allowed ? res.statusCode !== 401 && res.statusCode !== 403 && res.statusCode < 500 : res.statusCode === refusedAs;
      if (caller === 'admin' && (spec.adminGets ? res.statusCode !== spec.adminGets : res.statusCode >= 300)) {
        wrong.push(`the probe itself is not plausible: admin got ${res.statusCode} ${res.body.slice(0, 160)}`);
      }
      if (!ok) wrong.push(`${caller}: expected ${allowed ? 'allowed' : `refused (${refusedAs})`}, got ${res.statusCode} ${res.body.slice(0, 160)}`);
    }
    expect(wrong).toEqual([]);
  });

  describe('a merchant user of merchant A', () => {
    const asMerchant = (method: string, url: string, probe?: Probe) => call(f.t, method, url, f.callers.merchant.token, probe);
    const asAdmin = (method: string, url: string, probe?: Probe) => call(f.t, method, url, adminToken, probe);
    /** The 404 body with the id blanked out, to compare "hidden" with "truly missing". */
    const shape = (res: LightMyRequestResponse, id: string) => ({ status: res.statusCode, body: res.body.replaceAll(id, '<id>') });

    it("gets the same 404 for merchant B's merchant, sites, terminals and their evidence as for ids that do not exist", async () => {
      const missing = randomUUID();
      const reads: [(id: string) => string, string][] = [
        [(id) => `/api/v1/merchants/${id}`, f.b.merchant.id],
        [(id) => `/api/v1/sites/${id}`, f.b.site.id],
        [(id) => `/api/v1/terminals/${id}`, f.b.terminal.id],
        [(id) => `/api/v1/terminals/${id}/health`, f.b.terminal.id],
        [(id) => `/api/v1/terminals/${id}/heartbeats`, f.b.terminal.id],
        [(id) => `/api/v1/terminals/${id}/commands`, f.b.terminal.id],
        [(id) => `/api/v1/terminals/${id}/inspections`, f.b.terminal.id],
        [(id) => `/api/v1/inspections/${id}/photo`, f.ofB.inspectionId],
        [(id) => `/api/v1/terminals/${id}/maintenance-jobs`, f.b.terminal.id],
        [(id) => `/api/v1/terminals/${id}/mode`, f.b.terminal.id],
        [(id) => `/api/v1/maintenance/jobs/${id}`, f.ofB.jobId],
      ];
      for (const [url, idOfB] of reads) {
        expect((await asAdmin('GET', url(idOfB))).statusCode, `admin sees ${url(idOfB)}`).toBe(200);
        const hidden = shape(await asMerchant('GET', url(idOfB)), idOfB);
        expect(hidden.status, url(idOfB)).toBe(404);
        expect(hidden, url(idOfB)).toEqual(shape(await asMerchant('GET', url(missing)), missing));
      }
      // Its own estate answers, so the 404s above are the scope at work, not a broken route.
      expect((await asMerchant('GET', `/api/v1/terminals/${f.a.terminal.id}/health`)).statusCode).toBe(200);
    });

    it("finds nothing of merchant B in lists, searches, filters or the CSV export", async () => {
      const ids = async (url: string) => (await asMerchant('GET', url)).json<{ items: { id: string }[] }>().items.map((x) => x.id);
      expect(await ids('/api/v1/merchants')).toEqual([f.a.merchant.id]);
      expect(await ids('/api/v1/sites')).toContain(f.a.site.id);
      expect(await ids('/api/v1/sites')).not.toContain(f.b.site.id);
      expect(await ids('/api/v1/terminals')).toContain(f.a.terminal.id);
      expect(await ids('/api/v1/terminals')).not.toContain(f.b.terminal.id);
      const lookingForB = [
        `/api/v1/terminals?merchantId=${f.b.merchant.id}`, `/api/v1/terminals?siteId=${f.b.site.id}`,
        `/api/v1/terminals?q=${encodeURIComponent(f.b.merchant.name)}`,
        `/api/v1/terminals?includeDeleted=true&merchantId=${f.b.merchant.id}`,
        `/api/v1/sites?merchantId=${f.b.merchant.id}`, `/api/v1/sites?q=${encodeURIComponent(f.b.site.code)}`,
        `/api/v1/merchants?q=${encodeURIComponent(f.b.merchant.name)}`,
      ];
      for (const url of lookingForB) expect(await ids(url), url).toEqual([]);
      // A search is by substring: B's serial SN-…-10 also finds A's own SN-…-100, but never B's terminal.
      expect(await ids(`/api/v1/terminals?q=${encodeURIComponent(f.b.terminal.serialNumber)}`)).not.toContain(f.b.terminal.id);
      const csv = (await asMerchant('GET', '/api/v1/terminals/export')).body;
      expect(csv).toContain(f.a.terminal.serialNumber);
      expect(csv.split('\n').map((line) => line.split(',')[0])).not.toContain(f.b.terminal.serialNumber);
      expect((await asMerchant('GET', `/api/v1/terminals/export?merchantId=${f.b.merchant.id}`)).body.trim().split('\n')).toHaveLength(1);
    });

    it("cannot change merchant B's estate, and the refusal is the same as for ids that do not exist", async () => {
      const state = async () => Promise.all(['', '/commands', '/maintenance-jobs', '/mode', '/inspections']
        .map(async (tail) => (await asAdmin('GET', `/api/v1/terminals/${f.b.terminal.id}${tail}`)).json()));
      const before = await state();
      const changes = (id: { merchant: string; site: string; terminal: string }): [string, string, unknown?][] => [
        ['PATCH', `/api/v1/merchants/${id.merchant}`, { name: 'Taken over' }],
        ['PATCH', `/api/v1/sites/${id.site}`, { name: 'Taken over' }],
        ['PATCH', `/api/v1/terminals/${id.terminal}`, { tags: ['taken'] }],
        ['POST', `/api/v1/terminals/${id.terminal}/commands`, { type: 'reboot' }],
        ['POST', `/api/v1/terminals/${id.terminal}/lock`, { reason: 'taken over' }],
        ['POST', `/api/v1/terminals/${id.terminal}/inspections`, { outcome: 'fail', serialMatches: false, sealIntact: false, tamperSigns: ['fake'] }],
        ['POST', '/api/v1/maintenance/jobs', { terminalIds: [id.terminal], work: ['repair'], reason: 'taken over' }],
        ['POST', `/api/v1/terminals/${id.terminal}/credentials/revoke`],
        ['DELETE', `/api/v1/terminals/${id.terminal}`],
        ['DELETE', `/api/v1/sites/${id.site}`],
        ['DELETE', `/api/v1/merchants/${id.merchant}`],
      ];
      const missing = randomUUID();
      const ofB = changes({ merchant: f.b.merchant.id, site: f.b.site.id, terminal: f.b.terminal.id });
      const ofNobody = changes({ merchant: missing, site: missing, terminal: missing });
      for (const [i, [method, url, body]] of ofB.entries()) {
        const res = await asMerchant(method, url, body === undefined ? {} : { body });
        const nobody = await asMerchant(ofNobody[i]![0], ofNobody[i]![1], body === undefined ? {} : { body });
        expect(res.statusCode, `${method} ${url}`).toBe(403);
        expect(res.statusCode, `${method} ${url}`).toBe(nobody.statusCode);
      }
      expect(await state()).toEqual(before);
    });
  });

  it('gives technicians exactly the terminals (and their sites and merchants) of the work orders assigned to them', async () => {
    // A technician of its own: the matrix above assigns work orders, but never to a caller.
    const user = await f.t.services.access.createUser({ email: 'scoped-tech@matrix.test', name: 'Scoped tech', role: 'technician', password: PASSWORD });
    const token = (await f.t.services.access.createToken(user.id, { name: 'scoped' })).token;
    const asTechnician = (url: string) => call(f.t, 'GET', url, token);
    const ids = async (url: string) => (await asTechnician(url)).json<{ items: { id: string }[] }>().items.map((x) => x.id);
    for (const list of ['/api/v1/merchants', '/api/v1/sites', '/api/v1/terminals', '/api/v1/work-orders']) {
      const res = await asTechnician(list);
      expect(res.statusCode, list).toBe(200);
      expect(res.json().items, list).toEqual([]);
    }
    const ofA = [`/api/v1/terminals/${f.a.terminal.id}`, `/api/v1/terminals/${f.a.terminal.id}/health`, `/api/v1/sites/${f.a.site.id}`, `/api/v1/merchants/${f.a.merchant.id}`];
    for (const url of ofA) expect((await asTechnician(url)).statusCode, url).toBe(404);
    expect((await asTechnician('/api/v1/terminals/export')).body.trim().split('\n')).toHaveLength(1);

    // Assigned a work order on merchant A's terminal: that terminal, its site and merchant, nothing of B's.
    const other = await buildTerminal(f.t, f.a);
    await f.t.services.technicians.createTechnician({ userId: user.id, skills: [], regions: [] });
    const order = await freshWorkOrder(f);
    expect((await call(f.t, 'POST', `/api/v1/work-orders/${order.id}/assign`, adminToken, { body: { technicianId: user.id } })).statusCode).toBe(200);
    expect(await ids('/api/v1/terminals')).toEqual([f.a.terminal.id]);
    expect(await ids('/api/v1/sites')).toEqual([f.a.site.id]);
    expect(await ids('/api/v1/merchants')).toEqual([f.a.merchant.id]);
    expect(await ids('/api/v1/work-orders')).toEqual([order.id]);
    for (const url of ofA) expect((await asTechnician(url)).statusCode, url).toBe(200);
    for (const url of [`/api/v1/terminals/${other.id}`, `/api/v1/terminals/${f.b.terminal.id}`, `/api/v1/sites/${f.b.site.id}`, `/api/v1/merchants/${f.b.merchant.id}`]) {
      expect((await asTechnician(url)).statusCode, url).toBe(404);
    }
    const csv = (await asTechnician('/api/v1/terminals/export')).body;
    expect(csv).toContain(f.a.terminal.serialNumber);
    expect(csv).not.toContain(other.serialNumber);
  });

  it("lets only the terminal a package was assigned to reach its deployment, feedback and download over /device/v1", async () => {
    const site = await f.t.services.estate.createSite({ merchantId: f.b.merchant.id, code: unique('RSITE'), name: unique('Rollout site') });
    await created(f.t.api('POST', '/api/v1/maintenance/windows', {
      name: 'matrix', target: { siteId: site.id }, schedule: { kind: 'once', start: new Date().toISOString(), durationMinutes: 240 },
    }), 'create a window');
    const [mine, neighbour] = [await buildTerminal(f.t, { ...f.b, site }, { serialNumber: unique('ZZ-RO') }), await buildTerminal(f.t, { ...f.b, site }, { serialNumber: unique('ZZ-RO') })];
    const { packageId } = await rollout(f);
    const campaign = await created<{ id: string }>(f.t.api('POST', '/api/v1/campaigns', { name: 'matrix', packageId, filter: { siteId: site.id }, waves: [50, 100], seed: 1 }), 'start a campaign');
    const [action] = (await created<{ items: { id: number; terminalId: string; state: string }[] }>(f.t.api('GET', `/api/v1/campaigns/${campaign.id}/actions?wave=1`), 'list actions')).items;
    expect(action!.state).toBe('scheduled');
    const owner = action!.terminalId === mine!.id ? mine! : neighbour!;
    const other = owner === mine ? neighbour! : mine!;
    const credentialOf = async (serialNumber: string) => (await enrolTerminal(f.t, serialNumber)).credential;
    const callers: [string, string | null, number][] = [
      ['no credentials', null, 401], ['an operator token', f.callers.admin.token, 401],
      ['another terminal of the site', await credentialOf(other.serialNumber), 404], ['the terminal it was assigned to', await credentialOf(owner.serialNumber), 200],
    ];
    const routes: [string, string, unknown?][] = [
      ['GET', `/device/v1/deployments/${action!.id}`],
      ['GET', `/device/v1/packages/${packageId}/content`],
      ['POST', `/device/v1/deployments/${action!.id}/feedback`, { reportId: 'matrix', status: 'downloading' }],
    ];
    const wrong: string[] = [];
    for (const [method, url, body] of routes) {
      for (const [who, token, expected] of callers) {
        const res = await call(f.t, method, url, token, body === undefined ? {} : { body });
        if (res.statusCode !== expected) wrong.push(`${who}: ${method} ${url} answered ${res.statusCode}, expected ${expected}`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it('records every refused request in the audit log with who tried, which route and which object', async () => {
    const attempts: [Caller, string, string, unknown, string | null][] = [
      ['support', 'POST', '/api/v1/merchants', { name: 'Not allowed' }, null],
      ['merchant', 'PATCH', `/api/v1/terminals/${f.a.terminal.id}`, { tags: ['x'] }, f.a.terminal.id],
      ['auditor', 'GET', `/api/v1/users/${f.victim.id}`, undefined, f.victim.id],
      ['read-only admin token', 'DELETE', `/api/v1/sites/${f.a.site.id}`, undefined, f.a.site.id],
    ];
    for (const [caller, method, url, body, objectId] of attempts) {
      const res = await call(f.t, method, url, f.callers[caller].token, body === undefined ? {} : { body });
      expect(res.statusCode, `${caller} ${method} ${url}`).toBe(403);
      const route = url.replace(/[0-9a-f-]{36}/, ':id');
      const log = await call(f.t, 'GET', `/api/v1/audit?outcome=failure&actorId=${f.callers[caller].userId}`, adminToken);
      expect(log.json().items, `${caller} ${method} ${url}`).toContainEqual(expect.objectContaining({
        actorType: 'user', actorId: f.callers[caller].userId, action: `${method} ${route}`, objectId, outcome: 'failure', details: { status: 403 },
      }));
    }
  });

  it('answers sign-in with an unknown e-mail and with a wrong password alike, revealing no account', async () => {
    const signIn = (email: string) => call(f.t, 'POST', '/api/v1/auth/login', null, { body: { email, password: 'wrong password 99' } });
    const unknown = await signIn('nobody@matrix.test');
    const known = await signIn(f.victim.email);
    expect(unknown.statusCode).toBe(401);
    expect(known.json()).toEqual(unknown.json());
    expect(known.body).not.toContain(f.victim.id);
  });

  it('lets a browser session change nothing without its CSRF token', async () => {
    const login = await call(f.t, 'POST', '/api/v1/auth/login', null, { body: { email: f.userOf.operator.email, password: PASSWORD } });
    expect(login.statusCode).toBe(200);
    const cookie = login.cookies.map((c) => `${c.name}=${c.value}`).join('; ');
    const csrf = login.json().me.csrfToken as string;
    const asSession = (method: 'GET' | 'POST', url: string, headers: Record<string, string> = {}) =>
      f.t.app.inject({ method, url, headers: { cookie, ...headers }, ...(method === 'POST' && { payload: { name: unique('Via session') } }) });
    expect((await asSession('GET', '/api/v1/merchants')).statusCode).toBe(200);
    expect((await asSession('POST', '/api/v1/merchants')).statusCode).toBe(403);
    expect((await asSession('POST', '/api/v1/merchants', { 'x-csrf-token': 'csrf_guessed' })).statusCode).toBe(403);
    expect((await asSession('POST', '/api/v1/merchants', { 'x-csrf-token': csrf })).statusCode).toBe(201);
  });
});
