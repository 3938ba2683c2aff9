// Two nodes on one PostgreSQL, each with its own configuration cache: a terminal moved through one node
// gets its new site's configuration on the other within seconds. Neither node re-reads the whole fleet
// for it: the move is a row the database's triggers write (migration 0045), which each node's watcher
// reads every 2 s.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_APPLICATION, DEMO_PARAMETERS } from '../src/configuration/demo-schema.ts';
import { postgresUrl } from './support/env.ts';
import { createFreshPostgresDatabase } from './support/postgres.ts';
import { ADMIN_TOKEN, modelAndMerchant, operatorApi, poll, startTestServer, type TestServer } from './support/server.ts';

/** The promise: a move is in the other node's configuration within a few seconds (its watcher looks every 2 s). */
const MOVE_BOUND_MS = 10_000;

describe.skipIf(!postgresUrl())('two nodes on PostgreSQL agree on where a terminal is configured', () => {
  let a: TestServer | undefined;
  let b: TestServer | undefined;
  let terminalId = '';
  let from = '';
  let to = '';
  beforeAll(async () => {
    const databaseUrl = await createFreshPostgresDatabase(postgresUrl()!);
    const env = { DATABASE_URL: databaseUrl, HEARTBEAT_INTERVAL_SECONDS: '60' };
    a = await startTestServer({ prefix: 'posfleet-config-a', env });
    const api = operatorApi(a);
    const { modelId, merchantId } = await modelAndMerchant(api, 'CFGNODE');
    from = (await api('POST', '/api/v1/sites', { merchantId, code: 'CFGNODE-FROM', name: 'From' })).id;
    to = (await api('POST', '/api/v1/sites', { merchantId, code: 'CFGNODE-TO', name: 'To' })).id;
    await api('POST', '/api/v1/configuration/schemas', { application: DEMO_APPLICATION, version: '3.2.0', parameters: DEMO_PARAMETERS });
    await api('PATCH', `/api/v1/configuration/levels/site/${to}`, { values: { receiptFooter: '新店 New site' }, reason: 'test', delivery: 'now' });
    terminalId = (await api('POST', '/api/v1/terminals', { serialNumber: 'CFGNODE-1', modelId, siteId: from })).id;
    // Node b starts knowing all of it (its cache is loaded at start).
    b = await startTestServer({ prefix: 'posfleet-config-b', env });
  }, 60_000);
  afterAll(async () => {
    await b?.close();
    await a?.close();
  });

  const footerOn = async (node: TestServer) => {
    const response = await fetch(`${node.url}/api/v1/terminals/${terminalId}/configuration`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    expect(response.status).toBe(200);
    const body = await response.json() as { hash: string; parameters: { name: string; value: unknown; source: { level: string; scopeId: string } }[] };
    return { hash: body.hash, footer: body.parameters.find((p) => p.name === 'receiptFooter')! };
  };

  it("gives a terminal moved through node a its new site's configuration on node b within seconds, without a full re-read", async () => {
    const before = await footerOn(b!);
    expect(before.footer.source.level).not.toBe('site');
    await operatorApi(a!)('PATCH', `/api/v1/terminals/${terminalId}`, { siteId: to });
    const moved = await poll(async () => {
      const now = await footerOn(b!);
      return now.footer.value === '新店 New site' ? now : undefined;
    }, MOVE_BOUND_MS, "node b giving the moved terminal its new site's footer");
    expect(moved.footer.source).toEqual({ level: 'site', scopeId: to });
    expect(moved.hash).toBe((await footerOn(a!)).hash);
    expect(b!.services.configuration.fullReads).toBe(0);
  });
});
