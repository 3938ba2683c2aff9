// The terminal's side of configuration: when a heartbeat answer names another hash than the one
// applied, fetch this terminal's effective configuration, check every value against the schema it came
// with (refusing the lot if one fails), hand it to the POS application's hook, and report the hash of
// what was applied — with the parameters that differ when the application applied something else.
import type { ConfigurationHint, ConfigurationReport, DeviceConfiguration } from '../protocol/index.ts';
import { combinedText, differingParameters, hashParts, SchemaChecker, type ParameterSchema, type Values } from '../protocol/index.ts';
import { PosFleetError } from './errors.ts';

export interface ConfigurationHandlers {
  /**
   * Applies the terminal's whole effective configuration. Return the values actually in force when
   * they differ from those given (a parameter the application could not apply): PosFleet is told
   * which. Throwing leaves the previous configuration in force.
   */
  apply(values: Values, info: { hash: string; changed: string[] }): void | Values | Promise<void | Values>;
}

export type ConfigurationEvent =
  | { type: 'applied'; hash: string; changed: string[] }
  | { type: 'refused'; hash: string; parameter: string; reason: string }
  | { type: 'failed'; hash: string; error: unknown };

async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/** The configuration hash of values under a schema, with Web Crypto (the same hash the server computes: hash-parts.ts). */
export async function configurationHashOf(values: Values, parameters: ParameterSchema = {}): Promise<string> {
  const { shared, own } = hashParts(values, parameters);
  return sha256Hex(combinedText(await sha256Hex(shared), own));
}

export class ConfigurationAgent {
  private applied: { hash: string; values: Values; differing: string[] } | undefined;
  /** A hash refused or failed: not fetched again until the server names another one. */
  private given: string | undefined;
  private running: Promise<unknown> | undefined;

  constructor(
    private readonly getJson: <T>(path: string) => Promise<T>,
    private readonly handlers: ConfigurationHandlers,
    private readonly onEvent: (event: ConfigurationEvent) => void = () => undefined,
    initial?: { hash: string; values: Values },
  ) {
    if (initial) this.applied = { ...initial, differing: [] };
  }

  /** What the next heartbeat reports (nothing before a first configuration). */
  report(): ConfigurationReport | undefined {
    if (!this.applied) return undefined;
    return this.applied.differing.length ? { appliedHash: this.applied.hash, differing: this.applied.differing } : { appliedHash: this.applied.hash };
  }

  get values(): Values | undefined {
    return this.applied?.values;
  }

  /** A heartbeat answer's hint: fetch and apply when it names a hash this terminal has not dealt with. */
  onHint(hint: ConfigurationHint): void {
    if (!hint || hint.hash === this.given || this.running) return;
    if (this.applied?.hash === hint.hash && !this.applied.differing.length) return;
    this.running = this.sync().then(() => undefined).finally(() => { this.running = undefined; });
  }

  /**
   * Inside a maintenance job: fetches and applies now (a configuration campaign gives its change only
   * while the terminal is out of service), then tells the server what was applied, before the job
   * completes. Throws when the configuration was refused or failed to apply: the job fails and rolls back.
   */
  async applyInJob(post: (path: string, body: unknown) => Promise<unknown>): Promise<void> {
    await this.running;
    const run = this.sync();
    this.running = run.finally(() => { this.running = undefined; });
    const outcome = await run;
    // No configuration for this terminal (no schema registered, or none placed): nothing to apply.
    if (outcome?.type === 'failed' && outcome.error instanceof PosFleetError && outcome.error.status === 404) return;
    if (outcome && outcome.type !== 'applied') throw new Error(outcome.type === 'refused' ? `configuration refused: ${outcome.parameter} ${outcome.reason}` : `configuration not applied: ${String(outcome.error)}`);
    const report = this.report();
    if (report) await post('/device/v1/configuration/applied', report);
  }

  /** Resolves once a fetch and apply under way has ended (tests, shutdown). */
  async idle(): Promise<void> {
    await this.running;
  }

  private async sync(): Promise<ConfigurationEvent | undefined> {
    let configuration: DeviceConfiguration;
    try {
      configuration = await this.getJson<DeviceConfiguration>('/device/v1/configuration');
    } catch (error) {
      const event: ConfigurationEvent = { type: 'failed', hash: '', error };
      this.onEvent(event);
      return event;
    }
    const { hash, values } = configuration;
    this.given = hash;
    const problem = new SchemaChecker(configuration.parameters as ParameterSchema).firstProblem(values);
    if (problem) {
      const event: ConfigurationEvent = { type: 'refused', hash, parameter: problem[0], reason: problem[1] };
      this.onEvent(event);
      if (this.applied) this.applied.differing = differingParameters(values, this.applied.values);
      return event;
    }
    const changed = this.applied ? differingParameters(this.applied.values, values) : Object.keys(values).sort();
    try {
      const inForce = (await this.handlers.apply(values, { hash, changed })) ?? values;
      // Computed here, not taken from the server: the report says what this terminal really runs with.
      const appliedHash = await configurationHashOf(inForce, configuration.parameters as ParameterSchema);
      this.applied = { hash: appliedHash, values: inForce, differing: appliedHash === hash ? [] : differingParameters(values, inForce) };
      const event: ConfigurationEvent = { type: 'applied', hash: appliedHash, changed };
      this.onEvent(event);
      return event;
    } catch (error) {
      if (this.applied) this.applied.differing = differingParameters(values, this.applied.values);
      const event: ConfigurationEvent = { type: 'failed', hash, error };
      this.onEvent(event);
      return event;
    }
  }
}
