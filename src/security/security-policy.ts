// What security judges by, kept in memory so the heartbeat path asks no database: the settings, each
// site's geofence and the keys each acquirer requires. Read at start and on the security tick (for
// other nodes' changes); SecurityService writes a person's change through to it on this node.
import { parseJson } from '../shared/json.ts';
import type { SecurityRepository } from './security.repository.ts';
import { DEFAULT_SECURITY_SETTINGS, type Geofence, type KeyRequirement, type SecuritySettings } from './security.rules.ts';

export class SecurityPolicy {
  private settingsNow: SecuritySettings = DEFAULT_SECURITY_SETTINGS;
  private fences = new Map<string, Geofence>();
  private policyByAcquirer = new Map<string, KeyRequirement[]>();

  constructor(
    private readonly repo: Pick<SecurityRepository, 'settings' | 'geofences' | 'policies'>,
    /** The acquirer a terminal's effective configuration names (from memory), if any. */
    private readonly acquirerOf: (terminalId: string) => string | undefined,
  ) {}

  /** Reads settings, fences and key policies into memory. */
  async load(): Promise<void> {
    const [settings, fences, policies] = await Promise.all([this.repo.settings(), this.repo.geofences(), this.repo.policies()]);
    this.settingsNow = { ...DEFAULT_SECURITY_SETTINGS, ...parseJson<Partial<SecuritySettings>>(settings ?? '{}', {}) };
    this.fences = new Map(fences.map((f) => [f.site_id, { latitude: f.latitude, longitude: f.longitude, radiusM: Number(f.radius_m) }]));
    const byAcquirer = new Map<string, KeyRequirement[]>();
    for (const p of policies) byAcquirer.set(p.acquirer, [...(byAcquirer.get(p.acquirer) ?? []), { keyType: p.key_type, bdkId: p.bdk_id, kcv: p.kcv }]);
    this.policyByAcquirer = byAcquirer;
  }

  get settings(): SecuritySettings {
    return this.settingsNow;
  }

  set settings(next: SecuritySettings) {
    this.settingsNow = next;
  }

  fence(siteId: string): Geofence | undefined {
    return this.fences.get(siteId);
  }

  setFence(siteId: string, fence: Geofence): void {
    this.fences.set(siteId, fence);
  }

  dropFence(siteId: string): void {
    this.fences.delete(siteId);
  }

  /** What an acquirer requires of one key type, if it requires that key at all. */
  requirement(acquirer: string, keyType: string): KeyRequirement | undefined {
    return this.policyByAcquirer.get(acquirer)?.find((r) => r.keyType === keyType);
  }

  /** The keys a terminal must hold: its acquirer's policy (none when no acquirer is configured). */
  requiredKeys(terminalId: string): KeyRequirement[] {
    const acquirer = this.acquirerOf(terminalId);
    return acquirer ? this.policyByAcquirer.get(acquirer) ?? [] : [];
  }
}
