// Relocation episodes: where each terminal was seen against its site's geofence and the networks it
// usually uses. A terminal outside its fence (or on an unusual network) past the grace period opens one
// suspicious-activity case per episode, and by policy a lock and a 9.5.1.2 inspection. Judged on each
// flush of sightings (SecurityWatch) and by the sweep, for terminals that went silent out there.
import { randomUUID } from 'node:crypto';
import type { TerminalLocationTable } from '../db/schema.ts';
import { parseJson } from '../shared/json.ts';
import type { TerminalLocation } from '../shared/terminal-security.ts';
import type { Clock } from '../shared/time.ts';
import type { SecurityPolicy } from './security-policy.ts';
import type { SecurityRepository } from './security.repository.ts';
import { assess, isMobile, networksOf, nextEpisode, sightingUnchanged, type Network } from './security.rules.ts';
import type { SecurityPorts } from './security.service.ts';

/** A terminal as the flush and the sweep read it. */
export type WatchedTerminal = Awaited<ReturnType<SecurityRepository['terminals']>>[number];

/** Where a terminal was last seen and the networks it is known on, read once per flush. */
export interface PriorSightings {
  locationById: Map<string, Awaited<ReturnType<SecurityRepository['locations']>>[number]>;
  knownById: Map<string, Network[]>;
}

type RelocationReasons = { outsideFence?: { distanceM: number | null; radiusM?: number | undefined }; newNetworks?: Network[] };

export class RelocationWatch {
  constructor(
    private readonly repo: SecurityRepository,
    private readonly clock: Clock,
    private readonly policy: SecurityPolicy,
    private readonly ports: Pick<SecurityPorts, 'openCase' | 'lock' | 'orderInspection' | 'log'>,
  ) {}

  private now = () => this.clock().toISOString();

  async prior(terminalIds: string[]): Promise<PriorSightings> {
    const [locations, networks] = await Promise.all([this.repo.locations(terminalIds), this.repo.networks(terminalIds)]);
    const knownById = new Map<string, Network[]>();
    for (const n of networks) knownById.set(n.terminal_id, [...(knownById.get(n.terminal_id) ?? []), { kind: n.kind, value: n.value }]);
    return { locationById: new Map(locations.map((l) => [l.terminal_id, l])), knownById };
  }

  /** Records the sightings (last location, networks first seen) and opens the cases of episodes that became due. */
  async judge(
    items: { terminalId: string; at: string; location: TerminalLocation | undefined; sourceAddress: string | undefined }[],
    terminalById: Map<string, WatchedTerminal>,
    { locationById, knownById }: PriorSightings,
  ): Promise<void> {
    const settings = this.policy.settings;
    const rows: TerminalLocationTable[] = [];
    const learnt: { terminal_id: string; kind: Network['kind']; value: string; first_seen_at: string }[] = [];
    const opened: { terminal: WatchedTerminal; detail: Record<string, unknown>; row: TerminalLocationTable; stored: boolean }[] = [];
    for (const item of items) {
      const terminal = terminalById.get(item.terminalId);
      if (!terminal) continue;
      const fence = terminal.site_id ? this.policy.fence(terminal.site_id) : undefined;
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
      // In place and nothing new: the stored sighting stands (it is rewritten every SIGHTING_REFRESH_MS).
      if (!step.open && sightingUnchanged(previous, row)) continue;
      rows.push(row);
      if (step.open) {
        // An episode stored before is claimed first: a sweep on another node may be opening its case.
        opened.push({ terminal, detail: reasons ?? {}, row, stored: previous?.suspect_since === step.episode.suspectSince });
        // The case carries the new networks: the episode goes on only while the terminal stays outside its fence.
        for (const n of a.newNetworks) learnt.push({ terminal_id: terminal.id, kind: n.kind, value: n.value, first_seen_at: item.at });
      }
    }
    for (const o of opened) {
      const caseId = await this.openCase(o.terminal, o.row.suspect_since!, o.detail, o.stored);
      if (caseId) o.row.case_id = caseId;
    }
    await this.repo.saveLocations(rows);
    await this.repo.addNetworks(learnt);
  }

  /**
   * The relocation sweep: terminals last seen outside their fence (or on an unusual network) for
   * longer than the grace period, with no case yet, are judged without waiting for a heartbeat that may
   * never come. One case per episode, whoever opens it; how many were opened.
   */
  async sweep(): Promise<number> {
    const before = new Date(this.clock().getTime() - this.policy.settings.relocationGraceMinutes * 60_000).toISOString();
    const due = await this.repo.suspectsWithoutCase(before, 500);
    if (!due.length) return 0;
    const terminals = new Map((await this.repo.terminals(due.map((d) => d.terminal_id))).map((t) => [t.id, t]));
    let opened = 0;
    for (const d of due) {
      const terminal = terminals.get(d.terminal_id);
      // Tagged mobile since: no case (its next heartbeat ends the episode).
      if (!terminal || isMobile(terminal.tags, this.policy.settings.mobileTags)) continue;
      if (await this.openCase(terminal, d.suspect_since!, parseJson<RelocationReasons>(d.suspect_reasons, {}), true)) opened++;
    }
    return opened;
  }

  /**
   * Opens the case of a relocation episode and, by policy, locks the terminal and orders its inspection.
   * A stored episode is claimed first, so a flush and a sweep (on any node) open one case between them;
   * the case's id or null (another claimed it, or it could not be opened).
   */
  private async openCase(terminal: { id: string; serial_number: string; site_id: string | null }, since: string, reasons: RelocationReasons, stored: boolean): Promise<string | null> {
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
    if (!this.policy.settings.lockOnRelocation) return caseId;
    await this.ports.lock(terminal.id, `relocated: ${what}`).catch((error: unknown) => this.ports.log?.('relocation lock not applied', { terminal: terminal.id, error: String(error) }));
    if (terminal.site_id) {
      await this.ports.orderInspection({ id: terminal.id, siteId: terminal.site_id, serialNumber: terminal.serial_number }, what)
        .catch((error: unknown) => this.ports.log?.('inspection not ordered', { terminal: terminal.id, error: String(error) }));
    }
    return caseId;
  }
}

/** What a relocation case says (for people; the reasons are its evidence). */
function relocationWhat(serialNumber: string, reasons: RelocationReasons, since: string): string {
  const out = reasons.outsideFence;
  const what = [
    out ? `seen ${Math.round((out.distanceM ?? 0) / 100) / 10} km from its site (geofence ${out.radiusM ?? 0} m)` : '',
    reasons.newNetworks?.length ? `on networks not seen before: ${reasons.newNetworks.map((n) => `${n.kind} ${n.value}`).join(', ')}` : '',
  ].filter(Boolean).join('; ');
  return `Terminal ${serialNumber} ${what}, since ${since}`;
}
