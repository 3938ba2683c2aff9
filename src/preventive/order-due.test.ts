import { describe, expect, it } from 'vitest';
import type { TaskTemplate } from './default-templates.ts';
import { regionCovered, selectDueTasks } from './order-due.ts';

const task = (id: string, template: string, due: string, extra: { site?: string | null; order?: string | null } = {}) => ({
  id, template_id: template, site_id: extra.site === undefined ? 'S1' : extra.site, terminal_id: `T-${id}`, next_due_at: due, work_order_id: extra.order ?? null,
});
const tpl = (performer: TaskTemplate['performer']): TaskTemplate[] => [{ code: performer, name: { 'zh-CN': 'x', en: 'x' }, performer, skill: null, checklist: [] }];
const templates = new Map([['visit', tpl('technician')], ['staff', tpl('merchant_staff')], ['remote', tpl('remote')]]);

describe('ordering a plan\'s due work', () => {
  it('orders due technician tasks at a site and says why every other task was not ordered', () => {
    const picked = selectDueTasks([
      task('a', 'visit', '2026-03-01'), task('b', 'visit', '2026-03-02', { order: 'WO1' }), task('c', 'staff', '2026-03-01'),
      task('d', 'remote', '2026-03-01'), task('e', 'visit', '2026-03-01', { site: null }), task('f', 'visit', '2026-04-01'), task('g', 'staff', '2026-03-20'),
    ], templates, '2026-03-10');
    expect(picked.visiting.map((t) => t.id)).toEqual(['a']);
    expect(picked.skipped).toEqual([
      { reason: 'already_ordered', tasks: 1, firstDueAt: '2026-03-02' },
      { reason: 'merchant_task', tasks: 1, firstDueAt: '2026-03-01' },
      { reason: 'remote_task', tasks: 1, firstDueAt: '2026-03-01' },
      { reason: 'no_site', tasks: 1, firstDueAt: '2026-03-01' },
      { reason: 'not_due_yet', tasks: 2, firstDueAt: '2026-03-20' },
    ]);
  });

  it('knows a site no technician covers', () => {
    expect(regionCovered('SH-001', [{ regions: ['LDN'] }])).toBe(false);
    expect(regionCovered('sh-001', [{ regions: ['LDN'] }, { regions: ['SH'] }])).toBe(true);
  });
});
