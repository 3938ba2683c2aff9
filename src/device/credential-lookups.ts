// Credentials the cache does not hold are looked up together: the requests that reach authentication
// in the same turn of the event loop share one query instead of a round trip each. A terminal beats
// far less often than the credential cache keeps it, so in production nearly every heartbeat needs its
// credential read from the database (on PostgreSQL a statement and a round trip per heartbeat before).

/** The terminal a live credential belongs to, with the hardware fingerprint bound to it. */
export interface CredentialOwner { terminal_id: string; hardware_fingerprint: string | null }

type Waiting = { resolve: (owner: CredentialOwner | undefined) => void; reject: (error: unknown) => void }[];

export class CredentialLookups {
  private waiting = new Map<string, Waiting>();

  /** `find` answers the owners of the live credentials among these hashes, by hash. */
  constructor(private readonly find: (hashes: string[]) => Promise<Map<string, CredentialOwner>>) {}

  /** The owner of this credential hash, or undefined for an unknown, revoked or removed one. */
  owner(hash: string): Promise<CredentialOwner | undefined> {
    return new Promise((resolve, reject) => {
      const same = this.waiting.get(hash);
      if (same) return void same.push({ resolve, reject });
      // Let the requests already read from sockets join this lookup (as the heartbeat writer's batches do).
      if (!this.waiting.size) setImmediate(() => void this.lookUp());
      this.waiting.set(hash, [{ resolve, reject }]);
    });
  }

  private async lookUp(): Promise<void> {
    const waiting = this.waiting;
    this.waiting = new Map();
    try {
      const owners = await this.find([...waiting.keys()]);
      for (const [hash, callers] of waiting) for (const c of callers) c.resolve(owners.get(hash));
    } catch (error) {
      for (const callers of waiting.values()) for (const c of callers) c.reject(error);
    }
  }
}
