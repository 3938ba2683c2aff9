// Maintenance KPIs for a period, for the fleet or per merchant, site, terminal model or technician, in
// the caller's scope: merchant users see their own merchant's, technicians their own work orders'.
// Reads the period's facts (kpis.repository.ts) and folds them into groups with the formulas of kpis.ts.
// Downtime, failures and how resolved incidents were fixed come, for the whole UTC days the
// `kpi-rollups` job has rolled up, from its rollups (kpi-rollups.repository.ts), and live for the rest:
// the partial days at each end of the period and any day not rolled up (yet, or again after a late fact).
import type { Scope } from '../access/roles.ts';
import { groupBy as groupItems } from '../shared/group-by.ts';
import { invalidField } from '../shared/errors.ts';
import type { Clock } from '../shared/time.ts';
import { estimateMinutes, KpiGroups, pmOutcome, splitPeriod, terminalDowntime, utcDay, type GroupBy, type PmOutcome } from './kpis.ts';
import type { KpiRollupsRepository } from './kpi-rollups.repository.ts';
import type { KpisRepository, Keys } from './kpis.repository.ts';
import type { KpiQuery, KpiReport } from './kpis.schemas.ts';

const DAY = 86_400_000;
const MAX_DAYS = 366;
const FLEET_KEY = 'fleet';

/** A fact's keys: where it happened, on which model, by whom. */
type Where = Partial<Keys> & { technician_id?: string | null };

export class KpisService {
  constructor(
    private readonly repo: KpisRepository,
    private readonly clock: Clock,
    /** The shop staff's care, judged per occurrence: it counts in PM compliance beside preventive work orders. */
    private readonly care?: { judged(from: string, to: string, scope: Scope): Promise<(Keys & { model_id: string; outcome: PmOutcome })[]> },
    /** Without it every day is read live. */
    private readonly rollups?: KpiRollupsRepository,
  ) {}

