// Parameter schemas: what an application's parameters are (types, defaults, secrets, levels, TID/MID
// uniqueness), registered by an operator or carried in a signed package; the newest one is current.
import { randomUUID } from 'node:crypto';
import { invalidField, refused, type AppError } from '../shared/errors.ts';
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

  /** Why a schema cannot be an application version's ([field, reason in English]), or null: checked before anything is stored. */
  async schemaProblemOf(application: string, version: string, parameters: ParameterSchema): Promise<[string, string] | null> {
    const refusal = await this.refusalOf(application, version, parameters);
    return refusal && [refusal.field ?? 'parameters', refusal.message];
  }

  /** Why a schema cannot be an application version's, as the error the API answers with (in the caller's language), or null. */
  async refusalOf(application: string, version: string, parameters: ParameterSchema): Promise<AppError | null> {
    const fault = schemaProblem(parameters);
    if (fault) return invalidField(fault.field, fault.key, fault.params);
    for (const [name, spec] of Object.entries(parameters)) {
      if (spec.unique && (spec.levels?.length !== 1 || spec.levels[0] !== 'terminal')) return invalidField(`parameters.${name}.levels`, 'configuration.schema_unique_levels', { parameter: name });
    }
    const current = this.store.current;
    if (current && current.application !== application) {
      return refused('configuration.schema_other_application', { application: current.application }, { field: 'application', retryable: false });
    }
    if (await this.repo.schemaVersion(application, version)) return refused('configuration.schema_exists', { application, version }, { field: 'version', retryable: false });
    return null;
  }

  async registerSchema(input: SchemaInput, actor: string): Promise<SchemaView> {
    const parameters = input.parameters as ParameterSchema;
    const refusal = await this.refusalOf(input.application, input.version, parameters);
    if (refusal) throw refusal;
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
