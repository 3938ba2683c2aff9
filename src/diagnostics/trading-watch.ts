// The suspicious-trading rules' memory between heartbeats: each terminal's learnt baseline, its streaks
// and the rules that tripped and have not cleared yet. Kept in memory (bounded), so the heartbeat path
// costs no query: a restarted node learns a terminal's habits again from its next heartbeats, and a rule
// that trips again meanwhile adds its evidence to the terminal's open case rather than a second case.
import { setBounded } from '../shared/bounded-map.ts';
import { nextStreak, type Streak } from './heartbeat.rules.ts';
import { EMPTY_BASELINE, learnTrading, readTrading, type SiteHours, type TradingBaseline, type TradingCounts, type TradingRule, type TradingThresholds } from './trading.rules.ts';

interface Memory {
  seq: number;
  baseline: TradingBaseline;
  streaks: Map<TradingRule, Streak>;
  tripped: Set<TradingRule>;
}

/** A rule that tripped on a heartbeat: a case is opened or given this evidence. */
export interface TradingFinding {
  rule: TradingRule;
  detail: Record<string, unknown>;
  at: string;
}

const MAX_TERMINALS = 200_000;

export class TradingWatch {
  private readonly memory = new Map<string, Memory>();

  /** Folds one new heartbeat of a terminal in; the rules that tripped with it. */
  observe(terminalId: string, seq: number, t: TradingCounts, at: string, site: SiteHours | null, th: TradingThresholds): TradingFinding[] {
    let m = this.memory.get(terminalId);
    if (!m) setBounded(this.memory, terminalId, (m = { seq: -1, baseline: EMPTY_BASELINE, streaks: new Map(), tripped: new Set() }), MAX_TERMINALS);
    if (seq <= m.seq) return []; // a late or repeated heartbeat changes nothing
    m.seq = seq;
    const readings = readTrading(t, at, site, m.baseline, th);
    const found: TradingFinding[] = [];
    for (const r of readings) {
      const { streak, action } = nextStreak(m.streaks.get(r.rule) ?? { bad: 0, good: 0 }, r.bad, m.tripped.has(r.rule), th);
      if (streak.bad || streak.good) m.streaks.set(r.rule, streak);
      else m.streaks.delete(r.rule);
      if (action === 'open') {
        m.tripped.add(r.rule);
        found.push({ rule: r.rule, detail: r.detail, at });
      } else if (action === 'resolve') m.tripped.delete(r.rule);
    }
    m.baseline = learnTrading(m.baseline, t, readings);
    return found;
  }

  /** What the watch has learnt of a terminal (for tests and the case evidence). */
  baselineOf(terminalId: string): TradingBaseline | undefined {
    return this.memory.get(terminalId)?.baseline;
  }
}
