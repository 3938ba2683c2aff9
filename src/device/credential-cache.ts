// Remembers which terminal a credential hash belongs to, so a heartbeat costs no credential query.
// Entries live briefly: a credential revoked on another server node is forgotten at once when that node
// tells this one (src/cluster/invalidations.ts), and stops working within TTL_MS (of the server's clock,
// which the caller passes) should the notice be lost.
const TTL_MS = 5_000;
const MAX_ENTRIES = 2_000_000;

export class CredentialCache {
  private byHash = new Map<string, { terminalId: string; until: number }>();
  /** A terminal may hold several valid credentials at once (the answers of one retried enrolment). */
  private hashesByTerminal = new Map<string, Set<string>>();

  get(hash: string, now: number): string | undefined {
    const entry = this.byHash.get(hash);
    if (!entry) return undefined;
    if (entry.until > now) return entry.terminalId;
    this.byHash.delete(hash);
    return undefined;
  }

  set(hash: string, terminalId: string, now: number): void {
    if (this.byHash.size >= MAX_ENTRIES) this.clear();
    this.byHash.set(hash, { terminalId, until: now + TTL_MS });
    const hashes = this.hashesByTerminal.get(terminalId);
    if (hashes) hashes.add(hash);
    else this.hashesByTerminal.set(terminalId, new Set([hash]));
  }

  forgetTerminal(terminalId: string): void {
    for (const hash of this.hashesByTerminal.get(terminalId) ?? []) this.byHash.delete(hash);
    this.hashesByTerminal.delete(terminalId);
  }

  clear(): void {
    this.byHash.clear();
    this.hashesByTerminal.clear();
  }
}
