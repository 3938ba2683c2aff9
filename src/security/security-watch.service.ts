// The terminal's side of security: heartbeats are looked at from memory only. The guard refuses key
// material and another terminal's hardware (a substitution opens one critical case per fingerprint seen)
// before a heartbeat is stored; each stored heartbeat's location and key slots wait in memory for the
// next flush (at most a second later), which reads and writes once per batch: relocation episodes
// (./relocations.service.ts) and key incidents (./key-slots.service.ts).
import type { HeartbeatReport } from '../device/device.schemas.ts';
import type { HeartbeatGuard } from '../device/device.service.ts';
import { setBounded } from '../shared/bounded-map.ts';
import { fromCatalogue } from '../shared/errors.ts';
import { fingerprintText, parseFingerprint, type HardwareFingerprint, type KeySlot, type TerminalLocation } from '../shared/terminal-security.ts';
import { injectsKeys, type KeySlotWatch } from './key-slots.service.ts';
import type { RelocationWatch } from './relocations.service.ts';
import type { SecurityRepository } from './security.repository.ts';
import { fingerprintDifferences, keyMaterialIn } from './security.rules.ts';
import type { SecurityPorts } from './security.service.ts';

interface Pending { terminalId: string; at: string; location: TerminalLocation | undefined; sourceAddress: string | undefined; keys: KeySlot[] | undefined }

const FLUSH_EVERY_MS = 1000;
/**
 * Terminals whose last source address one process keeps: it is needed from the guard until the heartbeat's batch is
 * written (about a second), so the oldest are dropped first; one dropped is recorded without its address.
 */
const ADDRESSES_MAX_TERMINALS = 200_000;
/** Fields of a heartbeat report the protocol knows: any other is looked at for key material. */
const KNOWN_FIELDS = new Set(['seq', 'sentAt', 'appVersion', 'firmwareVersion', 'battery', 'printer', 'cardReader', 'network', 'storageFreeMb',
  'temperatureC', 'uptimeSeconds', 'tamper', 'crashes', 'security', 'transactions', 'configuration', 'hardware', 'location', 'keys']);

export class SecurityWatch {
  /** The source address each terminal's last heartbeat came from (the guard sees it; the flush records it). */
  private addresses = new Map<string, string>();
  private pending = new Map<string, Pending>();
  /** Substitutions already reported (terminal + fingerprint), so a skimmer retrying opens no second case. */
  private reportedSubstitutions = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  /** Flushes and sweeps run one at a time (a sweep must not open a case a running flush is opening). */
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly repo: Pick<SecurityRepository, 'terminals'>,
    private readonly relocations: RelocationWatch,
    private readonly keys: KeySlotWatch,
    private readonly ports: Pick<SecurityPorts, 'openCase' | 'log'>,
    private readonly maxAddresses = ADDRESSES_MAX_TERMINALS,
  ) {}

  // ---- the heartbeat path (memory only)
  /** The device protocol's guard: refuses key material and another terminal's hardware; binds a first fingerprint. */
  readonly guard: HeartbeatGuard = (terminalId, report, seen) => {
    const material = keyMaterialIn(report as unknown as Record<string, unknown>, KNOWN_FIELDS);
    if (material) throw fromCatalogue('validation_error', 'security.key_material', { field: material[0] }, { field: material[0] });
    if (seen.sourceAddress) setBounded(this.addresses, terminalId, seen.sourceAddress, this.maxAddresses);
    const reported = report.hardware;
    if (!seen.boundFingerprint) return reported ? { bindFingerprint: fingerprintText(reported) } : undefined;
    if (!reported) throw fromCatalogue('forbidden', 'security.hardware_missing', {}, { field: 'hardware' });
    const differs = fingerprintDifferences(parseFingerprint(seen.boundFingerprint), reported);
    if (!differs.length) return undefined;
    void this.substituted(terminalId, parseFingerprint(seen.boundFingerprint), reported, differs);
    throw fromCatalogue('forbidden', 'security.hardware_mismatch', { parts: differs.join(', ') }, { field: 'hardware' });
  };

  /** Told about the new heartbeats of every written batch: notes their location and keys for the next flush. */
  observe(fresh: { terminalId: string; report: HeartbeatReport; receivedAt: string }[]): void {
    for (const h of fresh) {
      const previous = this.pending.get(h.terminalId);
      if (previous && previous.at > h.receivedAt) continue;
      this.pending.set(h.terminalId, {
        terminalId: h.terminalId, at: h.receivedAt, location: h.report.location, sourceAddress: this.addresses.get(h.terminalId),
        keys: h.report.keys ?? previous?.keys,
      });
    }
    if (this.pending.size && !this.timer) {
      this.timer = setTimeout(() => void this.flush().catch((error: unknown) => this.ports.log?.('security flush failed', { error: String(error) })), FLUSH_EVERY_MS);
      this.timer.unref();
    }
  }

  /** Works through the sightings noted since the last flush (one at a time; also called by tests and at close). */
  async flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const run = this.flushing.then(() => this.flushNow());
    this.flushing = run.catch(() => undefined);
    await run;
  }

  private async flushNow(): Promise<void> {
    const items = [...this.pending.values()];
    this.pending.clear();
    if (!items.length) return;
    const ids = items.map((i) => i.terminalId);
    const [terminals, prior] = await Promise.all([this.repo.terminals(ids), this.relocations.prior(ids)]);
    const terminalById = new Map(terminals.map((t) => [t.id, t]));
    await this.relocations.judge(items, terminalById, prior);
    await this.keys.check(items.filter((i) => i.keys), terminalById);
  }

  /**
   * The relocation sweep (a job): terminals last seen outside their fence (or on an unusual network) for
   * longer than the grace period, with no case yet, are judged without waiting for a heartbeat that may
   * never come. One case per episode, whoever opens it; how many were opened.
   */
  async sweepRelocations(): Promise<number> {
    const run = this.flushing.then(() => this.relocations.sweep());
    this.flushing = run.then(() => undefined, () => undefined);
    return run;
  }

  /** A maintenance job that injected keys ended: records what the terminal now reports and what is still wrong. */
  async keyInjectionEnded(job: { id: string; terminal_id: string; work: string }, outcome: 'completed' | 'failed'): Promise<void> {
    if (!injectsKeys(job)) return;
    // What the terminal reported up to now counts: its heartbeat after the injection is in the next flush.
    await this.flush();
    await this.keys.recordInjection(job, outcome);
  }

  /** A heartbeat with the terminal's credential from other hardware: one critical case per fingerprint seen. */
  private async substituted(terminalId: string, bound: HardwareFingerprint, reported: HardwareFingerprint, differs: string[]): Promise<void> {
    const key = `${terminalId} ${fingerprintText(reported)}`;
    if (this.reportedSubstitutions.has(key)) return;
    this.reportedSubstitutions.add(key);
    if (this.reportedSubstitutions.size > 100_000) this.reportedSubstitutions.clear();
    const what = `A heartbeat with terminal ${bound.serial}'s credential came from other hardware (${differs.map((d) => `${d} ${reported[d as keyof HardwareFingerprint]} instead of ${bound[d as keyof HardwareFingerprint]}`).join('; ')}); it was refused`;
    try {
      await this.ports.openCase(terminalId, what, 'terminal_substituted', { bound, reported, differs, sourceAddress: this.addresses.get(terminalId) ?? null });
    } catch (error) {
      this.reportedSubstitutions.delete(key);
      this.ports.log?.('substitution case not opened', { terminal: terminalId, error: String(error) });
    }
  }
}
