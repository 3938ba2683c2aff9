// Stock arithmetic as pure rules: what a move leaves, when a level counts as low, and when operators
// are told about it (once per shortage: when the level first falls below its minimum, not on every
// move while it stays there).

export const MOVE_KINDS = ['receipt', 'consumption', 'transfer_out', 'transfer_in', 'adjustment'] as const;
export type MoveKind = (typeof MOVE_KINDS)[number];

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
