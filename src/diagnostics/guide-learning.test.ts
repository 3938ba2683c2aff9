import { describe, expect, it } from 'vitest';
import { learnOrder, naturalOrder, nextInOrder, reorderReason, type RunFacts } from './guide-learning.ts';
import { guideById } from './guides.ts';

const cardSlot = guideById('card_slot')!;
const runs = (count: number, run: RunFacts): RunFacts[] => Array.from({ length: count }, () => run);
/** 200 runs of the card-slot guide in its own order, where step 3 (another card) fixes most. */
const history: RunFacts[] = [
  ...runs(30, { status: 'resolved', endedAtStep: 'clean_slot', steps: ['clean_slot'] }),
  ...runs(10, { status: 'escalated', endedAtStep: 'inspect_slot', steps: ['clean_slot', 'inspect_slot'] }),
  ...runs(124, { status: 'resolved', endedAtStep: 'other_card', steps: ['clean_slot', 'inspect_slot', 'other_card'] }),
  ...runs(36, { status: 'escalated', endedAtStep: 'other_card', steps: ['clean_slot', 'inspect_slot', 'other_card'] }),
];

describe('guides that learn', () => {
  it("keep the guide's own order until enough runs were made", () => {
    expect(naturalOrder(cardSlot)).toEqual(['clean_slot', 'inspect_slot', 'other_card']);
    const learned = learnOrder(cardSlot, history.slice(0, 29), 30);
    expect(learned).toMatchObject({ order: ['clean_slot', 'inspect_slot', 'other_card'], reordered: false, flagged: [] });
  });

  it('offer first the step that fixed the most terminals, and say why in both languages', () => {
    const learned = learnOrder(cardSlot, history, 30);
    expect(learned.order).toEqual(['other_card', 'clean_slot', 'inspect_slot']);
    expect(learned.reordered).toBe(true);
    expect(learned.figures.find((f) => f.stepId === 'other_card')).toEqual({ stepId: 'other_card', position: 3, tried: 160, fixed: 124 });
    expect(reorderReason(cardSlot, learned, 'A920', 'en')).toBe('step 3 first: fixed 62 % of A920 card-slot faults in the last 90 days');
    expect(reorderReason(cardSlot, learned, 'A920', 'zh-CN')).toBe('先做第 3 步：近 90 天修好了 62% 的 A920 读卡槽故障');
    expect(reorderReason(cardSlot, learnOrder(cardSlot, [], 30), 'A920', 'en')).toBeNull();
  });

  it('flag a step that can fix the fault but never did on the model, after enough runs; not a step that only diagnoses', () => {
    const never: RunFacts[] = runs(40, { status: 'resolved', endedAtStep: 'other_card', steps: ['clean_slot', 'inspect_slot', 'other_card'] });
    expect(learnOrder(cardSlot, never, 30).flagged).toEqual(['clean_slot']);
    expect(learnOrder(cardSlot, never.slice(0, 20), 30).flagged).toEqual([]);
  });

  it('walk a learned order: a step that did not fix it goes on to the next untried one, a finding escalates at once', () => {
    const order = ['other_card', 'clean_slot', 'inspect_slot'];
    expect(nextInOrder(cardSlot, order, [], 'other_card', 'all_fail')).toEqual({ step: 'clean_slot' });
    expect(nextInOrder(cardSlot, order, ['other_card'], 'clean_slot', 'still_fails')).toEqual({ step: 'inspect_slot' });
    expect(nextInOrder(cardSlot, order, ['other_card', 'clean_slot'], 'inspect_slot', 'looks_fine')).toEqual({ escalate: true, parts: ['card reader'] });
    expect(nextInOrder(cardSlot, order, [], 'other_card', 'other_card_works')).toEqual({ resolved: true });
    expect(nextInOrder(cardSlot, order, ['other_card', 'clean_slot'], 'inspect_slot', 'damaged')).toEqual({ escalate: true, parts: ['card reader'] });
    expect(nextInOrder(cardSlot, order, [], 'other_card', 'no_such_outcome')).toBeUndefined();
  });
});
