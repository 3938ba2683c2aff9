// Terminal security, people's side: the settings, a site's geofence, acquirers' key policies, one
// terminal's view (where it is, its fingerprint and keys) and the key inventory for the PCI report.
// The terminal's side (heartbeats, relocation episodes, key incidents) is ./security-watch.service.ts;
// what both judge by is held in memory by ./security-policy.ts.
import type { Scope } from '../access/roles.ts';
import { fromCatalogue, notFound } from '../shared/errors.ts';
import { parseJson } from '../shared/json.ts';
import type { SecurityRule } from '../shared/rule-names.ts';
import { parseFingerprint, type KeySlot } from '../shared/terminal-security.ts';
import type { Clock } from '../shared/time.ts';
import { toSlot, type KeySlotWatch } from './key-slots.service.ts';
import type { SecurityPolicy } from './security-policy.ts';
import type { SecurityRepository } from './security.repository.ts';
import type { KeyProblem, SecuritySettings } from './security.rules.ts';
import type { GeofenceInput, KeyPolicyInput, SecuritySettingsInput } from './security.schemas.ts';

/** What security asks of other capabilities, wired in src/services.ts. */
export interface SecurityPorts {
  /** Opens a suspicious-activity case (under an incident of `rule`); answers the case's id. */
  openCase(terminalId: string, what: string, rule: 'terminal_relocated' | 'terminal_substituted', detail: Record<string, unknown>): Promise<{ id: string }>;
  openIncident(input: { terminalId: string; siteId: string | null; merchantId: string | null; rule: SecurityRule; detail: Record<string, unknown>; at: string }): Promise<void>;
  resolveIncident(terminalId: string, rule: SecurityRule, resolution: string): Promise<void>;
  /** Locks the terminal (refuses payments until a person lifts the lock). */
  lock(terminalId: string, reason: string): Promise<void>;
  /** Orders a 9.5.1.2 inspection of the terminal at its site (a work order). */
  orderInspection(terminal: { id: string; siteId: string; serialNumber: string }, reason: string): Promise<void>;
  /** The acquirer a terminal's effective configuration names (from memory), if any. */
  acquirerOf(terminalId: string): string | undefined;
  /** 404 unless the caller may see the site / terminal. */
  site(id: string, scope: Scope): Promise<{ id: string; latitude: number | null; longitude: number | null }>;
  terminal(id: string, scope: Scope): Promise<{ id: string; siteId: string | null }>;
  log?: ((message: string, fields?: Record<string, unknown>) => void) | undefined;
}

export class SecurityService {
  constructor(
    private readonly repo: SecurityRepository,
    private readonly clock: Clock,
    private readonly policy: SecurityPolicy,
    private readonly keys: Pick<KeySlotWatch, 'problemsOf'>,
    private readonly ports: Pick<SecurityPorts, 'acquirerOf' | 'site' | 'terminal'>,
  ) {}

  private now = () => this.clock().toISOString();

  /** Reads settings, fences and key policies into memory (at start, and on the security tick for other nodes' changes). */
  async load(): Promise<void> {
    await this.policy.load();
  }

  // ---- people
  settings(): SecuritySettings {
    return this.policy.settings;
  }

  /** Saves the settings given; the same values again change nothing (not even who changed them last). */
  async updateSettings(input: SecuritySettingsInput, by: string): Promise<SecuritySettings> {
    const next = { ...this.policy.settings, ...input };
    if (JSON.stringify(next) === JSON.stringify(this.policy.settings) && (await this.repo.settings()) !== undefined) return next;
    await this.repo.saveSettings(JSON.stringify(next), this.now(), by);
    this.policy.settings = next;
    return next;
  }

  async geofence(siteId: string, scope: Scope) {
    await this.ports.site(siteId, scope);
    const fence = this.policy.fence(siteId);
    return { siteId, geofence: fence ? { latitude: fence.latitude, longitude: fence.longitude, radiusM: fence.radiusM } : null };
  }

  async setGeofence(siteId: string, input: GeofenceInput, scope: Scope, by: string) {
    const site = await this.ports.site(siteId, scope);
    const latitude = input.latitude ?? site.latitude;
    const longitude = input.longitude ?? site.longitude;
    if (latitude === null || longitude === null || latitude === undefined || longitude === undefined) {
      throw fromCatalogue('validation_error', 'security.geofence_centre_required', {}, { field: 'latitude' });
    }
    await this.repo.saveGeofence({ site_id: siteId, latitude, longitude, radius_m: input.radiusM, updated_at: this.now(), updated_by: by });
    this.policy.setFence(siteId, { latitude, longitude, radiusM: input.radiusM });
    return this.geofence(siteId, scope);
  }

