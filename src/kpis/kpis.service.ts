// Maintenance KPIs for a period, for the fleet or per merchant, site, terminal model or technician, in
// the caller's scope: merchant users see their own merchant's, technicians their own work orders'.
// Reads the period's facts (kpis.repository.ts) and folds them into groups with the formulas of kpis.ts.
import type { Scope } from '../access/roles.ts';
import { groupBy as groupItems } from '../shared/group-by.ts';
import { invalid } from '../shared/errors.ts';
import type { Clock } from '../shared/time.ts';
import { estimateMinutes, KpiGroup, pmOutcome, resolutionOf, Timeline, unionLength, type GroupBy, type PmOutcome } from './kpis.ts';
import type { KpisRepository, Keys } from './kpis.repository.ts';
import type { KpiQuery, KpiReport } from './kpis.schemas.ts';

const DAY = 86_400_000;
const MAX_DAYS = 366;
const FLEET_KEY = 'fleet';

/** A fact's keys: where it happened, on which model, by whom. */
type Where = Partial<Keys> & { technician_id?: string | null; models?: string[] };

export class KpisService {
  constructor(
    private readonly repo: KpisRepository,
    private readonly clock: Clock,
    /** The shop staff's care, judged per occurrence: it counts in PM compliance beside preventive work orders. */
    private readonly care?: { judged(from: string, to: string, scope: Scope): Promise<(Keys & { model_id: string; outcome: PmOutcome })[]> },
  ) {}

  async report(query: KpiQuery, scope: Scope): Promise<KpiReport> {
    const now = this.clock();
    const groupBy: GroupBy = query.groupBy ?? 'fleet';
    const to = query.to ? new Date(query.to) : now;
    const from = query.from ? new Date(query.from) : new Date(to.getTime() - 30 * DAY);
    // The schema checks the shape; an impossible date (month 13) still reads as no instant at all.
    if (Number.isNaN(to.getTime())) throw invalid('to', 'is not a valid date-time');
    if (Number.isNaN(from.getTime())) throw invalid('from', 'is not a valid date-time');
    if (from.getTime() >= to.getTime()) throw invalid('from', 'must be before to');
    if (to.getTime() - from.getTime() > MAX_DAYS * DAY) throw invalid('to', `the period may be at most ${MAX_DAYS} days long`);
    if (scope.kind === 'merchant' && groupBy === 'technician') throw invalid('groupBy', 'merchant users cannot group by technician');
    const end = new Date(Math.max(from.getTime(), Math.min(to.getTime(), now.getTime())));
    const [fromIso, toIso, endIso] = [from.toISOString(), to.toISOString(), end.toISOString()];

    const total = new KpiGroup();
    const groups = new Map<string | null, KpiGroup>();
    /** The total and the fact's groups under `groupBy` (none where the grouping does not apply, e.g. a terminal by technician). */
    const targets = (where: Where): KpiGroup[] => {
      const keys: (string | null)[] = groupBy === 'fleet' ? [FLEET_KEY]
        : groupBy === 'merchant' ? [where.merchant_id ?? null]
          : groupBy === 'site' ? [where.site_id ?? null]
            : groupBy === 'model' ? (where.models ? (where.models.length ? where.models : [null]) : where.model_id !== undefined ? [where.model_id] : [])
              : where.technician_id !== undefined ? [where.technician_id] : [];
      return [total, ...keys.map((k) => groups.get(k) ?? groups.set(k, new KpiGroup()).get(k)!)];
    };

    const [before, added, outages, done, due, open, doneMinutes, resolved] = await Promise.all([
      this.repo.terminalsBefore(fromIso, scope), this.repo.terminalsAddedIn(fromIso, endIso, scope), this.repo.outages(fromIso, endIso, scope),
      this.repo.doneOrders(fromIso, toIso, scope), this.repo.preventiveDue(fromIso, toIso, scope), this.repo.openAt(endIso, scope),
      this.repo.doneMinutesBySource(), this.repo.resolvedIncidents(fromIso, toIso, scope),
    ]);

    // Availability and MTBF: terminal time in service, and the union of each terminal's outages within it.
    const periodMs = end.getTime() - from.getTime();
    for (const row of before) for (const g of targets(row)) g.addService(row.n * periodMs);
    for (const row of added) for (const g of targets(row)) g.addService(end.getTime() - Date.parse(row.created_at));
    for (const list of groupItems(outages, (o) => o.terminal_id).values()) {
      const first = list[0]!;
      const start = Math.max(from.getTime(), Date.parse(first.created_at));
      const down = unionLength(list.map((o) => ({ start: Date.parse(o.start), end: o.end ? Date.parse(o.end) : end.getTime() })), start, end.getTime());
      const failures = list.filter((o) => o.failure && Date.parse(o.start) >= start && Date.parse(o.start) < end.getTime()).length;
      for (const g of targets(first)) g.addOutages(down, failures);
    }

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
      for (const g of targets({ ...o, models: modelsOf(o.id) })) g.addDone(facts);
    }
    for (const o of due) {
      const outcome = pmOutcome(o.due_at!, o.done_at, Number(o.interval_days ?? 0), now.getTime());
      for (const g of targets({ ...o, models: modelsOf(o.id) })) g.addPreventive(outcome);
    }
    for (const c of (await this.care?.judged(fromIso, toIso, scope)) ?? []) {
      for (const g of targets(c)) g.addPreventive(c.outcome);
    }
    for (const o of open) {
      const overdue = o.due_at !== null && o.due_at < endIso;
      const minutes = estimateMinutes(doneMinutes, o.source);
      for (const g of targets({ ...o, models: modelsOf(o.id) })) g.addOpen(overdue, minutes);
    }

