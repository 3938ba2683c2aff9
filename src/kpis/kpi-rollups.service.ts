// The `kpi-rollups` job: once a UTC day is over, what it adds to the maintenance KPIs is written down —
// per terminal its downtime and the failures that began in it, per incident resolved in it how it was
// fixed (0040), per work order done in it its hours, repair times and first-time fix (0043) — so a KPI
// report reads whole days from a few rows instead of the history. Facts recorded late about a rolled day
// un-roll it and every later day at once (triggers of migration 0040); facts that change a done work
// order's figures un-roll the day it was done (0043: a failure of its terminal within 7 days after it
// was done, a follow-up, an edit). The next run rolls them again, newest first. Until then the KPIs read
// those days live: never stale, only slower.
import { randomUUID } from 'node:crypto';
import { FLEET } from '../access/roles.ts';
import { groupBy as groupItems } from '../shared/group-by.ts';
import type { Clock } from '../shared/time.ts';
import { dayStart, doneOrderSums, isCorrective, terminalDowntime, utcDay } from './kpis.ts';
import type { KpiRollupsRepository, TerminalDay } from './kpi-rollups.repository.ts';
import type { KpisRepository } from './kpis.repository.ts';
import type { KpiDoneOrderTable } from './kpis.tables.ts';

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
    const rolled = new Set<string>();
    for (const day of (await this.rollups.unrolledDays(days, 'outages')).slice(0, DAYS_PER_RUN)) if (await this.rollOutages(day)) rolled.add(day);
    for (const day of (await this.rollups.unrolledDays(days, 'orders')).slice(0, DAYS_PER_RUN)) if (await this.rollOrders(day)) rolled.add(day);
    return [...rolled].sort().reverse();
  }

  /** Rolls up one day (both parts); false when a fact about it was recorded while it was being rolled (it is rolled at the next run). */
  async rollDay(day: string): Promise<boolean> {
    const outages = await this.rollOutages(day);
    return (await this.rollOrders(day)) && outages;
  }

  /** The day's work orders done: each one's hours, repair times and first-time fix as known now (doneOrderSums). */
  async rollOrders(day: string): Promise<boolean> {
    const token = randomUUID();
    await this.rollups.claim(day, token, 'orders');
    const from = dayStart(day);
    const done = await this.kpis.doneOrders(new Date(from).toISOString(), new Date(from + DAY).toISOString(), FLEET, 'fleet');
    const followed = await this.kpis.withFollowUps(done.filter((o) => isCorrective(o.source)).map((o) => o.id));
    const orders: KpiDoneOrderTable[] = done.map((o) => {
      const sums = doneOrderSums({
        source: o.source, minutesSpent: o.minutes_spent, failureStart: o.failure_start ?? o.created_at, doneAt: o.done_at,
        restoredAt: o.restored_at, hasFollowUp: followed.has(o.id), nextFailureAt: o.next_failure_at,
      });
      return {
        day, work_order_id: o.id, done_at: o.done_at, site_id: o.site_id, technician_id: o.technician_id, minutes: sums.minutes, planned_minutes: sums.plannedMinutes,
        repairs: sums.repairs, repair_ms: sums.repairMs, restored_ms: sums.restoredMs, first_time_fixes: sums.firstTimeFixes,
      };
    });
    return this.rollups.saveOrders(day, token, orders, this.clock().toISOString());
  }

  /** The day's outages (per terminal) and resolutions (per incident). */
  async rollOutages(day: string): Promise<boolean> {
    const token = randomUUID();
    await this.rollups.claim(day, token);
    const from = dayStart(day);
    const [fromIso, toIso] = [new Date(from).toISOString(), new Date(from + DAY).toISOString()];
    // Every terminal not deleted, whatever its status: the KPIs ask the status when they read the rollups.
    const [outages, resolved] = await Promise.all([this.kpis.outages(fromIso, toIso, FLEET, 'fleet', true), this.kpis.resolvedIncidents(fromIso, toIso)]);
    const terminals: TerminalDay[] = [];
    for (const [terminalId, list] of groupItems(outages, (o) => o.terminal_id)) {
      const facts = list.map((o) => ({ start: Date.parse(o.start), end: o.end ? Date.parse(o.end) : null, failure: o.failure }));
      const { down, failures } = terminalDowntime(facts, Date.parse(list[0]!.created_at), from, from + DAY);
      if (down > 0 || failures > 0) terminals.push({ day, terminal_id: terminalId, down_ms: Math.round(down), failures });
    }
    const resolutions = resolved.map((r) => ({ incident_id: r.id, day, terminal_id: r.terminal_id, site_id: r.site_id, merchant_id: r.merchant_id, resolution: r.resolution }));
    return this.rollups.save(day, token, terminals, resolutions, this.clock().toISOString());
  }
}
