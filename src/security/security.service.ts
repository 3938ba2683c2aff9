// Terminal security: where a terminal is and whether it is the same terminal, and its keys.
// Heartbeats are looked at from memory only: the guard refuses another hardware fingerprint or key
// material before a heartbeat is stored, and each stored heartbeat's location and key slots wait in
// memory for the next flush (at most a second later), which reads and writes once per batch, opens a
// case per relocation episode (locking and ordering an inspection by policy), and opens or resolves
// key incidents. People's side: settings, geofences, key policies, a terminal's view, the key inventory.
import { randomUUID } from 'node:crypto';
import type { Scope } from '../access/roles.ts';
import type { TerminalLocationTable } from '../db/schema.ts';
import type { HeartbeatReport } from '../device/device.schemas.ts';
import type { HeartbeatGuard } from '../device/device.service.ts';
import { fromCatalogue, notFound } from '../shared/errors.ts';
import { parseJson } from '../shared/json.ts';
import type { SecurityRule } from '../shared/rule-names.ts';
import { fingerprintText, parseFingerprint, type HardwareFingerprint, type KeySlot, type TerminalLocation } from '../shared/terminal-security.ts';
import type { Clock } from '../shared/time.ts';
import type { SecurityRepository } from './security.repository.ts';
import {
  assess, DEFAULT_SECURITY_SETTINGS, fingerprintDifferences, isMobile, keyMaterialIn, keyProblems, networksOf, nextEpisode,
  type Geofence, type KeyProblem, type KeyProblemRule, type KeyRequirement, type Network, type SecuritySettings,
} from './security.rules.ts';
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

interface Pending { terminalId: string; at: string; location: TerminalLocation | undefined; sourceAddress: string | undefined; keys: KeySlot[] | undefined }

const FLUSH_EVERY_MS = 1000;
/** Fields of a heartbeat report the protocol knows: any other is looked at for key material. */
const KNOWN_FIELDS = new Set(['seq', 'sentAt', 'appVersion', 'firmwareVersion', 'battery', 'printer', 'cardReader', 'network', 'storageFreeMb',
  'temperatureC', 'uptimeSeconds', 'tamper', 'crashes', 'security', 'transactions', 'configuration', 'hardware', 'location', 'keys']);

export class SecurityService {
  private settingsNow: SecuritySettings = DEFAULT_SECURITY_SETTINGS;
  private fences = new Map<string, Geofence>();
  private policyByAcquirer = new Map<string, KeyRequirement[]>();
  /** The source address each terminal's last heartbeat came from (the guard sees it; the flush records it). */
  private addresses = new Map<string, string>();
  private pending = new Map<string, Pending>();
  /** Key problems each terminal was last found with ("rule" → detail JSON); unknown after a restart. */
  private keyState = new Map<string, Map<KeyProblemRule, string>>();
  /** Substitutions already reported (terminal + fingerprint), so a skimmer retrying opens no second case. */
  private reportedSubstitutions = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();

  constructor(private readonly repo: SecurityRepository, private readonly clock: Clock, private readonly ports: SecurityPorts) {}

  private now = () => this.clock().toISOString();

  /** Reads settings, fences and key policies into memory (at start, and on the security tick for other nodes' changes). */
  async load(): Promise<void> {
    const [settings, fences, policies] = await Promise.all([this.repo.settings(), this.repo.geofences(), this.repo.policies()]);
    this.settingsNow = { ...DEFAULT_SECURITY_SETTINGS, ...parseJson<Partial<SecuritySettings>>(settings ?? '{}', {}) };
    this.fences = new Map(fences.map((f) => [f.site_id, { latitude: f.latitude, longitude: f.longitude, radiusM: Number(f.radius_m) }]));
    const byAcquirer = new Map<string, KeyRequirement[]>();
    for (const p of policies) byAcquirer.set(p.acquirer, [...(byAcquirer.get(p.acquirer) ?? []), { keyType: p.key_type, bdkId: p.bdk_id, kcv: p.kcv }]);
    this.policyByAcquirer = byAcquirer;
  }

