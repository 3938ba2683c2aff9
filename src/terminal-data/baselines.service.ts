// Baselines: per saved group of terminals (a filter: merchant, site, model, tag), the software versions
// and the configuration version its terminals must have, the group's compliance now (terminal by
// terminal and counted), and the job that never lets it finish: a terminal that joins the group (new,
// swapped in, back from repair) and is not at the baseline gets the missing version in its next window,
// through a campaign like any other (the rollouts capability's, behind `delivery`).
import { randomUUID } from 'node:crypto';
import type { Clock } from '../shared/time.ts';
import { invalidField, orNotFound, refused } from '../shared/errors.ts';
import { complianceOf } from './baseline-compliance.ts';
import type { BaselineRow, TerminalDataRepository } from './terminal-data.repository.ts';
import type { BaselineInput, BaselinePatch, BaselineTerminal, BaselineView, ComplianceState } from './terminal-data.schemas.ts';

type Filter = BaselineInput['filter'];

/** What baselines ask of the configuration capability. */
export interface BaselineConfiguration {
  /** The saved configuration group with exactly this filter, and its level's newest version (0: none). */
  groupVersion(filter: Filter): Promise<{ groupId: string; version: number } | undefined>;
  /** Whether each terminal runs its effective configuration, and whether a held change is on its way to it. */
  terminals(terminalIds: string[]): Promise<Map<string, { applied: boolean; held: boolean }>>;
}

/** What baselines ask of the rollouts capability: a campaign bringing terminals to a version. */
export interface BaselineDelivery {
  deliverVersion(input: { name: string; kind: 'application' | 'firmware'; version: string; terminals: { id: string; modelId: string }[] }, actorName: string): Promise<{ campaigns: string[]; notDelivered: string[] }>;
}

/** A delivery that ended without the version (skipped: no window) is tried again after this long. */
const RETRY_AFTER_MS = 24 * 3_600_000;

export class BaselinesService {
  constructor(
    private readonly repo: TerminalDataRepository,
    private readonly clock: Clock,
    private readonly exists: { merchant(id: string): Promise<boolean>; site(id: string): Promise<boolean>; model(id: string): Promise<boolean> },
    private readonly configuration?: BaselineConfiguration,
    private readonly delivery?: BaselineDelivery,
  ) {}

  async create(input: BaselineInput, by: string): Promise<BaselineView> {
    const f = input.filter;
    await this.check({ filter: f, appVersion: input.appVersion ?? null, firmwareVersion: input.firmwareVersion ?? null, configurationVersion: input.configurationVersion ?? null });
    if (await this.repo.baselineByName(input.name)) throw refused('terminal_data.baseline_name_taken', { name: input.name }, { field: 'name', retryable: false });
    const now = this.clock().toISOString();
    const row: BaselineRow = {
      id: randomUUID(), name: input.name, merchant_id: f.merchantId ?? null, site_id: f.siteId ?? null, model_id: f.modelId ?? null, tag: f.tag ?? null,
      app_version: input.appVersion ?? null, firmware_version: input.firmwareVersion ?? null, configuration_version: input.configurationVersion?.toString() ?? null,
      created_by: by, created_at: now, updated_at: now,
    };
    await this.repo.insertBaseline(row);
    return (await this.compliance(row.id)).baseline;
  }

  async update(id: string, patch: BaselinePatch): Promise<BaselineView> {
    const row = (await this.repo.findBaseline(id)) ?? orNotFound('baseline', id);
    const filter: Filter = patch.filter ?? filterOf(row);
    const next = {
      filter,
      appVersion: patch.appVersion === undefined ? row.app_version : patch.appVersion,
      firmwareVersion: patch.firmwareVersion === undefined ? row.firmware_version : patch.firmwareVersion,
      configurationVersion: patch.configurationVersion === undefined ? configurationVersionOf(row) : patch.configurationVersion,
    };
    await this.check(next);
    if (patch.name && patch.name !== row.name && (await this.repo.baselineByName(patch.name))) throw refused('terminal_data.baseline_name_taken', { name: patch.name }, { field: 'name', retryable: false });
    await this.repo.updateBaseline(id, {
      name: patch.name ?? row.name, merchant_id: filter.merchantId ?? null, site_id: filter.siteId ?? null, model_id: filter.modelId ?? null, tag: filter.tag ?? null,
      app_version: next.appVersion, firmware_version: next.firmwareVersion, configuration_version: next.configurationVersion?.toString() ?? null, updated_at: this.clock().toISOString(),
    });
    return (await this.compliance(id)).baseline;
  }

  private async check(b: { filter: Filter; appVersion: string | null; firmwareVersion: string | null; configurationVersion: number | null }): Promise<void> {
    if (!b.appVersion && !b.firmwareVersion && !b.configurationVersion) throw invalidField('appVersion', 'terminal_data.baseline_needs_version');
    const f = b.filter;
    if (f.merchantId && !(await this.exists.merchant(f.merchantId))) throw invalidField('filter.merchantId', 'terminal_data.no_such', { what: 'merchant' });
    if (f.siteId && !(await this.exists.site(f.siteId))) throw invalidField('filter.siteId', 'terminal_data.no_such', { what: 'site' });
    if (f.modelId && !(await this.exists.model(f.modelId))) throw invalidField('filter.modelId', 'terminal_data.no_such', { what: 'model' });
    if (b.configurationVersion) {
      const group = await this.configuration?.groupVersion(f);
      if (!group) throw invalidField('configurationVersion', 'terminal_data.no_configuration_group');
      if (group.version < b.configurationVersion) throw invalidField('configurationVersion', 'terminal_data.configuration_version_ahead', { version: group.version });
    }
  }

