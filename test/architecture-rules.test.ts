// The lint rules that keep PosFleet's layers (eslint-rules/architecture.js) fail on a new violation:
// a query in a service, a cycle between capability folders, a reach into another capability's repository,
// and a server internal imported by the terminal SDK.
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const eslint = new ESLint();
const problems = async (code: string, filePath: string) =>
  (await eslint.lintText(code, { filePath }))[0]!.messages.filter((m) => m.ruleId?.startsWith('posfleet/')).map((m) => m.ruleId);

describe('the architecture lint rules', () => {
  it('refuse a Kysely query, or the database handle, in a service', async () => {
    const code = "import type { Kysely } from 'kysely';\nimport type { Database } from '../db/schema.ts';\n"
      + "export class Probe {\n  constructor(private readonly db: Kysely<Database>) {}\n  all() { return this.db.selectFrom('terminals').selectAll().execute(); }\n}\n";
    expect(await problems(code, 'src/rollouts/probe.service.ts')).toEqual(['posfleet/no-query-in-service', 'posfleet/no-query-in-service']);
    expect(await problems(code, 'src/rollouts/probe.repository.ts')).toEqual([]);
  });

  it("refuse a reach into another capability's repository, by import or through its service", async () => {
    const code = "import type { JobRow } from '../maintenance/maintenance.repository.ts';\n"
      + 'export class Probe {\n  constructor(private readonly maintenance: { repo: { job(): JobRow } }) {}\n  job() { return this.maintenance.repo.job(); }\n}\n';
    expect(await problems(code, 'src/rollouts/probe.service.ts')).toEqual(['posfleet/no-foreign-repository', 'posfleet/no-foreign-repository']);
    expect(await problems(code, 'src/maintenance/probe.service.ts')).toEqual([]);
  });

  it('refuse an import that closes a cycle between capability folders', async () => {
    // src/http/app.ts imports the ddi routes: ddi importing from http closes the cycle.
    expect(await problems("export { parseJsonBody } from '../http/app.ts';\n", 'src/ddi/probe.ts')).toEqual(['posfleet/no-folder-cycle']);
    expect(await problems("export { parseJsonBody } from '../shared/safe-json.ts';\n", 'src/ddi/probe.ts')).toEqual([]);
  });

  it('refuse a server internal in the terminal SDK: it imports only itself and src/protocol/', async () => {
    const sdk = (code: string) => problems(code, 'src/sdk/probe.ts');
    expect(await sdk("import type { HeartbeatAnswer } from '../device/device.schemas.ts';\nexport type A = HeartbeatAnswer;\n")).toEqual(['posfleet/sdk-imports-protocol']);
    expect(await sdk("export { CareService } from '../merchant/care.service.ts';\n")).toEqual(['posfleet/sdk-imports-protocol']);
    expect(await sdk("import { sql } from 'kysely';\nexport const s = sql;\n")).toEqual(['posfleet/sdk-imports-protocol']);
    expect(await sdk("import type { HeartbeatAnswer } from '../protocol/index.ts';\nimport { PosFleetError } from './errors.ts';\nexport type A = HeartbeatAnswer;\nexport const E = PosFleetError;\n")).toEqual([]);
    // The protocol re-exports schema files and pure helpers, never a service, repository, the database or HTTP.
    expect(await problems("export { AssistanceRepository } from '../assistance/assistance.repository.ts';\n", 'src/protocol/probe.ts')).toContain('posfleet/sdk-imports-protocol');
    expect(await problems("export type { Database } from '../db/schema.ts';\n", 'src/protocol/probe.ts')).toEqual(['posfleet/sdk-imports-protocol']);
    expect(await problems("export type { ArtifactView } from '../assistance/assistance.schemas.ts';\n", 'src/protocol/probe.ts')).toEqual([]);
  });
});
