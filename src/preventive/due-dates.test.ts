import { describe, expect, it } from 'vitest';
import { DEFAULT_FACTORS, nextDue } from './due-dates.ts';

const start = new Date('2026-01-01T00:00:00.000Z');
const days = (a: Date, b: Date) => (b.getTime() - a.getTime()) / 86_400_000;

describe('the due-date formula', () => {
  it('keeps the base interval for an indoor terminal of ordinary usage, with nothing to explain', () => {
    const due = nextDue({ schedule: 'fixed', baseDays: 30, startAt: start, transactionsPerDay: 100, environment: ['indoor'] });
    expect(days(start, due.dueAt)).toBe(30);
    expect(due.why).toEqual([]);
    expect(due.anchor).toBe('start');
  });

  it('shortens the interval for an outdoor, dusty site and names both factors', () => {
    const due = nextDue({ schedule: 'fixed', baseDays: 30, startAt: start, transactionsPerDay: null, environment: ['outdoor', 'dusty'] });
    expect(due.effectiveDays).toBeCloseTo(30 * 0.8 * 0.7, 3);
    expect(due.why.map((w) => w.factor)).toEqual(['environment:dusty', 'environment:outdoor']);
  });

  it('shortens for heavy use and lengthens for light use', () => {
    const heavy = nextDue({ schedule: 'fixed', baseDays: 30, startAt: start, transactionsPerDay: 500, environment: [] });
    const light = nextDue({ schedule: 'fixed', baseDays: 30, startAt: start, transactionsPerDay: 5, environment: [] });
    expect(heavy.effectiveDays).toBe(22.5);
    expect(light.effectiveDays).toBe(37.5);
    expect(heavy.why[0]).toMatchObject({ factor: 'usage', value: 0.75 });
  });

  it('never lets the factors shrink an interval below its minimum share', () => {
    const factors = { ...DEFAULT_FACTORS, environment: { outdoor: 0.1, dusty: 0.1 } };
    const due = nextDue({ schedule: 'fixed', baseDays: 100, startAt: start, transactionsPerDay: null, environment: ['outdoor', 'dusty'], factors });
    expect(due.effectiveDays).toBe(25);
    expect(due.why.at(-1)?.factor).toBe('minimum');
  });

  it('counts a fixed schedule from the last due date and a floating one from the last completion', () => {
    const lastDueAt = new Date('2026-02-01T00:00:00.000Z');
    const lastDoneAt = new Date('2026-02-10T00:00:00.000Z');
    const fixed = nextDue({ schedule: 'fixed', baseDays: 7, startAt: start, lastDueAt, lastDoneAt, transactionsPerDay: null, environment: [] });
    const floating = nextDue({ schedule: 'floating', baseDays: 7, startAt: start, lastDueAt, lastDoneAt, transactionsPerDay: null, environment: [] });
    expect(fixed.dueAt.toISOString()).toBe('2026-02-08T00:00:00.000Z');
    expect(fixed.anchor).toBe('last_due');
    expect(floating.dueAt.toISOString()).toBe('2026-02-17T00:00:00.000Z');
    expect(floating.anchor).toBe('last_completion');
  });

  it('refuses an interval that is not positive', () => {
    expect(() => nextDue({ schedule: 'fixed', baseDays: 0, startAt: start, transactionsPerDay: null, environment: [] })).toThrow(RangeError);
  });
});

describe('the wear meters of the due-date formula', () => {
  const base = { schedule: 'fixed' as const, baseDays: 91, startAt: start, transactionsPerDay: 100, environment: [] };

  it('shortens only the tasks a meter wears out, and says which meter and by how much', () => {
    const meters = { receipts: 450, cardInsertions: 10, batteryCycles: 1.5 };
    const quarterly = nextDue({ ...base, meters, itemCodes: ['worn-parts', 'battery'] });
    expect(quarterly.effectiveDays).toBeCloseTo(91 * 0.8 * 0.75, 3);
    expect(quarterly.why.map((w) => w.factor)).toEqual(['meter:receipts', 'meter:batteryCycles']);
    expect(quarterly.why[0]!.reason).toBe('printer tasks: 450 receipts printed/day ≥ 300');
    const connections = nextDue({ ...base, meters, itemCodes: ['connections'] });
    expect(connections.effectiveDays).toBe(91);
    expect(connections.why).toEqual([]);
  });

  it('takes factors and thresholds of the plan, keeping the defaults of meters it does not name', () => {
    const factors = { ...DEFAULT_FACTORS, meters: { cardInsertions: { perDay: 5, factor: 0.5, itemCodes: ['card-reader'] } } };
    const due = nextDue({ ...base, factors, meters: { cardInsertions: 10, receipts: 400 }, itemCodes: ['card-reader', 'deep-clean'] });
    expect(due.effectiveDays).toBeCloseTo(91 * 0.5 * 0.8, 3);
  });

  it('leaves a due date alone when the terminal reported no meter', () => {
    expect(nextDue({ ...base, meters: {}, itemCodes: ['battery'] }).effectiveDays).toBe(91);
  });
});
