// Remembers which terminal a credential hash belongs to, so a heartbeat costs no credential query.
// Entries live briefly: a credential revoked on another server node is forgotten at once when that node
// tells this one (src/cluster/invalidations.ts), and stops working within TTL_MS (of the server's clock,
// which the caller passes) should the notice be lost.
import { setBounded } from '../shared/bounded-map.ts';
import { TtlCache } from '../shared/ttl-cache.ts';

const TTL_MS = 5_000;
/** Credential hashes remembered (and terminals, for their fingerprints); the oldest set are dropped first. */
const MAX_ENTRIES = 2_000_000;

export class CredentialCache {
  private byHash = new TtlCache<string, string>(MAX_ENTRIES, TTL_MS);
  /** The hardware fingerprint bound to the terminal's credentials (null: none bound yet), cached with them. */
  private fingerprints = new Map<string, string | null>();
  /** A terminal may hold several valid credentials at once (the answers of one retried enrolment). */
  private hashesByTerminal = new Map<string, Set<string>>();

  get(hash: string, now: number): string | undefined {
    return this.byHash.get(hash, now);
  }

  set(hash: string, terminalId: string, now: number, fingerprint: string | null = null): void {
    this.byHash.set(hash, terminalId, now);
    setBounded(this.fingerprints, terminalId, fingerprint, MAX_ENTRIES);
    const hashes = this.hashesByTerminal.get(terminalId);
    if (hashes) hashes.add(hash);
    else setBounded(this.hashesByTerminal, terminalId, new Set([hash]), MAX_ENTRIES);
  }

  /** The fingerprint cached with the terminal's credential; undefined when not cached. */
  fingerprintOf(terminalId: string): string | null | undefined {
    return this.fingerprints.get(terminalId);
  }

  bindFingerprint(terminalId: string, fingerprint: string): void {
    if (this.fingerprints.has(terminalId)) this.fingerprints.set(terminalId, fingerprint);
  }

  forgetTerminal(terminalId: string): void {
    this.fingerprints.delete(terminalId);
    for (const hash of this.hashesByTerminal.get(terminalId) ?? []) this.byHash.delete(hash);
    this.hashesByTerminal.delete(terminalId);
  }

  clear(): void {
    this.byHash.clear();
    this.fingerprints.clear();
    this.hashesByTerminal.clear();
  }
}
