// The compliance report's words in zh-CN and en (GLOSSARY.md: terminal 终端, merchant 商户, site 门店,
// heartbeat 心跳, tamper 防拆, password rotation 密码轮换, audit log 审计日志). Pure.
import type { CountKey, Finding, FindingCode, ReportSettings, RequirementId } from './compliance.rules.ts';
import type { REPORT_CSV_COLUMNS } from './report-render.ts';

export const REPORT_LOCALES = ['zh-CN', 'en'] as const;
export type ReportLocale = (typeof REPORT_LOCALES)[number];

export function isReportLocale(value: string | null | undefined): value is ReportLocale {
  return (REPORT_LOCALES as readonly (string | null | undefined)[]).includes(value);
}

interface Words {
  title: string;
  fleet: string;
  merchant: string;
  generatedAt: string;
  timeZone: string;
  settings: (s: ReportSettings) => string;
  summary: string;
  requirement: string;
  reference: string;
  status: string;
  met: string;
  gaps: string;
  gapsHeading: string;
  gapCount: string;
  evidence: string;
  noGaps: string;
  more: (hidden: number) => string;
  columns: { serial: string; vendorModel: string; status: string; merchant: string; site: string; address: string; lastSeen: string; lastInspected: string; user: string; role: string; finding: string };
  inStock: string;
  inventoryTitle: string;
  requirements: Record<RequirementId, { title: string; description: string }>;
  counts: Record<CountKey, string>;
  statuses: Record<string, string>;
  roles: Record<string, string>;
  outcomes: Record<'pass' | 'fail', string>;
  /** Words a figure may be, and what an absent one reads as. */
  values: Record<'intact' | 'broken' | 'none', string>;
  /** The CSV's header row, in the report's language (the columns stay in REPORT_CSV_COLUMNS' order). */
  csvColumns: Record<(typeof REPORT_CSV_COLUMNS)[number], string>;
  finding: (f: Finding, s: ReportSettings, date: (iso: string | null) => string) => string;
}

