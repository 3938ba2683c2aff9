import { describe, expect, it } from 'vitest';
import { forecastPass, type ForecastState } from './shop-forecasts.ts';

const day = (n: number) => new Date(Date.UTC(2026, 10, 1 + n)).toISOString();
const input = (n: number, extra: Partial<Parameters<typeof forecastPass>[1]> = {}) => ({ now: day(n), receiptsPerRoll: 300, rollReceipts: undefined, batteryHealth: undefined, chipReads: undefined, ...extra });

describe('the daily forecast pass', () => {
  it('learns the paper rate from the meter, tells once when the roll ends within 2 days, and closes on a new roll', () => {
    let state: ForecastState | undefined;
    const pass = (n: number, rollReceipts: number) => {
      const r = forecastPass(state, input(n, { rollReceipts }));
      state = r.state;
      return r.notices;
    };
    expect(pass(0, 0)).toEqual([]); // no rate yet
    expect(pass(1, 100)).toEqual([{ kind: 'paper_running_out', since: day(1), daysLeft: 2 }]); // 100 a day, 200 left
    expect(pass(2, 250)).toEqual([{ kind: 'paper_running_out', since: day(1), daysLeft: 0.4 }]); // the same notice, not a new one
    expect(pass(3, 5)).toEqual([]);
  });

  it('tells when the battery will need replacing within 30 days, from a fortnight of samples', () => {
    let state: ForecastState | undefined;
    let notices: ReturnType<typeof forecastPass>['notices'] = [];
    for (let n = 0; n <= 14; n++) ({ state, notices } = forecastPass(state, input(n, { batteryHealth: 80 - n })));
    expect(notices).toEqual([{ kind: 'battery_wearing_out', since: expect.any(String), daysLeft: 6 }]);
  });

  it('tells when the chip slot fails twice as often this week as the weeks before', () => {
    let state: ForecastState | undefined;
    let notices: ReturnType<typeof forecastPass>['notices'] = [];
    for (let n = 0; n < 28; n++) ({ state, notices } = forecastPass(state, input(n, { chipReads: { attempts: 100, failures: n < 21 ? 1 : 8 } })));
    expect(notices).toEqual([{ kind: 'card_slot_failing', since: expect.any(String), daysLeft: null, detail: { recentRate: 0.08 } }]);
  });
});