  async report(query: KpiQuery, scope: Scope): Promise<KpiReport> {
    const now = this.clock();
    const groupBy: GroupBy = query.groupBy ?? 'fleet';
    const to = query.to ? new Date(query.to) : now;
    const from = query.from ? new Date(query.from) : new Date(to.getTime() - 30 * DAY);
    // The schema checks the shape; an impossible date (month 13) still reads as no instant at all.
    if (Number.isNaN(to.getTime())) throw invalidField('to', 'common.not_a_date_time');
    if (Number.isNaN(from.getTime())) throw invalidField('from', 'common.not_a_date_time');
    if (from.getTime() >= to.getTime()) throw invalidField('from', 'common.from_before_to');
    if (to.getTime() - from.getTime() > MAX_DAYS * DAY) throw invalidField('to', 'common.period_too_long', { days: MAX_DAYS });
    if (scope.kind === 'merchant' && groupBy === 'technician') throw invalidField('groupBy', 'kpis.merchant_by_technician');
    const end = new Date(Math.max(from.getTime(), Math.min(to.getTime(), now.getTime())));
    const [fromIso, toIso, endIso] = [from.toISOString(), to.toISOString(), end.toISOString()];

    // Every group is a number in one columnar store (KpiGroups); the total is one of them.
    const kpis = new KpiGroups(groupBy === 'fleet' ? 2 : 1024);
    const total = kpis.add();
    const groups = new Map<string | null, number>();
    const groupOf = (key: string | null): number => {
      let g = groups.get(key);
      if (g === undefined) groups.set(key, (g = kpis.add()));
      return g;
    };
    // One array, refilled on each call and read at once by the caller: a report by site folds ~50,000 rows,
    // and arrays made per row were a good part of its garbage.
    const hit: number[] = [];
    /**
     * The total and the fact's groups under `groupBy` (none where the grouping does not apply, e.g. a
     * terminal by technician); `models` the terminal models of a work order (by model). Valid until the next call.
     */
    const targets = (where: Where, models?: string[]): readonly number[] => {
      hit.length = 0;
      hit.push(total);
      if (groupBy === 'fleet') hit.push(groupOf(FLEET_KEY));
      else if (groupBy === 'merchant') hit.push(groupOf(where.merchant_id ?? null));
      else if (groupBy === 'site') hit.push(groupOf(where.site_id ?? null));
      else if (groupBy === 'model') {
        if (models) {
          if (!models.length) hit.push(groupOf(null));
          for (const m of models) hit.push(groupOf(m));
        } else if (where.model_id !== undefined) hit.push(groupOf(where.model_id));
      } else if (where.technician_id !== undefined) hit.push(groupOf(where.technician_id));
      return hit;
    };

    // Whole days rolled up are read from the rollups; the rest of [from, end) (outages) and of [from, to) (resolutions) live.
    // Done work orders likewise over [from, to), from their own rollups (0043: other facts un-roll them).
    const [rolled, rolledOrders] = this.rollups
      ? await Promise.all([this.rollups.rolledDays(utcDay(from.getTime()), utcDay(end.getTime())), this.rollups.rolledDays(utcDay(from.getTime()), utcDay(to.getTime()), 'orders')])
      : [new Set<string>(), new Set<string>()];
    const { days, live: liveOutages } = splitPeriod(from.getTime(), end.getTime(), rolled);
    const liveResolutions = splitPeriod(from.getTime(), to.getTime(), new Set(days)).live;
    const { days: orderDays, live: liveOrders } = splitPeriod(from.getTime(), to.getTime(), rolledOrders);
    const iso = (at: number) => new Date(at).toISOString();
    const [before, added, outages, doneLive, due, open, doneMinutes, resolved, rolledDown, rolledResolved, rolledDone] = await Promise.all([
      this.repo.terminalsBefore(fromIso, scope, groupBy), this.repo.terminalsAddedIn(fromIso, endIso, scope),
      Promise.all(liveOutages.map(async (r) => ({ range: r, outages: await this.repo.outages(iso(r.start), iso(r.end), scope, groupBy) }))),
      Promise.all(liveOrders.map((r) => this.repo.doneOrders(iso(r.start), iso(r.end), scope, groupBy))),
      this.repo.preventiveDue(fromIso, toIso, scope, groupBy), this.repo.openAt(endIso, scope),
      this.repo.doneMinutesBySource(),
      Promise.all(liveResolutions.map((r) => this.repo.resolutions(iso(r.start), iso(r.end), scope, groupBy, toIso))),
      this.rollups?.downtime(days, scope, groupBy) ?? [], this.rollups?.resolutions(days, scope, groupBy) ?? [],
      this.rollups?.doneOrders(orderDays, scope, groupBy) ?? [],
    ]);
    const done = doneLive.flat();

    // Availability and MTBF: terminal time in service, and the union of each terminal's outages within it (a period is the sum of its days).
    const periodMs = end.getTime() - from.getTime();
    for (const row of before) for (const g of targets(row)) kpis.addService(g, row.n * periodMs);
    for (const row of added) for (const g of targets(row)) kpis.addService(g, end.getTime() - Date.parse(row.created_at));
    for (const { range, outages: read } of outages) {
      for (const list of groupItems(read, (o) => o.terminal_id).values()) {
        const first = list[0]!;
        const facts = list.map((o) => ({ start: Date.parse(o.start), end: o.end ? Date.parse(o.end) : null, failure: o.failure }));
        const { down, failures } = terminalDowntime(facts, Date.parse(first.created_at), range.start, range.end);
        for (const g of targets(first)) kpis.addOutages(g, down, failures);
      }
    }
    for (const row of rolledDown) for (const g of targets(row)) kpis.addOutages(g, row.down_ms, row.failures);

    // Work orders: repairs (MTTR, first-time fix), hours (planned share), preventive on time, backlog.
    const doneIds = done.map((o) => o.id);
    const [followed, doneModels] = await Promise.all([
      this.repo.withFollowUps(doneIds.filter((_, i) => done[i]!.source !== 'preventive')),
      groupBy === 'model' ? this.repo.modelsOf([...doneIds, ...due.map((o) => o.id), ...open.map((o) => o.id)]) : Promise.resolve(new Map<string, string[]>()),
    ]);
    const modelsOf = (id: string) => (groupBy === 'model' ? doneModels.get(id) ?? [] : undefined);
    for (const o of done) {
      const facts = {
        source: o.source, minutesSpent: o.minutes_spent, failureStart: o.failure_start ?? o.created_at, doneAt: o.done_at,
        restoredAt: o.restored_at, hasFollowUp: followed.has(o.id), nextFailureAt: o.next_failure_at,
      };
      for (const g of targets(o, modelsOf(o.id))) kpis.addDone(g, facts);
    }
    for (const r of rolledDone) {
      const sums = { minutes: r.minutes, plannedMinutes: r.planned_minutes, repairs: r.repairs, repairMs: r.repair_ms, restoredMs: r.restored_ms, firstTimeFixes: r.first_time_fixes };
      for (const g of targets(r)) kpis.addDoneSums(g, sums);
    }
    for (const o of due) {
      const outcome = pmOutcome(o.due_at!, o.done_at, Number(o.interval_days ?? 0), now.getTime());
      for (const g of targets(o, modelsOf(o.id))) kpis.addPreventive(g, outcome);
    }
    for (const c of (await this.care?.judged(fromIso, toIso, scope)) ?? []) {
      for (const g of targets(c)) kpis.addPreventive(g, c.outcome);
    }
    for (const o of open) {
      const overdue = o.due_at !== null && o.due_at < endIso;
      const minutes = estimateMinutes(doneMinutes, o.source);
      for (const g of targets(o, modelsOf(o.id))) kpis.addOpen(g, overdue, minutes);
    }

    // Remote fixes: how each incident resolved in the period was fixed (counted in SQL, per key of the grouping).
    for (const rows of [...resolved, rolledResolved]) for (const r of rows) for (const g of targets(r)) kpis.addResolved(g, r.resolution, r.n);

    const labels = groupBy === 'fleet' ? new Map<string, string>() : await this.repo.labels(groupBy, [...groups.keys()].filter((k): k is string => k !== null));
    const label = (key: string | null) => (key === FLEET_KEY && groupBy === 'fleet' ? 'fleet' : key === null ? (groupBy === 'technician' ? 'unassigned' : 'none') : labels.get(key) ?? key);
    const items = [...groups].map(([key, g]) => ({ key, label: label(key), kpis: kpis.result(g) }))
      .sort((a, b) => a.label.localeCompare(b.label) || String(a.key).localeCompare(String(b.key)));
    return {
      from: fromIso, to: toIso, measuredUntil: endIso, groupBy,
      total: { key: FLEET_KEY, label: scope.kind === 'fleet' ? 'fleet' : 'all you see', kpis: kpis.result(total) },
      groups: items,
    };
  }
}
