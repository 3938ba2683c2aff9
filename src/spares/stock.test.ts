import { describe, expect, it } from 'vitest';
import { afterTaking, balances, countDelta, isLow, lowStockChange } from './stock.ts';

describe('stock arithmetic', () => {
  it('takes stock only down to zero', () => {
    expect(afterTaking(3, 2)).toBe(1);
    expect(afterTaking(1, 1)).toBe(0);
    expect(afterTaking(1, 2)).toBeNull();
    expect(afterTaking(0, 1)).toBeNull();
    expect(() => afterTaking(5, 0)).toThrow(RangeError);
    expect(() => afterTaking(5, 1.5)).toThrow(RangeError);
  });

  it('books a count as the difference between what was found and what the books said', () => {
    expect(countDelta(10, 7)).toBe(-3);
    expect(countDelta(4, 6)).toBe(2);
    expect(countDelta(4, 4)).toBe(0);
    expect(() => countDelta(4, -1)).toThrow(RangeError);
  });

  it('calls a level low only below its minimum', () => {
    expect(isLow(1, 2)).toBe(true);
    expect(isLow(2, 2)).toBe(false);
    expect(isLow(0, 0)).toBe(false);
  });

  it('raises the low-stock flag once per shortage and clears it when stock is back', () => {
    // 5 → 3 → 1 → 0 → 4 → 1 with minimum 2: told at 1, not again at 0, cleared at 4, told again at 1.
    let flagged = false;
    const changes = [5, 3, 1, 0, 4, 1].map((level) => {
      const change = lowStockChange(level, 2, flagged);
      if (change === 'raise') flagged = true;
      if (change === 'clear') flagged = false;
      return change;
    });
    expect(changes).toEqual(['keep', 'keep', 'raise', 'keep', 'clear', 'raise']);
  });

  it('replays a ledger into the levels after each move', () => {
    expect(balances([5, -2, 3, -6])).toEqual([5, 3, 6, 0]);
  });
});
