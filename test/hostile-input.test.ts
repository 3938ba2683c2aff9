// Proves PosFleet withstands hostile input: every operation of the OpenAPI document (/api/v1 and
// /device/v1) gets malformed, mistyped, oversized, injected and traversing requests from a seeded
// generator; none is answered with a 5xx, every error keeps the { error: { code, message } } shape, the
// process keeps answering, refused requests leave stored data as it was, and injection strings that
// are valid text are stored verbatim without harming any table.
import { createHash, generateKeyPairSync } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';
import ajvFormats from 'ajv-formats';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signPackage } from '../src/rollouts/package-signature.ts';
import { DEMO_APPLICATION, DEMO_PARAMETERS } from '../src/configuration/demo-schema.ts';
import { ADMIN_TOKEN, buildEstate, buildTerminal, enrolTerminal, heartbeatReport, startTestApp, type TestApp } from './support/app.ts';
import { databases } from './support/databases.ts';
import { fillPath, operations, type JsonSchema, type Operation } from './support/openapi.ts';

/** Same seed, same requests: set POSFLEET_FUZZ_SEED to explore, quote it to reproduce. */
const SEED = Number(process.env.POSFLEET_FUZZ_SEED ?? 20261125);
/** Upper bounds per operation and kind of attack (about 30 requests per operation in all). */
const QUOTA = { structure: 7, properties: 12, path: 6, credentials: 2, query: 6 };
const PASSWORD = 'correct horse 12 battery';

// ---- a small seeded generator (mulberry32)
class Rng {
  constructor(private state: number) {}
  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) | 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  shuffle<T>(items: readonly T[]): T[] {
    const out = [...items];
    for (let i = out.length - 1; i > 0; i--) {
      const j = Math.floor(this.next() * (i + 1));
      [out[i], out[j]] = [out[j]!, out[i]!];
    }
    return out;
  }
  sample<T>(items: readonly T[], n: number): T[] {
    return this.shuffle(items).slice(0, n);
  }
}

// ---- hostile values
const nested = (depth: number, leaf: unknown = 'x'): unknown => {
  let value = leaf;
  for (let i = 0; i < depth; i++) value = { a: value };
  return value;
};
/** Nesting as JSON text: deeper than any JSON.stringify could build without overflowing the stack. */
const nestedJson = (depth: number) => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;

const INJECTIONS = [
  "' OR 1=1 --", "'; DROP TABLE terminals; --", "Robert'); DROP TABLE merchants;--", "1' UNION SELECT token_hash FROM api_tokens --",
  '<script>alert(1)</script>', '<img src=x onerror=alert(1)>', '../../etc/passwd', '..\\..\\windows\\win.ini', '${7*7}{{7*7}}',
];
const ODD_TEXT = ['', ' ', '\u0000', 'a\u0000b', '\ud800', '\udfff\ud800', '\u202Eevil', '\u200B\u200D\uFEFF', '💳🧾👨‍👩‍👧', 'a\r\nSet-Cookie: x=1'];

/** Values to put in place of one property of a valid body; only those the schema rejects are sent. */
function wrongValues(schema: JsonSchema): unknown[] {
  const longer = (schema.maxLength ?? 10_000) + 1;
  return [
    12345, -1, 0, 1.5, -0.5, 1e308, -1e308, 2 ** 53 + 2, 1e21, 'NaN', 'Infinity', '-1', '1e309', true, false, null,
    {}, [], [[]], { $ne: null }, ['x'], [1, 2, 3], nested(200), 'x'.repeat(longer), ...INJECTIONS, ...ODD_TEXT,
    ...(schema.maximum !== undefined ? [schema.maximum + 1] : []), ...(schema.minimum !== undefined ? [schema.minimum - 1] : []),
    ...(schema.type === 'array' ? [Array.from({ length: 10_001 }, (_, i) => `x${i}`)] : []),
  ];
}

/** Path parameter values: [what, the raw (already encoded) path segment]. No real object has these ids. */
const enc = encodeURIComponent;
const HOSTILE_IDS: [string, string][] = [
  ["SQL ' OR 1=1 --", enc("' OR 1=1 --")], ["SQL '; DROP TABLE terminals; --", enc("'; DROP TABLE terminals; --")],
  ['SQL UNION', enc("1' UNION SELECT token_hash FROM api_tokens --")], ['traversal with encoded slashes', '..%2F..%2Fetc%2Fpasswd'],
  ['double-encoded traversal', '..%252F..%252Fetc%252Fpasswd'], ['backslash traversal', enc('..\\..\\windows\\win.ini')], ['dot-dot', '..'],
  ['NUL byte', 'a%00b'], ['lone surrogate (invalid UTF-8)', '%ED%A0%80'], ['overlong UTF-8 dot', '%C0%AE%C0%AE'], ['script', enc('<script>alert(1)</script>')],
  ['RTL override', enc('\u202Eabc')], ['zero-width', enc('\u200B')], ['emoji', enc('💳🧾')], ['LIKE %', '%25'], ['LIKE _', '_'], ['space', '%20'],
  ['65 characters', 'a'.repeat(65)], ['150 characters', 'a'.repeat(150)], ['__proto__', '__proto__'], ['constructor', 'constructor'],
  ['zero', '0'], ['negative', '-1'], ['1e309', '1e309'], ['JSON operator', enc('{"$ne":null}')], ['CRLF', '%0D%0ASet-Cookie:%20x=1'],
];

/** Query values: a mix of injections, traversal, bad numbers, odd unicode and garbage cursors. */
const b64 = (s: string) => Buffer.from(s).toString('base64url');
const HOSTILE_QUERY_VALUES: string[] = [
  ...INJECTIONS.map(enc), '%00', 'a%00b', '%ED%A0%80', enc('\u202Eevil'), enc('💳'), '%25', '_', 'NaN', '-1', '1.5', '1e309', '99999999999999999999',
  'maybe', '', 'a'.repeat(600), b64('1.5'), b64('1e300'), b64('-1'), b64("' OR 1=1 --"), '!!!not-base64!!!', enc('../../etc/passwd'),
];

/** Authorization headers that must never get in. */
const HOSTILE_CREDENTIALS: Record<string, string>[] = [
  { authorization: "Bearer ' OR 1=1 --" }, { authorization: 'Bearer ../../etc/passwd' }, { authorization: `Bearer ${'x'.repeat(10_000)}` },
  { authorization: 'Basic YWRtaW46YWRtaW4=' }, { authorization: 'Bearer' }, { authorization: `Bearer ${ADMIN_TOKEN}x` },
  { cookie: "pf_session=' OR 1=1 --" },
];

// ---- what a valid request to each operation looks like
interface Fixtures {
  t: TestApp;
  estate: Awaited<ReturnType<typeof buildEstate>>;
  terminalId: string;
  credential: string;
  commandId: string;
  jobId: string;
  inspectionId: string;
  victimId: string;
  tokenId: string;
  windowId: string;
  channelId: string;
  incidentId: string;
  /** A suspicious-activity case (diagnostics). */
  caseId: string;
  runId: string;
  templateId: string;
  planId: string;
  workOrderId: string;
  itemId: string;
  partId: string;
  /** Spares and backup terminals: a second depot, a pool with a spare, a terminal in stock, a custody (of a swap made on a work order of its own). */
  depotCode: string;
  poolId: string;
  spareId: string;
  looseTerminalId: string;
  custodyId: string;
  /** Rollouts: a publisher key, a ready package, one declared without content yet, a campaign and the fixture terminal's action in it. */
  keyId: string;
  packageId: string;
  pendingPackageId: string;
  campaignId: string;
  actionId: number;
  /** A valid, signed package declaration nobody made yet. */
  newPackage: Record<string, unknown>;
  newPublicKey: string;
}
interface Base { params?: Record<string, string>; body?: unknown }

/**
 * A valid request per operation (ids of real objects, a body the schema accepts). Attacks change one
 * thing in it, so an attack the server wrongly let through would reach a handler with real ids and
 * show up as changed data. Operations with a body or path parameters must be listed here.
 */
