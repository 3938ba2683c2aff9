import { describe, expect, it } from 'vitest';
import { addDays, dayOf, firstKeptDay, partitionDay, partitionName, planPartitions } from './partition-days.ts';

describe('daily heartbeat partitions', () => {
  it('names a partition after its UTC day and reads the day back', () => {
    expect(partitionName('2026-12-07')).toBe('heartbeats_p20261207');
    expect(partitionDay('heartbeats_p20261207')).toBe('2026-12-07');
    expect(partitionDay('heartbeats_default')).toBeUndefined();
    expect(dayOf('2026-12-07T23:59:59.999Z')).toBe('2026-12-07');
    expect(addDays('2026-12-31', 1)).toBe('2027-01-01');
  });

  it('creates today and the days ahead that are missing, and drops only days wholly past retention', () => {
    const now = new Date('2026-12-07T10:00:00Z');
    const plan = planPartitions(['2026-11-06', '2026-11-07', '2026-11-08', '2026-12-07', '2026-12-08'], now, 30, ['2026-11-01', '2026-12-01'], 3);
    // 1 December's rows were caught by the default partition: they get their own; 1 November's are past retention.
    expect(plan.create).toEqual(['2026-12-01', '2026-12-09', '2026-12-10']);
    // 30 days before 10:00 on the 7th is 10:00 on 7 November: the 7th still holds rows inside retention.
    expect(firstKeptDay(now, 30)).toBe('2026-11-07');
    expect(plan.drop).toEqual(['2026-11-06']);
  });
});
