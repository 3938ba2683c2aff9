// Each terminal's effective configuration: every value with the level it came from (what an operator
// sees), the terminal's own unmasked fetch (only ever answered to that terminal), and a site's effective
// batch-close time for the window planner.
import type { Static } from 'typebox';
import { notFound } from '../shared/errors.ts';
import { BATCH_CLOSE_PARAMETER } from '../maintenance/windows/batch-close.ts';
import type { Actor, ConfigurationStore, EstateLookup } from './configuration-store.ts';
import type { EffectiveView } from './configuration.schemas.ts';
import { maskValues, type Level } from './parameters.ts';

export class EffectiveConfiguration {
  constructor(
    private readonly store: ConfigurationStore,
    private readonly estate: EstateLookup,
  ) {}

  async effectiveFor(terminalId: string, actor: Actor, applied?: { hash: string; differing: string[] }): Promise<Static<typeof EffectiveView>> {
    if (!(await this.estate.findTerminal(terminalId, actor.scope))) throw notFound('terminal', terminalId);
    await this.store.ensurePlaced(terminalId);
    const parameters = this.store.parameters;
    const { values, sources } = this.store.cache.effectiveOf(terminalId);
    const shown = maskValues(values, parameters);
    return {
      terminalId, hash: this.store.cache.hashOf(terminalId) ?? '', appliedHash: applied?.hash ?? null, differing: applied?.differing ?? [],
      parameters: Object.keys(parameters).sort().map((name) => {
        const spec = parameters[name]!;
        return {
          name, value: shown[name] ?? null, source: sources[name] ?? { level: 'default' as const, scopeId: '' }, secret: !!spec.secret,
          applies: spec.applies ?? 'live', merchantEditable: !!spec.merchantEditable,
        };
      }),
    };
  }

  /** The terminal's own effective configuration, unmasked: only ever answered to that terminal. */
  async deviceConfiguration(terminalId: string) {
    const current = this.store.current;
    if (!current) throw notFound('configuration of terminal', terminalId);
    await this.store.ensurePlaced(terminalId);
    const hash = this.store.cache.hashOf(terminalId);
    if (!hash) throw notFound('configuration of terminal', terminalId);
    return { hash, application: current.application, schemaVersion: current.version, parameters: this.store.parameters, values: this.store.cache.effectiveOf(terminalId).values };
  }

  /** A site's effective batch-close time ('HH:MM', the site's time), from memory: the planner asks it per terminal. */
  batchCloseOf(site: { siteId: string | null; merchantId: string | null }): string | undefined {
    const spec = this.store.parameters[BATCH_CLOSE_PARAMETER];
    if (!spec) return undefined;
    const fromLevel = (level: Level, id: string | null) => (id === null ? undefined : this.store.cache.levelValues(level, id)[BATCH_CLOSE_PARAMETER]);
    const value = fromLevel('site', site.siteId) ?? fromLevel('merchant', site.merchantId) ?? fromLevel('fleet', '') ?? spec.default;
    return typeof value === 'string' ? value : undefined;
  }
}