const BASE: Record<string, (f: Fixtures) => Base> = {
  'POST /api/v1/auth/login': () => ({ body: { email: 'nobody@hostile.test', password: 'not the password' } }),
  'POST /api/v1/auth/password': () => ({ body: { currentPassword: 'not the password', newPassword: 'another horse 34 battery' } }),
  'POST /api/v1/auth/totp/confirm': () => ({ body: { code: '000000' } }),
  'POST /api/v1/users': () => ({ body: { email: 'new@hostile.test', name: 'New', role: 'support', password: PASSWORD } }),
  'GET /api/v1/users/{id}': (f) => ({ params: { id: f.victimId } }),
  'GET /api/v1/approvals/{id}': () => ({ params: { id: 'no-such-request' } }),
  'POST /api/v1/approvals/{id}/approve': () => ({ params: { id: 'no-such-request' }, body: { note: 'checked' } }),
  'POST /api/v1/approvals/{id}/reject': () => ({ params: { id: 'no-such-request' }, body: { reason: 'not now' } }),
  'POST /api/v1/saved-views': () => ({ body: { page: 'terminals', name: 'Out of paper', query: 'fault=printer_paper_out' } }),
  'DELETE /api/v1/saved-views/{id}': () => ({ params: { id: 'no-such-view' } }),
  'PATCH /api/v1/users/{id}': (f) => ({ params: { id: f.victimId }, body: { name: 'Renamed', role: 'auditor', disabled: true } }),
  'POST /api/v1/users/{id}/unlock': (f) => ({ params: { id: f.victimId } }),
  'POST /api/v1/users/{id}/disable': (f) => ({ params: { id: f.victimId } }),
  'POST /api/v1/users/{id}/enable': (f) => ({ params: { id: f.victimId } }),
  'POST /api/v1/users/{id}/password-reset': (f) => ({ params: { id: f.victimId }, body: { password: 'temporary horse 56 battery' } }),
  'POST /api/v1/tokens': () => ({ body: { name: 'fuzz', scope: 'read', expiresInDays: 1 } }),
  'DELETE /api/v1/tokens/{id}': (f) => ({ params: { id: f.tokenId } }),
  'POST /api/v1/merchants': () => ({ body: { name: 'Fuzz merchant', contactEmail: 'ops@example.com', contactPhone: '+86 21 1234 5678', timeZone: 'Asia/Shanghai', locale: 'en' } }),
  'GET /api/v1/merchants/{id}': (f) => ({ params: { id: f.estate.merchant.id } }),
  'PATCH /api/v1/merchants/{id}': (f) => ({ params: { id: f.estate.merchant.id }, body: { name: 'Renamed', locale: 'en' } }),
  'DELETE /api/v1/merchants/{id}': (f) => ({ params: { id: f.estate.merchant.id } }),
  'POST /api/v1/sites': (f) => ({
    body: {
      merchantId: f.estate.merchant.id, code: 'FUZZ-1', name: 'Fuzz site', address: '1 Road', latitude: 31.2, longitude: 121.4, timeZone: 'Asia/Shanghai',
      openingHours: { mon: [{ open: '09:00', close: '21:00' }] }, environment: ['outdoor'],
    },
  }),
  'GET /api/v1/sites/{id}': (f) => ({ params: { id: f.estate.site.id } }),
  'PATCH /api/v1/sites/{id}': (f) => ({ params: { id: f.estate.site.id }, body: { name: 'Renamed', latitude: 10, openingHours: { tue: [{ open: '08:00', close: '18:00' }] } } }),
  'DELETE /api/v1/sites/{id}': (f) => ({ params: { id: f.estate.site.id } }),
  'POST /api/v1/terminal-models': (f) => ({ body: { code: 'FUZZ-MODEL', vendor: 'PAX', model: 'A80', components: f.estate.model.components } }),
  'GET /api/v1/terminal-models/{id}': (f) => ({ params: { id: f.estate.model.id } }),
  'PATCH /api/v1/terminal-models/{id}': (f) => ({ params: { id: f.estate.model.id }, body: { vendor: 'Renamed', components: f.estate.model.components } }),
  'DELETE /api/v1/terminal-models/{id}': (f) => ({ params: { id: f.estate.model.id } }),
  'POST /api/v1/terminals': (f) => ({
    body: {
      serialNumber: 'FUZZ-SN-1', modelId: f.estate.model.id, siteId: f.estate.site.id, status: 'active', tags: ['counter'], appVersion: '1.0.0',
      firmwareVersion: 'fw-1', networkType: 'wifi',
    },
  }),
  'GET /api/v1/terminals/{id}': (f) => ({ params: { id: f.terminalId } }),
  'PATCH /api/v1/terminals/{id}': (f) => ({ params: { id: f.terminalId }, body: { status: 'in_repair', tags: ['x'], networkType: 'cellular' } }),
  'DELETE /api/v1/terminals/{id}': (f) => ({ params: { id: f.terminalId } }),
  // Header only: imports nothing, so the attacks that leave it as it is still change no data.
  'POST /api/v1/terminals/import': () => ({ body: 'serial_number,model_code\n' }),
  'POST /api/v1/enrolment-codes': (f) => ({ body: { siteId: f.estate.site.id, modelId: f.estate.model.id, uses: 2, expiresInMinutes: 30 } }),
  'POST /api/v1/terminals/{id}/credentials/revoke': (f) => ({ params: { id: f.terminalId } }),
  'GET /api/v1/terminals/{id}/health': (f) => ({ params: { id: f.terminalId } }),
  'GET /api/v1/terminals/{id}/heartbeats': (f) => ({ params: { id: f.terminalId } }),
  'GET /api/v1/terminals/{id}/commands': (f) => ({ params: { id: f.terminalId } }),
  'POST /api/v1/terminals/{id}/commands': (f) => ({ params: { id: f.terminalId }, body: { type: 'reboot', payload: { reason: 'fuzz' } } }),
  'POST /api/v1/terminals/bulk/commands': (f) => ({ body: { terminalIds: [f.terminalId], type: 'sync_time' } }),
  'POST /api/v1/terminals/bulk/tags': (f) => ({ body: { terminalIds: [f.terminalId], add: ['fuzz'] } }),
  'POST /api/v1/maintenance/jobs': (f) => ({ body: { terminalIds: [f.terminalId], work: ['repair'], reason: 'fuzz', expectedMinutes: 10, maxMinutes: 30 } }),
  'POST /api/v1/maintenance/jobs/group': (f) => ({ body: { action: 'extend', jobIds: [f.jobId], minutes: 30, note: 'fuzz' } }),
  'GET /api/v1/maintenance/jobs/{id}': (f) => ({ params: { id: f.jobId } }),
  'POST /api/v1/maintenance/windows': (f) => ({ body: { name: 'Fuzz window', target: { siteId: f.estate.site.id }, schedule: { kind: 'cron', cron: '0 3 * * *', durationMinutes: 60 }, timeZone: 'Asia/Shanghai' } }),
  'GET /api/v1/maintenance/windows/{id}': (f) => ({ params: { id: f.windowId } }),
  'PATCH /api/v1/maintenance/windows/{id}': (f) => ({ params: { id: f.windowId }, body: { name: 'Renamed', schedule: { kind: 'rrule', rrule: 'FREQ=DAILY;BYHOUR=2;BYMINUTE=0', durationMinutes: 60 }, timeZone: 'Asia/Shanghai' } }),
  'DELETE /api/v1/maintenance/windows/{id}': (f) => ({ params: { id: f.windowId } }),
  'GET /api/v1/maintenance/windows/{id}/occurrences': (f) => ({ params: { id: f.windowId } }),
  'POST /api/v1/maintenance/plans': (f) => ({ body: { siteId: f.estate.site.id, work: ['update'], reason: 'fuzz', expectedMinutes: 10, maxMinutes: 30, seed: 'fuzz', fleetLimit: 10, perSiteLimit: 1, dryRun: true } }),
  // Refused (no bucket), so that no attack built on it stores anything.
  'POST /api/v1/sites/{id}/trading-history': (f) => ({ params: { id: f.estate.site.id }, body: { buckets: [] } }),
  'GET /api/v1/sites/{id}/suggested-window': (f) => ({ params: { id: f.estate.site.id } }),
  'POST /api/v1/notification-channels': (f) => ({ body: { merchantId: f.estate.merchant.id, kind: 'webhook', name: 'Fuzz hook', address: 'http://127.0.0.1:9/hook', events: ['maintenance.announced'], locale: 'en', quietHours: { start: '22:00', end: '07:00', timeZone: 'Asia/Shanghai' }, rateLimit: { max: 20, periodMinutes: 60 } } }),
  'GET /api/v1/notification-channels/{id}': (f) => ({ params: { id: f.channelId } }),
  'PATCH /api/v1/notification-channels/{id}': (f) => ({ params: { id: f.channelId }, body: { name: 'Renamed', enabled: true, quietHours: { start: '12:00', end: '13:30' }, rateLimit: { max: 5, periodMinutes: 15 } } }),
  'POST /api/v1/notification-channels/{id}/rotate-secret': (f) => ({ params: { id: f.channelId } }),
  'POST /api/v1/notification-channels/{id}/test': (f) => ({ params: { id: f.channelId } }),
  'DELETE /api/v1/notification-channels/{id}': (f) => ({ params: { id: f.channelId } }),
  'GET /api/v1/notification-deliveries/{id}': () => ({ params: { id: 'no-such-delivery' } }),
  'POST /api/v1/notification-deliveries/{id}/replay': () => ({ params: { id: 'no-such-delivery' } }),
  'POST /api/v1/maintenance/jobs/{id}/extend': (f) => ({ params: { id: f.jobId }, body: { minutes: 15 } }),
  'POST /api/v1/maintenance/jobs/{id}/finish': (f) => ({ params: { id: f.jobId }, body: { note: 'done' } }),
  'POST /api/v1/maintenance/jobs/{id}/abort': (f) => ({ params: { id: f.jobId }, body: { note: 'stop' } }),
  'POST /api/v1/maintenance/jobs/{id}/hand-over': (f) => ({ params: { id: f.jobId }, body: { note: 'tech' } }),
  'POST /api/v1/maintenance/jobs/{id}/rolled-back': (f) => ({ params: { id: f.jobId }, body: { note: 'back' } }),
  'GET /api/v1/terminals/{id}/maintenance-jobs': (f) => ({ params: { id: f.terminalId } }),
  'GET /api/v1/terminals/{id}/mode': (f) => ({ params: { id: f.terminalId } }),
  'POST /api/v1/terminals/{id}/lock': (f) => ({ params: { id: f.terminalId }, body: { reason: 'tamper' } }),
  'POST /api/v1/terminals/{id}/unlock': (f) => ({ params: { id: f.terminalId }, body: { reason: 'inspected: seal intact' } }),
  'GET /api/v1/terminals/{id}/locks': (f) => ({ params: { id: f.terminalId } }),
  'GET /api/v1/terminals/{id}/versions': (f) => ({ params: { id: f.terminalId } }),
  'POST /api/v1/terminals/{id}/inspections': (f) => ({
    params: { id: f.terminalId },
    body: { outcome: 'fail', serialMatches: false, sealIntact: false, sealNumber: 'SEAL-1', tamperSigns: ['overlay on the keypad'], notes: 'n', photo: { contentType: 'image/png', dataBase64: 'iVBORw0KGgoAAAANSUhEUg==' } },
  }),
  'GET /api/v1/terminals/{id}/inspections': (f) => ({ params: { id: f.terminalId } }),
  'GET /api/v1/inspections/{id}/photo': (f) => ({ params: { id: f.inspectionId } }),
  'POST /api/v1/preventive/templates': () => ({
    body: {
      code: 'fuzz-template', name: { 'zh-CN': '模板', en: 'Template' }, intervalDays: 10,
      tasks: [{ code: 'task', name: { 'zh-CN': '任务', en: 'Task' }, performer: 'technician', skill: 'printer', checklist: [{ code: 'item', text: { 'zh-CN': '项', en: 'Item' }, required: true }] }],
    },
  }),
  'PATCH /api/v1/preventive/templates/{id}': (f) => ({ params: { id: f.templateId }, body: { intervalDays: 31, name: { 'zh-CN': '每月', en: 'Monthly' } } }),
  'POST /api/v1/preventive/plans': (f) => ({
    body: { name: 'Fuzz plan', templateIds: [f.templateId], filter: { siteId: f.estate.site.id, tag: 'fuzz' }, schedule: 'floating', startAt: '2026-01-01T00:00:00.000Z' },
  }),
  'GET /api/v1/preventive/plans/{id}': (f) => ({ params: { id: f.planId } }),
  'GET /api/v1/preventive/plans': () => ({}),
  'GET /api/v1/preventive/due': () => ({}),
  'GET /api/v1/preventive/remote-runs': () => ({}),
  'POST /api/v1/work-orders/requests': (f) => ({ body: { title: 'Fuzz request', siteId: f.estate.site.id, terminalIds: [f.terminalId], note: 'n' } }),
  'GET /api/v1/work-orders/requests': () => ({}),
  'POST /api/v1/preventive/plans/{id}/work-orders': (f) => ({ params: { id: f.planId }, body: { until: '2020-01-01T00:00:00.000Z' } }),
  'POST /api/v1/technicians': (f) => ({ body: { userId: f.victimId, skills: ['printer'], regions: ['SH'] } }),
  'POST /api/v1/work-orders': (f) => ({
    body: {
      source: 'merchant_request', title: 'Fuzz order', siteId: f.estate.site.id, terminalIds: [f.terminalId], requiredSkill: 'printer', dueAt: '2026-12-01T00:00:00.000Z',
      checklist: [{ text: { 'zh-CN': '检查', en: 'Check' }, required: true }], note: 'n',
    },
  }),
  'GET /api/v1/work-orders/{id}': (f) => ({ params: { id: f.workOrderId } }),
  // No body or path parameters: its query (from, to, groupBy) gets the query attacks.
  'GET /api/v1/kpis': () => ({}),
  'GET /api/v1/overview': () => ({}),
  'POST /api/v1/work-orders/{id}/assign': (f) => ({ params: { id: f.workOrderId }, body: { technicianId: 'no-such-technician', note: 'n' } }),
  'GET /api/v1/work-orders/{id}/suggestions': (f) => ({ params: { id: f.workOrderId } }),
  'POST /api/v1/work-orders/{id}/status': (f) => ({
    params: { id: f.workOrderId }, body: { to: 'done', note: 'n', minutesSpent: 5, signature: { name: 'Li Lei', signedAt: '2026-11-25T10:00:00.000Z' } },
  }),
  'POST /api/v1/work-orders/{id}/checklist': (f) => ({ params: { id: f.workOrderId }, body: { results: [{ itemId: f.itemId, result: 'fail', note: 'n', followUp: true }] } }),
  'POST /api/v1/work-orders/{id}/checklist/{itemId}/photos': (f) => ({
    params: { id: f.workOrderId, itemId: f.itemId }, body: { photo: { contentType: 'image/png', dataBase64: 'iVBORw0KGgoAAAANSUhEUg==' } },
  }),
  'GET /api/v1/work-orders/{id}/photos/{photoId}': (f) => ({ params: { id: f.workOrderId, photoId: 'no-such-photo' } }),
  'POST /api/v1/work-orders/{id}/parts': (f) => ({ params: { id: f.workOrderId }, body: { partId: f.partId, quantity: 1 } }),
  'POST /api/v1/spare-parts': () => ({ body: { depot: 'Fuzz depot', sku: 'PAPER', name: 'Paper roll', quantity: 5, minimum: 1 } }),
  'PATCH /api/v1/spare-parts/{id}': (f) => ({ params: { id: f.partId }, body: { name: 'Renamed head', minimum: 2 } }),
  'POST /api/v1/spare-parts/{id}/restock': (f) => ({ params: { id: f.partId }, body: { quantity: 3, reason: 'delivery' } }),
  'POST /api/v1/spare-parts/{id}/counts': (f) => ({ params: { id: f.partId }, body: { counted: 4, reason: 'monthly count' } }),
  'POST /api/v1/stock-transfers': (f) => ({ body: { partId: f.partId, toDepot: f.depotCode, quantity: 1, reason: 'rebalance' } }),
  'POST /api/v1/depots': () => ({ body: { code: 'FUZZ-DEPOT-3', name: 'Fuzz depot 3', region: 'SH' } }),
  'POST /api/v1/backup-pools': (f) => ({ body: { code: 'FUZZ-POOL-2', name: 'Fuzz pool 2', siteId: f.estate.site.id } }),
  'GET /api/v1/backup-pools/{id}': (f) => ({ params: { id: f.poolId } }),
  'POST /api/v1/backup-pools/{id}/terminals': (f) => ({ params: { id: f.poolId }, body: { terminalId: f.looseTerminalId } }),
  'POST /api/v1/work-orders/{id}/swap': (f) => ({ params: { id: f.workOrderId }, body: { faultyTerminalId: f.terminalId, spareTerminalId: f.spareId, note: 'dead reader' } }),
  'GET /api/v1/custody/{id}': (f) => ({ params: { id: f.custodyId } }),
  'POST /api/v1/custody/{id}/steps': (f) => ({ params: { id: f.custodyId }, body: { to: 'in_transit', note: 'courier' } }),
  'GET /api/v1/incidents/{id}': (f) => ({ params: { id: f.incidentId } }),
  'POST /api/v1/incidents/{id}/acknowledge': (f) => ({ params: { id: f.incidentId }, body: { note: 'seen' } }),
  'POST /api/v1/incidents/{id}/resolve': (f) => ({ params: { id: f.incidentId }, body: { note: 'fixed' } }),
  'POST /api/v1/incidents/{id}/self-test': (f) => ({ params: { id: f.incidentId }, body: { parts: ['printer', 'network'] } }),
  'POST /api/v1/terminals/{id}/suspicious-activity': (f) => ({ params: { id: f.terminalId }, body: { what: 'an overlay on the card slot', occurredAt: '2026-01-01T00:00:00.000Z' } }),
  // Diagnostics: suspicious-activity cases, and the terminal's own report.
  'GET /api/v1/suspicious-cases/owners': () => ({}),
  'GET /api/v1/suspicious-cases/{id}': (f) => ({ params: { id: f.caseId } }),
  'POST /api/v1/suspicious-cases/{id}/assign': (f) => ({ params: { id: f.caseId }, body: { ownerId: f.victimId, note: 'fraud desk' } }),
  'POST /api/v1/suspicious-cases/{id}/status': (f) => ({ params: { id: f.caseId }, body: { status: 'investigating', note: 'looking' } }),
  'POST /device/v1/suspicious-activity': () => ({ body: { what: 'a card-slot overlay', occurredAt: '2026-01-01T00:00:00.000Z' } }),
  'GET /api/v1/terminal-models/{id}/diagnostic-thresholds': (f) => ({ params: { id: f.estate.model.id } }),
  'PUT /api/v1/terminal-models/{id}/diagnostic-thresholds': (f) => ({ params: { id: f.estate.model.id }, body: { temperature: { minC: -20, maxC: 70 }, cardReader: { maxFailureRate: 0.5 } } }),
  'GET /api/v1/merchants/{id}/trading-thresholds': (f) => ({ params: { id: f.estate.merchant.id } }),
  'PUT /api/v1/merchants/{id}/trading-thresholds': (f) => ({ params: { id: f.estate.merchant.id }, body: { spikeFactor: 4, openAfter: 2 } }),
  'POST /api/v1/guide-runs': (f) => ({ body: { terminalId: f.terminalId, guideId: 'printer', locale: 'en' } }),
  'GET /api/v1/guide-runs/{id}': (f) => ({ params: { id: f.runId } }),
  'POST /api/v1/guide-runs/{id}/answers': (f) => ({ params: { id: f.runId }, body: { stepId: 'check_paper', outcome: 'refilled' } }),
  'POST /device/v1/enrol': () => ({ body: { serialNumber: 'FUZZ-NOBODY', code: 'ABCD-EFGH' } }),
  // seq 1 is already stored: even a wrongly accepted heartbeat would be a duplicate.
  'POST /device/v1/heartbeat': () => ({ body: heartbeatReport(1) }),
  'POST /device/v1/configuration/applied': () => ({ body: { appliedHash: 'f'.repeat(64) } }),
  'POST /device/v1/commands/{commandId}/result': (f) => ({ params: { commandId: f.commandId }, body: { status: 'succeeded', output: { log: 'ok' } } }),
  'POST /device/v1/maintenance/{jobId}/steps': (f) => ({ params: { jobId: f.jobId }, body: { state: 'in_maintenance', selfTests: [{ name: 'printer', passed: true }], note: 'n' } }),
  'POST /api/v1/publisher-keys': (f) => ({ body: { name: 'Fuzz publisher', publicKey: f.newPublicKey } }),
  'POST /api/v1/publisher-keys/{id}/revoke': (f) => ({ params: { id: f.keyId } }),
  'POST /api/v1/packages': (f) => ({ body: f.newPackage }),
  'GET /api/v1/packages/{id}': (f) => ({ params: { id: f.packageId } }),
  // No body: the content is sent as application/octet-stream, which no attack uses.
  'PUT /api/v1/packages/{id}/content': (f) => ({ params: { id: f.pendingPackageId } }),
  'POST /api/v1/campaigns': (f) => ({
    body: {
      name: 'Fuzz rollout', packageId: f.packageId, filter: { siteId: f.estate.site.id, modelId: f.estate.model.id, tag: 'fuzz', installedVersion: '1.0.0' },
      waves: [10, 100], maxFailureRate: 0.2, observeMinutes: 30, allowDowngrade: false, seed: 1,
    },
  }),
  'POST /api/v1/campaigns/preview': (f) => ({ body: { name: 'Fuzz preview', packageId: f.packageId, filter: { siteId: f.estate.site.id }, waves: [10, 100], reason: 'fuzz' } }),
  'GET /api/v1/campaigns/{id}': (f) => ({ params: { id: f.campaignId } }),
  'GET /api/v1/campaigns/{id}/actions': (f) => ({ params: { id: f.campaignId } }),
  'GET /api/v1/campaigns/{id}/actions/{actionId}': (f) => ({ params: { id: f.campaignId, actionId: String(f.actionId) } }),
  'POST /api/v1/campaigns/{id}/pause': (f) => ({ params: { id: f.campaignId }, body: { note: 'n' } }),
  'POST /api/v1/campaigns/{id}/resume': (f) => ({ params: { id: f.campaignId }, body: { note: 'n', maxFailureRate: 0.5 } }),
  'POST /api/v1/campaigns/{id}/cancel': (f) => ({ params: { id: f.campaignId }, body: { note: 'n' } }),
  'POST /api/v1/campaigns/{id}/rollback': (f) => ({ params: { id: f.campaignId }, body: { name: 'Back', waves: [50, 100] } }),
  'GET /device/v1/deployments/{actionId}': (f) => ({ params: { actionId: String(f.actionId) } }),
  'POST /device/v1/deployments/{actionId}/feedback': (f) => ({
    params: { actionId: String(f.actionId) }, body: { reportId: 'fuzz-report', status: 'downloading', progress: { done: 1, of: 2 }, details: ['d'] },
  }),
  'GET /device/v1/packages/{id}/content': (f) => ({ params: { id: f.packageId } }),
  // Terminal data: backups, restores, baselines.
  'GET /api/v1/terminals/{id}/backups': (f) => ({ params: { id: f.terminalId } }),
  'GET /api/v1/terminals/{id}/backups/{backupId}/download': (f) => ({ params: { id: f.terminalId, backupId: 'no-such-backup' } }),
  'GET /api/v1/terminals/{id}/restores': (f) => ({ params: { id: f.terminalId } }),
  'POST /api/v1/terminals/{id}/restores': (f) => ({ params: { id: f.terminalId }, body: { sourceTerminalId: f.terminalId } }),
  'POST /api/v1/baselines': (f) => ({ body: { name: 'Fuzz baseline', filter: { siteId: f.estate.site.id, tag: 'front' }, appVersion: '3.3.0', firmwareVersion: 'fw-2' } }),
  'GET /api/v1/baselines/{id}': () => ({ params: { id: 'no-such-baseline' } }),
  'PATCH /api/v1/baselines/{id}': () => ({ params: { id: 'no-such-baseline' }, body: { appVersion: '3.3.1' } }),
  'DELETE /api/v1/baselines/{id}': () => ({ params: { id: 'no-such-baseline' } }),
  'POST /device/v1/backups': () => ({
    body: { uploadId: 'fuzz-upload-1', kind: 'manual', sha256: 'a'.repeat(64), sizeBytes: 2048, chunkSize: 1024, keyId: 'no-such-key', wrappedKey: 'AAAA', iv: 'AAAAAAAAAAAAAAAA', takenAt: '2026-01-01T00:00:00.000Z' },
  }),
  'GET /device/v1/backups/{uploadId}': () => ({ params: { uploadId: 'fuzz-upload-1' } }),
  'PUT /device/v1/backups/{uploadId}/chunks/{index}': () => ({ params: { uploadId: 'fuzz-upload-1', index: '0' }, body: { data: 'AAAA' } }),
  'POST /device/v1/backups/{uploadId}/complete': () => ({ params: { uploadId: 'fuzz-upload-1' } }),
  'POST /device/v1/restore/offer': () => ({ body: { publicKeySpki: 'AAAA', fresh: false } }),
  'GET /device/v1/restores/{id}/data': () => ({ params: { id: 'no-such-restore' } }),
  'POST /device/v1/restores/{id}/result': () => ({ params: { id: 'no-such-restore' }, body: { status: 'restored' } }),
  // Remote assistance: files from terminals, screen messages.
  'GET /api/v1/terminals/{id}/files': (f) => ({ params: { id: f.terminalId } }),
  'POST /api/v1/terminals/{id}/files/requests': (f) => ({ params: { id: f.terminalId }, body: { kind: 'logs', incidentId: f.incidentId, maxBytes: 65536 } }),
  'GET /api/v1/terminals/{id}/files/{artifactId}/download': (f) => ({ params: { id: f.terminalId, artifactId: 'no-such-file' } }),
  'GET /api/v1/incidents/{id}/files': (f) => ({ params: { id: f.incidentId } }),
  'GET /api/v1/terminals/{id}/messages': (f) => ({ params: { id: f.terminalId } }),
  'POST /api/v1/terminals/{id}/messages': (f) => ({ params: { id: f.terminalId }, body: { text: 'Please call the help desk' } }),
  'POST /device/v1/files': () => ({
    body: { uploadId: 'fuzz-file-1', kind: 'logs', encoding: 'gzip', sha256: 'a'.repeat(64), sizeBytes: 2048, originalBytes: 9000, truncated: false, chunkSize: 1024, takenAt: '2026-01-01T00:00:00.000Z' },
  }),
  'GET /device/v1/files/{uploadId}': () => ({ params: { uploadId: 'fuzz-file-1' } }),
  'PUT /device/v1/files/{uploadId}/chunks/{index}': () => ({ params: { uploadId: 'fuzz-file-1', index: '0' }, body: { data: 'AAAA' } }),
  'POST /device/v1/files/{uploadId}/complete': () => ({ params: { uploadId: 'fuzz-file-1' } }),
  'POST /device/v1/messages/{messageId}/shown': () => ({ params: { messageId: 'no-such-message' } }),
  'POST /device/v1/messages/{messageId}/acknowledge': () => ({ params: { messageId: 'no-such-message' }, body: { by: 'cashier 1' } }),
  // Terminal configuration: each example is refused by the service (nothing to change, a taken name),
  // so that no attack built on it stores anything.
  'POST /api/v1/configuration/schemas': () => ({ body: { application: DEMO_APPLICATION, version: '9.9.9', parameters: {} } }),
  'POST /api/v1/configuration/groups': () => ({ body: { name: 'Fuzz group', filter: { tag: 'counter' } } }),
  'GET /api/v1/configuration/levels/{level}/{scopeId}': (f) => ({ params: { level: 'site', scopeId: f.estate.site.id } }),
  'POST /api/v1/configuration/levels/{level}/{scopeId}/diff': (f) => ({ params: { level: 'site', scopeId: f.estate.site.id }, body: { values: { receiptHeader: 'Fuzz' } } }),
  'PATCH /api/v1/configuration/levels/{level}/{scopeId}': (f) => ({ params: { level: 'site', scopeId: f.estate.site.id }, body: { values: {}, reason: 'fuzz' } }),
  'GET /api/v1/configuration/levels/{level}/{scopeId}/history': (f) => ({ params: { level: 'site', scopeId: f.estate.site.id } }),
  'POST /api/v1/configuration/levels/{level}/{scopeId}/revert': (f) => ({ params: { level: 'site', scopeId: f.estate.site.id }, body: { version: 0, reason: 'fuzz' } }),
  'GET /api/v1/terminals/{id}/configuration': (f) => ({ params: { id: f.terminalId } }),
  'GET /api/v1/configuration/changes/{id}': () => ({ params: { id: 'no-such-change' } }),
  'POST /api/v1/configuration/changes/{id}/campaign': () => ({ params: { id: 'no-such-change' }, body: { waves: [100] } }),
  'POST /api/v1/configuration/changes/{id}/discard': () => ({ params: { id: 'no-such-change' } }),
  // Header only: imports nothing.
  'POST /api/v1/configuration/terminal-values/import': () => ({ body: 'serial_number,tid\n' }),
  // The merchant's side: a care task and a job that do not exist, so no attack built on them stores anything.
  'POST /api/v1/care/confirmations': () => ({ body: { taskId: 'no-such-task:daily-care', dueAt: '2026-12-08T00:00:00.000Z', outcome: 'done' } }),
  'POST /api/v1/maintenance/jobs/{id}/move': () => ({ params: { id: 'no-such-job' }, body: { startAt: '2026-12-08T00:00:00.000Z' } }),
  // Terminal security: each example changes nothing (the fixture's site has no coordinates, the policy is saved already).
  // Security evidence: a site's training records, and the export of a case that does not exist.
  'GET /api/v1/sites/{id}/training-records': (f) => ({ params: { id: f.estate.site.id } }),
  'POST /api/v1/sites/{id}/training-records': (f) => ({ params: { id: f.estate.site.id }, body: { personName: 'Li Na', trainedOn: '2026-11-02', topics: ['tamper', 'substitution'] } }),
  'GET /api/v1/suspicious-cases/{id}/export': () => ({ params: { id: 'no-such-case' } }),
  'GET /api/v1/sites/{id}/geofence': (f) => ({ params: { id: f.estate.site.id } }),
  'PUT /api/v1/sites/{id}/geofence': (f) => ({ params: { id: f.estate.site.id }, body: { radiusM: 500 } }),
  'DELETE /api/v1/sites/{id}/geofence': (f) => ({ params: { id: f.estate.site.id } }),
  'GET /api/v1/terminals/{id}/security': (f) => ({ params: { id: f.terminalId } }),
  'PATCH /api/v1/security/settings': () => ({ body: { relocationGraceMinutes: 15 } }),
  'PUT /api/v1/security/key-policies': () => ({ body: { acquirer: 'fuzz', keyType: 'TPK' } }),
  'DELETE /api/v1/security/key-policies/{acquirer}/{keyType}': () => ({ params: { acquirer: 'no-such-acquirer', keyType: 'TMK' } }),
};

