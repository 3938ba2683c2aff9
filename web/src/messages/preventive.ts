// "Order due work" on the Preventive page: what it created and why nothing else (the server's reason
// codes, src/preventive/order-due.ts). Glossary: 工单, 巡检, 技术员, 商户, 门店. Merged by i18n.tsx.
export const preventiveEn = {
  pvOrdered: '{count, plural, one {# work order} other {# work orders}} created for “{plan}” ({tasks, plural, one {# due technician task} other {# due technician tasks}}), one per site visit.',
  pvNothingOrdered: 'No new work order for “{plan}”.',
  pvWhyNot: 'Not ordered:',
  pvSkip_already_ordered: '{count, plural, one {# task} other {# tasks}} already on an open work order',
  pvSkip_merchant_task: '{count, plural, one {# task} other {# tasks}} the merchant’s staff does (no visit needed)',
  pvSkip_remote_task: '{count, plural, one {# task} other {# tasks}} done remotely (no visit needed)',
  pvSkip_no_site: '{count, plural, one {# task} other {# tasks}} for terminals at no site (in stock or in repair)',
  pvSkip_not_due_yet: '{count, plural, one {# task} other {# tasks}} not due this week (the next on {date})',
  pvNoTechnician: 'No technician works in the region of {site}: assign its work order by hand, or add a technician for the region.',
  pvOpenOrder: 'Open the work order',
};

export type PreventiveKey = keyof typeof preventiveEn;

export const preventiveZh: Record<PreventiveKey, string> = {
  pvOrdered: '已为“{plan}”创建 {count} 张工单（含 {tasks} 项到期的技术员任务），每次门店上门一张。',
  pvNothingOrdered: '“{plan}”没有需要新建的工单。',
  pvWhyNot: '未生成工单的任务：',
  pvSkip_already_ordered: '{count} 项已在未完成的工单中',
  pvSkip_merchant_task: '{count} 项由商户员工完成（无需上门）',
  pvSkip_remote_task: '{count} 项远程完成（无需上门）',
  pvSkip_no_site: '{count} 项的终端不在任何门店（库存或维修中）',
  pvSkip_not_due_yet: '{count} 项本周未到期（最早 {date}）',
  pvNoTechnician: '{site} 所在区域没有技术员：请手动派工，或为该区域添加技术员。',
  pvOpenOrder: '打开工单',
};
