// Baselines (desired state) walked in a real browser against a real, listening server on the demo estate:
// an operator signs in, creates a baseline for a terminal model from the Updates page (the version chosen
// from those the fleet runs), sees its group's compliance counted, opens the drifting terminals from
// their count, edits the baseline and deletes it; in zh-CN at 1366 px and in en at 390 px. Screenshots go to test-artifacts/baselines-page/.
import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { chromiumMissing, fitsWidth, PHONE, protocolTerminals, useDashboard, navLink } from './support/browser.ts';

const DESK = { width: 1366, height: 900 };
const OPERATOR = { email: 'olivia@baselines.test', name: 'Olivia Operator' };

interface BaselineView { id: string; name: string; appVersion: string | null; firmwareVersion: string | null; counts: Record<'in_baseline' | 'waiting' | 'drifting' | 'failed' | 'total', number> }

describe.skipIf(chromiumMissing('baselines page browser tests'))('baselines in a real browser', () => {
  const { server, adminApi, page, shot } = useDashboard({ name: 'baselines-page', users: [{ ...OPERATOR, role: 'operator', locale: 'en' }] });
  const terminals = protocolTerminals(() => server, 'baselines page test');

  beforeAll(async () => {
    // One PAX A920 already runs the new application; the other A920s still run 3.2.0.
    await terminals.heartbeat('DEMO-1001', { appVersion: '3.3.0', firmwareVersion: 'PayDroid-9.1' });
  });

  const open = (viewport: { width: number; height: number }, locale: 'zh-CN' | 'en-US') => page(viewport, locale, OPERATOR.email);
  const baselineNamed = async (name: string) => (await adminApi<{ items: BaselineView[] }>('GET', '/baselines')).items.find((b) => b.name === name)!;

  /** Creates a baseline for the PAX A920s from the Updates page and comes back to its counts. */
  async function walk(p: Page, words: {
    updates: string; create: string; name: string; model: string; app: string; firmware: string; submit: string; title: string; heading: string; back: string;
    states: Record<'in_baseline' | 'waiting' | 'drifting' | 'failed', string>; shownDrifting: string; why: string;
    edit: string; save: string; remove: string; removeTitle: string; editedHeading: string;
  }, name: string, prefix: string) {
    await (await navLink(p, words.updates)).click();
    await p.getByRole('link', { name: words.create }).click();
    const form = p.getByRole('form', { name: words.create });
    await form.getByLabel(words.name).fill(name);
    await form.getByLabel(words.model).selectOption({ label: 'PAX A920' });
    // The versions offered are those of the chosen model: 3.3.0 runs on one A920.
    await form.getByLabel(words.app).locator('option[value="3.3.0"]').waitFor({ state: 'attached' });
    await form.getByLabel(words.app).selectOption('3.3.0');

    expect(await fitsWidth(p)).toBe(true);
    await shot(p, `${prefix}-1-create`);
    await form.getByRole('button', { name: words.submit }).click();

    await p.getByRole('heading', { name: words.heading, level: 1 }).waitFor();
    const created = await baselineNamed(name);
    expect(created.counts.in_baseline).toBe(1);
    expect(created.counts.drifting).toBeGreaterThan(0);
    expect(created.counts.total).toBe(created.counts.in_baseline + created.counts.drifting);
    await shot(p, `${prefix}-2-baseline`);

    // Back on the Updates page: the counts, each one a link to its terminals.
    await p.getByRole('link', { name: words.back }).click();
    const row = p.getByRole('table', { name: words.title }).getByRole('row').filter({ hasText: name });
    for (const [state, label] of Object.entries(words.states) as [keyof typeof words.states, string][]) {
      await row.getByRole('link', { name: `${name}: ${label} ${created.counts[state]}`, exact: true }).waitFor();
    }
    expect(await fitsWidth(p)).toBe(true);
    await row.scrollIntoViewIfNeeded();
    await shot(p, `${prefix}-3-counts`);

    await row.getByRole('link', { name: `${name}: ${words.states.drifting} ${created.counts.drifting}`, exact: true }).click();
    await p.getByRole('heading', { name: words.shownDrifting }).waitFor();
    expect(new URL(p.url()).search).toBe('?state=drifting');
    const rows = p.getByRole('table', { name: words.shownDrifting }).getByRole('row');
    await expect.poll(() => rows.count()).toBe(created.counts.drifting + 1); // and the header
    expect(await rows.filter({ hasText: words.states.drifting }).count()).toBe(created.counts.drifting);
    expect(await rows.filter({ hasText: 'DEMO-1001' }).count()).toBe(0);
    await rows.filter({ hasText: 'DEMO-1003' }).getByText(words.why).waitFor();
    expect(await fitsWidth(p)).toBe(true);
    await shot(p, `${prefix}-4-drifting`);
    // Each terminal links to its own page.
    await rows.getByRole('link', { name: 'DEMO-1003' }).click();
    await p.getByRole('heading', { name: /DEMO-1003/, level: 1 }).waitFor();

    // Edited: renamed, and the firmware it must have named too; the page shows what it now wants.
    await p.goto(`${server.url}/updates/baselines/${encodeURIComponent(created.id)}`);
    await p.getByRole('link', { name: words.edit, exact: true }).click();
    const edit = p.getByRole('form', { name: new RegExp(words.edit) });
    await expect.poll(() => edit.getByLabel(words.name).inputValue()).toBe(name);
    await edit.getByLabel(words.name).fill(`${name} v2`);
    await edit.getByLabel(words.firmware).selectOption('PayDroid-9.1');
    expect(await fitsWidth(p)).toBe(true);
    await shot(p, `${prefix}-5-edit`);
    await edit.getByRole('button', { name: words.save }).click();
    await p.getByRole('heading', { name: words.editedHeading, level: 1 }).waitFor();
    await p.getByText('PayDroid-9.1', { exact: false }).first().waitFor();
    expect(await baselineNamed(`${name} v2`)).toMatchObject({ id: created.id, firmwareVersion: 'PayDroid-9.1', appVersion: '3.3.0' });

    // Deleted, asked again first: back on the Updates page, it is gone.
    await p.getByRole('button', { name: words.remove, exact: true }).click();
    const dialog = p.getByRole('dialog', { name: words.removeTitle });
    await dialog.waitFor();
    await shot(p, `${prefix}-6-delete`);
    await dialog.getByRole('button', { name: words.remove }).click();
    await p.getByRole('heading', { name: words.title, level: 2 }).waitFor();
    await expect.poll(async () => (await adminApi<{ items: BaselineView[] }>('GET', '/baselines')).items.some((b) => b.id === created.id)).toBe(false);
    expect(await p.getByRole('link', { name: `${name} v2`, exact: true }).count()).toBe(0);
  }

  it('zh-CN at 1366 px: creates a baseline for a model, sees its counts and opens the drifting terminals', { timeout: 120_000 }, async () => {
    const desk = await open(DESK, 'zh-CN');
    await walk(desk, {
      updates: '软件更新', create: '新建基线', name: '名称', model: '终端型号', app: '应用版本', submit: '创建基线', title: '基线', heading: '基线：A920 收银台 应用基线', back: '全部软件更新',
      states: { in_baseline: '符合基线', waiting: '等待中', drifting: '偏离基线', failed: '失败' }, shownDrifting: '当前显示：偏离基线',
      why: '当前为 应用 3.2.0（基线 3.3.0），没有进行中的更新。',
      firmware: '固件版本', edit: '编辑', save: '保存基线', remove: '删除基线', removeTitle: '删除基线“A920 收银台 应用基线 v2”？', editedHeading: '基线：A920 收银台 应用基线 v2',
    }, 'A920 收银台 应用基线', 'zh-CN-desk');
  });

  it('en at 390 px: creates a baseline for a model, sees its counts and opens the drifting terminals', { timeout: 120_000 }, async () => {
    const phone = await open(PHONE, 'en-US');
    await walk(phone, {
      updates: 'Updates', create: 'New baseline', name: 'Name', model: 'Terminal model', app: 'Application version', firmware: 'Firmware version', submit: 'Create baseline',
      title: 'Baselines', heading: 'Baseline: A920 counters', back: 'All updates', states: { in_baseline: 'In baseline', waiting: 'Waiting', drifting: 'Drifting', failed: 'Failed' },
      shownDrifting: 'Showing: Drifting', why: 'Has application 3.2.0 (baseline 3.3.0); no update is under way to bring it back.',
      edit: 'Edit', save: 'Save baseline', remove: 'Delete baseline', removeTitle: 'Delete baseline “A920 counters v2”?', editedHeading: 'Baseline: A920 counters v2',
    }, 'A920 counters', 'en-phone');
  });
});
