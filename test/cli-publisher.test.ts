// What a software publisher runs, through the `posfleet` command against a running server: make a key
// pair, register the public key, sign a package file, upload it. Each step as the README writes it.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, operatorApi, startTestServer, type OperatorApi, type TestServer } from './support/server.ts';

const run = promisify(execFile);

describe('posfleet keys and package commands', () => {
  let server: TestServer;
  let api: OperatorApi;
  const work = mkdtempSync(join(tmpdir(), 'posfleet-publisher-'));
  const cli = (...args: string[]) => run(process.execPath, ['bin/posfleet.mjs', ...args], { env: { ...process.env, POSFLEET_TOKEN: ADMIN_TOKEN } });

  beforeAll(async () => {
    server = await startTestServer({ prefix: 'posfleet-publisher', env: { DATA_DIR: join(work, 'data') } });
    api = operatorApi(server);
  });
  afterAll(async () => {
    await server?.close();
    rmSync(work, { recursive: true, force: true });
  });

  it('signs a package and uploads it, ready to roll out', async () => {
    const model = await api('POST', '/api/v1/terminal-models', {
      code: 'PUB-1', vendor: 'PAX', model: 'A920', components: { cardReader: { chip: true, swipe: true, contactless: true }, printer: true, battery: true, networks: ['wifi'] },
    });
    const keys = join(work, 'keys');
    await cli('keys', 'generate', '--out', keys);
    await cli('keys', 'register', '--server', server.url, '--public-key', join(keys, 'posfleet-publisher.pub'), '--name', 'release team');
    const file = join(work, 'pay-app-3.3.0.apk');
    writeFileSync(file, randomBytes(5000));
    await cli('package', 'sign', file, '--key', join(keys, 'posfleet-publisher.key'), '--public-key', join(keys, 'posfleet-publisher.pub'),
      '--kind', 'application', '--name', 'pay-app', '--version', '3.3.0');
    // The manifest holds the signed facts only, not where the keys are.
    const manifest = JSON.parse(readFileSync(`${file}.posfleet.json`, 'utf8')) as Record<string, unknown>;
    expect(Object.keys(manifest).sort()).toEqual(['fileName', 'keyId', 'kind', 'name', 'sha256', 'signature', 'size', 'version']);

    const { stdout } = await cli('package', 'upload', file, '--server', server.url, '--models', model.id, '--security-patch');
    expect(stdout).toContain('ready to roll out');
    const listed = await api('GET', '/api/v1/packages?name=pay-app');
    expect(listed.items).toEqual([expect.objectContaining({ kind: 'application', name: 'pay-app', version: '3.3.0', ready: true, securityPatch: true, parametersSha256: null })]);
  }, 60_000);

  it("publishes an application package carrying its parameter schema: the schema becomes that version's, signed with it", async () => {
    const model = await api('POST', '/api/v1/terminal-models', {
      code: 'PUB-2', vendor: 'PAX', model: 'A80', components: { cardReader: { chip: true, swipe: true, contactless: true }, printer: true, battery: true, networks: ['wifi'] },
    });
    const keys = join(work, 'keys-2');
    await cli('keys', 'generate', '--out', keys);
    await cli('keys', 'register', '--server', server.url, '--public-key', join(keys, 'posfleet-publisher.pub'), '--name', 'pos team');
    const parameters = {
      receiptFooter: { type: 'string', maxLength: 200, default: '谢谢惠顾', applies: 'live', merchantEditable: true },
      acquirerPort: { type: 'integer', minimum: 1, maximum: 65535, default: 443, applies: 'maintenance' },
    };
    writeFileSync(join(work, 'schema.json'), JSON.stringify(parameters));
    const sign = (file: string, version: string) => cli('package', 'sign', file, '--key', join(keys, 'posfleet-publisher.key'), '--public-key', join(keys, 'posfleet-publisher.pub'),
      '--kind', 'application', '--name', 'pos-app', '--version', version, '--parameters', join(work, 'schema.json'));

    // A manifest whose schema was changed after signing is refused, and registers nothing.
    const tampered = join(work, 'pos-app-1.0.0.apk');
    writeFileSync(tampered, randomBytes(3000));
    await sign(tampered, '1.0.0');
    const signed = JSON.parse(readFileSync(`${tampered}.posfleet.json`, 'utf8')) as { parameters: Record<string, { default?: unknown }> };
    expect(signed.parameters).toEqual(parameters);
    signed.parameters.acquirerPort!.default = 8443;
    writeFileSync(`${tampered}.posfleet.json`, JSON.stringify(signed));
    const refused = await cli('package', 'upload', tampered, '--server', server.url, '--models', model.id).then(() => '', (e: { stderr: string }) => e.stderr);
    expect(refused).toMatch(/signature|签名/); // in the token owner's language

    const file = join(work, 'pos-app-1.1.0.apk');
    writeFileSync(file, randomBytes(4000));
    await sign(file, '1.1.0');
    expect((await cli('package', 'upload', file, '--server', server.url, '--models', model.id)).stdout).toContain('ready to roll out');
    const pkg = (await api('GET', '/api/v1/packages?name=pos-app')).items[0];
    expect(pkg).toMatchObject({ version: '1.1.0', ready: true, parametersSha256: expect.stringMatching(/^[0-9a-f]{64}$/) });
    const schemas = await api('GET', '/api/v1/configuration/schemas');
    const items = (Array.isArray(schemas) ? schemas : schemas.items) as { application: string; version: string; packageId: string | null; current: boolean; parameters: Record<string, unknown> }[];
    expect(items.filter((s) => s.application === 'pos-app')).toEqual([
      expect.objectContaining({ application: 'pos-app', version: '1.1.0', packageId: pkg.id, current: true, parameters: expect.objectContaining({ acquirerPort: expect.objectContaining({ default: 443 }) }) }),
    ]);
  }, 60_000);
});
