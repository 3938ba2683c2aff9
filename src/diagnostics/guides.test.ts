import { describe, expect, it } from 'vitest';
import { answer, GUIDES, guideForRule, renderStep } from './guides.ts';
import { HEARTBEAT_RULES } from './heartbeat.rules.ts';

describe('troubleshooting guides', () => {
  it('are complete: every outcome leads to a step of the same guide, a resolution or an escalation, in both languages', () => {
    for (const guide of GUIDES) {
      expect(guide.steps[guide.firstStep], guide.id).toBeDefined();
      for (const [id, step] of Object.entries(guide.steps)) {
        expect(step.instruction['zh-CN'] && step.instruction.en, `${guide.id}.${id}`).toBeTruthy();
        expect(step.outcomes.length, `${guide.id}.${id}`).toBeGreaterThan(1);
        for (const outcome of step.outcomes) {
          expect(outcome.label['zh-CN'] && outcome.label.en).toBeTruthy();
          if ('step' in outcome.next) expect(guide.steps[outcome.next.step], `${guide.id}.${id}.${outcome.id}`).toBeDefined();
          if ('escalate' in outcome.next) expect(outcome.next.parts.length).toBeGreaterThan(0);
        }
      }
    }
  });

  it('cover the card slot, printer, network and battery faults', () => {
    expect(GUIDES.map((g) => g.id)).toEqual(['card_slot', 'printer', 'network', 'battery']);
    expect(guideForRule('card_reader_chip')?.id).toBe('card_slot');
    expect(guideForRule('printer_paper_out')?.id).toBe('printer');
    expect(guideForRule('site_network_down')?.id).toBe('network');
    expect(guideForRule('battery_not_charging')?.id).toBe('battery');
    expect(guideForRule('tamper')).toBeUndefined();
    expect(HEARTBEAT_RULES.filter((r) => r.startsWith('card_reader')).every((r) => guideForRule(r))).toBe(true);
  });

  it('walks from an answer to the next step, and refuses an outcome the step does not have', () => {
    const cardSlot = GUIDES[0]!;
    expect(answer(cardSlot, 'clean_slot', 'still_fails')).toEqual({ step: 'inspect_slot' });
    expect(answer(cardSlot, 'inspect_slot', 'damaged')).toEqual({ escalate: true, parts: ['card reader'] });
    expect(answer(cardSlot, 'clean_slot', 'reads')).toEqual({ resolved: true });
    expect(answer(cardSlot, 'clean_slot', 'damaged')).toBeUndefined();
    expect(renderStep(cardSlot, 'clean_slot', 'zh-CN').instruction).toContain('清洁卡槽');
    expect(renderStep(cardSlot, 'clean_slot', 'en').outcomes.map((o) => o.id)).toEqual(['reads', 'still_fails']);
  });
});
