// What a terminal's heartbeats carry about its configuration: the answer gives the hash of its effective
// configuration (from the in-memory cache: no query on the heartbeat path), the report the hash it
// applied and, on a mismatch, the parameters that differ. A terminal that stays on another hash than
// its effective one past the grace period opens one `configuration_drift` incident naming them.
import type { ConfigurationReport, ConfigurationHint } from './configuration.schemas.ts';
import type { EffectiveCache } from './effective-cache.ts';
import { setBounded } from '../shared/bounded-map.ts';
import type { Clock } from '../shared/time.ts';

/**
 * Terminals remembered on their effective configuration, and terminals remembered drifting: each at most
 * this many, the one heard from longest ago dropped first. What a forgotten terminal applied is read from
 * its last stored heartbeat; a forgotten drifting one starts its grace period again when heard from next.
 */
const MAX_MATCHING = 200_000;
const MAX_DRIFTING = 200_000;

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
  /** Terminals whose last report differs from their effective configuration. */
  private readonly applied = new Map<string, Applied>();
  /** Terminals whose last report was their effective configuration, with that hash (the cache's string, shared). */
  private readonly matching = new Map<string, string>();

  constructor(
    private readonly cache: EffectiveCache,
    /** Whether a schema is registered: without one no terminal has a configuration to fetch, so none is hinted. */
    private readonly hasSchema: () => boolean,
    private readonly clock: Clock,
    private readonly incidents: DriftIncidents,
    private readonly graceMs: number,
    /** Told about a terminal the cache does not know yet (looked up off the heartbeat's path). */
    private readonly unknown: (terminalId: string) => void = () => undefined,
    /** What these terminals reported in their last stored heartbeat: for those no longer remembered here. */
    private readonly lastReported: (terminalIds: string[]) => Promise<Map<string, ConfigurationReport>> = async () => new Map(),
  ) {}

  /** Called for every heartbeat: remembers what the terminal applied, answers what it should have. Synchronous, in memory. */
  heartbeat(terminalId: string, report: ConfigurationReport | undefined): ConfigurationHint {
    if (!this.hasSchema()) return null;
    const hash = this.cache.hashOf(terminalId);
    if (!hash) this.unknown(terminalId);
    if (report) {
      if (report.appliedHash === hash) {
        this.applied.delete(terminalId);
        setBounded(this.matching, terminalId, hash, MAX_MATCHING);
      } else if (hash) {
        this.matching.delete(terminalId);
        const known = this.applied.get(terminalId);
        const restart = !known || known.expected !== hash;
        setBounded(this.applied, terminalId, {
          hash: report.appliedHash, differing: report.differing ?? known?.differing ?? [], expected: hash,
          since: restart ? this.clock().getTime() : known.since, reported: restart ? false : known.reported,
        }, MAX_DRIFTING);
      }
    }
    return hash ? { hash } : null;
  }

  /** What the terminal last reported applying (undefined before its first report). */
  async appliedOf(terminalId: string): Promise<{ hash: string; differing: string[] } | undefined> {
    return (await this.appliedOfMany([terminalId])).get(terminalId);
  }

  /** What each of these terminals last reported applying: from memory, else from its last stored heartbeat. */
  async appliedOfMany(terminalIds: readonly string[]): Promise<Map<string, { hash: string; differing: string[] }>> {
    const found = new Map<string, { hash: string; differing: string[] }>();
    const forgotten: string[] = [];
    for (const id of terminalIds) {
      const a = this.applied.get(id);
      const matched = this.matching.get(id);
      if (a) found.set(id, { hash: a.hash, differing: a.differing });
      else if (matched !== undefined) found.set(id, { hash: matched, differing: [] });
      else forgotten.push(id);
    }
    for (const [id, r] of await this.lastReported(forgotten)) found.set(id, { hash: r.appliedHash, differing: r.differing ?? [] });
    return found;
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
