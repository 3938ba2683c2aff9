import { describe, expect, it } from 'vitest';
import { batteryDaysLeft, cardSlotTrend, episode, paperDaysLeft } from './forecasts.ts';

describe('forecasts a merchant acts on', () => {
  it('paper: days left on the roll from the receipts printed since it was changed', () => {
    expect(paperDaysLeft(400, 300, 50)).toBe(2);
    expect(paperDaysLeft(400, 450, 50)).toBe(0);
    expect(paperDaysLeft(400, 100, null)).toBeNull();
    expect(paperDaysLeft(400, 100, 0)).toBeNull();
  });

  it('battery: days until the capacity trend crosses the replacement level; none when flat or short', () => {
    const samples = [0, 10, 20, 30].map((d) => ({ at: new Date(Date.UTC(2026, 10, 1 + d)).toISOString(), health: 90 - d * 0.5 }));
    expect(batteryDaysLeft(samples, 60)).toBeCloseTo(30, 5); // 75 % now, losing 0.5 % a day
    expect(batteryDaysLeft(samples.map((s) => ({ ...s, health: 88 })), 60)).toBeNull();
    expect(batteryDaysLeft(samples.slice(0, 2), 60)).toBeNull();
    expect(batteryDaysLeft(samples.map((s, i) => ({ at: new Date(Date.UTC(2026, 10, 1 + i)).toISOString(), health: s.health })), 60)).toBeNull(); // 3 days: too short
    expect(batteryDaysLeft(samples, 80)).toBe(0);
  });

  it('card slot: climbing when the last week fails far more often than before, with enough reads', () => {
    const steady = Array.from({ length: 21 }, () => ({ attempts: 100, failures: 1 }));
    const worse = Array.from({ length: 7 }, () => ({ attempts: 100, failures: 6 }));
    expect(cardSlotTrend([...steady, ...worse])).toMatchObject({ climbing: true, recentRate: 0.06, baseRate: 0.01 });
    expect(cardSlotTrend([...steady, ...steady.slice(0, 7)]).climbing).toBe(false);
    expect(cardSlotTrend([...steady, ...Array.from({ length: 7 }, () => ({ attempts: 3, failures: 2 }))]).climbing).toBe(false); // too few reads
    expect(cardSlotTrend([...steady, ...Array.from({ length: 7 }, () => ({ attempts: 100, failures: 2 }))]).climbing).toBe(false); // below the floor
  });

  it('one notice per episode: opens at the threshold and closes only well clear of it', () => {
    expect(episode(false, 2, 1, 3)).toBe(false);
    expect(episode(false, 1, 1, 3)).toBe(true);
    expect(episode(true, 2.5, 1, 3)).toBe(true); // hovering near the threshold does not reopen it
    expect(episode(true, 5, 1, 3)).toBe(false); // a new roll
    expect(episode(true, null, 1, 3)).toBe(true);
  });
});
