// Baselines: per saved group of terminals (a filter: merchant, site, model, tag), the software versions
// (and, once the parameters capability provides one, the configuration version) its terminals must
// have, and the group's compliance now, terminal by terminal and counted.
import { randomUUID } from 'node:crypto';
import type { Clock } from '../shared/time.ts';
import { conflict, invalid, orNotFound } from '../shared/errors.ts';
import { complianceOf } from './baseline-compliance.ts';
import type { BaselineRow, TerminalDataRepository } from './terminal-data.repository.ts';
import type { BaselineInput, BaselineTerminal, BaselineView, ComplianceState } from './terminal-data.schemas.ts';

export class BaselinesService {
  constructor(
    private readonly repo: TerminalDataRepository,
    private readonly clock: Clock,
    private readonly exists: { merchant(id: string): Promise<boolean>; site(id: string): Promise<boolean>; model(id: string): Promise<boolean> },
  ) {}

  async create(input: BaselineInput, by: string): Promise<BaselineView> {
    if (!input.appVersion && !input.firmwareVersion) throw invalid('appVersion', 'name at least one of appVersion and firmwareVersion');
    const f = input.filter;
    if (f.merchantId && !(await this.exists.merchant(f.merchantId))) throw invalid('filter.merchantId', `merchant ${f.merchantId} does not exist`);
    if (f.siteId && !(await this.exists.site(f.siteId))) throw invalid('filter.siteId', `site ${f.siteId} does not exist`);
    if (f.modelId && !(await this.exists.model(f.modelId))) throw invalid('filter.modelId', `terminal model ${f.modelId} does not exist`);
    if (await this.repo.baselineByName(input.name)) throw conflict(`a baseline named ${input.name} exists`, 'name');
    const now = this.clock().toISOString();
    const row: BaselineRow = {
      id: randomUUID(), name: input.name, merchant_id: f.merchantId ?? null, site_id: f.siteId ?? null, model_id: f.modelId ?? null, tag: f.tag ?? null,
      app_version: input.appVersion ?? null, firmware_version: input.firmwareVersion ?? null, configuration_version: null, created_by: by, created_at: now, updated_at: now,
    };
    await this.repo.insertBaseline(row);
    return (await this.compliance(row.id)).baseline;
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

  private async judge(row: BaselineRow): Promise<{ baseline: BaselineView; terminals: BaselineTerminal[] }> {
    const members = await this.repo.groupTerminals(row);
    const ids = members.map((m) => m.id);
    const newest = async (kind: 'application' | 'firmware', version: string | null) => {
      const map = new Map<string, string>();
      if (!version) return map;
      for (const d of await this.repo.deliveries(ids, kind, version)) if (!map.has(d.terminal_id)) map.set(d.terminal_id, d.state);
      return map;
    };
    const [app, firmware] = await Promise.all([newest('application', row.app_version), newest('firmware', row.firmware_version)]);
    const wanted = { appVersion: row.app_version, firmwareVersion: row.firmware_version, configurationVersion: row.configuration_version };
    const counts: Record<ComplianceState, number> = { in_baseline: 0, waiting: 0, drifting: 0, failed: 0 };
    const terminals = members.map((m) => {
      const judged = complianceOf(wanted, { appVersion: m.app_version, firmwareVersion: m.firmware_version, appDelivery: app.get(m.id), firmwareDelivery: firmware.get(m.id) });
      counts[judged.state]++;
      return { terminalId: m.id, serialNumber: m.serial_number, siteId: m.site_id, appVersion: m.app_version, firmwareVersion: m.firmware_version, ...judged };
    });
    return {
      baseline: {
        id: row.id, name: row.name, filter: { merchantId: row.merchant_id, siteId: row.site_id, modelId: row.model_id, tag: row.tag },
        appVersion: row.app_version, firmwareVersion: row.firmware_version, configurationVersion: row.configuration_version,
        counts: { ...counts, total: members.length }, createdBy: row.created_by, createdAt: row.created_at,
      },
      terminals,
    };
  }
}
