// Remembers which terminal a credential hash belongs to, so a heartbeat costs no credential query.
// Entries live long while every revocation is heard and 5 s while not (src/shared/revocable-cache.ts): a
// credential revoked or a terminal deleted on this node is forgotten by the code that did it, one revoked
// on another node when that node's database trigger tells this one (src/cluster/invalidations.ts).
import { setBounded } from '../shared/bounded-map.ts';
import { RevocableCache, type RevocationsHeard } from '../shared/revocable-cache.ts';

/** Credential hashes remembered (and terminals, for their fingerprints); the oldest set are dropped first. */
const MAX_ENTRIES = 2_000_000;

export class CredentialCache {
  private readonly byHash: RevocableCache<string, string>;
  /** The hardware fingerprint bound to the terminal's credentials (null: none bound yet), cached with them. */
  private fingerprints = new Map<string, string | null>();
  /** A terminal may hold several valid credentials at once (the answers of one retried enrolment). */
  private hashesByTerminal = new Map<string, string | string[]>();

  constructor(heard: RevocationsHeard) {
    this.byHash = new RevocableCache(MAX_ENTRIES, heard);
  }

  get(hash: string, now: number): string | undefined {
    return this.byHash.get(hash, now);
  }

  /** Taken before the credential query; its answer is set only if nothing was forgotten meanwhile. */
  ticket(): number {
    return this.byHash.ticket();
  }

  set(hash: string, terminalId: string, now: number, ticket: number, fingerprint: string | null = null): void {
    this.byHash.set(hash, terminalId, now, ticket);
    if (this.byHash.ticket() !== ticket) return;
    setBounded(this.fingerprints, terminalId, fingerprint, MAX_ENTRIES);
    // One string for the usual terminal with one credential: a million of them cost no Set each.
    const hashes = this.hashesByTerminal.get(terminalId);
    if (hashes === undefined) setBounded(this.hashesByTerminal, terminalId, hash, MAX_ENTRIES);
    else if (typeof hashes === 'string') { if (hashes !== hash) this.hashesByTerminal.set(terminalId, [hashes, hash]); }
    else if (!hashes.includes(hash)) hashes.push(hash);
  }

  /** The fingerprint cached with the terminal's credential; undefined when not cached. */
  fingerprintOf(terminalId: string): string | null | undefined {
    return this.fingerprints.get(terminalId);
  }

  bindFingerprint(terminalId: string, fingerprint: string): void {
    if (this.fingerprints.has(terminalId)) this.fingerprints.set(terminalId, fingerprint);
  }

  /** Its credentials were revoked or replaced, or it was deleted: its next request asks the database. */
  forgetTerminal(terminalId: string): void {
    this.fingerprints.delete(terminalId);
    const hashes = this.hashesByTerminal.get(terminalId);
    this.byHash.forget(hashes === undefined ? [] : typeof hashes === 'string' ? [hashes] : hashes);
    this.hashesByTerminal.delete(terminalId);
  }

  clear(): void {
    this.byHash.clear();
    this.fingerprints.clear();
    this.hashesByTerminal.clear();
  }

  get size(): number {
    return this.byHash.size;
  }
}