// ---- requests
interface Attack {
  kind: keyof typeof QUOTA;
  what: string;
  /** true: the request must be refused (4xx); false: a read, any non-5xx answer will do. */
  refused: boolean;
  request: InjectOptions;
}

/** Routes that take more than the server's 1 MB (the terminals' CSV import takes 50 MB and is left out). */
const LARGER_BODY_LIMITS: Record<string, number> = {
  'POST /api/v1/terminals/{id}/inspections': 6 * 1024 * 1024,
  'POST /api/v1/work-orders/{id}/checklist/{itemId}/photos': 4 * 1024 * 1024,
  'POST /api/v1/sites/{id}/trading-history': 10 * 1024 * 1024,
  'POST /api/v1/configuration/terminal-values/import': 20 * 1024 * 1024,
};

const isDevice = (op: Operation) => op.path.startsWith('/device/');
const isPublic = (op: Operation) => op.key === 'POST /api/v1/auth/login' || op.key === 'POST /device/v1/enrol';
const isImport = (op: Operation) => op.key === 'POST /api/v1/terminals/import' || op.key === 'POST /api/v1/configuration/terminal-values/import';
const hasJsonBody = (op: Operation) => !!op.body && !isImport(op);

let address = 0;
/** A new source address per request, so per-address rate limits (sign-in, enrolment) never decide an outcome. */
const nextAddress = () => `10.${(address >> 16) & 255}.${(address >> 8) & 255}.${address++ & 255}`;

