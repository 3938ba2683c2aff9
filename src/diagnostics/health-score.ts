// Fleet health score, 0–100, as a pure function of open incidents. Each open (or acknowledged)
// incident takes points off every terminal it concerns, by severity; a site incident concerns every
// terminal of its site. A terminal scores 100 minus its points, never below 0; a site, a merchant or
// the fleet scores the mean of its terminals. Each incident's impact is its share of the drop, so the
// impacts add up to 100 minus the score (before rounding) and explain it.
import type { Severity } from './heartbeat.rules.ts';

export const SEVERITY_POINTS: Record<Severity, number> = { critical: 40, high: 20, medium: 10, low: 5 };

export interface ScoredIncident {
  id: string;
  rule: string;
  severity: string;
  terminalId: string | null;
  siteId: string | null;
}

export interface Contribution {
  incidentId: string;
  rule: string;
  severity: string;
  terminalId: string | null;
  siteId: string | null;
  /** Points it takes off each terminal it concerns. */
  points: number;
  /** Points it takes off this score. */
  impact: number;
}

export const pointsOf = (severity: string): number => SEVERITY_POINTS[severity as Severity] ?? 0;

/**
 * The score of `terminals` terminals given the open incidents concerning them. `siteTerminals` names,
 * for each site with a site incident, its terminals among them (a site incident concerns no others).
 */
export function healthScore(terminals: number, incidents: ScoredIncident[], siteTerminals: ReadonlyMap<string, readonly string[]>): { score: number; contributions: Contribution[] } {
  if (terminals <= 0) return { score: 100, contributions: [] };
  const perTerminal = new Map<string, ScoredIncident[]>();
  const concern = (terminalId: string, incident: ScoredIncident) => {
    const list = perTerminal.get(terminalId);
    if (list) list.push(incident);
    else perTerminal.set(terminalId, [incident]);
  };
  for (const incident of incidents) {
    if (incident.terminalId) concern(incident.terminalId, incident);
    else if (incident.siteId) for (const terminalId of siteTerminals.get(incident.siteId) ?? []) concern(terminalId, incident);
  }
  const impact = new Map<string, number>();
  let dropped = 0;
  for (const list of perTerminal.values()) {
    const total = list.reduce((n, i) => n + pointsOf(i.severity), 0);
    if (!total) continue;
    const drop = Math.min(100, total);
    dropped += drop;
    for (const i of list) impact.set(i.id, (impact.get(i.id) ?? 0) + (drop * pointsOf(i.severity)) / total / terminals);
  }
  const contributions = incidents
    .filter((i) => impact.has(i.id))
    .map((i) => ({ incidentId: i.id, rule: i.rule, severity: i.severity, terminalId: i.terminalId, siteId: i.siteId, points: pointsOf(i.severity), impact: Math.round(impact.get(i.id)! * 10) / 10 }))
    .sort((a, b) => b.impact - a.impact || a.incidentId.localeCompare(b.incidentId));
  return { score: Math.round(100 - dropped / terminals), contributions };
}
