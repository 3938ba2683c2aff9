import { describe, expect, it } from 'vitest';
import { slideCardWindow } from './heartbeat.rules.ts';
import { emptyRuleState, encodeRuleState, RuleStateCodec, setCardWindow, setStreak } from './rule-state.ts';

const healthy = { seq: 7, streaks: '{}', cards: '{"chip":[[50,0]],"contactless":[[50,0]]}' };

describe('rule state', () => {
  it('gives every terminal reading the same stored text a state of its own: one terminal\'s change is not another\'s', () => {
    const codec = new RuleStateCodec();
    const a = codec.decode({ ...healthy, streaks: '{"temperature":[1,0]}' });
    const b = codec.decode({ ...healthy, seq: '9', streaks: '{"temperature":[1,0]}' });
    expect(codec.size).toBe(1);
    setStreak(a, 'temperature', { bad: 2, good: 0 });
    setStreak(a, 'tamper', { bad: 1, good: 0 });
    setCardWindow(a, 'chip', slideCardWindow(a.cards.chip!, { attempts: 10, failures: 6 }, 50));
    expect(b).toMatchObject({ seq: 9, streaks: new Map([['temperature', { bad: 1, good: 0 }]]), cards: { chip: [{ attempts: 50, failures: 0 }] }, changed: false });
    const c = codec.decode({ ...healthy, streaks: '{"temperature":[1,0]}' });
    expect([...c.streaks]).toEqual([['temperature', { bad: 1, good: 0 }]]);
    expect(c.cards.chip).toEqual([{ attempts: 50, failures: 0 }]);
    expect(encodeRuleState(a)).toEqual({ streaks: '{"tamper":[1,0],"temperature":[2,0]}', cards: '{"chip":[[40,0],[10,6]],"contactless":[[50,0]]}' });
  });

  it('has nothing to write for a terminal whose streaks and windows stayed as read, or that has nothing to remember', () => {
    const codec = new RuleStateCodec();
    const state = codec.decode(healthy);
    setStreak(state, 'temperature', { bad: 0, good: 0 });
    setCardWindow(state, 'chip', slideCardWindow(state.cards.chip!, { attempts: 10, failures: 0 }, 50));
    setCardWindow(state, 'swipe', slideCardWindow([], { attempts: 0, failures: 0 }, 50));
    expect(state.changed).toBe(false);
    expect(encodeRuleState(state)).toBeNull();

    const fresh = emptyRuleState();
    setStreak(fresh, 'temperature', { bad: 1, good: 0 });
    setStreak(fresh, 'temperature', { bad: 0, good: 0 });
    expect(encodeRuleState(fresh)).toBeNull();
  });

  it('writes a delayed rule\'s start with its streak', () => {
    const state = new RuleStateCodec().decode({ seq: 1, streaks: '{"printer_paper_out":[1,0,1000]}', cards: '{}' });
    setStreak(state, 'printer_paper_out', { bad: 1, good: 0, since: 1000 });
    expect(state.changed).toBe(false);
    setStreak(state, 'printer_paper_out', { bad: 1, good: 0, since: 2000 });
    expect(encodeRuleState(state)).toEqual({ streaks: '{"printer_paper_out":[1,0,2000]}', cards: '{}' });
  });
});
