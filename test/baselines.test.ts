// Baselines through the API, on every database of the matrix: the group a filter names is judged
// terminal by terminal (in baseline / drifting / waiting / failed) and counted; a terminal that joins
// the group later (a new one, one swapped in) is judged too, as a baseline never finishes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildEstate, buildTerminal, enrolTerminal, heartbeatReport, startTestApp, type TestApp } from './support/app.ts';
import { databases } from './support/databases.ts';

describe.each(databases())('baselines on $name', (kind) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(await kind.fresh());
  });
  afterAll(() => t?.close());

  async function reporting(estate: Awaited<ReturnType<typeof buildEstate>>, appVersion: string, tags: string[] = []) {
    const terminal = await buildTerminal(t, estate, { tags });
    const { credential } = await enrolTerminal(t, terminal.serialNumber);
    const res = await t.device('/device/v1/heartbeat', credential, heartbeatReport(1, { appVersion }));
    expect(res.statusCode, res.body).toBe(200);
    return terminal;
  }

  it("counts a group's compliance, and judges a terminal that joins the group later", async () => {
    const estate = await buildEstate(t);
    const current = await reporting(estate, '3.3.0', ['front']);
    const old = await reporting(estate, '3.2.0', ['front']);
    await reporting(estate, '3.1.0', ['back']); // not in the group (other tag)

    const created = await t.api('POST', '/api/v1/baselines', { name: 'Front counters', filter: { siteId: estate.site.id, tag: 'front' }, appVersion: '3.3.0' });
    expect(created.statusCode, created.body).toBe(201);
    const baseline = created.json<{ id: string; counts: Record<string, number> }>();
    expect(baseline.counts).toEqual({ in_baseline: 1, waiting: 0, drifting: 1, failed: 0, total: 2 });

    const detail = (await t.api('GET', `/api/v1/baselines/${baseline.id}`)).json<{ terminals: { terminalId: string; state: string; why: string }[] }>();
    expect(detail.terminals).toEqual(expect.arrayContaining([
      expect.objectContaining({ terminalId: current.id, state: 'in_baseline' }),
      expect.objectContaining({ terminalId: old.id, state: 'drifting', why: 'has application 3.2.0 (baseline 3.3.0)' }),
    ]));

    // A new terminal joins the group: the baseline judges it as well.
    await reporting(estate, '3.0.0', ['front']);
    const listed = (await t.api('GET', '/api/v1/baselines')).json<{ items: { id: string; counts: Record<string, number> }[] }>().items;
    expect(listed.find((b) => b.id === baseline.id)?.counts).toEqual({ in_baseline: 1, waiting: 0, drifting: 2, failed: 0, total: 3 });
  });

  it('refuses a baseline naming no version, an unknown site or a taken name, naming the field', async () => {
    const estate = await buildEstate(t);
    const cases: [unknown, number, string][] = [
      [{ name: 'No version', filter: { siteId: estate.site.id } }, 400, 'appVersion'],
      [{ name: 'Nowhere', filter: { siteId: 'no-such-site' }, appVersion: '1.0.0' }, 400, 'filter.siteId'],
      [{ name: 'Front counters', filter: {}, appVersion: '1.0.0' }, 409, 'name'],
    ];
    await t.api('POST', '/api/v1/baselines', { name: 'Front counters', filter: {}, appVersion: '1.0.0' });
    for (const [body, status, field] of cases) {
      const res = await t.api('POST', '/api/v1/baselines', body);
      expect(res.statusCode, JSON.stringify(body)).toBe(status);
      expect(res.json().error.field).toBe(field);
    }
  });
});