const zh: Words = {
  title: 'PCI DSS 合规报告',
  fleet: '全部商户(整个终端群)',
  merchant: '商户',
  generatedAt: '生成时间',
  timeZone: '时区',
  settings: (s) => `检查周期 ${s.inspectionIntervalDays} 天;终端密码期限 ${days(s.terminalPasswordMaxAgeDays, '天', '不检查')};操作员密码期限 ${days(s.operatorPasswordMaxAgeDays, '天', '不检查')}`,
  summary: '概览',
  requirement: '要求',
  reference: '条款',
  status: '状态',
  met: '符合',
  gaps: '有缺口',
  gapsHeading: '缺口',
  gapCount: '缺口数',
  evidence: '证据',
  noGaps: '未发现缺口。',
  more: (hidden) => `另有 ${hidden} 条未在此列出,完整列表见 CSV 导出。`,
  columns: { serial: '序列号', vendorModel: '终端型号', status: '状态', merchant: '商户', site: '门店', address: '地址', lastSeen: '最近心跳', lastInspected: '最近检查', user: '账号', role: '角色', finding: '发现' },
  inStock: '未分配门店',
  inventoryTitle: '终端清单',
  requirements: {
    'poi-inventory': { title: '终端(POI 设备)清单', description: '保存最新的终端清单:厂商、型号、位置(商户、门店、地址)和序列号。' },
    'poi-inspection': { title: '终端定期检查(防拆、防调包)', description: '定期检查在用终端的外观,确认无拆机或调包迹象:标签序列号与登记一致、封条完好。' },
    'terminal-passwords': { title: '终端密码轮换', description: '终端密码在期限内更换;依据终端最近一次心跳上报的修改时间。' },
    'operator-passwords': { title: '操作员密码轮换', description: '操作员账号的密码在期限内更换(仅使用 API 令牌的账号不设密码,只计数)。' },
    'pin-encryption': { title: '终端 PIN 输入与加密', description: '在用终端开启 PIN 输入和加密;依据终端最近一次心跳。' },
    'backup-card-data': { title: '终端数据备份不含卡数据', description: '终端 SDK 拒绝备份含有疑似卡号(通过 Luhn 校验的 13–19 位数字)的数据,并说明原因;备份在终端上加密后才上传,服务器不保存明文密钥。' },
    'software-patches': { title: '已有安全补丁的终端软件', description: '在用终端的应用或固件版本低于该型号已发布的安全补丁版本(来自“软件未打补丁”规则的未解决事件)。' },
    'pts-approval': { title: '终端型号的 PCI PTS POI 认证', description: '每个在用终端型号的 PTS 认证编号及有效期;认证已过期或未登记的型号列为缺口,180 天内到期的单独计数。' },
    'staff-training': { title: '门店员工防拆、防调包培训', description: '有在用终端的门店,12 个月内至少有一名员工接受过识别终端被拆、被调包的培训(按门店登记的培训记录)。' },
    'audit-logs': { title: '审计日志:审阅、保留与哈希链', description: '审计日志记录每次变更、安全相关读取和被拒绝的访问。保留期至少 12 个月,全部保存在数据库中,随时可查(至少 3 个月立即可用)。每条记录带前一条的哈希,哈希链证明记录未被修改、删除或重排;审阅日志(查询、导出、校验)本身也记入日志,作为审阅证据。' },
    'key-inventory': { title: '终端密钥清单', description: '终端上报的密钥槽元数据(槽位、密钥类型、校验值或 KSN 前缀、装载与到期日期,不含密钥本身),以及缺失、不匹配或即将到期的密钥。' },
  },
  counts: {
    devices: '终端总数', in_stock: '库存', active: '在用', in_repair: '维修中', retired: '已停用', in_use: '在用终端',
    inspected_in_interval: '周期内已检查', never_inspected: '从未检查', inspection_overdue: '检查逾期', last_inspection_failed: '最近检查未通过',
    password_ok: '密码在期限内', password_expired: '密码过期', password_unknown: '密码修改时间未知', accounts: '账号数', token_only: '仅 API 令牌(无密码)',
    settings_ok: 'PIN 输入与加密均开启', pin_entry_off: 'PIN 输入关闭', encryption_off: '加密关闭', settings_unknown: '无心跳,状态未知',
    unpatched: '缺少安全补丁', models_in_use: '在用型号', pts_valid: 'PTS 认证有效', pts_expiring_soon: 'PTS 认证 180 天内到期', pts_expired: 'PTS 认证已过期', pts_unknown: 'PTS 认证未登记',
    sites_in_use: '有在用终端的门店', sites_trained: '12 个月内有培训的门店', people_trained: '12 个月内受训人数',
    audit_entries: '审计记录数', oldest_entry: '最早记录', retention_days: '保留天数', online_days: '立即可查天数', chain: '哈希链', last_review: '最近审阅', reviews_30d: '30 天内审阅次数',
    terminals_with_keys: '上报密钥的终端', key_slots: '密钥槽', key_problems: '密钥问题',
  },
  statuses: { in_stock: '库存', active: '在用', in_repair: '维修中', retired: '已停用' },
  roles: { admin: '管理员', operator: '运维人员', support: '客服', technician: '技术员', merchant: '商户', auditor: '审计员' },
  outcomes: { pass: '通过', fail: '未通过' },
  values: { intact: '完整', broken: '已断开', none: '无' },
  csvColumns: {
    requirement: '要求', reference: '条款', title: '标题', status: '状态', finding: '发现', description: '说明', serial_number: '序列号', vendor: '厂商', model: '型号',
    merchant: '商户', site: '门店', address: '地址', account: '账号', since: '起始时间', days: '天数', subject: '对象',
  },
  finding: (f, s, date) => {
    const texts: Record<FindingCode, () => string> = {
      location_missing: () => '在用但未关联门店,位置未知',
      never_inspected: () => `从未检查(登记于 ${date(f.since)}),已逾期 ${f.days ?? 0} 天`,
      inspection_overdue: () => `上次检查 ${date(f.since)},已逾期 ${f.days ?? 0} 天`,
      inspection_failed: () => `最近一次检查(${date(f.since)})未通过,需跟进处理`,
      password_expired: () => `密码于 ${date(f.since)} 修改,已 ${f.days ?? 0} 天(期限 ${f.user ? s.operatorPasswordMaxAgeDays : s.terminalPasswordMaxAgeDays} 天)`,
      password_unknown: () => (f.user ? '密码修改时间未记录' : f.terminal?.security ? '心跳未上报密码修改时间' : '尚无心跳,密码修改时间未知'),
      password_check_off: () => `未检查密码期限(${f.requirement === 'operator-passwords' ? 'PASSWORD_MAX_AGE_DAYS' : 'TERMINAL_PASSWORD_MAX_AGE_DAYS'}=0)`,
      pin_entry_off: () => `PIN 输入已关闭(心跳 ${date(f.since)})`,
      encryption_off: () => `加密已关闭(心跳 ${date(f.since)})`,
      settings_unknown: () => '尚无心跳,PIN 输入与加密状态未知',
      software_unpatched: () => `应用 ${String(f.detail?.appVersion ?? '')}、固件 ${String(f.detail?.firmwareVersion ?? '')},安全补丁版本 ${[f.detail?.latestApplication, f.detail?.latestFirmware].filter(Boolean).join(' / ')};自 ${date(f.since)} 起`,
      pts_expired: () => `PTS 认证 ${String(f.detail?.approval ?? '')} 已于 ${String(f.detail?.expiresAt ?? '')} 过期(${String(f.detail?.terminals ?? 0)} 台在用)`,
      pts_unknown: () => `未登记 PTS 认证编号或有效期(${String(f.detail?.terminals ?? 0)} 台在用)`,
      training_missing: () => (f.since ? `最近一次培训在 ${date(f.since)},已超过 12 个月` : '没有员工防拆、防调包培训记录'),
      retention_short: () => `审计日志只保留 ${f.days ?? 0} 天,不足 12 个月(AUDIT_RETENTION_DAYS)`,
      chain_broken: () => `哈希链在第 ${String(f.detail?.seq ?? '')} 条记录处断开(${String(f.detail?.problem ?? '')})`,
      review_missing: () => (f.since ? `最近一次审阅日志在 ${date(f.since)},已 ${f.days ?? 0} 天` : '没有审阅日志的记录'),
      key_problem: () => `密钥${f.detail?.keyType ? ` ${String(f.detail.keyType)}` : ''}${f.detail?.slot ? `(槽位 ${String(f.detail.slot)})` : ''}:${KEY_PROBLEMS.zh[String(f.detail?.problem)] ?? String(f.detail?.problem ?? '')}${f.detail?.deadline ? `,期限 ${date(String(f.detail.deadline))}` : ''}`,
    };
    return texts[f.code]();
  },
};

