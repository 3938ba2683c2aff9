// The fleet overview: what needs attention now (open incidents by severity, work orders due and
// overdue, fleet health) and how it went day by day, for the part of the estate the caller may see.
import type { Scope } from '../access/roles.ts';
import { healthScore } from '../diagnostics/health-score.ts';
import { assertTimeZone } from '../estate/estate.rules.ts';
import type { Clock } from '../shared/time.ts';
import { dailyFigures, lastDays, noneBySeverity } from './overview.ts';
import type { OverviewRepository } from './overview.repository.ts';
import type { OverviewQuery, OverviewView } from './overview.schemas.ts';

const DUE_SOON_MS = 24 * 3_600_000;

/** What the fleet health score needs of the estate: how many terminals are in service, and which stand at each site. */
export interface TerminalsInService {
  terminalsInService(subject: Record<string, never>, scope: Scope): Promise<number>;
  terminalsOfSites(siteIds: string[]): Promise<Map<string, string[]>>;
}

export class OverviewService {
  constructor(private readonly repo: OverviewRepository, private readonly diagnostics: TerminalsInService, private readonly clock: Clock) {}

  async overview(query: OverviewQuery, scope: Scope): Promise<OverviewView> {
    const timeZone = query.timeZone ?? 'UTC';
    assertTimeZone('timeZone', timeZone);
    const now = this.clock();
    const days = lastDays(query.days ?? 14, timeZone, now);
    const from = new Date(days[0]!.start).toISOString();
    const [rows, jobStarts, done, workOrders, terminals] = await Promise.all([
      this.repo.incidentsSince(from, now.toISOString(), scope), this.repo.jobStartsSince(from, scope), this.repo.workOrdersDoneSince(from, scope),
      this.repo.openWorkOrders(now.toISOString(), new Date(now.getTime() + DUE_SOON_MS).toISOString(), scope),
      this.diagnostics.terminalsInService({}, scope),
    ]);
    const incidents = rows.map((r) => ({
      id: r.id, rule: r.rule, severity: r.severity, terminalId: r.terminal_id, siteId: r.site_id,
      firstSeenAt: Date.parse(r.first_seen_at), resolvedAt: r.resolved_at ? Date.parse(r.resolved_at) : null,
    }));
    const siteTerminals = await this.diagnostics.terminalsOfSites([...new Set(incidents.flatMap((i) => (!i.terminalId && i.siteId ? [i.siteId] : [])))]);
    const open = incidents.filter((i) => i.resolvedAt === null);
    const openIncidents = noneBySeverity();
    for (const i of open) if (i.severity in openIncidents) openIncidents[i.severity]++;
    return {
      timeZone, openIncidents, workOrders,
      health: { score: healthScore(terminals, open, siteTerminals).score, terminals },
      days: dailyFigures(days, { incidents, jobStarts: jobStarts.map(Date.parse), workOrdersDone: done.map(Date.parse), terminals, siteTerminals }),
    };
  }
}
