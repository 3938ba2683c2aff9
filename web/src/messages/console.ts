// The console frame's words (App.tsx's header and menu) and the counted nouns and reasons shared by
// several pages, in both languages. Counted nouns use ICU plurals ({count, plural, one {…} other {…}}),
// which the dashboard's `t` renders with the catalogue's formatter. Merged into the catalogue by i18n.tsx.
export const consoleEn = {
  menu: 'Menu',
  woMyDay: 'My work orders',
  woToday: 'Due today and overdue',
  woLater: 'Later, or without a due date',
  woFinished: 'Finished',
  woNothingToday: 'Nothing is due today.',
  woNothingLater: 'Nothing else is waiting for you.',
  woOverdue: 'Overdue',
  woDueAt: 'Due {at}',
  woNoDue: 'No due date',
  woAddress: 'Address',
  woTodayCount: '{count, plural, one {# work order} other {# work orders}} due today or overdue',
};

export const consoleZh: Record<keyof typeof consoleEn, string> = {
  menu: '菜单',
  woMyDay: '我的工单',
  woToday: '今天到期及已逾期',
  woLater: '以后到期或未定截止时间',
  woFinished: '已结束',
  woNothingToday: '今天没有到期的工单。',
  woNothingLater: '没有其他等你处理的工单。',
  woOverdue: '已逾期',
  woDueAt: '截止 {at}',
  woNoDue: '未定截止时间',
  woAddress: '地址',
  woTodayCount: '今天到期及已逾期：{count} 张工单',
};