  // ---- the heartbeat path (memory only)
  /** The device protocol's guard: refuses key material and another terminal's hardware; binds a first fingerprint. */
  readonly guard: HeartbeatGuard = (terminalId, report, seen) => {
    const material = keyMaterialIn(report as unknown as Record<string, unknown>, KNOWN_FIELDS);
    if (material) throw fromCatalogue('validation_error', 'security.key_material', { field: material[0] }, { field: material[0] });
    if (seen.sourceAddress) this.addresses.set(terminalId, seen.sourceAddress);
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
    const [terminals, locations, networks] = await Promise.all([this.repo.terminals(ids), this.repo.locations(ids), this.repo.networks(ids)]);
    const terminalById = new Map(terminals.map((t) => [t.id, t]));
    const locationById = new Map(locations.map((l) => [l.terminal_id, l]));
    const knownById = new Map<string, Network[]>();
    for (const n of networks) knownById.set(n.terminal_id, [...(knownById.get(n.terminal_id) ?? []), { kind: n.kind, value: n.value }]);
    const settings = this.settingsNow;
    const rows: TerminalLocationTable[] = [];
    const learnt: { terminal_id: string; kind: Network['kind']; value: string; first_seen_at: string }[] = [];
    const opened: { terminal: (typeof terminals)[number]; detail: Record<string, unknown>; row: TerminalLocationTable; stored: boolean }[] = [];
    for (const item of items) {
      const terminal = terminalById.get(item.terminalId);
      if (!terminal) continue;
      const fence = terminal.site_id ? this.fences.get(terminal.site_id) : undefined;
      const previous = locationById.get(terminal.id);
      // A terminal that stops sending its position is judged by the last one it sent (stopping after a
      // move does not end the episode); a fresh fix inside the fence does.
      const lastFix = previous?.latitude != null && previous.longitude != null
        ? { lat: previous.latitude, lon: previous.longitude, ...(previous.accuracy_m != null && { accuracyM: previous.accuracy_m }) } : undefined;
      const location = item.location?.gps || !lastFix ? item.location : { ...item.location, gps: lastFix };
      const sighting = { location, networks: networksOf(item.location, item.sourceAddress) };
      const a = assess(sighting, fence, knownById.get(terminal.id) ?? []);
      for (const n of a.firstNetworks) learnt.push({ terminal_id: terminal.id, kind: n.kind, value: n.value, first_seen_at: item.at });
      const mobile = isMobile(terminal.tags, settings.mobileTags);
      const suspect = !mobile && (a.outside || a.newNetworks.length > 0);
      const step = nextEpisode({ suspectSince: previous?.suspect_since ?? null, caseId: previous?.case_id ?? null }, suspect, item.at, settings.relocationGraceMinutes * 60_000);
      const reasons = suspect ? { ...(a.outside && { outsideFence: { distanceM: a.distanceM, radiusM: fence?.radiusM } }), ...(a.newNetworks.length && { newNetworks: a.newNetworks }) } : null;
      const gps = item.location?.gps;
      const row: TerminalLocationTable = {
        terminal_id: terminal.id, seen_at: item.at,
        latitude: gps?.lat ?? previous?.latitude ?? null, longitude: gps?.lon ?? previous?.longitude ?? null, accuracy_m: gps ? gps.accuracyM ?? null : previous?.accuracy_m ?? null,
        cell_id: item.location?.cellId ?? null, bssid: item.location?.bssid?.toLowerCase() ?? null, source_address: item.sourceAddress ?? null,
        distance_m: a.distanceM, suspect_since: step.episode.suspectSince, suspect_reasons: reasons ? JSON.stringify(reasons) : null, case_id: step.episode.caseId, updated_at: this.now(),
      };
      rows.push(row);
      if (step.open) {
        // An episode stored before is claimed first: a sweep on another node may be opening its case.
        opened.push({ terminal, detail: reasons ?? {}, row, stored: previous?.suspect_since === step.episode.suspectSince });
        // The case carries the new networks: the episode goes on only while the terminal stays outside its fence.
        for (const n of a.newNetworks) learnt.push({ terminal_id: terminal.id, kind: n.kind, value: n.value, first_seen_at: item.at });
      }
    }
    for (const o of opened) {
      const caseId = await this.openRelocationCase(o.terminal, o.row.suspect_since!, o.detail, o.stored);
      if (caseId) o.row.case_id = caseId;
    }
    await this.repo.saveLocations(rows);
    await this.repo.addNetworks(learnt);
    await this.flushKeys(items.filter((i) => i.keys), terminalById);
  }

  /**
   * Opens the case of a relocation episode and, by policy, locks the terminal and orders its inspection.
   * A stored episode is claimed first, so a flush and a sweep (on any node) open one case between them;
   * the case's id or null (another claimed it, or it could not be opened).
   */
  private async openRelocationCase(terminal: { id: string; serial_number: string; site_id: string | null }, since: string, reasons: RelocationReasons, stored: boolean): Promise<string | null> {
    const claim = `claim:${randomUUID()}`;
    if (stored && !(await this.repo.claimEpisode(terminal.id, since, claim))) return null;
    const what = relocationWhat(terminal.serial_number, reasons, since);
    let caseId: string;
    try {
      caseId = (await this.ports.openCase(terminal.id, what, 'terminal_relocated', reasons)).id;
    } catch (error) {
      if (stored) await this.repo.claimEpisode(terminal.id, since, null, claim).catch(() => undefined);
      this.ports.log?.('relocation case not opened', { terminal: terminal.id, error: String(error) });
      return null;
    }
    if (stored) await this.repo.claimEpisode(terminal.id, since, caseId, claim);
    if (!this.settingsNow.lockOnRelocation) return caseId;
    await this.ports.lock(terminal.id, `relocated: ${what}`).catch((error: unknown) => this.ports.log?.('relocation lock not applied', { terminal: terminal.id, error: String(error) }));
    if (terminal.site_id) {
      await this.ports.orderInspection({ id: terminal.id, siteId: terminal.site_id, serialNumber: terminal.serial_number }, what)
        .catch((error: unknown) => this.ports.log?.('inspection not ordered', { terminal: terminal.id, error: String(error) }));
    }
    return caseId;
  }

