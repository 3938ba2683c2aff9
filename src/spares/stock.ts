// Stock arithmetic as pure rules: what a move leaves, when a level counts as low, and when operators
// are told about it (once per shortage: when the level first falls below its minimum, not on every
// move while it stays there).

export const MOVE_KINDS = ['receipt', 'consumption', 'transfer_out', 'transfer_in', 'adjustment'] as const;
export type MoveKind = (typeof MOVE_KINDS)[number];

/** One change of a level: stock taken out, put in, or the level a count found. */
export type StockChange = { take: number } | { put: number } | { count: number };

/** What a change does to a level: the ledger delta, the balance it leaves, and the low-stock flag's change. */
export interface StockOutcome {
  delta: number;
  balance: number;
  lowStock: 'raise' | 'clear' | 'keep';
}

/**
 * The one rule of every stock move: the balance a change leaves (null when there is not that much to
 * take: stock never goes below zero), its ledger delta, and whether the level crosses its minimum.
 */
export function stockMove(level: { quantity: number; minimum: number; flagged: boolean }, change: StockChange): StockOutcome | null {
  const balance = 'take' in change ? afterTaking(level.quantity, change.take) : 'put' in change ? level.quantity + change.put : change.count;
  if (balance === null) return null;
  const delta = 'count' in change ? countDelta(level.quantity, change.count) : balance - level.quantity;
  return { delta, balance, lowStock: lowStockChange(balance, level.minimum, level.flagged) };
}

/** A level below its minimum is low; a minimum of 0 never is. */
export function isLow(quantity: number, minimum: number): boolean {
  return quantity < minimum;
}

/** The level after taking `quantity` out, or null when there is not that much (stock never goes below zero). */
export function afterTaking(level: number, quantity: number): number | null {
  if (!Number.isInteger(quantity) || quantity <= 0) throw new RangeError('quantity must be a positive integer');
  return level >= quantity ? level - quantity : null;
}

/** The ledger delta of a count: what the count found minus what the books said. */
export function countDelta(booked: number, counted: number): number {
  if (!Number.isInteger(counted) || counted < 0) throw new RangeError('a count is a whole number of at least 0');
  return counted - booked;
}

/**
 * What the low-stock flag does after a move: `raise` (and tell operators) when the level is low and no
 * shortage is flagged yet, `clear` when a flagged shortage is over, else `keep`.
 */
export function lowStockChange(quantity: number, minimum: number, flagged: boolean): 'raise' | 'clear' | 'keep' {
  const low = isLow(quantity, minimum);
  if (low && !flagged) return 'raise';
  if (!low && flagged) return 'clear';
  return 'keep';
}

/** Replays a ledger from zero: the level after each move (what the `balance` column must show). */
export function balances(deltas: readonly number[]): number[] {
  let level = 0;
  return deltas.map((d) => (level += d));
}
