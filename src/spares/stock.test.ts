import { describe, expect, it } from 'vitest';
import { afterTaking, balances, countDelta, isLow, lowStockChange, stockMove } from './stock.ts';

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

  it('works out every move the same way: the balance, the ledger delta and whether the minimum is crossed', () => {
    const level = { quantity: 3, minimum: 2, flagged: false };
    expect(stockMove(level, { take: 2 })).toEqual({ delta: -2, balance: 1, lowStock: 'raise' });
    expect(stockMove(level, { take: 4 })).toBeNull();
    expect(stockMove({ quantity: 1, minimum: 2, flagged: true }, { put: 4 })).toEqual({ delta: 4, balance: 5, lowStock: 'clear' });
    expect(stockMove({ quantity: 1, minimum: 2, flagged: true }, { take: 1 })).toEqual({ delta: -1, balance: 0, lowStock: 'keep' });
    expect(stockMove(level, { count: 7 })).toEqual({ delta: 4, balance: 7, lowStock: 'keep' });
    expect(stockMove(level, { count: 0 })).toEqual({ delta: -3, balance: 0, lowStock: 'raise' });
  });
});
