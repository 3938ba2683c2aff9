// Chinese and English for the dashboard, with the glossary's words (/work/shared/GLOSSARY.md): the
// locale comes from the user's choice, else the browser's language; dates use the chosen locale.
import { createContext, useContext, type ReactNode } from 'react';

export type Locale = 'en' | 'zh-CN';
export const LOCALES: Locale[] = ['zh-CN', 'en'];

const en = {
  appName: 'PosFleet',
  language: 'Language',
  skipToContent: 'Skip to content',
  signIn: 'Sign in',
  signOut: 'Sign out',
  email: 'Email',
  password: 'Password',
  totp: 'Authenticator code (if enabled)',
  signingIn: 'Signing in…',
  signedInAs: 'Signed in as {name} ({role})',
  mainNav: 'Main',
  overview: 'Fleet overview',
  terminals: 'Terminals',
  terminal: 'Terminal',
  maintenance: 'Maintenance',
  loading: 'Loading…',
  notFound: 'Not found, or not yours to see.',
  forbidden: 'Your role may not see this.',
  passwordExpired: 'Your password has expired: change it through the API before using the dashboard.',
  error: 'Something went wrong: {message}',
  retry: 'Retry',
  live: 'Live',
  liveConnecting: 'Connecting…',
  liveTruncated: 'Showing the first {count} terminals only.',
  mode_normal: 'In service',
  mode_maintenance: 'Under maintenance',
  mode_locked: 'Locked',
  mode_offline: 'Offline',
  online: 'Online',
  offline: 'Offline',
  total: 'Terminals in view',
  byMode: 'Terminals by mode',
  onlineVsOffline: 'Online vs offline',
  search: 'Search',
  searchPlaceholder: 'Serial, site or merchant',
  site: 'Site',
  allSites: 'All sites',
  status: 'Status',
  anyStatus: 'Any status',
  status_in_stock: 'In stock',
  status_active: 'Active',
  status_in_repair: 'In repair',
  status_retired: 'Retired',
  connectivity: 'Connectivity',
  any: 'Any',
  tag: 'Tag',
  serialNumber: 'Serial number',
  mode: 'Mode',
  lastSeen: 'Last heartbeat',
  never: 'never',
  appVersion: 'App version',
  firmwareVersion: 'Firmware',
  previous: 'Previous',
  next: 'Next',
  noTerminals: 'No terminals match.',
  filters: 'Filters',
  latestHealth: 'Latest health',
  noHeartbeats: 'No heartbeat received yet.',
  battery: 'Battery (%)',
  cardFailures: 'Card-read failures',
  latency: 'Network latency (ms)',
  temperature: 'Temperature (°C)',
  paper: 'Paper',
  history: 'Heartbeat history',
  jobs: 'Maintenance jobs',
  noJobs: 'No maintenance jobs.',
  job: 'Maintenance job',
  state: 'State',
  reason: 'Reason',
  work: 'Work',
  created: 'Created',
  createdBy: 'By',
  waiting: 'Waiting',
  lock: 'Lock',
  unlock: 'Unlock',
  lockReason: 'Reason for the lock',
  putIntoMaintenance: 'Put into maintenance',
  target: 'Which terminals',
  targetSite: 'A whole site',
  targetTerminals: 'Terminals by serial number',
  serials: 'Serial numbers (comma separated)',
  overrideReason: 'Override the continuity rule (reason, optional)',
  submit: 'Start maintenance',
  jobsCreated: '{count} maintenance job(s) created.',
  openJobs: 'Open maintenance jobs',
  lockTerminal: 'Lock or unlock a terminal',
  choose: 'Choose…',
  unknownSerials: 'Unknown serial numbers: {list}',
  noPermission: 'Your role may look, not change.',
  work_update: 'Software update',
  work_upgrade: 'Firmware upgrade',
  work_repair: 'Repair',
  work_data_sync: 'Data sync',
  work_security_hardening: 'Security hardening',
  state_scheduled: 'Scheduled',
  state_announced: 'Announced',
  state_draining: 'Draining',
  state_in_maintenance: 'In maintenance',
  state_restarting: 'Restarting',
  state_verifying: 'Verifying',
  state_completed: 'Completed',
  state_failed: 'Failed',
  state_rolled_back: 'Rolled back',
  state_handed_to_technician: 'Handed to technician',
  state_aborted: 'Aborted',
  abort: 'Abort',
  finish: 'Finish',
  done: 'Done.',
  pageNotFound: 'This page does not exist.',
  chartOf: 'Chart: {title}',
};

export type MessageKey = keyof typeof en;