const en: Words = {
  title: 'PCI DSS compliance report',
  fleet: 'All merchants (the whole fleet)',
  merchant: 'Merchant',
  generatedAt: 'Generated',
  timeZone: 'time zone',
  settings: (s) => `inspection interval ${s.inspectionIntervalDays} days; terminal password age limit ${days(s.terminalPasswordMaxAgeDays, 'days', 'not checked')}; operator password age limit ${days(s.operatorPasswordMaxAgeDays, 'days', 'not checked')}`,
  summary: 'Summary',
  requirement: 'Requirement',
  reference: 'PCI DSS',
  status: 'Status',
  met: 'met',
  gaps: 'gaps',
  gapsHeading: 'Gaps',
  gapCount: 'Gaps',
  evidence: 'Evidence',
  noGaps: 'No gaps found.',
  more: (hidden) => `${hidden} more are not listed here; the CSV export lists them all.`,
  columns: { serial: 'Serial number', vendorModel: 'Terminal model', status: 'Status', merchant: 'Merchant', site: 'Site', address: 'Address', lastSeen: 'Last heartbeat', lastInspected: 'Last inspection', user: 'Account', role: 'Role', finding: 'Finding' },
  inStock: 'no site',
  inventoryTitle: 'Terminal inventory',
  requirements: {
    'poi-inventory': { title: 'Terminal (POI device) inventory', description: 'An up-to-date list of terminals with make, model, location (merchant, site, address) and serial number.' },
    'poi-inspection': { title: 'Terminal inspections for tampering and substitution', description: 'Terminals in use are inspected periodically: the label serial matches the registry, the seal is intact, no signs of tampering.' },
    'terminal-passwords': { title: 'Terminal password rotation', description: "Terminal passwords are changed within the limit, as reported in each terminal's latest heartbeat." },
    'operator-passwords': { title: 'Operator password rotation', description: 'Operator passwords are changed within the limit (accounts that only use API tokens have no password and are counted only).' },
    'pin-encryption': { title: 'PIN entry and encryption on terminals', description: "Terminals in use have PIN entry and encryption on, as reported in each terminal's latest heartbeat." },
    'backup-card-data': { title: 'No card data in terminal data backups', description: 'The terminal SDK refuses to back up data holding anything that looks like a card number (a Luhn-valid run of 13–19 digits) and says so; backups are encrypted on the terminal before upload, and the server never stores their key in plain.' },
    'software-patches': { title: 'Terminal software with a security fix available', description: "Terminals in use whose application or firmware is older than the latest security patch published for their model (the open incidents of the software_unpatched rule)." },
    'pts-approval': { title: 'PCI PTS POI approval of terminal models', description: 'The PTS approval number and expiry of each terminal model in use; a model past its expiry, or without an approval recorded, is a gap; those expiring within 180 days are counted.' },
    'staff-training': { title: 'Site staff trained to detect tampering and substitution', description: 'Every site with terminals in use has at least one person trained within 12 months to detect tampered or substituted terminals (the training records of the site).' },
    'audit-logs': { title: 'Audit log: review, retention and hash chain', description: 'The audit log records every change, every security-relevant read and every refused access. It is kept for at least 12 months, all of it in the database and immediately available (at least 3 months must be). Each entry carries the hash of the one before: the chain proves that no entry was changed, removed or reordered. Reviewing the log (listing, exporting, verifying it) is itself logged: that is the review evidence.' },
    'key-inventory': { title: 'Terminal key inventory', description: 'The key-slot metadata terminals report (slot, key type, check value or KSN prefix, load and expiry dates — never key material), and the keys missing, mismatched or expiring.' },
  },
  counts: {
    devices: 'terminals', in_stock: 'in stock', active: 'active', in_repair: 'in repair', retired: 'retired', in_use: 'terminals in use',
    inspected_in_interval: 'inspected within the interval', never_inspected: 'never inspected', inspection_overdue: 'inspection overdue', last_inspection_failed: 'last inspection failed',
    password_ok: 'password within the limit', password_expired: 'password expired', password_unknown: 'password age unknown', accounts: 'accounts', token_only: 'API tokens only (no password)',
    settings_ok: 'PIN entry and encryption on', pin_entry_off: 'PIN entry off', encryption_off: 'encryption off', settings_unknown: 'no heartbeat: unknown',
    unpatched: 'missing a security fix', models_in_use: 'models in use', pts_valid: 'PTS approval valid', pts_expiring_soon: 'PTS approval expiring within 180 days', pts_expired: 'PTS approval expired', pts_unknown: 'PTS approval not recorded',
    sites_in_use: 'sites with terminals in use', sites_trained: 'sites with training within 12 months', people_trained: 'people trained within 12 months',
    audit_entries: 'audit entries', oldest_entry: 'oldest entry', retention_days: 'days kept', online_days: 'days immediately available', chain: 'hash chain', last_review: 'last review', reviews_30d: 'reviews in 30 days',
    terminals_with_keys: 'terminals reporting keys', key_slots: 'key slots', key_problems: 'key problems',
  },
  statuses: { in_stock: 'in stock', active: 'active', in_repair: 'in repair', retired: 'retired' },
  roles: { admin: 'admin', operator: 'operator', support: 'support', technician: 'technician', merchant: 'merchant', auditor: 'auditor' },
  outcomes: { pass: 'pass', fail: 'fail' },
  values: { intact: 'intact', broken: 'broken', none: 'none' },
  csvColumns: {
    requirement: 'Requirement', reference: 'PCI DSS', title: 'Title', status: 'Status', finding: 'Finding', description: 'Description', serial_number: 'Serial number', vendor: 'Vendor', model: 'Model',
    merchant: 'Merchant', site: 'Site', address: 'Address', account: 'Account', since: 'Since', days: 'Days', subject: 'About',
  },
  finding: (f, s, date) => {
    const texts: Record<FindingCode, () => string> = {
      location_missing: () => 'in use but at no site: its location is unknown',
      never_inspected: () => `never inspected (registered ${date(f.since)}); ${f.days ?? 0} days overdue`,
      inspection_overdue: () => `last inspected ${date(f.since)}; ${f.days ?? 0} days overdue`,
      inspection_failed: () => `the last inspection (${date(f.since)}) failed and needs follow-up`,
      password_expired: () => `password changed ${date(f.since)}, ${f.days ?? 0} days ago (limit ${f.user ? s.operatorPasswordMaxAgeDays : s.terminalPasswordMaxAgeDays} days)`,
      password_unknown: () => (f.user ? 'when the password was changed was not recorded' : f.terminal?.security ? 'the heartbeat does not report when the password was changed' : 'no heartbeat yet: password age unknown'),
      password_check_off: () => `password age is not checked (${f.requirement === 'operator-passwords' ? 'PASSWORD_MAX_AGE_DAYS' : 'TERMINAL_PASSWORD_MAX_AGE_DAYS'}=0)`,
      pin_entry_off: () => `PIN entry is off (heartbeat ${date(f.since)})`,
      encryption_off: () => `encryption is off (heartbeat ${date(f.since)})`,
      settings_unknown: () => 'no heartbeat yet: PIN entry and encryption unknown',
      software_unpatched: () => `application ${String(f.detail?.appVersion ?? '')}, firmware ${String(f.detail?.firmwareVersion ?? '')}; security patch ${[f.detail?.latestApplication, f.detail?.latestFirmware].filter(Boolean).join(' / ')}; since ${date(f.since)}`,
      pts_expired: () => `PTS approval ${String(f.detail?.approval ?? '')} expired on ${String(f.detail?.expiresAt ?? '')} (${String(f.detail?.terminals ?? 0)} in use)`,
      pts_unknown: () => `no PTS approval number or expiry recorded (${String(f.detail?.terminals ?? 0)} in use)`,
      training_missing: () => (f.since ? `last training on ${date(f.since)}, more than 12 months ago` : 'no record of staff trained to detect tampering and substitution'),
      retention_short: () => `the audit log is kept ${f.days ?? 0} days, less than 12 months (AUDIT_RETENTION_DAYS)`,
      chain_broken: () => `the hash chain breaks at entry ${String(f.detail?.seq ?? '')} (${String(f.detail?.problem ?? '')})`,
      review_missing: () => (f.since ? `the log was last reviewed on ${date(f.since)}, ${f.days ?? 0} days ago` : 'no record of the log being reviewed'),
      key_problem: () => `key${f.detail?.keyType ? ` ${String(f.detail.keyType)}` : ''}${f.detail?.slot ? ` (slot ${String(f.detail.slot)})` : ''}: ${KEY_PROBLEMS.en[String(f.detail?.problem)] ?? String(f.detail?.problem ?? '')}${f.detail?.deadline ? `, by ${date(String(f.detail.deadline))}` : ''}`,
    };
    return texts[f.code]();
  },
};

function days(value: number, unit: string, off: string): string {
  return value > 0 ? `${value} ${unit}` : off;
}

export const WORDS: Record<ReportLocale, Words> = { 'zh-CN': zh, en };

/** The key problems the keys capability names; another is shown as it came. */
const KEY_PROBLEMS: Record<'zh' | 'en', Record<string, string>> = {
  zh: { missing: '缺失', mismatched: '不匹配', expiring: '即将到期', expired: '已过期' },
  en: { missing: 'missing', mismatched: 'mismatched', expiring: 'expiring', expired: 'expired' },
};