  async deleteGeofence(siteId: string, scope: Scope) {
    await this.ports.site(siteId, scope);
    if (!(await this.repo.deleteGeofence(siteId))) throw notFound('geofence of site', siteId);
    this.policy.dropFence(siteId);
  }

  async policies() {
    const rows = await this.repo.policies();
    return { items: rows.map((r) => ({ acquirer: r.acquirer, keyType: r.key_type, bdkId: r.bdk_id, kcv: r.kcv, updatedAt: r.updated_at, updatedBy: r.updated_by })) };
  }

  /** Requires a key of an acquirer's terminals; the same requirement again changes nothing. */
  async savePolicy(input: KeyPolicyInput, by: string) {
    const same = this.policy.requirement(input.acquirer, input.keyType);
    if (same && same.bdkId === (input.bdkId ?? null) && same.kcv === (input.kcv?.toUpperCase() ?? null)) return this.policies();
    await this.repo.savePolicy({ acquirer: input.acquirer, key_type: input.keyType, bdk_id: input.bdkId ?? null, kcv: input.kcv?.toUpperCase() ?? null, updated_at: this.now(), updated_by: by });
    await this.load();
    return this.policies();
  }

  async deletePolicy(acquirer: string, keyType: string) {
    if (!(await this.repo.deletePolicy(acquirer, keyType))) throw notFound('key policy', `${acquirer} ${keyType}`);
    await this.load();
  }

  /** What people see of one terminal's security: location, networks, fingerprint, key slots and their problems. */
  async terminalSecurity(terminalId: string, scope: Scope) {
    const terminal = await this.ports.terminal(terminalId, scope);
    const [[location], networks, slots, fingerprint, injections] = await Promise.all([
      this.repo.locations([terminal.id]), this.repo.networks([terminal.id]), this.repo.keySlots([terminal.id]), this.repo.fingerprint(terminal.id), this.repo.injections(terminal.id),
    ]);
    const fence = terminal.siteId ? this.policy.fence(terminal.siteId) : undefined;
    const keySlots = slots.map(toSlot);
    return {
      terminalId: terminal.id,
      location: location ? {
        seenAt: location.seen_at, latitude: location.latitude, longitude: location.longitude, accuracyM: location.accuracy_m,
        cellId: location.cell_id, bssid: location.bssid, sourceAddress: location.source_address, distanceM: location.distance_m,
        suspectSince: location.suspect_since, suspectReasons: parseJson<Record<string, unknown> | null>(location.suspect_reasons, null), caseId: location.case_id,
      } : null,
      geofence: fence ? { latitude: fence.latitude, longitude: fence.longitude, radiusM: fence.radiusM } : null,
      networks: networks.map((n) => ({ kind: n.kind, value: n.value, firstSeenAt: n.first_seen_at })),
      fingerprint: fingerprint?.hardware_fingerprint ? { status: 'bound' as const, ...parseFingerprint(fingerprint.hardware_fingerprint) } : { status: 'unbound' as const },
      acquirer: this.ports.acquirerOf(terminal.id) ?? null,
      keySlots,
      keyProblems: this.keys.problemsOf(terminal.id, keySlots, this.now()),
      keyInjections: injections.map((i) => ({ jobId: i.job_id, outcome: i.outcome, recordedAt: i.recorded_at, slots: parseJson<KeySlot[]>(i.slots, []), problems: parseJson<KeyProblem[]>(i.problems, []) })),
    };
  }

  /**
   * The key inventory (for the PCI report): per terminal the caller may see, its acquirer, the slots it
   * last reported and what its acquirer's policy finds wrong with them (missing, mismatched, expiring
   * with their deadline).
   */
  async keyInventory(scope: Scope) {
    const terminals = await this.repo.terminalsIn(scope);
    const slots = await this.repo.keySlots(terminals.map((t) => t.id));
    const byTerminal = new Map<string, KeySlot[]>();
    for (const s of slots) byTerminal.set(s.terminal_id, [...(byTerminal.get(s.terminal_id) ?? []), toSlot(s)]);
    const at = this.now();
    return {
      generatedAt: at,
      expiryWarningDays: this.policy.settings.keyExpiryWarningDays,
      items: terminals.map((t) => {
        const own = byTerminal.get(t.id) ?? [];
        return {
          terminalId: t.id, serialNumber: t.serial_number, siteId: t.site_id, siteName: t.site_name, merchantId: t.merchant_id,
          acquirer: this.ports.acquirerOf(t.id) ?? null, reported: byTerminal.has(t.id), slots: own,
          problems: byTerminal.has(t.id) ? this.keys.problemsOf(t.id, own, at) : [],
        };
      }),
    };
  }}
