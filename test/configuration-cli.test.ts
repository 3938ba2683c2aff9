// `posfleet config get|set|diff|history|revert` against a running server: the same checks, versions
// and audit as the API, from a shell.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_APPLICATION, DEMO_PARAMETERS } from '../src/configuration/demo-schema.ts';
import { ADMIN_TOKEN, operatorApi, startTestServer, type TestServer } from './support/server.ts';

const run = promisify(execFile);

describe('posfleet config', () => {
  let server: TestServer;
  let siteId: string;
  const cli = (...args: string[]) => run(process.execPath, ['bin/posfleet.mjs', 'config', ...args, '--server', server.url], { env: { ...process.env, POSFLEET_TOKEN: ADMIN_TOKEN } });

  beforeAll(async () => {
    server = await startTestServer({ prefix: 'posfleet-config-cli' });
    const api = operatorApi(server);
    const merchant = await api('POST', '/api/v1/merchants', { name: 'CLI merchant', timeZone: 'Asia/Shanghai', locale: 'zh-CN' });
    siteId = (await api('POST', '/api/v1/sites', { merchantId: merchant.id, code: 'CLI-SITE', name: 'CLI site' })).id;
    await api('POST', '/api/v1/configuration/schemas', { application: DEMO_APPLICATION, version: '3.2.0', parameters: DEMO_PARAMETERS });
  });
  afterAll(() => server?.close());

  it('diffs, sets, lists the history of and reverts a site\'s values', async () => {
    const diff = await cli('diff', `site:${siteId}`, 'receiptFooter=欢迎光临', 'tips=true');
    expect(diff.stdout).toContain('receiptFooter: null → "欢迎光临"'); // the level's own values: null is "not set here"
    expect(diff.stdout).toContain('tips: null → true');
    await cli('set', `site:${siteId}`, 'receiptFooter=欢迎光临', 'tips=true', '--reason', 'opening');
    await cli('set', `site:${siteId}`, 'tips=null', '--reason', 'no tips after all');
    const history = await cli('history', `site:${siteId}`);
    expect(history.stdout).toMatch(/^v2 .* no tips after all\n {4}tips: true → null\nv1 .* opening\n/);
    const revert = await cli('revert', `site:${siteId}`, '1', '--reason', 'tips again');
    expect(revert.stdout).toContain('tips: null → true');
    expect(JSON.parse((await cli('get', `site:${siteId}`)).stdout)).toMatchObject({ version: 3, values: { receiptFooter: '欢迎光临', tips: true } });
    await expect(cli('set', `site:${siteId}`, 'acquirerPort=70000', '--reason', 'x')).rejects.toThrow(/门店层级的 acquirerPort：不能大于 65535/); // in the token owner's language (the admin's zh-CN)
  }, 120_000); // six CLI processes, each starting Node
});
