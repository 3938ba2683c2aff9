// The list tables (web/src/table.tsx, the terminals and incidents lists): what a sorted or paged list says
// about itself, in both languages. Merged into the catalogue by i18n.tsx.
export const tablesEn = {
  tbSortedInPage: 'Sorted within this page of {count, plural, one {# terminal} other {# terminals}}; the pages follow the serial number.',
  tbPageOf: 'Page {page} of {pages}',
  tbIncidentCount: '{count, plural, one {# incident} other {# incidents}}',
  tbIncidentsCapped: 'Only the {count, plural, one {worst incident is} other {# worst incidents are}} shown: narrow the filters to see the rest.',
  tbSortDefault: 'Back to worst first, then longest waiting',
};

export const tablesZh: typeof tablesEn = {
  tbSortedInPage: '仅在本页的 {count} 台终端内排序；翻页仍按序列号。',
  tbPageOf: '第 {page} / {pages} 页',
  tbIncidentCount: '{count} 个故障',
  tbIncidentsCapped: '仅显示最严重的 {count} 个故障：缩小筛选范围可查看其余故障。',
  tbSortDefault: '恢复为最严重、等待最久的在前',
};
