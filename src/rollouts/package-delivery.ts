// What a package campaign delivers, as the campaign engine asks it (CampaignDelivery): the maintenance
// work that installs a package, and how the payments of a wave's updated terminals compare with those of
// comparable terminals still on the old version over the same hours.
import { batches } from '../db/batches.ts';
import type { EstateLookups } from '../estate/estate-lookups.ts';
import { groupBy } from '../shared/group-by.ts';
import { parseJson } from '../shared/json.ts';
import type { Clock } from '../shared/time.ts';
import type { CampaignDelivery, DeliveryJob } from './campaign-engine.service.ts';
import { workOf, type RolloutSettings } from './campaigns.ts';
import { versionColumn } from './installed-version.ts';
import { addTerminalChange, compareChanges, emptyChange, type GroupChange, type HealthVerdict } from './payment-health.ts';
import type { CampaignRow, RolloutsRepository } from './rollouts.repository.ts';

/** Terminals whose heartbeats are read at once: a day and more of each one's heartbeats are in memory together. */
const HEARTBEATS_READ_TERMINALS = 200;

export class PackageDelivery implements CampaignDelivery {
  constructor(
    private readonly repo: RolloutsRepository,
    private readonly estate: EstateLookups,
    private readonly clock: Clock,
    private readonly settings: Pick<RolloutSettings, 'health' | 'sampleTerminals' | 'baselineHours'>,
  ) {}

  private now = () => this.clock().toISOString();

  /** Installing the package: an application's is an update, a firmware's an upgrade. */
  async job(campaign: CampaignRow, packageId: string, wave: number): Promise<DeliveryJob> {
    const target = (await this.repo.package(packageId))!;
    return { work: workOf(target.kind), reason: `install ${target.name} ${target.version} (campaign "${campaign.name}", wave ${wave + 1})` };
  }

  /**
   * Each of the wave's updated terminals against its own figures before the wave started, and that change
   * against the change of comparable terminals on the old version over the same hours. Terminals that
   * were out of service for any maintenance job meanwhile (another campaign's install, a repair) are no
   * comparison: their refusals and restarts would inflate its rates.
   */
  async judge(campaign: CampaignRow, wave: number): Promise<HealthVerdict> {
    const pkg = (await this.repo.package(campaign.package_id))!;
    const succeeded = (await this.repo.actionsOf(campaign.id, { wave, states: ['succeeded'] })).slice(0, this.settings.sampleTerminals);
    const now = this.now();
    if (!succeeded.length) return compareChanges(emptyChange(), emptyChange(), this.settings.health);
    const from = succeeded.map((a) => a.finished_at ?? now).sort()[0]!;
    const startedAt = (await this.repo.waves(campaign.id)).find((w) => w.wave === wave)?.started_at ?? from;
    const baseline = { from: new Date(Date.parse(startedAt) - this.settings.baselineHours * 3_600_000).toISOString(), to: startedAt };
    const updated = await this.figuresOf(succeeded.map((a) => ({ terminalId: a.terminal_id, since: a.finished_at ?? now })), baseline, now);
    const models = [...new Set((await Promise.all(succeeded.map((a) => this.estate.findTerminal(a.terminal_id)))).flatMap((t) => (t ? [t.modelId] : [])))];
    const others = await this.repo.comparableTerminals(models, versionColumn(pkg.kind), pkg.version, campaign.id, baseline.from, this.settings.sampleTerminals);
    const comparison = await this.figuresOf(others.map((t) => ({ terminalId: t.id, since: from })), baseline, now);
    return compareChanges(updated, comparison, this.settings.health);
  }

  /** The terminals' heartbeats over the baseline and after each one's `since`, one query per batch. */
  private async figuresOf(terminals: { terminalId: string; since: string }[], baseline: { from: string; to: string }, to: string): Promise<GroupChange> {
    const group = emptyChange();
    const since = new Map(terminals.map((t) => [t.terminalId, t.since]));
    for (const batch of batches(terminals, HEARTBEATS_READ_TERMINALS)) {
      const rows = await this.repo.heartbeatsOf(batch.map((t) => t.terminalId), baseline.from, to);
      for (const [terminalId, beats] of groupBy(rows, (r) => r.terminal_id)) {
        addTerminalChange(group, beats.map((b) => heartbeatFacts(b.received_at, b.report)), {
          baselineFrom: Date.parse(baseline.from), baselineTo: Date.parse(baseline.to), since: Date.parse(since.get(terminalId)!),
        });
      }
    }
    return group;
  }
}

interface ReportedFacts {
  uptimeSeconds?: number;
  crashes?: number;
  cardReader?: Record<string, { attempts: number; failures: number } | undefined>;
  transactions?: { count?: number; failed?: number; refused?: number };
}

export function heartbeatFacts(receivedAt: string, report: string) {
  const r = parseJson<ReportedFacts>(report, {});
  const readers = Object.values(r.cardReader ?? {});
  return {
    receivedAt: Date.parse(receivedAt), uptimeSeconds: r.uptimeSeconds ?? 0, crashes: r.crashes ?? 0,
    cardReads: readers.reduce((n, c) => n + (c?.attempts ?? 0), 0), cardReadFailures: readers.reduce((n, c) => n + (c?.failures ?? 0), 0),
    transactions: r.transactions?.count ?? 0, failedTransactions: (r.transactions?.failed ?? 0) + (r.transactions?.refused ?? 0),
  };
}
