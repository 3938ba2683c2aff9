// The offline sweep: after the device sweep flagged silent terminals offline, opens one incident per
// offline terminal (or one per site when most of a site went offline together), one per flapping link,
// resolves what came back and reminds while terminals and sites stay offline.
import { groupBy } from '../shared/group-by.ts';
import { pacer } from '../shared/pace.ts';
import type { Clock } from '../shared/time.ts';
import type { DiagnosticsRepository, IncidentRow } from './diagnostics.repository.ts';
import type { RuleStateRepository } from './rule-state.repository.ts';
import { flappingVerdict, notifies, reminderDue, siteIsDown } from './heartbeat.rules.ts';
import { SYSTEM, type IncidentService } from './incidents.service.ts';
import type { RuleContext } from './rule-context.ts';

export interface SweepSettings {
  /** Reminders while a terminal or site stays offline: how often, and how many at most. */
  offlineReminderMs: number;
  offlineMaxReminders: number;
}

/** The longest flapping window a model may set (see ThresholdOverrides): link drops are kept this long. */
const MAX_FLAP_WINDOW_MS = 1440 * 60_000;

export class OfflineSweep {
  constructor(
    private readonly repo: DiagnosticsRepository,
    private readonly ruleState: RuleStateRepository,
    private readonly clock: Clock,
    private readonly context: RuleContext,
    private readonly incidents: Pick<IncidentService, 'openIncident' | 'resolveRow' | 'tell'>,
    private readonly settings: SweepSettings,
  ) {}

  /**
   * Run after the device sweep flagged silent terminals offline: opens one incident per offline
   * terminal, or one per site when most of a site is offline together; resolves what came back;
   * reminds while terminals and sites stay offline.
   */
  async sweepOffline(wentOffline: string[] = []): Promise<{ opened: number; resolved: number; reminded: number }> {
    const now = this.clock();
    const at = now.toISOString();
    const offline = await this.repo.offlineTerminals();
    // One look at the open incidents the sweep deals with (flapping ones included).
    const [, openOfSweep] = await Promise.all([this.ruleState.recordLinkDrops(wentOffline, at), this.repo.openIncidentsOfRules(['offline', 'site_network_down', 'network_flapping'])]);
    const flaps = await this.sweepFlapping(wentOffline, openOfSweep.filter((i) => i.rule === 'network_flapping'), offline, now);
    const offlineIds = new Set(offline.map((t) => t.id));
    const bySite = groupBy(offline.filter((t) => t.site_id), (t) => t.site_id!);
    const monitored = await this.repo.monitoredPerSite([...bySite.keys()]);
    const downSites = new Set([...bySite.entries()].filter(([site, ts]) => siteIsDown(ts.length, monitored.get(site) ?? ts.length)).map(([site]) => site));
    const open = openOfSweep.filter((i) => i.rule !== 'network_flapping');
    const openSite = new Map(open.filter((i) => i.rule === 'site_network_down').map((i) => [i.site_id!, i]));
    const openTerminal = new Map(open.filter((i) => i.rule === 'offline').map((i) => [i.terminal_id!, i]));
    let opened = flaps.opened;
    let resolved = flaps.resolved;
    let reminded = 0;
    // Thousands of terminals may go silent at once (a region's network): heartbeats go on meanwhile.
    const pace = pacer();

    for (const site of downSites) {
      await pace();
      if (openSite.has(site)) continue;
      const ts = bySite.get(site)!;
      await this.incidents.openIncident({
        terminal_id: null, site_id: site, merchant_id: ts[0]!.merchant_id ?? null, rule: 'site_network_down', at,
        detail: { offline: ts.length, monitored: monitored.get(site) ?? ts.length, terminals: ts.map((t) => t.serial_number).sort().slice(0, 100) },
      });
      opened++;
    }
    for (const [site, incident] of openSite) {
      await pace();
      if (!downSites.has(site) && (await this.incidents.resolveRow(incident, at, SYSTEM, 'most terminals of the site are back online'))) resolved++;
    }
    for (const t of offline) {
      await pace();
      // Inside a site that is down, the site incident speaks for its terminals.
      if (openTerminal.has(t.id) || (t.site_id && downSites.has(t.site_id))) continue;
      // A flapping link is one incident: its short drops open no offline incident each.
      const flapWindowMs = flaps.flapping.get(t.id);
      if (flapWindowMs !== undefined && t.offline_since && Date.parse(t.offline_since) > now.getTime() - flapWindowMs) continue;
      const state = this.context.terminal(t.id);
      const row = await this.incidents.openIncident({
        terminal_id: t.id, site_id: t.site_id, merchant_id: t.merchant_id ?? null, rule: 'offline', at,
        detail: { lastSeenAt: t.last_seen_at, offlineSince: t.offline_since },
      });
      if (state) state.open.set('offline', row.id);
      opened++;
    }
    for (const [terminalId, incident] of openTerminal) {
      await pace();
      if (!offlineIds.has(terminalId) && (await this.incidents.resolveRow(incident, at, SYSTEM, 'the terminal is back online'))) resolved++;
    }
    for (const incident of open) {
      await pace();
      if (!incident.open_key || !notifies(incident.severity)) continue;
      const stillOpen = incident.rule === 'offline' ? offlineIds.has(incident.terminal_id!) : downSites.has(incident.site_id!);
      if (!stillOpen || !reminderDue(incident.notified_count, incident.last_notified_at, now, this.settings.offlineReminderMs, this.settings.offlineMaxReminders + 1)) continue;
      await this.incidents.tell('incident.reminder', incident, `incident.reminder:${incident.id}:${incident.notified_count}`);
      reminded++;
    }
    return { opened, resolved, reminded };
  }

