// Words of security in depth (issue 18's later parts): suspicious-trading thresholds per merchant on the
// rules settings, the approvals waiting for me, PTS approval on terminal models. Glossary: 商户, 终端型号,
// 可疑交易, 双人复核. Merged into the catalogue by i18n.tsx.
export const securityDepthEn = {
  sdMerchantTrading: 'Suspicious trading per merchant',
  sdMerchantTradingHelp: 'A merchant\'s own thresholds, laid over each of its terminals\' model thresholds. An empty field keeps the model\'s value.',
  sdMerchantTradingFor: 'Suspicious-trading thresholds of {name}',
  sdNoMerchants: 'No merchants yet.',
  sdKeepModel: 'Use the models\' values',
  sdMerchantHint: 'Fleet default: {default}',
};

export const securityDepthZh: Record<keyof typeof securityDepthEn, string> = {
  sdMerchantTrading: '按商户设置可疑交易阈值',
  sdMerchantTradingHelp: '商户自己的阈值，覆盖其终端所属终端型号的阈值。留空则沿用终端型号的值。',
  sdMerchantTradingFor: '{name} 的可疑交易阈值',
  sdNoMerchants: '暂无商户。',
  sdKeepModel: '沿用终端型号的值',
  sdMerchantHint: '全局默认值：{default}',
};
