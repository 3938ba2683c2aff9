// Health scores: of a terminal, site, merchant or everything in scope, explained by the open incidents
// that lower them; and the terminals scoring lowest. The formula is health-score.ts.
import type { Scope } from '../access/roles.ts';
import type { EstateService } from '../estate/estate.service.ts';
import { groupBy } from '../shared/group-by.ts';
import { invalidField } from '../shared/errors.ts';
import type { DiagnosticsRepository } from './diagnostics.repository.ts';
import type { HealthScoreQuery, TerminalScoresQuery } from './diagnostics.schemas.ts';
import { healthScore } from './health-score.ts';
import type { Rule } from './heartbeat.rules.ts';
import { RULE_LABELS } from './rule-labels.ts';

export class HealthScoreService {
  constructor(private readonly repo: DiagnosticsRepository, private readonly estate: Pick<EstateService, 'getTerminal' | 'getSite' | 'getMerchant'>) {}

  /** The health score of a terminal, site, merchant or (no subject) everything in scope, explained by its incidents. */
  async healthScore(query: HealthScoreQuery, scope: Scope) {
    const given = (['terminalId', 'siteId', 'merchantId'] as const).filter((k) => query[k]);
    if (given.length > 1) throw invalidField(given[1]!, 'diagnostics.one_subject');
    let subject: { kind: 'terminal' | 'site' | 'merchant' | 'fleet'; id: string | null };
    let terminals: number;
    let incidents;
    let siteTerminals: Map<string, string[]>;
    if (query.terminalId) {
      const terminal = await this.estate.getTerminal(query.terminalId, scope);
      subject = { kind: 'terminal', id: terminal.id };
      terminals = 1;
      incidents = await this.repo.openIncidentsConcerning({ terminalId: terminal.id, siteOfTerminal: terminal.siteId }, scope);
      siteTerminals = new Map(terminal.siteId ? [[terminal.siteId, [terminal.id]]] : []);
    } else {
      if (query.siteId) await this.estate.getSite(query.siteId, scope);
      if (query.merchantId) await this.estate.getMerchant(query.merchantId, scope);
      const where = { ...(query.siteId && { siteId: query.siteId }), ...(query.merchantId && { merchantId: query.merchantId }) };
      subject = query.siteId ? { kind: 'site', id: query.siteId } : query.merchantId ? { kind: 'merchant', id: query.merchantId } : { kind: 'fleet', id: null };
      [terminals, incidents] = await Promise.all([this.repo.terminalsInService(where, scope), this.repo.openIncidentsConcerning(where, scope)]);
      siteTerminals = await this.repo.terminalsOfSites([...new Set(incidents.filter((i) => !i.terminalId && i.siteId).map((i) => i.siteId!))]);
    }
    const { score, contributions } = healthScore(terminals, incidents, siteTerminals);
    return {
      subject, score, terminals,
      contributions: contributions.map((c) => ({ ...c, title: RULE_LABELS[c.rule as Rule] ?? { 'zh-CN': c.rule, en: c.rule } })),
    };
  }

  /** Terminals below 100, lowest first: each terminal's score from its own and its site's open incidents. */
  async terminalScores(query: TerminalScoresQuery, scope: Scope) {
    const where = { ...(query.siteId && { siteId: query.siteId }), ...(query.merchantId && { merchantId: query.merchantId }) };
    const incidents = await this.repo.openIncidentsConcerning(where, scope);
    const siteTerminals = await this.repo.terminalsOfSites([...new Set(incidents.filter((i) => !i.terminalId && i.siteId).map((i) => i.siteId!))]);
    const concerned = new Set([...incidents.flatMap((i) => (i.terminalId ? [i.terminalId] : [])), ...[...siteTerminals.values()].flat()]);
    const placed = await this.repo.placements([...concerned]);
    // Looked up by key, not searched: a site that is down concerns each of its (possibly 10,000s of) terminals.
    const siteOf = new Map([...siteTerminals].flatMap(([site, ids]) => ids.map((id) => [id, site] as const)));
    const ofTerminal = groupBy(incidents.filter((i) => i.terminalId), (i) => i.terminalId!);
    const ofSite = groupBy(incidents.filter((i) => !i.terminalId && i.siteId), (i) => i.siteId!);
    const items = [...concerned].map((terminalId) => {
      const site = siteOf.get(terminalId);
      const own = [...(ofTerminal.get(terminalId) ?? []), ...(site ? ofSite.get(site) ?? [] : [])];
      const { score } = healthScore(1, own, new Map(site ? [[site, [terminalId]]] : []));
      const where = placed.get(terminalId);
      return { terminalId, serialNumber: where?.serialNumber ?? terminalId, siteId: where?.siteId ?? null, score, incidents: own.length };
    });
    items.sort((a, b) => a.score - b.score || a.serialNumber.localeCompare(b.serialNumber));
    return { items: items.slice(0, query.limit ?? 500) };
  }
}
