// The OpenAPI document is the contract for every client PosFleet does not ship (an Android terminal's
// Kotlin client, a PSP's back office): each operation has a stable, unique operationId and a summary,
// and a generator (openapi-typescript) builds a client from it that type-checks.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import openapiTS, { astToString, type OpenAPI3 } from 'openapi-typescript';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from './support/app.ts';
import { openapiDocument, operations } from './support/openapi.ts';

describe('the OpenAPI document', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(join(mkdtempSync(join(tmpdir(), 'posfleet-')), 'test.db'));
  });
  afterAll(() => t.close());

  it('gives every operation an operationId (camelCase, unique) and a summary', async () => {
    const ops = await operations(t, ['/']);
    expect(ops.length).toBeGreaterThan(200);
    expect(ops.filter((op) => !op.operationId).map((op) => op.key), 'operations without an operationId').toEqual([]);
    expect(ops.filter((op) => !op.summary?.trim()).map((op) => op.key), 'operations without a summary').toEqual([]);
    expect(ops.filter((op) => !/^[a-z][a-zA-Z0-9]*$/.test(op.operationId!)).map((op) => `${op.key}: ${op.operationId}`), 'not camelCase').toEqual([]);
    const byId = new Map<string, string[]>();
    for (const op of ops) byId.set(op.operationId!, [...(byId.get(op.operationId!) ?? []), op.key]);
    expect([...byId].filter(([, keys]) => keys.length > 1), 'operationIds shared by two operations').toEqual([]);
  });

  it('keeps the operationIds clients are already generated with', async () => {
    const ids = new Map((await operations(t, ['/'])).map((op) => [op.key, op.operationId]));
    expect(ids.get('GET /api/v1/terminals')).toBe('listTerminals');
    expect(ids.get('GET /api/v1/terminals/{id}')).toBe('getTerminal');
    expect(ids.get('POST /api/v1/campaigns')).toBe('startCampaign');
    expect(ids.get('POST /device/v1/heartbeat')).toBe('sendHeartbeat');
  });

  it('builds a typed client with openapi-typescript, and the client type-checks', async () => {
    const doc = await openapiDocument(t);
    const client = astToString(await openapiTS(doc as unknown as OpenAPI3));
    expect(client).toContain('listTerminals: {');
    expect(client).toContain('startCampaign: {');
    expect(client).toContain('"/api/v1/terminals/{id}": {');

    // A client author's code against the generated types: an operation's answer and a request body.
    const dir = mkdtempSync(join(tmpdir(), 'posfleet-client-'));
    writeFileSync(join(dir, 'posfleet.ts'), client);
    writeFileSync(join(dir, 'use.ts'), [
      "import type { operations, paths } from './posfleet.ts';",
      "type Terminal = operations['getTerminal']['responses'][200]['content']['application/json'];",
      "export const serial = (t: Terminal): string => t.serialNumber;",
      "type NewMerchant = paths['/api/v1/merchants']['post']['requestBody'];",
      "export const merchant: NonNullable<NewMerchant>['content']['application/json'] = { name: 'Shop', timeZone: 'Asia/Shanghai', locale: 'zh-CN' };",
      "// @ts-expect-error: a terminal has no such field, so the client refuses it",
      "export const wrong = (t: Terminal) => t.noSuchField;",
    ].join('\n'));
    const program = ts.createProgram([join(dir, 'use.ts')], {
      strict: true, noEmit: true, target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext,
      allowImportingTsExtensions: true, skipLibCheck: true, types: [],
    });
    const errors = ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
    expect(errors).toEqual([]);
  }, 60_000);
});
