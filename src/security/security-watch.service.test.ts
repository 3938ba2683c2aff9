import { describe, expect, it } from 'vitest';
import type { HeartbeatReport } from '../device/device.schemas.ts';
import type { KeySlotWatch } from './key-slots.service.ts';
import type { RelocationWatch } from './relocations.service.ts';
import { SecurityWatch } from './security-watch.service.ts';

const report = { seq: 1, sentAt: '2026-12-07T02:00:00.000Z' } as HeartbeatReport;

/** A watch whose relocation judge records the source address each sighting was judged with. */
function watch(maxAddresses: number) {
  const judged = new Map<string, string | undefined>();
  const relocations = {
    prior: async () => ({ locationById: new Map(), knownById: new Map() }),
    judge: async (items: { terminalId: string; sourceAddress: string | undefined }[]) => { for (const i of items) judged.set(i.terminalId, i.sourceAddress); },
  } as unknown as RelocationWatch;
  const keys = { check: async () => undefined } as unknown as KeySlotWatch;
  const repo = { terminals: async (ids: string[]) => ids.map((id) => ({ id, site_id: null, merchant_id: null, tags: '[]' })) };
  return { security: new SecurityWatch(repo as never, relocations, keys, { openCase: async () => ({ id: 'case' }) }, maxAddresses), judged };
}

describe('SecurityWatch', () => {
  it('records the source address a heartbeat came from with its sighting', async () => {
    const { security, judged } = watch(10);
    security.guard('t1', report, { sourceAddress: '10.0.0.1', boundFingerprint: null });
    security.observe([{ terminalId: 't1', report, receivedAt: '2026-12-07T02:00:00.000Z' }]);
    await security.flush();
    expect(judged.get('t1')).toBe('10.0.0.1');
  });

  it('keeps the source addresses of at most a stated number of terminals, forgetting the ones heard from longest ago', async () => {
    const { security, judged } = watch(3);
    for (let i = 1; i <= 5; i++) security.guard(`t${i}`, report, { sourceAddress: `10.0.0.${i}`, boundFingerprint: null });
    security.observe(['t1', 't2', 't3', 't4', 't5'].map((terminalId) => ({ terminalId, report, receivedAt: '2026-12-07T02:00:00.000Z' })));
    await security.flush();
    expect(Object.fromEntries(judged)).toEqual({ t1: undefined, t2: undefined, t3: '10.0.0.3', t4: '10.0.0.4', t5: '10.0.0.5' });
  });
});