  /**
   * The relocation sweep (a job): terminals last seen outside their fence (or on an unusual network) for
   * longer than the grace period, with no case yet, are judged without waiting for a heartbeat that may
   * never come. One case per episode, whoever opens it; how many were opened.
   */
  async sweepRelocations(): Promise<number> {
    const run = this.flushing.then(() => this.sweepNow());
    this.flushing = run.then(() => undefined, () => undefined);
    return run;
  }

  private async sweepNow(): Promise<number> {
    const before = new Date(this.clock().getTime() - this.settingsNow.relocationGraceMinutes * 60_000).toISOString();
    const due = await this.repo.suspectsWithoutCase(before, 500);
    if (!due.length) return 0;
    const terminals = new Map((await this.repo.terminals(due.map((d) => d.terminal_id))).map((t) => [t.id, t]));
    let opened = 0;
    for (const d of due) {
      const terminal = terminals.get(d.terminal_id);
      // Tagged mobile since: no case (its next heartbeat ends the episode).
      if (!terminal || isMobile(terminal.tags, this.settingsNow.mobileTags)) continue;
      if (await this.openRelocationCase(terminal, d.suspect_since!, parseJson<RelocationReasons>(d.suspect_reasons, {}), true)) opened++;
    }
    return opened;
  }

  private async flushKeys(items: Pending[], terminals: Map<string, { id: string; site_id: string | null; merchant_id: string | null }>): Promise<void> {
    if (!items.length) return;
    const at = this.now();
    await this.repo.replaceKeySlots(items.map((i) => i.terminalId), items.flatMap((i) => (i.keys ?? []).map((k) => ({
      terminal_id: i.terminalId, slot: k.slot, key_type: k.type, bdk_id: k.bdkId ?? null, kcv: k.kcv?.toUpperCase() ?? null, ksn_prefix: k.ksnPrefix?.toUpperCase() ?? null,
      loaded_at: k.loadedAt ?? null, expires_at: k.expiresAt ?? null, reported_at: i.at,
    }))));
    for (const item of items) {
      const terminal = terminals.get(item.terminalId);
      if (!terminal) continue;
      const required = this.requiredKeys(item.terminalId);
      const problems = keyProblems(item.keys ?? [], required, at, this.settingsNow.keyExpiryWarningDays);
      await this.applyKeyProblems(terminal, problems, at);
    }
  }

  private requiredKeys(terminalId: string): KeyRequirement[] {
    const acquirer = this.ports.acquirerOf(terminalId);
    return acquirer ? this.policyByAcquirer.get(acquirer) ?? [] : [];
  }

