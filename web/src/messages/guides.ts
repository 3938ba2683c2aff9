// The troubleshooting guides page (Guides.tsx) and the learned order shown on a guide run: each guide's
// steps, per terminal model the order new runs offer them in and why, each step's fixes, and the steps
// flagged as never helping. Glossary: 排障指南, 终端型号, 故障. Merged into the catalogue by i18n.tsx.
export const guidesEn = {
  gdNav: 'Troubleshooting guides',
  gdTitle: 'Troubleshooting guides',
  gdLead: 'Per terminal model, the steps that fixed the most terminals in the last {days, plural, one {day} other {# days}} come first, once {minRuns, plural, one {# run was} other {# runs were}} made on that model.',
  gdOwnOrder: "The guide's own order",
  gdLearned: 'What it learned per terminal model',
  gdNothingLearned: 'Not enough runs on any terminal model yet: new runs follow the guide\'s own order.',
  gdRuns: '{runs, plural, one {# run} other {# runs}} in the last {days, plural, one {day} other {# days}}',
  gdKeptOrder: 'Own order kept: no step fixed more terminals than the first one.',
  gdTooFewRuns: 'Own order kept until {minRuns, plural, one {# run was} other {# runs were}} made on this model.',
  gdOrderNow: 'The order new runs offer',
  gdStepN: 'Step {n}',
  gdFixed: 'fixed {percent} % ({fixed} of {runs, plural, one {# run} other {# runs}}), tried {tried, plural, one {once} other {# times}}',
  gdFlagged: 'Never helped on {model} ({tried, plural, one {# try} other {# tries}}): the guide\'s owner ({owner}) was told.',
  gdLearnedAt: 'learned {time}',
  gdRunOrder: 'Steps in a learned order: {reason}',
};

export const guidesZh: Record<keyof typeof guidesEn, string> = {
  gdNav: '排障指南',
  gdTitle: '排障指南',
  gdLead: '同一终端型号上运行满 {minRuns} 次后，近 {days} 天修好终端最多的步骤排在最前。',
  gdOwnOrder: '指南原有顺序',
  gdLearned: '按终端型号学到的顺序',
  gdNothingLearned: '各终端型号的运行次数还不够：新的排障按指南原有顺序进行。',
  gdRuns: '近 {days} 天运行 {runs} 次',
  gdKeptOrder: '保持原有顺序：没有哪一步比第一步修好的终端更多。',
  gdTooFewRuns: '该型号运行满 {minRuns} 次前保持原有顺序。',
  gdOrderNow: '新的排障按此顺序',
  gdStepN: '第 {n} 步',
  gdFixed: '修好 {percent}%（{runs} 次中 {fixed} 次），尝试 {tried} 次',
  gdFlagged: '在 {model} 上从未起作用（尝试 {tried} 次）：已告知指南负责人（{owner}）。',
  gdLearnedAt: '{time} 统计',
  gdRunOrder: '步骤已按学到的顺序排列：{reason}',
};
