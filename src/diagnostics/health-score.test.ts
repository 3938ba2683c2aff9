import { describe, expect, it } from 'vitest';
import { healthScore, type ScoredIncident } from './health-score.ts';

const incident = (id: string, severity: string, terminalId: string | null, siteId: string | null = 'S1'): ScoredIncident => ({ id, rule: 'r', severity, terminalId, siteId });

describe('health score', () => {
  it('is 100 for a terminal without incidents, and takes points off by severity', () => {
    expect(healthScore(1, [], new Map())).toEqual({ score: 100, contributions: [] });
    const { score, contributions } = healthScore(1, [incident('a', 'high', 'T1'), incident('b', 'low', 'T1')], new Map());
    expect(score).toBe(75);
    expect(contributions.map((c) => [c.incidentId, c.points, c.impact])).toEqual([['a', 20, 20], ['b', 5, 5]]);
  });

  it('never goes below 0 for one terminal, and shares the drop among its incidents', () => {
    const { score, contributions } = healthScore(1, [incident('a', 'critical', 'T1'), incident('b', 'critical', 'T1'), incident('c', 'high', 'T1')], new Map());
    expect(score).toBe(0);
    expect(contributions.reduce((n, c) => n + c.impact, 0)).toBe(100);
  });

  it('averages over the terminals of a site or merchant, a site incident counting on each of its terminals', () => {
    const sites = new Map([['S1', ['T1', 'T2']]]);
    const { score, contributions } = healthScore(4, [incident('site', 'critical', null), incident('t3', 'medium', 'T3', 'S2')], sites);
    // T1 and T2 lose 40 each, T3 10, T4 nothing: (60 + 60 + 90 + 100) / 4.
    expect(score).toBe(78);
    expect(contributions.map((c) => [c.incidentId, c.impact])).toEqual([['site', 20], ['t3', 2.5]]);
  });
});