function credentialsOf(op: Operation, f: Fixtures): Record<string, string> {
  if (isPublic(op)) return {};
  return { authorization: `Bearer ${isDevice(op) ? f.credential : ADMIN_TOKEN}` };
}

function requestFor(op: Operation, f: Fixtures, change: { params?: Record<string, string>; rawParams?: boolean; query?: string; headers?: Record<string, string>; payload?: string | Buffer; contentType?: string | null } = {}): InjectOptions {
  const base = BASE[op.key]?.(f) ?? {};
  const params = change.params ?? Object.fromEntries(Object.entries(base.params ?? {}).map(([k, v]) => [k, change.rawParams ? enc(v) : v]));
  const url = fillPath(op.path, params, change.rawParams) + (change.query ? `?${change.query}` : '');
  const payload = change.payload ?? (base.body === undefined ? undefined : typeof base.body === 'string' ? base.body : JSON.stringify(base.body));
  const contentType = change.contentType === undefined ? (payload === undefined ? undefined : isImport(op) ? 'text/csv' : 'application/json') : change.contentType;
  return {
    method: op.method, url, remoteAddress: nextAddress(),
    headers: { ...credentialsOf(op, f), ...(contentType ? { 'content-type': contentType } : {}), ...change.headers },
    ...(payload !== undefined && { payload }),
  };
}

