import { describe, expect, it } from 'vitest';
import { english, say, said } from './said.ts';

describe('a sentence kept as data', () => {
  // What halted a wave on payments, as the engine keeps it: its figures are sentences of their own.
  const halt = said('rollouts.halt.payments', {
    wave: '1',
    metrics: [
      said('rollouts.halt.metric', { metric: 'card_read_failure_rate', updated: '48.0 %', comparison: '12.1 %', z: '11.9', updatedBefore: '12.3 %', comparisonBefore: '12.0 %' }),
      said('rollouts.halt.metric_groups', { metric: 'reboots_per_terminal_hour', updated: '0.50', comparison: '0.02', z: '4.2' }),
    ],
  });

  it('says a halt on payments in English word for word as the engine always wrote it', () => {
    expect(english(halt)).toBe("payments got worse on wave 1's updated terminals than on comparable terminals still on the old version: "
      + 'card-read failure rate 48.0 % against 12.1 % (z = 11.9), from 12.3 % against 12.0 % before the update; '
      + 'reboots per terminal-hour 0.50 against 0.02 (z = 4.2), with no figures from before the update to compare');
  });

  it('says it in Chinese with the metrics named in Chinese and joined the Chinese way', () => {
    expect(say('zh-CN', halt)).toBe('第 1 批已更新终端的交易表现差于仍在旧版本的同类终端：'
      + '读卡失败率 48.0 %，同类终端 12.1 %（z = 11.9），更新前分别为 12.3 % 和 12.0 %；'
      + '每终端小时重启次数 0.50，同类终端 0.02（z = 4.2），没有更新前的数据可供比较');
  });

  it('says why payments were not judged in both languages', () => {
    const note = said('rollouts.payments.too_few', { reported: '1', needed: '3' });
    expect(english(note)).toBe('only 1 updated terminal(s) reported; at least 3 are needed to judge payments');
    expect(say('zh-CN', note)).toBe('只有 1 台已更新终端上报了数据，至少需要 3 台才能评估交易');
  });

  it('is null for a key the catalogue does not have (a newer server\'s)', () => {
    expect(say('zh-CN', { key: 'rollouts.no_such_key', params: {} })).toBeNull();
  });
});
