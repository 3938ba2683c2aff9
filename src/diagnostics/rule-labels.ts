// What each rule's incident is called, in zh-CN and en (GLOSSARY.md wording), for lists and notices.
import type { Rule } from './heartbeat.rules.ts';
import type { TradingRule } from './trading.rules.ts';

export type Localised = { 'zh-CN': string; en: string };

export const RULE_LABELS: Record<Rule, Localised> = {
  card_reader_chip: { 'zh-CN': '接触式读卡失败率过高', en: 'chip card reads failing' },
  card_reader_swipe: { 'zh-CN': '磁条读卡失败率过高', en: 'swipe card reads failing' },
  card_reader_contactless: { 'zh-CN': '非接读卡失败率过高', en: 'contactless card reads failing' },
  printer_paper_low: { 'zh-CN': '打印纸将用完', en: 'printer paper low' },
  printer_paper_out: { 'zh-CN': '打印机缺纸', en: 'printer paper out' },
  printer_jam: { 'zh-CN': '打印机卡纸', en: 'printer paper jam' },
  printer_cover_open: { 'zh-CN': '打印机盖未关', en: 'printer cover open' },
  battery_health_low: { 'zh-CN': '电池健康度低', en: 'battery health low' },
  battery_not_charging: { 'zh-CN': '电池电量低且未充电', en: 'battery low and not charging' },
  battery_high_cycles: { 'zh-CN': '电池循环次数过高', en: 'battery cycle count high' },
  battery_deep_discharge: { 'zh-CN': '闲置终端电池深度放电', en: 'stored terminal deeply discharged' },
  temperature: { 'zh-CN': '温度异常', en: 'temperature out of range' },
  storage_low: { 'zh-CN': '存储空间将满', en: 'storage nearly full' },
  clock_skew: { 'zh-CN': '终端时钟偏差', en: 'terminal clock skew' },
  tamper: { 'zh-CN': '拆机报警', en: 'tamper alert' },
  weak_signal: { 'zh-CN': '网络信号弱', en: 'weak network signal' },
  high_latency: { 'zh-CN': '网络延迟高', en: 'high network latency' },
  security_features_off: { 'zh-CN': 'PIN 输入或加密已关闭', en: 'PIN entry or encryption disabled' },
  password_too_old: { 'zh-CN': '终端密码未按期轮换', en: 'terminal password too old' },
  software_unpatched: { 'zh-CN': '软件未安装最新安全补丁', en: 'software missing the latest security patch' },
  offline: { 'zh-CN': '终端离线', en: 'terminal offline' },
  site_network_down: { 'zh-CN': '门店网络中断', en: 'site network down' },
  network_flapping: { 'zh-CN': '网络频繁断线', en: 'network link flapping' },
  suspicious_activity: { 'zh-CN': '可疑活动报告', en: 'suspicious activity reported' },
  configuration_drift: { 'zh-CN': '终端配置偏离', en: 'configuration drift' },
  terminal_relocated: { 'zh-CN': '终端离开门店位置或网络', en: 'terminal moved from its site or network' },
  terminal_substituted: { 'zh-CN': '终端硬件指纹不符（疑似调包）', en: 'hardware fingerprint mismatch (possible substitution)' },
  key_missing: { 'zh-CN': '缺少收单机构要求的密钥', en: 'key required by the acquirer missing' },
  key_mismatch: { 'zh-CN': '密钥与收单机构要求不符', en: 'key does not match the acquirer\'s' },
  key_expiring: { 'zh-CN': '密钥即将到期', en: 'key expiring' },
};

/** The suspicious-trading rules, as a case's history names them. */
export const TRADING_LABELS: Record<TradingRule, Localised> = {
  trading_off_hours: { 'zh-CN': '门店营业时间外交易', en: 'trading outside the site\'s opening hours' },
  refund_spike: { 'zh-CN': '退款激增', en: 'a spike in refunds' },
  manual_entry_spike: { 'zh-CN': '手工输入卡号激增', en: 'a spike in manually keyed card numbers' },
  average_amount_shift: { 'zh-CN': '平均交易金额突变', en: 'a sudden change of the average amount' },
};