const ajv = (ajvFormats as unknown as typeof ajvFormats.default)(new Ajv({ strict: false, allErrors: false }));
const validators = new Map<JsonSchema, ValidateFunction>();
const validates = (schema: JsonSchema, value: unknown) => {
  if (!validators.has(schema)) validators.set(schema, ajv.compile(schema));
  return validators.get(schema)!(value);
};

/** Every property path of a body, nested ones included: ['name'], ['battery'], ['battery', 'percent'], ... */
function propertyPaths(value: unknown, schema: JsonSchema | undefined, prefix: string[] = []): { path: string[]; schema: JsonSchema }[] {
  if (!schema || typeof value !== 'object' || value === null) return [];
  const out: { path: string[]; schema: JsonSchema }[] = [];
  if (Array.isArray(value)) {
    if (value.length && schema.items) out.push({ path: [...prefix, '0'], schema: schema.items }, ...propertyPaths(value[0], schema.items, [...prefix, '0']));
    return out;
  }
  for (const [key, child] of Object.entries(value)) {
    const childSchema = schema.properties?.[key] ?? {};
    out.push({ path: [...prefix, key], schema: childSchema }, ...propertyPaths(child, childSchema, [...prefix, key]));
  }
  return out;
}

function withValue(body: unknown, path: string[], value: unknown): unknown {
  const copy = structuredClone(body) as Record<string, unknown>;
  let node = copy;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string, unknown>;
  node[path.at(-1)!] = value;
  return copy;
}

/** `{"a":1}` with `"k":v` put first: `{"k":v,"a":1}` (or `{"k":v}` for `{}`). */
const withFirstKey = (json: string, member: string) => (json === '{}' ? `{${member}}` : `{${member},${json.slice(1)}`);

