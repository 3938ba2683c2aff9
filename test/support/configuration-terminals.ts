// Terminals that take configuration as the SDK does, over a test app's terminal protocol: a heartbeat
// (reporting the hash they applied), a new hash fetched and applied, and a maintenance job out of service
// carried out with the configuration it gives (the value of `watched` in it is kept in `inJob`).
import { expect } from 'vitest';
import { configurationHash } from '../../src/configuration/hash.ts';
import type { ParameterSchema } from '../../src/configuration/parameters.ts';
import { heartbeatReport, type TestApp } from './app.ts';
import { ok } from './http.ts';

const OUT_OF_SERVICE = ['draining', 'in_maintenance', 'restarting', 'verifying'];

export interface ConfigTerminal { id: string; credential: string; seq: number; applied: string | null; inJob: unknown[] }
export interface Answer { mode: string; maintenance: { jobId: string; state: string } | null; configuration: { hash: string } | null }

export function configurationTerminals(t: () => TestApp, watched: string) {
  async function beat(term: ConfigTerminal, overrides: Record<string, unknown> = {}): Promise<Answer> {
    const report = heartbeatReport(term.seq++, { uptimeSeconds: 3600 + term.seq * 60, ...overrides, ...(term.applied && { configuration: { appliedHash: term.applied } }) });
    return ok<Answer>(t().device('/device/v1/heartbeat', term.credential, report));
  }
  async function fetchConfiguration(term: ConfigTerminal) {
    const res = await t().app.inject({ method: 'GET', url: '/device/v1/configuration', headers: { authorization: `Bearer ${term.credential}` } });
    expect(res.statusCode, res.body).toBe(200);
    return res.json<{ hash: string; values: Record<string, unknown>; parameters: ParameterSchema }>();
  }
  const step = (term: ConfigTerminal, jobId: string, body: Record<string, unknown>) => ok(t().device(`/device/v1/maintenance/${jobId}/steps`, term.credential, body));

  return {
    beat, fetchConfiguration,
    /** One heartbeat; a new hash is fetched and applied; a job out of service is carried out with the configuration it gives. */
    async live(term: ConfigTerminal, overrides: Record<string, unknown> = {}): Promise<void> {
      const answer = await beat(term, overrides);
      const job = answer.maintenance;
      if (job && OUT_OF_SERVICE.includes(job.state) && answer.mode === 'maintenance') {
        await step(term, job.jobId, { state: 'in_maintenance' });
        const fetched = await fetchConfiguration(term);
        term.applied = configurationHash(fetched.values, fetched.parameters);
        term.inJob.push(fetched.values[watched]);
        await ok(t().device('/device/v1/configuration/applied', term.credential, { appliedHash: term.applied }));
        await step(term, job.jobId, { state: 'restarting' });
        await step(term, job.jobId, { state: 'verifying', selfTests: [{ name: 'card reader', passed: true }] });
        return;
      }
      if (answer.configuration && answer.configuration.hash !== term.applied) {
        const f = await fetchConfiguration(term);
        term.applied = configurationHash(f.values, f.parameters);
      }
    },
    /** What the server holds as the terminal's effective configuration: its hash and values. */
    async effective(term: ConfigTerminal) {
      const view = await ok<{ hash: string; parameters: { name: string; value: unknown }[] }>(t().api('GET', `/api/v1/terminals/${term.id}/configuration`));
      return { hash: view.hash, values: Object.fromEntries(view.parameters.map((p) => [p.name, p.value])) };
    },
  };
}