  async list(): Promise<{ items: BaselineView[] }> {
    const items: BaselineView[] = [];
    for (const row of await this.repo.listBaselines()) items.push((await this.judge(row)).baseline);
    return { items };
  }

  async compliance(id: string): Promise<{ baseline: BaselineView; terminals: BaselineTerminal[] }> {
    return this.judge((await this.repo.findBaseline(id)) ?? orNotFound('baseline', id));
  }

  async remove(id: string): Promise<void> {
    if (!(await this.repo.deleteBaseline(id))) orNotFound('baseline', id);
  }

  /**
   * The job that keeps every baseline: each terminal drifting from it (nothing under way, or a delivery
   * that ended without the version a day ago) gets a campaign for each version it lacks, planned in its
   * next window. A failed delivery waits for an operator. Configuration reaches terminals by itself
   * (the hash in each heartbeat answer; held changes by their own campaign).
   */
  async enforce(): Promise<{ campaigns: number; terminals: number }> {
    let campaigns = 0;
    let terminals = 0;
    const now = this.clock().getTime();
    for (const row of await this.repo.listBaselines()) {
      if (!this.delivery) break;
      const members = await this.repo.groupTerminals(row);
      for (const [kind, wanted, column] of [['application', row.app_version, 'app_version'], ['firmware', row.firmware_version, 'firmware_version']] as const) {
        if (!wanted) continue;
        const lacking = members.filter((m) => m[column] !== wanted);
        const newest = await this.newestDeliveries(lacking.map((m) => m.id), kind, wanted);
        const due = lacking.filter((m) => {
          const d = newest.get(m.id);
          return !d || (!OPEN.includes(d.state) && d.state !== 'failed' && now - Date.parse(d.updated_at) >= RETRY_AFTER_MS);
        });
        if (!due.length) continue;
        const done = await this.delivery.deliverVersion({ name: `${row.name}: ${kind} ${wanted}`, kind, version: wanted, terminals: due.map((m) => ({ id: m.id, modelId: m.model_id })) }, `baseline ${row.name}`);
        campaigns += done.campaigns.length;
        terminals += due.length - done.notDelivered.length;
      }
    }
    return { campaigns, terminals };
  }

  private async newestDeliveries(ids: string[], kind: 'application' | 'firmware', version: string | null) {
    const map = new Map<string, { state: string; updated_at: string }>();
    if (!version) return map;
    for (const d of await this.repo.deliveries(ids, kind, version)) if (!map.has(d.terminal_id)) map.set(d.terminal_id, d);
    return map;
  }

  private async judge(row: BaselineRow): Promise<{ baseline: BaselineView; terminals: BaselineTerminal[] }> {
    const members = await this.repo.groupTerminals(row);
    const ids = members.map((m) => m.id);
    const [app, firmware] = await Promise.all([this.newestDeliveries(ids, 'application', row.app_version), this.newestDeliveries(ids, 'firmware', row.firmware_version)]);
    const configurationVersion = configurationVersionOf(row);
    const group = configurationVersion ? await this.configuration?.groupVersion(filterOf(row)) : undefined;
    const wanted = { appVersion: row.app_version, firmwareVersion: row.firmware_version, configurationVersion };
    const counts: Record<ComplianceState, number> = { in_baseline: 0, waiting: 0, drifting: 0, failed: 0 };
    const states = group && this.configuration ? await this.configuration.terminals(ids) : new Map<string, { applied: boolean; held: boolean }>();
    const terminals = members.map((m) => {
      const config = configurationOf(states.get(m.id), group);
      const judged = complianceOf(wanted, {
        appVersion: m.app_version, firmwareVersion: m.firmware_version, appDelivery: app.get(m.id)?.state, firmwareDelivery: firmware.get(m.id)?.state, ...config,
      });
      counts[judged.state]++;
      return {
        terminalId: m.id, serialNumber: m.serial_number, siteId: m.site_id, appVersion: m.app_version, firmwareVersion: m.firmware_version,
        configurationVersion: config.configurationVersion ?? null, ...judged,
      };
    });
    return {
      baseline: {
        id: row.id, name: row.name, filter: { merchantId: row.merchant_id, siteId: row.site_id, modelId: row.model_id, tag: row.tag },
        appVersion: row.app_version, firmwareVersion: row.firmware_version, configurationVersion,
        counts: { ...counts, total: members.length }, createdBy: row.created_by, createdAt: row.created_at,
      },
      terminals,
    };
  }
}

function configurationOf(state: { applied: boolean; held: boolean } | undefined, group: { version: number } | undefined): { configurationVersion?: number | null; configurationDelivery?: string } {
  if (!group || !state) return {};
  return { configurationVersion: state.applied ? group.version : null, ...(state.held && { configurationDelivery: 'queued' }) };
}

/** Deliveries still going: the terminal is waiting for its window or installing. */
const OPEN = ['queued', 'scheduled', 'downloading', 'downloaded', 'installing', 'installed'];

function filterOf(row: BaselineRow): Filter {
  return {
    ...(row.merchant_id && { merchantId: row.merchant_id }), ...(row.site_id && { siteId: row.site_id }), ...(row.model_id && { modelId: row.model_id }), ...(row.tag && { tag: row.tag }),
  };
}

function configurationVersionOf(row: BaselineRow): number | null {
  return row.configuration_version ? Number(row.configuration_version) : null;
}
