// What a terminal's heartbeats carry about its configuration: the answer gives the hash of its effective
// configuration (from the in-memory cache: no query on the heartbeat path), the report the hash it
// applied and, on a mismatch, the parameters that differ. A terminal that stays on another hash than
// its effective one past the grace period opens one `configuration_drift` incident naming them.
import type { ConfigurationReport, ConfigurationHint } from './configuration.schemas.ts';
import type { EffectiveCache } from './effective-cache.ts';
import type { Clock } from '../shared/time.ts';

interface Applied {
  hash: string;
  differing: string[];
  /** The effective hash when the mismatch was first seen: a newer change restarts the grace period. */
  expected: string;
  since: number;
  reported: boolean;
}

export interface DriftIncidents {
  open(terminalId: string, detail: { parameters: string[]; appliedHash: string; expectedHash: string; since: string }): Promise<void>;
  /** Resolves the open drift incidents of terminals `fixed` says are back on their effective configuration; how many. */
  resolve(fixed: (terminalId: string) => boolean): Promise<number>;
}

export class ConfigurationDelivery {
  private readonly applied = new Map<string, Applied>();
  private readonly matching = new Set<string>();

  constructor(
    private readonly cache: EffectiveCache,
    /** Whether a schema is registered: without one no terminal has a configuration to fetch, so none is hinted. */
    private readonly hasSchema: () => boolean,
    private readonly clock: Clock,
    private readonly incidents: DriftIncidents,
    private readonly graceMs: number,
    /** Told about a terminal the cache does not know yet (looked up off the heartbeat's path). */
    private readonly unknown: (terminalId: string) => void = () => undefined,
  ) {}

  /** Called for every heartbeat: remembers what the terminal applied, answers what it should have. Synchronous, in memory. */
  heartbeat(terminalId: string, report: ConfigurationReport | undefined): ConfigurationHint {
    if (!this.hasSchema()) return null;
    const hash = this.cache.hashOf(terminalId);
    if (!hash) this.unknown(terminalId);
    if (report) {
      if (report.appliedHash === hash) {
        this.applied.delete(terminalId);
        this.matching.add(terminalId);
      } else if (hash) {
        this.matching.delete(terminalId);
        const known = this.applied.get(terminalId);
        const restart = !known || known.expected !== hash;
        this.applied.set(terminalId, {
          hash: report.appliedHash, differing: report.differing ?? known?.differing ?? [], expected: hash,
          since: restart ? this.clock().getTime() : known.since, reported: restart ? false : known.reported,
        });
      }
    }
    return hash ? { hash } : null;
  }

  /** What the terminal last reported applying (null before its first report). */
  appliedOf(terminalId: string): { hash: string; differing: string[] } | undefined {
    const a = this.applied.get(terminalId);
    if (a) return { hash: a.hash, differing: a.differing };
    const hash = this.cache.hashOf(terminalId);
    return this.matching.has(terminalId) && hash ? { hash, differing: [] } : undefined;
  }

  /**
   * Opens a drift incident for each terminal past the grace period (once per mismatch), and resolves
   * those of terminals that reported their effective hash again since. Run by the configuration tick.
   */
  async sweep(): Promise<{ opened: number; resolved: number }> {
    const now = this.clock().getTime();
    let opened = 0;
    for (const [terminalId, a] of this.applied) {
      if (a.reported || now - a.since < this.graceMs || this.cache.hashOf(terminalId) !== a.expected) continue;
      await this.incidents.open(terminalId, { parameters: a.differing, appliedHash: a.hash, expectedHash: a.expected, since: new Date(a.since).toISOString() });
      a.reported = true;
      opened++;
    }
    // Read from the incidents (not remembered here), so an incident opened before a restart resolves too.
    const resolved = this.matching.size ? await this.incidents.resolve((terminalId) => this.matching.has(terminalId) && !this.applied.has(terminalId)) : 0;
    return { opened, resolved };
  }
}
