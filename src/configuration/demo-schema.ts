// The demo POS application's parameters (seeded with the demo estate, used by tests): what a card
// terminal in China or the UK is configured with — acquirer, TID/MID, receipts, tips, floor limit,
// batch close, EMV AIDs and CAPK rows.
import type { ParameterSchema } from './parameters.ts';

export const DEMO_APPLICATION = 'posfleet-demo-pos';

export const DEMO_PARAMETERS: ParameterSchema = {
  acquirer: { type: 'enum', enum: ['unionpay', 'lakala', 'worldpay'], default: 'unionpay', applies: 'maintenance', title: { 'zh-CN': '收单机构', en: 'Acquirer' } },
  acquirerHost: { type: 'string', pattern: '^[A-Za-z0-9.-]{1,253}$', default: 'pos.unionpay.example', applies: 'maintenance', title: { 'zh-CN': '收单主机', en: 'Acquirer host' } },
  acquirerPort: { type: 'integer', minimum: 1, maximum: 65535, default: 443, applies: 'maintenance', title: { 'zh-CN': '收单端口', en: 'Acquirer port' } },
  tid: { type: 'string', pattern: '^[0-9]{8}$', levels: ['terminal'], unique: { per: 'acquirer', among: 'terminal' }, applies: 'maintenance', title: { 'zh-CN': '终端号 (TID)', en: 'Terminal ID (TID)' } },
  mid: { type: 'string', pattern: '^[0-9]{15}$', levels: ['terminal'], unique: { per: 'acquirer', among: 'merchant' }, applies: 'maintenance', title: { 'zh-CN': '商户号 (MID)', en: 'Merchant ID (MID)' } },
  receiptHeader: { type: 'string', maxLength: 64, default: 'PosFleet', merchantEditable: true, title: { 'zh-CN': '小票抬头', en: 'Receipt header' } },
  receiptFooter: { type: 'string', maxLength: 64, default: '谢谢惠顾 Thank you', merchantEditable: true, title: { 'zh-CN': '小票页脚', en: 'Receipt footer' } },
  language: { type: 'enum', enum: ['zh-CN', 'en'], default: 'zh-CN', merchantEditable: true, title: { 'zh-CN': '界面语言', en: 'Language' } },
  tips: { type: 'boolean', default: false, merchantEditable: true, title: { 'zh-CN': '小费', en: 'Tips' } },
  cashBack: { type: 'boolean', default: false, title: { 'zh-CN': '返现', en: 'Cash-back' } },
  floorLimitMinor: { type: 'integer', minimum: 0, maximum: 10_000_000, default: 0, title: { 'zh-CN': '离线限额 (分)', en: 'Floor limit (minor units)' } },
  batchCloseTime: { type: 'string', pattern: '^([01][0-9]|2[0-3]):[0-5][0-9]$', default: '23:00', levels: ['fleet', 'merchant', 'site'], title: { 'zh-CN': '批结算时间', en: 'Batch-close time' } },
  emvAids: {
    type: 'list', items: { type: 'string', pattern: '^[0-9A-F]{10,32}$' }, maxItems: 50,
    default: ['A000000333010101', 'A000000333010102', 'A0000000031010', 'A0000000041010'], applies: 'maintenance', title: { 'zh-CN': 'EMV AID 列表', en: 'EMV AID list' },
  },
  capk: {
    type: 'table', maxItems: 100, applies: 'maintenance', title: { 'zh-CN': 'CA 公钥 (CAPK)', en: 'CA public keys (CAPK)' },
    columns: {
      rid: { type: 'string', pattern: '^[0-9A-F]{10}$', required: true },
      index: { type: 'string', pattern: '^[0-9A-F]{2}$', required: true },
      modulus: { type: 'string', pattern: '^[0-9A-F]{2,496}$', required: true },
      exponent: { type: 'string', pattern: '^(03|010001)$', required: true },
      expiresOn: { type: 'string', pattern: '^[0-9]{4}-[0-9]{2}-[0-9]{2}$' },
    },
    default: [{ rid: 'A000000333', index: '08', modulus: 'B61645EDFD5498FB246444037A0FA18C0F101EBD8EFA54573CE6E6A7FBF63ED2', exponent: '03', expiresOn: '2030-12-31' }],
  },
  adminPin: { type: 'string', pattern: '^[0-9]{6}$', secret: true, applies: 'maintenance', title: { 'zh-CN': '管理员密码', en: 'Admin PIN' } },
};