  /**
   * With the links the device sweep just found gone recorded, opens a flapping incident for a terminal whose
   * link dropped more than its model allows within the window, and resolves one after a whole window
   * without a drop. Returns the terminals that are flapping now, with their windows.
   */
  private async sweepFlapping(wentOffline: string[], openRows: IncidentRow[], offline: { id: string; site_id: string | null; merchant_id: string | null }[], now: Date) {
    const at = now.toISOString();
    const nowMs = now.getTime();
    const result = { flapping: new Map<string, number>(), opened: 0, resolved: 0 };
    const openByTerminal = new Map(openRows.filter((i) => i.terminal_id).map((i) => [i.terminal_id!, i]));
    const candidates = [...new Set([...wentOffline, ...openByTerminal.keys()])];
    if (candidates.length) {
      const models = await this.ruleState.modelsOf(candidates);
      await this.context.loadThresholds([...new Set(models.values())]);
      const since = new Date(nowMs - MAX_FLAP_WINDOW_MS).toISOString();
      const drops = groupBy(await this.ruleState.linkDropsSince(candidates, since), (d) => d.terminal_id);
      const where = new Map(offline.map((t) => [t.id, t]));
      const pace = pacer();
      for (const terminalId of candidates) {
        await pace();
        const t = this.context.thresholdsOf(models.get(terminalId)).network;
        const windowMs = t.flapWindowMinutes * 60_000;
        const inWindow = (drops.get(terminalId) ?? []).map((d) => d.dropped_at).filter((d) => Date.parse(d) > nowMs - windowMs).sort();
        const incident = openByTerminal.get(terminalId);
        if (incident) result.flapping.set(terminalId, windowMs);
        const verdict = flappingVerdict(inWindow.length, incident !== undefined, t);
        const site = where.get(terminalId);
        if (verdict === 'open' && site) {
          await this.incidents.openIncident({
            terminal_id: terminalId, site_id: site.site_id, merchant_id: site.merchant_id ?? null, rule: 'network_flapping', at,
            detail: { drops: inWindow.length, windowMinutes: t.flapWindowMinutes, maxDrops: t.flapCount, droppedAt: inWindow },
          });
          result.flapping.set(terminalId, windowMs);
          result.opened++;
        } else if (verdict === 'resolve' && incident && (await this.incidents.resolveRow(incident, at, SYSTEM, `no link drop for ${t.flapWindowMinutes} minutes`))) {
          result.flapping.delete(terminalId);
          result.resolved++;
        }
      }
    }
    await this.ruleState.pruneLinkDrops(new Date(nowMs - MAX_FLAP_WINDOW_MS).toISOString());
    return result;
  }
}