const zh: Record<MessageKey, string> = {
  appName: 'PosFleet 终端运维',
  language: '语言',
  skipToContent: '跳到正文',
  signIn: '登录',
  signOut: '退出登录',
  email: '邮箱',
  password: '密码',
  totp: '动态验证码（如已启用）',
  signingIn: '正在登录…',
  signedInAs: '当前用户：{name}（{role}）',
  mainNav: '主导航',
  overview: '终端总览',
  terminals: '终端',
  terminal: '终端',
  maintenance: '维护',
  loading: '加载中…',
  notFound: '未找到，或您无权查看。',
  forbidden: '您的角色无权查看此内容。',
  passwordExpired: '您的密码已过期：请先通过 API 修改密码。',
  error: '出错了：{message}',
  retry: '重试',
  live: '实时',
  liveConnecting: '正在连接…',
  liveTruncated: '仅显示前 {count} 台终端。',
  mode_normal: '正常服务',
  mode_maintenance: '功能维护中',
  mode_locked: '锁机',
  mode_offline: '离线',
  online: '在线',
  offline: '离线',
  total: '可见终端',
  byMode: '按模式统计终端',
  onlineVsOffline: '在线 / 离线',
  search: '搜索',
  searchPlaceholder: '序列号、门店或商户',
  site: '门店',
  allSites: '全部门店',
  status: '状态',
  anyStatus: '全部状态',
  status_in_stock: '库存',
  status_active: '在用',
  status_in_repair: '维修中',
  status_retired: '已退役',
  connectivity: '连接',
  any: '全部',
  tag: '标签',
  serialNumber: '序列号',
  mode: '模式',
  lastSeen: '最近心跳',
  never: '从未',
  appVersion: '应用版本',
  firmwareVersion: '固件',
  previous: '上一页',
  next: '下一页',
  noTerminals: '没有匹配的终端。',
  filters: '筛选',
  latestHealth: '最新健康状况',
  noHeartbeats: '尚未收到心跳。',
  battery: '电池（%）',
  cardFailures: '读卡失败次数',
  latency: '网络延迟（毫秒）',
  temperature: '温度（°C）',
  paper: '打印纸',
  history: '心跳历史',
  jobs: '维护任务',
  noJobs: '没有维护任务。',
  job: '维护任务',
  state: '状态',
  reason: '原因',
  work: '工作内容',
  created: '创建时间',
  createdBy: '创建人',
  waiting: '等待原因',
  lock: '锁机',
  unlock: '解锁',
  lockReason: '锁机原因',
  putIntoMaintenance: '设为功能维护中',
  target: '目标终端',
  targetSite: '整个门店',
  targetTerminals: '按序列号选择终端',
  serials: '序列号（逗号分隔）',
  overrideReason: '越过连续营业规则（原因，可选）',
  submit: '开始维护',
  jobsCreated: '已创建 {count} 个维护任务。',
  openJobs: '进行中的维护任务',
  lockTerminal: '锁机或解锁终端',
  choose: '请选择…',
  unknownSerials: '未知序列号：{list}',
  noPermission: '您的角色只能查看，不能修改。',
  work_update: '软件更新',
  work_upgrade: '固件升级',
  work_repair: '维修',
  work_data_sync: '数据同步',
  work_security_hardening: '安全加固',
  state_scheduled: '已计划',
  state_announced: '已通知',
  state_draining: '停止收单中',
  state_in_maintenance: '维护中',
  state_restarting: '重启中',
  state_verifying: '验证中',
  state_completed: '已完成',
  state_failed: '失败',
  state_rolled_back: '已回滚',
  state_handed_to_technician: '已转技术员',
  state_aborted: '已取消',
  abort: '取消任务',
  finish: '完成',
  done: '已完成。',
  pageNotFound: '页面不存在。',
  chartOf: '图表：{title}',
};

const MESSAGES: Record<Locale, Record<MessageKey, string>> = { en, 'zh-CN': zh };

/** The browser's preferred language, mapped onto the two the dashboard speaks. */
export function browserLocale(): Locale {
  const langs = navigator.languages?.length ? navigator.languages : [navigator.language];
  for (const lang of langs) {
    if (lang.toLowerCase().startsWith('zh')) return 'zh-CN';
    if (lang.toLowerCase().startsWith('en')) return 'en';
  }
  return 'en';
}

export function initialLocale(): Locale {
  const saved = localStorage.getItem('posfleet.locale');
  return saved === 'en' || saved === 'zh-CN' ? saved : browserLocale();
}

export interface I18n {
  locale: Locale;
  t(key: MessageKey, vars?: Record<string, string | number>): string;
  /** A key built at run time (mode_…, state_…), shown as is when unknown. */
  tk(prefix: string, value: string): string;
  date(iso: string | null | undefined): string;
  time(iso: string): string;
  setLocale(locale: Locale): void;
}

export function makeI18n(locale: Locale, setLocale: (l: Locale) => void): I18n {
  const messages = MESSAGES[locale];
  const dateFmt = new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'medium' });
  const timeFmt = new Intl.DateTimeFormat(locale, { hour: '2-digit', minute: '2-digit', second: '2-digit' });
  const t = (key: MessageKey, vars: Record<string, string | number> = {}) =>
    messages[key].replace(/\{(\w+)\}/g, (_, name: string) => String(vars[name] ?? ''));
  return {
    locale,
    t,
    tk: (prefix, value) => (messages as Record<string, string>)[`${prefix}_${value}`] ?? value,
    date: (iso) => (iso ? dateFmt.format(new Date(iso)) : ''),
    time: (iso) => timeFmt.format(new Date(iso)),
    setLocale,
  };
}

const I18nContext = createContext<I18n | null>(null);

export function I18nProvider({ value, children }: { value: I18n; children: ReactNode }) {
  return <I18nContext.Provider value={value}>{children}</I18nContext.Provider>;
}

export function useI18n(): I18n {
  const value = useContext(I18nContext);
  if (!value) throw new Error('useI18n outside I18nProvider');
  return value;
}