  /** Opens an incident per rule with problems (naming the keys and the earliest deadline), resolves the others. */
  private async applyKeyProblems(terminal: { id: string; site_id: string | null; merchant_id: string | null }, problems: KeyProblem[], at: string): Promise<void> {
    const before = this.keyState.get(terminal.id);
    const now = new Map<KeyProblemRule, string>();
    for (const rule of ['key_missing', 'key_mismatch', 'key_expiring'] as const) {
      const mine = problems.filter((p) => p.rule === rule);
      if (mine.length) {
        const detail = { keys: mine, deadline: mine.map((p) => p.deadline).sort()[0], acquirer: this.ports.acquirerOf(terminal.id) ?? null };
        const text = JSON.stringify(detail.keys);
        now.set(rule, text);
        if (before?.get(rule) === text) continue;
        await this.ports.openIncident({ terminalId: terminal.id, siteId: terminal.site_id, merchantId: terminal.merchant_id, rule, detail, at })
          .catch((error: unknown) => this.ports.log?.('key incident not opened', { terminal: terminal.id, rule, error: String(error) }));
      } else if (!before || before.has(rule)) {
        await this.ports.resolveIncident(terminal.id, rule, 'the terminal reports the keys its acquirer requires')
          .catch((error: unknown) => this.ports.log?.('key incident not resolved', { terminal: terminal.id, rule, error: String(error) }));
      }
    }
    this.keyState.set(terminal.id, now);
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

  // ---- key injection results
  /** A maintenance job that injected keys ended: records what the terminal now reports and what is still wrong. */
  async keyInjectionEnded(job: { id: string; terminal_id: string; work: string }, outcome: 'completed' | 'failed'): Promise<void> {
    if (!parseJson<string[]>(job.work, []).includes('key_injection')) return;
    // What the terminal reported up to now counts: its heartbeat after the injection is in the next flush.
    await this.flush();
    const slots = (await this.repo.keySlots([job.terminal_id])).map(toSlot);
    const problems = keyProblems(slots, this.requiredKeys(job.terminal_id), this.now(), this.settingsNow.keyExpiryWarningDays);
    await this.repo.addInjection({
      id: randomUUID(), terminal_id: job.terminal_id, job_id: job.id, outcome: outcome === 'completed' && !problems.some((p) => p.rule !== 'key_expiring') ? 'succeeded' : 'failed',
      slots: JSON.stringify(slots), problems: JSON.stringify(problems), recorded_at: this.now(),
    });
  }

  // ---- people
  settings(): SecuritySettings {
    return this.settingsNow;
  }

  /** Saves the settings given; the same values again change nothing (not even who changed them last). */
  async updateSettings(input: SecuritySettingsInput, by: string): Promise<SecuritySettings> {
    const next = { ...this.settingsNow, ...input };
    if (JSON.stringify(next) === JSON.stringify(this.settingsNow) && (await this.repo.settings()) !== undefined) return next;
    await this.repo.saveSettings(JSON.stringify(next), this.now(), by);
    this.settingsNow = next;
    return next;
  }

  async geofence(siteId: string, scope: Scope) {
    await this.ports.site(siteId, scope);
    const fence = this.fences.get(siteId);
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
    this.fences.set(siteId, { latitude, longitude, radiusM: input.radiusM });
    return this.geofence(siteId, scope);
  }

  async deleteGeofence(siteId: string, scope: Scope) {
    await this.ports.site(siteId, scope);
    if (!(await this.repo.deleteGeofence(siteId))) throw notFound('geofence of site', siteId);
    this.fences.delete(siteId);
  }

  async policies() {
    const rows = await this.repo.policies();
    return { items: rows.map((r) => ({ acquirer: r.acquirer, keyType: r.key_type, bdkId: r.bdk_id, kcv: r.kcv, updatedAt: r.updated_at, updatedBy: r.updated_by })) };
  }

  /** Requires a key of an acquirer's terminals; the same requirement again changes nothing. */
  async savePolicy(input: KeyPolicyInput, by: string) {
    const same = this.policyByAcquirer.get(input.acquirer)?.find((r) => r.keyType === input.keyType);
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
    const fence = terminal.siteId ? this.fences.get(terminal.siteId) : undefined;
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
      keyProblems: keyProblems(keySlots, this.requiredKeys(terminal.id), this.now(), this.settingsNow.keyExpiryWarningDays),
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
      expiryWarningDays: this.settingsNow.keyExpiryWarningDays,
      items: terminals.map((t) => {
        const own = byTerminal.get(t.id) ?? [];
        return {
          terminalId: t.id, serialNumber: t.serial_number, siteId: t.site_id, siteName: t.site_name, merchantId: t.merchant_id,
          acquirer: this.ports.acquirerOf(t.id) ?? null, reported: byTerminal.has(t.id), slots: own,
          problems: byTerminal.has(t.id) ? keyProblems(own, this.requiredKeys(t.id), at, this.settingsNow.keyExpiryWarningDays) : [],
        };
      }),
    };
  }
}

type RelocationReasons = { outsideFence?: { distanceM: number | null; radiusM?: number | undefined }; newNetworks?: Network[] };

/** What a relocation case says (for people; the reasons are its evidence). */
function relocationWhat(serialNumber: string, reasons: RelocationReasons, since: string): string {
  const out = reasons.outsideFence;
  const what = [
    out ? `seen ${Math.round((out.distanceM ?? 0) / 100) / 10} km from its site (geofence ${out.radiusM ?? 0} m)` : '',
    reasons.newNetworks?.length ? `on networks not seen before: ${reasons.newNetworks.map((n) => `${n.kind} ${n.value}`).join(', ')}` : '',
  ].filter(Boolean).join('; ');
  return `Terminal ${serialNumber} ${what}, since ${since}`;
}

function toSlot(r: { slot: number | string; key_type: KeySlot['type']; bdk_id: string | null; kcv: string | null; ksn_prefix: string | null; loaded_at: string | null; expires_at: string | null }): KeySlot {
  return {
    slot: Number(r.slot), type: r.key_type, ...(r.bdk_id && { bdkId: r.bdk_id }), ...(r.kcv && { kcv: r.kcv }), ...(r.ksn_prefix && { ksnPrefix: r.ksn_prefix }),
    ...(r.loaded_at && { loadedAt: r.loaded_at }), ...(r.expires_at && { expiresAt: r.expires_at }),
  };
}
