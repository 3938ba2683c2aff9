// Saved views (SavedViews.tsx): a user's named filters of the terminals and incidents lists, in both
// languages. 常用筛选 is what Chinese consoles call a saved filter. Merged into the catalogue by i18n.tsx.
export const savedViewsEn = {
  svTitle: 'Saved views',
  svOpen: 'Open a saved view',
  svChoose: 'Choose…',
  svSave: 'Save these filters',
  svName: 'Name of the view',
  svNameHint: 'e.g. Out of paper at my sites',
  svConfirm: 'Save view',
  svCancel: 'Cancel',
  svSaved: 'Saved as “{name}”.',
  svRemove: 'Remove view “{name}”',
  svRemoved: 'View “{name}” removed.',
};

export const savedViewsZh: typeof savedViewsEn = {
  svTitle: '常用筛选',
  svOpen: '打开常用筛选',
  svChoose: '请选择…',
  svSave: '保存当前筛选',
  svName: '常用筛选名称',
  svNameHint: '例如：我负责门店的缺纸终端',
  svConfirm: '保存',
  svCancel: '取消',
  svSaved: '已保存为“{name}”。',
  svRemove: '删除常用筛选“{name}”',
  svRemoved: '已删除常用筛选“{name}”。',
};
