// Guides that learn, shown: walked in a real browser (Debian's Chromium through playwright-core) against a
// real, listening server on the demo estate. After 100 card-slot guide runs on the A920 where another
// card (step 3) fixes most faults, and runs on the V240m where cleaning the slot never helped, the
// guides page shows the A920's learned order with why ("step 3 first: fixed 62 % of A920 card-slot
// faults in the last 90 days") and flags the step that never helps on the V240m, in zh-CN (1366 px) and
// en (390 px). Screenshots go to test-artifacts/guides-page/.
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { chromiumMissing, fitsWidth, PHONE, useDashboard } from './support/browser.ts';

const DESK = { width: 1366, height: 900 };
const TEST_TIMEOUT = 120_000;
const OPERATOR = { email: 'guides@guides.test', name: 'Guide Reader' };

type Fault = 'dirty_slot' | 'damaged' | 'card_issue' | 'broken_reader';
interface RunView { id: string; status: string; step: { id: string } | null }
/** What the person at the terminal finds at each step, given the terminal's real fault. */
const OUTCOME: Record<string, (fault: Fault) => string> = {
  clean_slot: (f) => (f === 'dirty_slot' ? 'reads' : 'still_fails'),
  inspect_slot: (f) => (f === 'damaged' ? 'damaged' : 'looks_fine'),
  other_card: (f) => (f === 'card_issue' ? 'other_card_works' : 'all_fail'),
};
/** Of 100 runs: 15 dirty slots, 5 damaged, 62 fixed by another card, 18 broken readers. */
const faultOf = (k: number): Fault => (k < 15 ? 'dirty_slot' : k < 20 ? 'damaged' : k < 82 ? 'card_issue' : 'broken_reader');

describe.skipIf(chromiumMissing('guides page browser tests'))('the guides page shows what each guide learned', () => {
  const { server, adminApi, page: signedIn, shot, shots: SHOTS } = useDashboard({
    name: 'guides-page', env: { GUIDE_LEARNING_MIN_RUNS: '10' }, users: [{ ...OPERATOR, role: 'operator', locale: 'en' }],
  });
  const reasons: Record<'en' | 'zh-CN', string> = { en: '', 'zh-CN': '' };

  async function troubleshoot(terminalId: string, fault: Fault): Promise<void> {
    let run = await adminApi<RunView>('POST', '/guide-runs', { terminalId, guideId: 'card_slot', locale: 'en' });
    while (run.status === 'running') run = await adminApi<RunView>('POST', `/guide-runs/${run.id}/answers`, { stepId: run.step!.id, outcome: OUTCOME[run.step!.id]!(fault) });
  }

  beforeAll(async () => {
    const models = (await adminApi<{ items: { id: string; model: string }[] }>('GET', '/terminal-models')).items;
    const terminalsOf = async (model: string) => (await adminApi<{ items: { id: string }[] }>('GET', `/terminals?modelId=${models.find((m) => m.model === model)!.id}&limit=10`)).items;
    const a920 = await terminalsOf('A920');
    const v240m = await terminalsOf('V240m');
    for (let k = 0; k < 100; k++) await troubleshoot(a920[k % a920.length]!.id, faultOf(k));
    // On the V240m no slot was ever dirty: cleaning it never fixed one.
    for (let k = 0; k < 12; k++) await troubleshoot(v240m[k % v240m.length]!.id, k % 4 === 0 ? 'broken_reader' : 'card_issue');
    await server.services.guideLearning.learn();
    for (const locale of ['en', 'zh-CN'] as const) {
      const learned = await adminApi<{ items: { modelName: string; reason: string | null }[] }>('GET', `/guides/learning?guideId=card_slot&locale=${locale}`);
      reasons[locale] = learned.items.find((l) => l.modelName === 'A920')!.reason!;
    }
  }, 180_000);

  it('says in Chinese which step comes first on the A920 and why, and flags the step that never helps on the V240m (zh-CN, 1366 px)', { timeout: TEST_TIMEOUT }, async () => {
    expect(reasons['zh-CN']).toBe('先做第 3 步：近 90 天修好了 62% 的 A920 读卡槽故障');
    const p = await signedIn(DESK, 'zh-CN', OPERATOR.email, '/incidents');
    await p.getByRole('link', { name: '排障指南' }).click();
    await p.getByRole('heading', { name: '排障指南', level: 1 }).waitFor();
    const guide = p.getByRole('region', { name: '读卡器无法读卡' });
    const a920 = guide.getByRole('article', { name: 'A920' });
    await a920.getByText(reasons['zh-CN']).waitFor();
    // The order new runs offer: step 3 (another card) first, with its fixes.
    const order = a920.getByRole('list', { name: '新的排障按此顺序: A920' }).locator('li');
    expect(await order.first().innerText()).toMatch(/^第 3 步 换一张卡.*\n修好 62%（100 次中 62 次）/);
    const v240m = guide.getByRole('article', { name: 'V240m' });
    await v240m.locator('li[data-flagged]').getByText('在 V240m 上从未起作用（尝试 12 次）：已告知指南负责人（field-support）。').waitFor();
    expect(await v240m.locator('li[data-flagged]').getAttribute('data-step')).toBe('clean_slot');
    expect(await a920.locator('li[data-flagged]').count()).toBe(0);
    expect(await fitsWidth(p)).toBe(true);
    await shot(p, 'zh-CN-1366-guides');
    await guide.screenshot({ path: join(SHOTS, 'zh-CN-1366-card-slot.png') });
  });

  it('says the same in English on a phone (en, 390 px)', { timeout: TEST_TIMEOUT }, async () => {
    expect(reasons.en).toBe('step 3 first: fixed 62 % of A920 card-slot faults in the last 90 days');
    const p = await signedIn(PHONE, 'en-US', OPERATOR.email, '/guides');
    const guide = p.getByRole('region', { name: 'The card reader cannot read cards' });
    await guide.getByRole('article', { name: 'A920' }).getByText(reasons.en).waitFor();
    await guide.getByRole('article', { name: 'V240m' }).getByText("Never helped on V240m (12 tries): the guide's owner (field-support) was told.").waitFor();
    expect(await fitsWidth(p)).toBe(true);
    await shot(p, 'en-390-guides');
    await guide.screenshot({ path: join(SHOTS, 'en-390-card-slot.png') });
  });
});