/** The hostile requests for one operation, drawn by the seeded generator within QUOTA. */
function attacksOn(op: Operation, f: Fixtures, rng: Rng): Attack[] {
  const attacks: Attack[] = [];
  const add = (kind: Attack['kind'], list: Omit<Attack, 'kind'>[]) => attacks.push(...rng.sample(list, QUOTA[kind]).map((a) => ({ kind, ...a })));
  const base = BASE[op.key]?.(f) ?? {};
  const baseJson = base.body === undefined ? '{}' : JSON.stringify(base.body);

  if (op.method !== 'GET') {
    const structure: Omit<Attack, 'kind'>[] = [
      ...['{', '{"a":', '{"a":1,}', "{'a':1}", 'NaN', '{"a":undefined}', '\u0000', baseJson.slice(0, Math.max(1, baseJson.length - 3))]
        .map((text) => ({ what: `malformed JSON ${JSON.stringify(text.slice(0, 30))}`, refused: true, request: requestFor(op, f, { payload: text, contentType: 'application/json' }) })),
      { what: 'empty JSON body', refused: true, request: requestFor(op, f, { payload: '', contentType: 'application/json' }) },
      { what: '__proto__ key', refused: true, request: requestFor(op, f, { payload: withFirstKey(baseJson, '"__proto__":{"role":"admin"}'), contentType: 'application/json' }) },
      { what: 'constructor.prototype key', refused: true, request: requestFor(op, f, { payload: withFirstKey(baseJson, '"constructor":{"prototype":{"role":"admin"}}'), contentType: 'application/json' }) },
      ...['application/xml', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'image/png']
        .map((type) => ({ what: `content type ${type}`, refused: true, request: requestFor(op, f, { payload: baseJson, contentType: type }) })),
      {
        what: 'JSON body over the limit', refused: true,
        request: requestFor(op, f, { payload: JSON.stringify({ pad: 'x'.repeat((LARGER_BODY_LIMITS[op.key] ?? 1024 * 1024) + 100_000) }), contentType: 'application/json' }),
      },
    ];
    if (hasJsonBody(op)) {
      structure.push(
        ...['null', '[]', `[${baseJson}]`, '"a string"', '42', 'true', nestedJson(100_000)]
          .map((text) => ({ what: `JSON ${text.slice(0, 20)}${text.length > 20 ? '…' : ''} instead of an object`, refused: true, request: requestFor(op, f, { payload: text, contentType: 'application/json' }) })),
        ...['text/plain', 'text/csv'].map((type) => ({ what: `JSON sent as ${type}`, refused: true, request: requestFor(op, f, { payload: baseJson, contentType: type }) })),
      );
    }
    if (isImport(op)) {
      structure.push(
        ...['"unclosed,quote\n', 'evil_column\nx\n', "serial_number,model_code\n' OR 1=1 --,NOPE\n<script>,../../etc/passwd\n", '\u0000\u0000', nestedJson(10)]
          .map((csv) => ({ what: `bad CSV ${JSON.stringify(csv.slice(0, 30))}`, refused: true, request: requestFor(op, f, { payload: csv, contentType: 'text/csv' }) })),
        { what: 'JSON number for the CSV', refused: true, request: requestFor(op, f, { payload: '42', contentType: 'application/json' }) },
      );
    }
    add('structure', structure);
  }

  if (hasJsonBody(op) && base.body !== undefined) {
    const mutations: Omit<Attack, 'kind'>[] = [];
    for (const { path, schema } of propertyPaths(base.body, op.body)) {
      for (const value of rng.sample(wrongValues(schema), 6)) {
        const body = withValue(base.body, path, value);
        if (validates(op.body!, body)) continue; // a valid value is no attack here; see the stored-verbatim test
        const shown = JSON.stringify(value)?.slice(0, 40) ?? String(value);
        mutations.push({ what: `${path.join('.')} = ${shown}`, refused: true, request: requestFor(op, f, { payload: JSON.stringify(body) }) });
      }
    }
    add('properties', mutations);
  }

  if (op.pathParams.length) {
    add('path', HOSTILE_IDS.map(([what, raw]) => ({
      what: `path ${what}`, refused: true, request: requestFor(op, f, { params: Object.fromEntries(op.pathParams.map((p) => [p, raw])), rawParams: true }),
    })));
  }

  if (!isPublic(op)) {
    add('credentials', HOSTILE_CREDENTIALS.map((headers) => {
      const request = requestFor(op, f);
      return { what: `credentials ${JSON.stringify(headers).slice(0, 50)}`, refused: true, request: { ...request, headers: { ...request.headers, authorization: '', ...headers } } };
    }));
  }

  if (op.query.length) {
    const queries: Omit<Attack, 'kind'>[] = [{ what: 'unknown query parameter', refused: true, request: requestFor(op, f, { query: 'evil=1' }) }];
    for (const { name } of op.query) {
      for (const value of rng.sample(HOSTILE_QUERY_VALUES, 3)) queries.push({ what: `?${name}=${value.slice(0, 40)}`, refused: false, request: requestFor(op, f, { query: `${name}=${value}` }) });
      queries.push({ what: `?${name} twice`, refused: false, request: requestFor(op, f, { query: `${name}=a&${name}=b` }) });
    }
    add('query', queries);
  }
  return attacks;
}

// ---- checks
/** Why an answer breaks the error contract, or null. */
function errorBodyProblem(res: LightMyRequestResponse): string | null {
  if (res.statusCode < 400) return null;
  if (!String(res.headers['content-type']).startsWith('application/json')) return `content-type ${String(res.headers['content-type'])}`;
  try {
    const body = res.json<{ error?: { code?: unknown; message?: unknown } }>();
    if (typeof body.error?.code !== 'string' || typeof body.error.message !== 'string') return 'not { error: { code, message } }';
  } catch {
    return 'body is not JSON';
  }
  return null;
}

// The audit trail is left out on purpose: every refused request is audited by design.
const NOT_FINGERPRINTED = new Set(['audit_log', 'audit_head']);

/** Per table: row count and a hash of every row (rows sorted, so the order a database returns them in does not matter). */
/** The tables of each app's schema, looked up once: the walk fingerprints the database hundreds of times. */
const tablesOf = new WeakMap<TestApp, Promise<string[]>>();

async function fingerprint(t: TestApp, { lookUpTables = false } = {}): Promise<Record<string, string>> {
  const db = t.services.db.kysely;
  if (lookUpTables || !tablesOf.has(t)) tablesOf.set(t, db.introspection.getTables().then((all) => all.map((x) => x.name).filter((name) => !NOT_FINGERPRINTED.has(name)).sort()));
  const tables = await tablesOf.get(t)!;
  const out: Record<string, string> = {};
  for (const table of tables) {
    const { rows } = await sql<Record<string, unknown>>`select * from ${sql.table(table)}`.execute(db);
    const lines = rows.map((row) => JSON.stringify(Object.entries(row).sort(([a], [b]) => a.localeCompare(b)))).sort();
    out[table] = `${rows.length} rows ${createHash('sha256').update(lines.join('\n')).digest('hex').slice(0, 16)}`;
  }
  return out;
}

const show = (req: InjectOptions) => `${req.method} ${String(req.url).slice(0, 120)}`;

