// Maintenance figures for a period, as operators and merchants read them: downtime, refused transactions,
// revenue lost and job outcomes, for the fleet, a merchant or a site, and per site. The sums are the pure
// rules of figures.ts; this gathers the jobs and each terminal's average ticket within the caller's scope.
import type { Scope } from '../access/roles.ts';
import type { EstateService } from '../estate/estate.service.ts';
import { invalidField, notFound } from '../shared/errors.ts';
import type { Clock } from '../shared/time.ts';
import { addJob, averageTicket, DEFAULT_CURRENCY, emptyFigures, type AverageTicket, type MaintenanceFigures } from './figures.ts';
import type { MaintenanceRepository } from './maintenance.repository.ts';

export class FiguresService {
  constructor(
    private readonly repo: MaintenanceRepository,
    private readonly clock: Clock,
    private readonly estate: Pick<EstateService, 'getMerchant' | 'getSite'>,
  ) {}

  /** Downtime, refused transactions, revenue lost and job outcomes, for the fleet, a merchant or a site, and per site. */
  async figures(filter: { from: string; to: string; merchantId?: string | undefined; siteId?: string | undefined }, scope: Scope) {
    if (filter.from >= filter.to) throw invalidField('from', 'common.from_before_to');
    if (scope.kind === 'merchant') {
      if (filter.merchantId && filter.merchantId !== scope.merchantId) throw notFound('merchant', filter.merchantId);
      filter = { ...filter, merchantId: scope.merchantId };
    }
    if (scope.kind === 'technician') return { ...filter, total: emptyFigures(), bySite: [] };
    if (filter.merchantId) await this.estate.getMerchant(filter.merchantId, scope);
    if (filter.siteId) await this.estate.getSite(filter.siteId, scope);
    const jobs = await this.repo.jobsForFigures(filter);
    const since = new Date(new Date(filter.to).getTime() - 30 * 86_400_000).toISOString();
    const tickets = new Map<string, AverageTicket>();
    for (const terminalId of new Set(jobs.filter((j) => j.refused_transactions > 0).map((j) => j.terminal_id))) {
      tickets.set(terminalId, averageTicket(await this.repo.recentTransactionTotals(terminalId, since)));
    }
    const now = this.clock();
    const total = emptyFigures();
    const bySite = new Map<string, MaintenanceFigures>();
    for (const row of jobs) {
      const facts = {
        siteId: row.site_id, merchantId: row.merchant_id, terminalId: row.terminal_id, state: row.state, startedAt: row.started_at, endedAt: row.ended_at,
        updatedAt: row.updated_at, expectedMinutes: row.expected_minutes, refusedTransactions: row.refused_transactions,
      };
      const ticket = tickets.get(row.terminal_id) ?? { minor: 0, currency: DEFAULT_CURRENCY };
      addJob(total, facts, ticket, now);
      const site = bySite.get(row.site_id ?? '') ?? emptyFigures();
      addJob(site, facts, ticket, now);
      bySite.set(row.site_id ?? '', site);
    }
    return { ...filter, total, bySite: [...bySite].map(([siteId, figures]) => ({ siteId: siteId || null, ...figures })) };
  }
}
