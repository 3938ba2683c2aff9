// The `kpi-rollups` job: once a UTC day is over, what it adds to the maintenance KPIs is written down —
// per terminal its downtime and the failures that began in it, per incident resolved in it how it was
// fixed — so a KPI report reads whole days from a few rows instead of the history. Facts recorded late
// about a rolled day un-roll it and every later day at once (triggers of migration 0040); the next run
// rolls them again, newest first. Until then the KPIs read those days live: never stale, only slower.
import { randomUUID } from 'node:crypto';
import { FLEET } from '../access/roles.ts';
import { groupBy as groupItems } from '../shared/group-by.ts';
import type { Clock } from '../shared/time.ts';
import { dayStart, terminalDowntime, utcDay } from './kpis.ts';
import type { KpiRollupsRepository } from './kpi-rollups.repository.ts';
import type { KpisRepository } from './kpis.repository.ts';
import type { KpiTerminalDayTable } from './kpis.tables.ts';

export const KPI_ROLLUPS_JOB = 'kpi-rollups';
/** How far back days are kept rolled up: a KPI period is at most 366 days; older days are read live. */
export const ROLLUP_KEEP_DAYS = 400;
/** Days rolled per run at most, so a first run on a long history does not hold the job runner for long. */
const DAYS_PER_RUN = 62;
const DAY = 86_400_000;

export class KpiRollupsService {
  constructor(
    private readonly kpis: KpisRepository,
    private readonly rollups: KpiRollupsRepository,
    private readonly clock: Clock,
  ) {}

  /** Rolls up the days that are over and not rolled up (newest first, at most DAYS_PER_RUN); returns them. */
  async rollUp(): Promise<string[]> {
    const today = Math.floor(this.clock().getTime() / DAY) * DAY;
    const oldest = today - ROLLUP_KEEP_DAYS * DAY;
    await this.rollups.prune(utcDay(oldest));
    const first = await this.rollups.firstTerminalDay();
    if (!first) return [];
    const days: string[] = [];
    for (let day = today - DAY; day >= Math.max(oldest, dayStart(first)); day -= DAY) days.push(utcDay(day));
    const todo = (await this.rollups.unrolledDays(days)).slice(0, DAYS_PER_RUN);
    const rolled: string[] = [];
    for (const day of todo) if (await this.rollDay(day)) rolled.push(day);
    return rolled;
  }

  /** Rolls up one day; false when a fact about it was recorded while it was being rolled (it is rolled at the next run). */
  async rollDay(day: string): Promise<boolean> {
    const token = randomUUID();
    await this.rollups.claim(day, token);
    const from = dayStart(day);
    const [fromIso, toIso] = [new Date(from).toISOString(), new Date(from + DAY).toISOString()];
    // Every terminal not deleted, whatever its status: the KPIs ask the status when they read the rollups.
    const [outages, resolved] = await Promise.all([this.kpis.outages(fromIso, toIso, FLEET, 'fleet', true), this.kpis.resolvedIncidents(fromIso, toIso)]);
    const terminals: KpiTerminalDayTable[] = [];
    for (const [terminalId, list] of groupItems(outages, (o) => o.terminal_id)) {
      const facts = list.map((o) => ({ start: Date.parse(o.start), end: o.end ? Date.parse(o.end) : null, failure: o.failure }));
      const { down, failures } = terminalDowntime(facts, Date.parse(list[0]!.created_at), from, from + DAY);
      if (down > 0 || failures > 0) terminals.push({ day, terminal_id: terminalId, down_ms: Math.round(down), failures });
    }
    const resolutions = resolved.map((r) => ({ incident_id: r.id, day, terminal_id: r.terminal_id, site_id: r.site_id, merchant_id: r.merchant_id, resolution: r.resolution }));
    return this.rollups.save(day, token, terminals, resolutions, this.clock().toISOString());
  }
}