describe.each(databases())('hostile input on $name', (kind) => {
  const f = {} as Fixtures;
  let ops: Operation[];

  beforeAll(async () => {
    f.t = await startTestApp(await kind.fresh(), {
      DATA_DIR: mkdtempSync(join(tmpdir(), 'posfleet-hostile-')),
      WEBHOOK_ALLOWED_NETWORKS: '127.0.0.1/32', // the fixture's webhook channel points at loopback
      SQLITE_SYNCHRONOUS: 'NORMAL', // durability is not under test here; a thousand fsyncs would only slow it
    });
    f.estate = await buildEstate(f.t);
    const terminal = await buildTerminal(f.t, f.estate);
    f.terminalId = terminal.id;
    f.credential = (await enrolTerminal(f.t, terminal.serialNumber)).credential;
    if ((await f.t.device('/device/v1/heartbeat', f.credential, heartbeatReport(1))).statusCode !== 200) throw new Error('first heartbeat failed');
    await f.t.services.securityWatch.flush(); // where it was seen is written within a second: before the tables are compared
    await f.t.services.security.savePolicy({ acquirer: 'fuzz', keyType: 'TPK' }, 'fuzz');
    await f.t.services.security.updateSettings({ relocationGraceMinutes: 15 }, 'fuzz');
    f.commandId = (await f.t.services.device.queueCommand(f.terminalId, { type: 'self_test' }, 'fuzz')).id;
    const job = await f.t.api('POST', '/api/v1/maintenance/jobs', { terminalIds: [f.terminalId], work: ['repair'], reason: 'fuzz' });
    if (job.statusCode !== 201) throw new Error(`could not create a maintenance job: ${job.body}`);
    f.jobId = job.json<{ items: { id: string }[] }>().items[0]!.id;
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52]);
    const inspection = await f.t.api('POST', `/api/v1/terminals/${f.terminalId}/inspections`, {
      outcome: 'pass', serialMatches: true, sealIntact: true, tamperSigns: [], photo: { contentType: 'image/png', dataBase64: png.toString('base64') },
    });
    if (inspection.statusCode !== 201) throw new Error(`could not record an inspection: ${inspection.body}`);
    f.inspectionId = inspection.json<{ id: string }>().id;
    const victim = await f.t.services.access.createUser({ email: 'victim@hostile.test', name: 'Victim', role: 'support', password: PASSWORD });
    f.victimId = victim.id;
    f.tokenId = (await f.t.services.access.createToken(victim.id, { name: 'victim token' })).id;
    const window = await f.t.api('POST', '/api/v1/maintenance/windows', { name: 'Fuzz nightly', target: { siteId: f.estate.site.id }, schedule: { kind: 'cron', cron: '0 2 * * *', durationMinutes: 60 } });
    if (window.statusCode !== 201) throw new Error(`could not create a window: ${window.body}`);
    f.windowId = window.json<{ id: string }>().id;
    f.channelId = (await f.t.services.notificationChannels.createChannel({ merchantId: f.estate.merchant.id, kind: 'email', name: 'Fuzz mail', address: 'fuzz@example.com' })).id;
    const reported = await f.t.services.incidents.reportSuspicious(f.terminalId, { what: 'fuzz' }, { kind: 'fleet' }, 'fuzz');
    f.incidentId = reported.incidentId;
    f.caseId = reported.id;
    await f.t.services.configurationSchemas.registerSchema({ application: DEMO_APPLICATION, version: '3.2.0', parameters: DEMO_PARAMETERS }, 'fuzz');
    await f.t.services.configurationGroups.createGroup({ name: 'Fuzz group', filter: { tag: 'counter' } }, 'fuzz');
    f.runId = (await f.t.services.guideRuns.start({ terminalId: f.terminalId, guideId: 'printer' }, { kind: 'fleet' }, 'fuzz')).id;
    const fuzzer = { id: null, name: 'fuzz', scope: { kind: 'fleet' } } as const;
    f.templateId = (await f.t.services.preventive.findTemplateByCode('monthly'))!.id;
    f.planId = (await f.t.services.preventive.createPlan({ name: 'Fuzz plan', templateIds: [f.templateId], filter: { siteId: f.estate.site.id } }, fuzzer)).id;
    const order = await f.t.services.workOrders.createWorkOrder({ title: 'Fuzz order', siteId: f.estate.site.id, terminalIds: [f.terminalId], checklist: [{ text: { 'zh-CN': '检查', en: 'Check' } }] }, fuzzer);
    f.workOrderId = order.id;
    f.itemId = order.checklist[0]!.id;
    f.partId = (await f.t.services.spares.createPart({ depot: 'Fuzz depot', sku: 'HEAD', name: 'Printer head', quantity: 5 }, fuzzer)).id;
    const publisher = generateKeyPairSync('ed25519');
    const publicPem = (key: typeof publisher.publicKey) => key.export({ type: 'spki', format: 'pem' }).toString();
    const key = await f.t.api('POST', '/api/v1/publisher-keys', { name: 'Fuzz publisher', publicKey: publicPem(publisher.publicKey) });
    if (key.statusCode !== 201) throw new Error(`could not register a publisher key: ${key.body}`);
    f.keyId = key.json<{ id: string }>().id;
    f.newPublicKey = publicPem(generateKeyPairSync('ed25519').publicKey);
    const declaration = (version: string, content: Buffer) => {
      const facts = { kind: 'application', name: 'fuzz-app', version, size: content.length, sha256: createHash('sha256').update(content).digest('hex') };
      return {
        ...facts, fileName: 'fuzz-app.apk', signature: signPackage(facts, publisher.privateKey), keyId: f.keyId, compatibleModels: [f.estate.model.id],
        minInstalledVersion: '0.1.0', securityPatch: true, releaseNotes: { 'zh-CN': '修复', en: 'Fixes' },
      };
    };
    const content = Buffer.from('fuzz package content');
    const declared = async (version: string) => {
      const res = await f.t.api('POST', '/api/v1/packages', declaration(version, content));
      if (res.statusCode !== 201) throw new Error(`could not declare a package: ${res.body}`);
      return res.json<{ id: string }>().id;
    };
    f.packageId = await declared('4.0.0');
    const uploaded = await f.t.app.inject({
      method: 'PUT', url: `/api/v1/packages/${f.packageId}/content`, payload: content, headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/octet-stream' },
    });
    if (uploaded.statusCode !== 200) throw new Error(`could not upload a package: ${uploaded.body}`);
    f.pendingPackageId = await declared('4.0.1');
    f.newPackage = declaration('5.0.0', content);
    const campaign = await f.t.api('POST', '/api/v1/campaigns', { name: 'Fuzz rollout', packageId: f.packageId, filter: { siteId: f.estate.site.id } });
    if (campaign.statusCode !== 201) throw new Error(`could not start a campaign: ${campaign.body}`);
    f.campaignId = campaign.json<{ id: string }>().id;
    f.actionId = (await f.t.api('GET', `/api/v1/campaigns/${f.campaignId}/actions`)).json<{ items: { id: number }[] }>().items[0]!.id;
    f.depotCode = (await f.t.services.spares.createDepot({ code: 'Fuzz depot 2', name: 'Fuzz depot 2' })).code;
    f.poolId = (await f.t.services.backupTerminals.createPool({ code: 'FUZZ-POOL', name: 'Fuzz pool', siteId: f.estate.site.id })).id;
    const inStock = (serialNumber: string) => f.t.services.estate.createTerminal({ serialNumber, modelId: f.estate.model.id });
    f.spareId = (await inStock('FUZZ-SPARE-1')).id;
    await f.t.services.backupTerminals.addToPool(f.poolId, f.spareId, fuzzer);
    f.looseTerminalId = (await inStock('FUZZ-LOOSE-1')).id;
    const swapped = await buildTerminal(f.t, f.estate, { serialNumber: 'FUZZ-SWAPPED-1' });
    const swapSpare = (await inStock('FUZZ-SPARE-2')).id;
    await f.t.services.backupTerminals.addToPool(f.poolId, swapSpare, fuzzer);
    const swapOrder = await f.t.services.workOrders.createWorkOrder({ title: 'Fuzz swap', siteId: f.estate.site.id, terminalIds: [swapped.id] }, fuzzer);
    f.custodyId = (await f.t.services.backupTerminals.swap(swapOrder.id, { faultyTerminalId: swapped.id, spareTerminalId: swapSpare }, fuzzer)).custodyId;
    ops = await operations(f.t, ['/api/v1/', '/device/v1/']);
  });
  afterAll(() => f.t.close());

  it('has a valid example request for every operation that takes a body or path parameters', () => {
    const needBase = ops.filter((op) => op.body || op.pathParams.length).map((op) => op.key);
    expect(needBase.filter((key) => !BASE[key])).toEqual([]);
    for (const op of ops.filter((o) => hasJsonBody(o))) expect(validates(op.body!, BASE[op.key]!(f).body), `${op.key} example`).toBe(true);
  });

  it('refuses malformed, mistyped and traversing requests to every operation without a 5xx or any change to stored data', async () => {
    const rng = new Rng(SEED);
    const problems: string[] = [];
    let sent = 0;
    // Each operation's "after" is the next one's "before": nothing else runs in between.
    let before = await fingerprint(f.t);
    for (const op of ops.filter((o) => BASE[o.key] || !(o.body || o.pathParams.length))) {
      for (const attack of attacksOn(op, f, rng)) {
        const res = await f.t.app.inject(attack.request);
        sent++;
        const status = res.statusCode;
        const where = `${op.key} [${attack.kind}: ${attack.what}] ${show(attack.request)}`;
        if (status >= 500) problems.push(`${where} → ${status} ${res.body.slice(0, 200)}`);
        else if (attack.refused && status < 400) problems.push(`${where} → ${status}, expected a refusal (4xx): ${res.body.slice(0, 200)}`);
        const shape = errorBodyProblem(res);
        if (shape) problems.push(`${where} → ${status} error body: ${shape}: ${res.body.slice(0, 200)}`);
        // Nothing stored so far contains an injection string: a search that finds rows was rewritten into SQL.
        const searched = INJECTIONS.some((text) => String(attack.request.url).includes(`q=${enc(text)}`));
        if (searched && status === 200 && String(res.headers['content-type']).startsWith('application/json')) {
          const items = res.json<{ items?: unknown[] }>().items;
          if (items?.length) problems.push(`${where} → a search for an injection string found ${items.length} rows`);
        }
      }
      const health = await f.t.app.inject({ method: 'GET', url: '/health' });
      if (health.statusCode !== 200) problems.push(`after ${op.key}: /health answered ${health.statusCode}`);
      const after = await fingerprint(f.t);
      for (const table of Object.keys({ ...before, ...after })) {
        if (before[table] !== after[table]) problems.push(`after ${op.key}: table ${table} changed: ${before[table]} → ${after[table]}`);
      }
      before = after;
    }
    expect(sent).toBeGreaterThan(ops.length * 10);
    expect(problems, `seed ${SEED}, ${sent} requests`).toEqual([]);
  }, 300_000); // some 3,000 requests: a busy machine needs minutes (about two on PostgreSQL under a full suite)

  it('refuses a body over its route\'s limit (1 MB unless stated) on every operation but the CSV import, whatever its content type', async () => {
    const wrong: string[] = [];
    // Made once per size: the walk sends some hundred bodies of over a megabyte.
    const bodies = new Map<string, string>();
    const body = (size: number, json: boolean) => {
      const key = `${size} ${json}`;
      if (!bodies.has(key)) bodies.set(key, json ? JSON.stringify({ pad: 'x'.repeat(size) }) : 'x'.repeat(size));
      return bodies.get(key)!;
    };
    for (const op of ops.filter((o) => o.method !== 'GET' && !isImport(o))) {
      const size = (LARGER_BODY_LIMITS[op.key] ?? 1024 * 1024) + 100_000;
      for (const contentType of ['application/json', 'text/plain', 'text/csv']) {
        const payload = body(size, contentType === 'application/json');
        // Ids of nothing: should a body get through, no handler can change the fixtures.
        const params = Object.fromEntries(op.pathParams.map((p) => [p, 'no-such-id']));
        const res = await f.t.app.inject(requestFor(op, f, { params, payload, contentType }));
        // Only the import reads CSV: elsewhere a CSV body is refused as unsupported before it is read.
        const refused = contentType === 'text/csv' ? [413, 415] : [413];
        if (!refused.includes(res.statusCode)) wrong.push(`${op.key} with ${contentType}: ${res.statusCode} ${res.body.slice(0, 100)}`);
      }
    }
    expect(wrong).toEqual([]);
  }, 120_000); // some hundred requests of over a megabyte each: a busy machine needs more than 30 s

  describe('hostile text that is valid input', () => {
    const TEXTS: [string, string][] = [
      ...INJECTIONS.map((s): [string, string] => [s, s]),
      ['encoded traversal', '..%2F..%2Fetc%2Fpasswd'], ['format string', '%s%n%x'], ['LIKE wildcards', '50%_off\\'],
      ['RTL override', '\u202Etxt.exe'], ['zero-width', 'a\u200Bb\u200Dc\uFEFF'], ['emoji', '🧾💳 👨‍👩‍👧'], ['CJK', '青柠茶饮'],
      ['CRLF', 'a\r\nSet-Cookie: x=1'], ['NUL', 'a\u0000b'], ['lone surrogate', 'a\ud800b'], ['200 characters', 'x'.repeat(200)],
    ];
    let seq = 100;
    let n = 0;
    const api = (method: string, url: string, body?: unknown) => f.t.app.inject({
      method: method as 'GET', url, headers: { authorization: `Bearer ${ADMIN_TOKEN}`, ...(body !== undefined && { 'content-type': 'application/json' }) },
      ...(body !== undefined && { payload: JSON.stringify(body) }),
    });

    /** Places free text is stored: how to store `text` there and how to read it back. */
    const PLACES: { where: string; store: (text: string) => Promise<LightMyRequestResponse>; readBack: (stored: LightMyRequestResponse) => Promise<unknown> }[] = [
      {
        where: 'merchant name',
        store: (text) => api('POST', '/api/v1/merchants', { name: text }),
        readBack: async (res) => (await api('GET', `/api/v1/merchants/${res.json().id}`)).json().name,
      },
      {
        where: 'site address',
        store: (text) => api('POST', '/api/v1/sites', { merchantId: f.estate.merchant.id, code: `HOSTILE-${++n}`, name: 'Site', address: text }),
        readBack: async (res) => (await api('GET', `/api/v1/sites/${res.json().id}`)).json().address,
      },
      {
        where: 'user name',
        store: (text) => api('POST', '/api/v1/users', { email: `user${++n}@hostile.test`, name: text, role: 'auditor', password: PASSWORD }),
        readBack: async (res) => (await api('GET', `/api/v1/users/${res.json().id}`)).json().name,
      },
      {
        where: 'command payload',
        store: (text) => api('POST', `/api/v1/terminals/${f.terminalId}/commands`, { type: 'collect_logs', payload: { note: text } }),
        readBack: async (res) => (await api('GET', `/api/v1/terminals/${f.terminalId}/commands`)).json().items.find((c: { id: string }) => c.id === res.json().id)?.payload.note,
      },
      {
        where: 'heartbeat app version',
        store: (text) => f.t.device('/device/v1/heartbeat', f.credential, heartbeatReport(++seq, { appVersion: text.slice(0, 40) })),
        readBack: async () => (await api('GET', `/api/v1/terminals/${f.terminalId}`)).json().appVersion,
      },
      {
        where: 'extra heartbeat field',
        store: (text) => f.t.device('/device/v1/heartbeat', f.credential, heartbeatReport(++seq, { note: text })),
        readBack: async () => (await api('GET', `/api/v1/terminals/${f.terminalId}/health`)).json().report.note,
      },
    ];

    it('stores injection strings and odd unicode verbatim (or refuses them with a 400), never a 5xx', async () => {
      const tablesBefore = Object.keys(await fingerprint(f.t, { lookUpTables: true }));
      const problems: string[] = [];
      for (const place of PLACES) {
        for (const [what, text] of TEXTS) {
          const expected = place.where === 'heartbeat app version' ? text.slice(0, 40) : text;
          const res = await place.store(text);
          if (res.statusCode === 400 && res.json().error?.code === 'validation_error') continue;
          if (res.statusCode >= 300) {
            problems.push(`${place.where} = ${what}: ${res.statusCode} ${res.body.slice(0, 160)}`);
            continue;
          }
          const stored = await place.readBack(res);
          if (stored !== expected) problems.push(`${place.where} = ${what}: stored as ${JSON.stringify(stored)}, sent ${JSON.stringify(expected)}`);
        }
      }
      expect(problems).toEqual([]);
      // Every table is still there and readable, and the estate still works end to end.
      expect(Object.keys(await fingerprint(f.t, { lookUpTables: true }))).toEqual(tablesBefore);
      for (const list of ['/api/v1/merchants', '/api/v1/sites', '/api/v1/terminals', '/api/v1/users', '/api/v1/audit']) expect((await api('GET', list)).statusCode, list).toBe(200);
      const terminal = await buildTerminal(f.t, f.estate);
      const { credential } = await enrolTerminal(f.t, terminal.serialNumber);
      expect((await f.t.device('/device/v1/heartbeat', credential, heartbeatReport(1))).statusCode).toBe(200);
      expect((await api('GET', '/api/v1/audit/verify')).json()).toMatchObject({ ok: true });
    }, 120_000); // some hundred writes, a score of them users whose password is hashed (scrypt): a busy machine needs more than 30 s

    it('finds stored injection strings by searching for them, and only them', async () => {
      const problems: string[] = [];
      for (const [what, text] of TEXTS.filter(([, s]) => s.trim() && s.length <= 100 && !s.includes('\u0000') && !/[\ud800-\udfff]/.test(s))) {
        const created = await api('POST', '/api/v1/merchants', { name: `find me ${text}` });
        expect(created.statusCode, what).toBe(201);
        const found = await api('GET', `/api/v1/merchants?q=${enc(text)}&limit=1000`);
        const names = found.statusCode === 200 ? found.json<{ items: { name: string }[] }>().items.map((m) => m.name) : [];
        if (!names.includes(`find me ${text}`)) problems.push(`${what}: not found (${found.statusCode})`);
        const others = names.filter((name) => !name.includes(text));
        if (others.length) problems.push(`${what}: also found ${JSON.stringify(others.slice(0, 3))}`);
      }
      expect(problems).toEqual([]);
    });

    it('stores or refuses deeply nested JSON in free-form fields, never a 5xx', async () => {
      const depth = 10_000;
      const attempts: [string, () => Promise<LightMyRequestResponse>][] = [
        ['command payload', () => f.t.app.inject({
          method: 'POST', url: `/api/v1/terminals/${f.terminalId}/commands`, headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
          payload: `{"type":"self_test","payload":${nestedJson(depth)}}`,
        })],
        ['command result output', () => f.t.app.inject({
          method: 'POST', url: `/device/v1/commands/${f.commandId}/result`, headers: { authorization: `Bearer ${f.credential}`, 'content-type': 'application/json' },
          payload: `{"status":"failed","output":${nestedJson(depth)}}`,
        })],
        ['extra heartbeat field', () => f.t.app.inject({
          method: 'POST', url: '/device/v1/heartbeat', headers: { authorization: `Bearer ${f.credential}`, 'content-type': 'application/json' },
          payload: `${JSON.stringify(heartbeatReport(++seq)).slice(0, -1)},"extra":${nestedJson(depth)}}`,
        })],
      ];
      const problems: string[] = [];
      for (const [where, send] of attempts) {
        const res = await send();
        if (res.statusCode >= 500) problems.push(`${where} nested ${depth} deep: ${res.statusCode} ${res.body.slice(0, 120)}`);
      }
      expect(problems).toEqual([]);
      expect((await f.t.app.inject({ method: 'GET', url: '/health' })).statusCode).toBe(200);
    });

    it('answers numbers at the edge of what the schemas allow without a 5xx', async () => {
      // A terminal of its own: a huge seq would otherwise stay the "latest" heartbeat of the shared one.
      const terminal = await buildTerminal(f.t, f.estate);
      const { credential } = await enrolTerminal(f.t, terminal.serialNumber);
      const heartbeats = [1e20, 2 ** 53 + 2, 2 ** 63].map((seq): [string, Record<string, unknown>] => [`seq ${seq}`, heartbeatReport(seq)]);
      heartbeats.push(
        ['uptime 1e300', heartbeatReport(7, { uptimeSeconds: 1e300 })],
        ['storage 1e308', heartbeatReport(8, { storageFreeMb: 1e308 })],
        ['amount 1e300', heartbeatReport(9, { transactions: { count: 1, amountMinor: 1e300 } })],
      );
      const problems: string[] = [];
      for (const [what, report] of heartbeats) {
        const res = await f.t.device('/device/v1/heartbeat', credential, report);
        if (res.statusCode >= 500) problems.push(`heartbeat with ${what}: ${res.statusCode}`);
      }
      for (const cursor of ['1.5', '1e300', '-1', '9007199254740993', '0x10', ' 1']) {
        for (const url of [`/api/v1/terminals/${terminal.id}/heartbeats`, '/api/v1/audit']) {
          const res = await api('GET', `${url}?cursor=${b64(cursor)}`);
          if (res.statusCode >= 500) problems.push(`${url} with cursor ${JSON.stringify(cursor)} (${b64(cursor)}): ${res.statusCode}`);
        }
      }
      expect(problems).toEqual([]);
    });

    it('neutralises spreadsheet formulas in CSV exports', async () => {
      const formula = '=HYPERLINK("http://evil.example","click")';
      const merchant = await api('POST', '/api/v1/merchants', { name: formula });
      const site = await api('POST', '/api/v1/sites', { merchantId: merchant.json().id, code: 'FORMULA-SITE', name: 'Site' });
      await api('POST', '/api/v1/terminals', { serialNumber: 'FORMULA-SN', modelId: f.estate.model.id, siteId: site.json().id });
      await f.t.app.inject({ method: 'POST', url: '/api/v1/auth/login', remoteAddress: nextAddress(), payload: { email: "=cmd|'/Ccalc'!A0@hostile.test", password: 'x' } });
      const exports = {
        terminals: (await api('GET', '/api/v1/terminals/export?q=FORMULA')).body,
        audit: (await api('GET', '/api/v1/audit/export')).body,
      };
      const formulas = Object.entries(exports).flatMap(([name, csv]) => csv.split(/\r?\n/)
        .flatMap((line) => line.split(',')).map((cell) => cell.replace(/^"/, '')).filter((cell) => /^[=+@]/.test(cell)).map((cell) => `${name}: ${cell}`));
      expect(formulas).toEqual([]);
    });
  });
});
