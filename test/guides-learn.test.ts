// Guides that learn, through the API on both databases: after 200 runs of the card-slot guide on a
// simulated A920 fleet where step 3 (another card) fixes most faults, a new run offers step 3 first and
// says why (in English and Chinese), and still reaches the other steps when it does not help; a step that
// never helps on a model is flagged to the guide's owner.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildEstate, buildTerminal, startTestApp, type TestApp } from './support/app.ts';
import { databases } from './support/databases.ts';

type Fault = 'dirty_slot' | 'damaged' | 'card_issue' | 'broken_reader';
interface RunView { id: string; status: string; step: { id: string } | null; learnedOrder: { order: string[]; reason: string } | null }

/** What the person at the terminal finds at each step, given the terminal's real fault. */
const OUTCOME: Record<string, (fault: Fault) => string> = {
  clean_slot: (f) => (f === 'dirty_slot' ? 'reads' : 'still_fails'),
  inspect_slot: (f) => (f === 'damaged' ? 'damaged' : 'looks_fine'),
  other_card: (f) => (f === 'card_issue' ? 'other_card_works' : 'all_fail'),
};

/** A simulated fleet's faults, run i of 100: 15 dirty slots, 5 damaged, 62 fixed by another card, 18 broken readers. */
const faultOf = (i: number): Fault => {
  const k = i % 100;
  return k < 15 ? 'dirty_slot' : k < 20 ? 'damaged' : k < 82 ? 'card_issue' : 'broken_reader';
};

describe.each(databases())('guides that learn on $name', (kind) => {
  let t: TestApp;
  beforeAll(async () => { t = await startTestApp(await kind.fresh()); });
  afterAll(() => t.close());

  async function troubleshoot(terminalId: string, fault: Fault, locale = 'en'): Promise<{ first: RunView; last: RunView; steps: string[] }> {
    const started = await t.api('POST', '/api/v1/guide-runs', { terminalId, guideId: 'card_slot', locale });
    expect(started.statusCode, started.body).toBe(201);
    const first = started.json() as RunView;
    let run = first;
    const steps: string[] = [];
    while (run.status === 'running') {
      const stepId = run.step!.id;
      steps.push(stepId);
      const res = await t.api('POST', `/api/v1/guide-runs/${run.id}/answers`, { stepId, outcome: OUTCOME[stepId]!(fault) });
      expect(res.statusCode, res.body).toBe(200);
      run = res.json() as RunView;
    }
    return { first, last: run, steps };
  }

  // 200 guided runs through the API: past 60 s on PostgreSQL on a busy machine, so a bound of its own.
  it('after 200 runs where step 3 fixes most card-slot faults, offers step 3 first and says why', { timeout: 180_000 }, async () => {
    const estate = await buildEstate(t); // model A920
    const terminals = await Promise.all(Array.from({ length: 20 }, () => buildTerminal(t, estate)));
    for (let i = 0; i < 200; i++) {
      const { first } = await troubleshoot(terminals[i % 20]!.id, faultOf(i));
      expect(first.step!.id).toBe('clean_slot'); // nothing learned yet: the guide's own order
    }
    expect(await t.services.guideLearning.learn()).toMatchObject({ learned: 1 });

    const dirty = await troubleshoot(terminals[0]!.id, 'dirty_slot');
    expect(dirty.first.step!.id).toBe('other_card');
    expect(dirty.first.learnedOrder).toEqual({ order: ['other_card', 'clean_slot', 'inspect_slot'], reason: 'step 3 first: fixed 62 % of A920 card-slot faults in the last 90 days' });
    // Another card did not help this one: the run goes on to cleaning the slot, which fixes it.
    expect(dirty.steps).toEqual(['other_card', 'clean_slot']);
    expect(dirty.last.status).toBe('resolved');
    const broken = await troubleshoot(terminals[1]!.id, 'broken_reader');
    expect(broken.steps).toEqual(['other_card', 'clean_slot', 'inspect_slot']);
    expect(broken.last).toMatchObject({ status: 'escalated' });

    const zh = (await t.api('GET', `/api/v1/guides/learning?modelId=${estate.model.id}&locale=zh-CN`)).json();
    expect(zh.items[0]).toMatchObject({
      guideId: 'card_slot', modelName: 'A920', runs: 200, reordered: true, order: ['other_card', 'clean_slot', 'inspect_slot'],
      reason: '先做第 3 步：近 90 天修好了 62% 的 A920 读卡槽故障',
    });
    expect(zh.items[0].steps.find((s: { stepId: string }) => s.stepId === 'other_card')).toMatchObject({ position: 3, fixed: 124, fixedShare: 0.62, flagged: false });
    expect((await t.api('GET', `/api/v1/guide-runs/${dirty.first.id}`)).json().learnedOrder.reason).toContain('step 3 first');
  });

  it("flags a step that never helps on a model to the guide's owner, once", async () => {
    const estate = await buildEstate(t);
    const terminal = await buildTerminal(t, estate);
    // On this model no slot is ever dirty: cleaning it never fixed one in 40 runs.
    for (let i = 0; i < 40; i++) await troubleshoot(terminal.id, i % 4 === 0 ? 'broken_reader' : 'card_issue');
    await t.services.guideLearning.learn();
    await t.services.guideLearning.learn(); // the next hour: told once, not again
    const learned = (await t.api('GET', `/api/v1/guides/learning?modelId=${estate.model.id}&locale=en`)).json().items[0];
    expect(learned.steps.filter((s: { flagged: boolean }) => s.flagged).map((s: { stepId: string }) => s.stepId)).toEqual(['clean_slot']);
    expect(learned.owner).toBe('field-support');
    const audit = (await t.api('GET', '/api/v1/audit?limit=100')).json().items
      .filter((e: { action: string; details: { modelId?: string } }) => e.action === 'guide.step_flagged' && e.details.modelId === estate.model.id);
    expect(audit).toHaveLength(1);
    expect(audit[0].details).toMatchObject({ guideId: 'card_slot', stepId: 'clean_slot', owner: 'field-support', tried: 40 });
  });
});
