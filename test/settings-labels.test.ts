// Every diagnostic threshold a model can override has a label in both languages: the rules page never
// shows a raw setting key such as battery.deepDischargePercent.
import { describe, expect, it } from 'vitest';
import { DEFAULT_THRESHOLDS } from '../src/diagnostics/heartbeat.rules.ts';
import { settingsEn, settingsZh } from '../web/src/messages/settings.ts';

describe('the rules page\'s labels', () => {
  it.each([['zh-CN', settingsZh], ['en', settingsEn]] as const)('names every threshold and group in %s', (_, messages) => {
    const labels = messages as Record<string, string>;
    const missing = Object.entries(DEFAULT_THRESHOLDS).flatMap(([group, values]) => [
      ...(labels[`thg_${group}`] ? [] : [group]),
      ...Object.keys(values).map((key) => `${group}.${key}`).filter((key) => !labels[`th_${key}`]),
    ]);
    expect(missing).toEqual([]);
  });
});