    // Remote fixes: what was done to each resolved incident's terminal (its site's, for a site incident) while it was open.
    if (resolved.length) {
      const since = resolved.reduce((min, i) => (i.first_seen_at < min ? i.first_seen_at : min), toIso);
      const actions = await this.repo.actionsBetween(since, toIso);
      const [visitsTo, visitsAt, remoteTo, remoteAt] = [new Timeline(), new Timeline(), new Timeline(), new Timeline()];
      const forIncident = new Set<string>();
      for (const v of actions.visits) {
        if (v.terminal_id) visitsTo.add(v.terminal_id, v.at);
        if (v.site_id) visitsAt.add(v.site_id, v.at);
      }
      for (const r of actions.remote) {
        if (r.terminal_id) remoteTo.add(r.terminal_id, r.at);
        if (r.site_id) remoteAt.add(r.site_id, r.at);
        if (r.incident_id) forIncident.add(r.incident_id);
      }
      for (const i of resolved) {
        const [visits, remote, key] = i.terminal_id ? [visitsTo, remoteTo, i.terminal_id] : [visitsAt, remoteAt, i.site_id ?? ''];
        const visited = visits.anyWithin(key, i.first_seen_at, i.resolved_at!);
        const remoteAction = forIncident.has(i.id) || remote.anyWithin(key, i.first_seen_at, i.resolved_at!);
        for (const g of targets(i)) g.addResolved(resolutionOf(visited, remoteAction));
      }
    }

    const labels = groupBy === 'fleet' ? new Map<string, string>() : await this.repo.labels(groupBy, [...groups.keys()].filter((k): k is string => k !== null));
    const label = (key: string | null) => (key === FLEET_KEY && groupBy === 'fleet' ? 'fleet' : key === null ? (groupBy === 'technician' ? 'unassigned' : 'none') : labels.get(key) ?? key);
    const items = [...groups].map(([key, g]) => ({ key, label: label(key), kpis: g.result() }))
      .sort((a, b) => a.label.localeCompare(b.label) || String(a.key).localeCompare(String(b.key)));
    return {
      from: fromIso, to: toIso, measuredUntil: endIso, groupBy,
      total: { key: FLEET_KEY, label: scope.kind === 'fleet' ? 'fleet' : 'all you see', kpis: total.result() },
      groups: items,
    };
  }
}
