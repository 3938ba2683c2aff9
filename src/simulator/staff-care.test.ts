import { describe, expect, it } from 'vitest';
import { staffAnswers } from './staff-care.ts';

const week = Array.from({ length: 200 }, (_, i) => ({ id: 'task-1:daily-care', dueAt: new Date(Date.UTC(2026, 0, 1 + i)).toISOString(), status: 'pending' }));

describe('the simulated shop staff', () => {
  it('answer what is due, skip a seeded few days, and cannot do the daily check without paper', () => {
    const answers = staffAnswers(week, 'ok', 7, { skipChance: 0.1 });
    expect(answers.length).toBeGreaterThan(150);
    expect(answers.length).toBeLessThan(200);
    expect(staffAnswers(week, 'ok', 7, { skipChance: 0.1 })).toEqual(answers);
    expect(staffAnswers([{ ...week[0]!, status: 'done' }], 'ok', 7)).toEqual([]);
    expect(staffAnswers(week.slice(0, 1), 'out', 7, { skipChance: 0 })).toEqual([{ taskId: 'task-1:daily-care', outcome: 'could_not', reason: 'paper out of stock' }]);
  });
});
