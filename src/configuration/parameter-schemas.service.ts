// Parameter schemas: what an application's parameters are (types, defaults, secrets, levels, TID/MID
// uniqueness), registered by an operator or carried in a signed package; the newest one is current.
import { randomUUID } from 'node:crypto';
import { conflict, invalid } from '../shared/errors.ts';
import { parseJson } from '../shared/json.ts';
import type { Clock } from '../shared/time.ts';
import type { ConfigurationStore } from './configuration-store.ts';
import type { ConfigurationRepository, SchemaRow } from './configuration.repository.ts';
import type { SchemaInput, SchemaView } from './configuration.schemas.ts';
import { schemaProblem, type ParameterSchema } from './parameters.ts';

export class ParameterSchemas {
  constructor(
    private readonly repo: ConfigurationRepository,
    private readonly store: ConfigurationStore,
    private readonly clock: Clock,
  ) {}

  /** Why a schema cannot be an application version's ([field, reason]), or null: checked before anything is stored. */
  async schemaProblemOf(application: string, version: string, parameters: ParameterSchema): Promise<[string, string] | null> {
    const problem = schemaProblem(parameters);
    if (problem) return problem;
    for (const [name, spec] of Object.entries(parameters)) {
      if (spec.unique && (spec.levels?.length !== 1 || spec.levels[0] !== 'terminal')) return [`parameters.${name}.levels`, 'a unique parameter (TID, MID) is set per terminal only: levels ["terminal"]'];
    }
    const current = this.store.current;
    if (current && current.application !== application) {
      return ['application', `PosFleet configures one application per fleet, ${current.application}; its schemas only are accepted`];
    }
    if (await this.repo.schemaVersion(application, version)) return ['version', `${application} ${version} already has a parameter schema`];
    return null;
  }

  async registerSchema(input: SchemaInput, actor: string): Promise<SchemaView> {
    const parameters = input.parameters as ParameterSchema;
    const problem = await this.schemaProblemOf(input.application, input.version, parameters);
    if (problem) throw problem[0] === 'version' || problem[0] === 'application' ? conflict(problem[1], problem[0]) : invalid(problem[0], problem[1]);
    const row: SchemaRow = {
      id: randomUUID(), application: input.application, version: input.version, parameters: JSON.stringify(parameters), package_id: input.packageId ?? null,
      created_by: actor, created_at: this.clock().toISOString(),
    };
    await this.repo.insertSchema(row);
    this.store.useSchema(row);
    return this.schemaView(row);
  }

  async listSchemas(): Promise<SchemaView[]> {
    return (await this.repo.schemas()).map((r) => this.schemaView(r));
  }

  private schemaView(r: SchemaRow): SchemaView {
    return {
      id: r.id, application: r.application, version: r.version, packageId: r.package_id, parameters: parseJson(r.parameters, {}),
      current: r.id === this.store.current?.id, createdBy: r.created_by, createdAt: r.created_at,
    };
  }
}
