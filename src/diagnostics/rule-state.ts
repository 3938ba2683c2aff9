// Each terminal's rule state as the heartbeat observer folds heartbeats into it, and as it is stored: streaks
// ({ rule: [bad, good] }, or [bad, good, since ms] for a delayed rule) and card windows
// ({ iface: [[attempts, failures], …] }) as two JSON texts. Every heartbeat batch reads its terminals' texts;
// most terminals hold one of a few texts (a healthy terminal's: no streak, full windows of good reads), so a
// text is parsed once and the terminals holding it share what it says, copied on write.
import { setBounded } from '../shared/bounded-map.ts';
import { parseJson } from '../shared/json.ts';
import { CARD_INTERFACES, type CardInterface, type CardWindow, type Streak } from './heartbeat.rules.ts';

export interface RuleState {
  seq: number;
  streaks: Map<string, Streak>;
  /** Shared with other states: a window is replaced (slideCardWindow copies), never changed in place. */
  cards: Partial<Record<CardInterface, CardWindow>>;
  /** The texts as read (`streaks\ncards`); undefined when the terminal has no row yet. */
  stored: string | undefined;
  /** Whether a streak or a window changed since it was read (else there is nothing to write). */
  changed: boolean;
}

export interface StoredRuleState { seq: number | string; streaks: string; cards: string }

/** Distinct texts kept parsed (one process): a few for the healthy fleet, one per failing terminal beside them. */
const TEXTS_KEPT = 10_000;

/** What a stored text says; shared by every state read from it, so never changed. */
interface Parsed { streaks: ReadonlyMap<string, Streak>; cards: Readonly<Partial<Record<CardInterface, CardWindow>>> }

export class RuleStateCodec {
  private readonly parsed = new Map<string, Parsed>();

  /** A state to fold heartbeats into, from a stored (or pending) row; its own streaks and cards, to change freely. */
  decode(row: StoredRuleState): RuleState {
    const stored = `${row.streaks}\n${row.cards}`;
    let known = this.parsed.get(stored);
    if (!known) setBounded(this.parsed, stored, (known = parse(row.streaks, row.cards)), TEXTS_KEPT);
    return { seq: Number(row.seq), streaks: new Map(known.streaks), cards: { ...known.cards }, stored, changed: false };
  }

  /** Texts kept parsed (for tests). */
  get size(): number {
    return this.parsed.size;
  }
}

/** A terminal without a stored state. */
export const emptyRuleState = (): RuleState => ({ seq: 0, streaks: new Map(), cards: {}, stored: undefined, changed: false });

function parse(streaksText: string, cardsText: string): Parsed {
  const streaks = parseJson<Record<string, [number, number, number?]>>(streaksText, {});
  const cards = parseJson<Partial<Record<CardInterface, [number, number][]>>>(cardsText, {});
  return {
    streaks: new Map(Object.entries(streaks).map(([rule, [bad, good, since]]) => [rule, since === undefined ? { bad, good } : { bad, good, since }])),
    cards: Object.fromEntries(Object.entries(cards).map(([iface, w]) => [iface, w.map(([attempts, failures]) => ({ attempts, failures }))])),
  };
}

/** Sets a rule's streak (none: forgets it), and notes a change. */
export function setStreak(state: RuleState, rule: string, streak: Streak): void {
  const before = state.streaks.get(rule);
  if (!streak.bad && !streak.good) {
    if (before) {
      state.streaks.delete(rule);
      state.changed = true;
    }
  } else if (!before || before.bad !== streak.bad || before.good !== streak.good || before.since !== streak.since) {
    state.streaks.set(rule, streak);
    state.changed = true;
  }
}

/** Replaces an interface's card window, and notes a change. */
export function setCardWindow(state: RuleState, iface: CardInterface, window: CardWindow): void {
  const before = state.cards[iface] ?? [];
  if (before.length !== window.length || before.some((c, i) => c.attempts !== window[i]!.attempts || c.failures !== window[i]!.failures)) state.changed = true;
  state.cards[iface] = window;
}

/**
 * The texts to write, or null when nothing changed since they were read (or there is nothing to remember).
 * Written by hand: rules in code-unit order (rule names are ASCII: the order localeCompare gave), numbers as integers.
 */
export function encodeRuleState(state: RuleState): { streaks: string; cards: string } | null {
  if (!state.changed) return null;
  let streaks = '{';
  for (const rule of [...state.streaks.keys()].sort()) {
    const s = state.streaks.get(rule)!;
    streaks += `${streaks.length > 1 ? ',' : ''}${JSON.stringify(rule)}:[${s.bad},${s.good}${s.since === undefined ? '' : `,${s.since}`}]`;
  }
  streaks += '}';
  let cards = '{';
  for (const iface of CARD_INTERFACES) {
    const window = state.cards[iface];
    if (!window?.length) continue;
    cards += `${cards.length > 1 ? ',' : ''}"${iface}":[${window.map((c) => `[${c.attempts},${c.failures}]`).join(',')}]`;
  }
  cards += '}';
  const text = `${streaks}\n${cards}`;
  if (state.stored === undefined ? text === '{}\n{}' : state.stored === text) return null;
  return { streaks, cards };
}
