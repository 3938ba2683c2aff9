import { describe, expect, it } from 'vitest';
import { complianceOf } from './baseline-compliance.ts';
import { findPans, luhnValid } from './pan-scan.ts';
import { backupsToPrune } from './retention.ts';

describe('card numbers in backup data', () => {
  it('finds Luhn-valid 13–19 digit runs, printed with spaces or dashes too, and shows only the first 6 and last 4', () => {
    expect(luhnValid('4111111111111111')).toBe(true);
    expect(luhnValid('4111111111111112')).toBe(false);
    const found = findPans({ settings: { pending: [{ note: 'paid with 4111 1111 1111 1111' }, { card: '5500-0000-0000-0004' }], amex: 378282246310005 } });
    expect(found).toEqual([
      { path: '$.settings.pending[0].note', masked: '411111••••••1111' },
      { path: '$.settings.pending[1].card', masked: '550000••••••0004' },
      { path: '$.settings.amex', masked: '378282•••••0005' },
    ]);
  });

  it('leaves counters, timestamps in ms, short numbers and Luhn-invalid runs alone', () => {
    expect(findPans({ seq: 1765084332000, at: '1765084332000', batch: 17, tid: '12345678', id: '4111111111111112', long: '41111111111111111111111' })).toEqual([]);
  });
});

describe('backup retention', () => {
  const day = 86_400_000;
  const now = new Date('2026-12-07T00:00:00.000Z');
  const at = (daysAgo: number) => new Date(now.getTime() - daysAgo * day).toISOString();

  it('keeps the last 4 weekly backups, pre-maintenance ones for 30 days, and always the newest', () => {
    const backups = [
      ...[1, 8, 15, 22, 29, 36].map((d) => ({ id: `w${d}`, terminalId: 't1', kind: 'weekly' as const, storedAt: at(d) })),
      { id: 'p10', terminalId: 't1', kind: 'pre_maintenance' as const, storedAt: at(10) },
      { id: 'p31', terminalId: 't1', kind: 'pre_maintenance' as const, storedAt: at(31) },
      // Another terminal whose only backup is old: kept, as it is its newest.
      { id: 'old', terminalId: 't2', kind: 'pre_maintenance' as const, storedAt: at(90) },
    ];
    expect(backupsToPrune(backups, now).sort()).toEqual(['p31', 'w29', 'w36']);
  });
});

describe('baseline compliance', () => {
  const wanted = { appVersion: '3.3.0', firmwareVersion: null, configurationVersion: null };
  it('is in baseline, waiting, failed or drifting by what the terminal has and how delivery goes', () => {
    expect(complianceOf(wanted, { appVersion: '3.3.0', firmwareVersion: 'fw-1' }).state).toBe('in_baseline');
    expect(complianceOf(wanted, { appVersion: '3.2.0', firmwareVersion: 'fw-1', appDelivery: 'scheduled' }).state).toBe('waiting');
    expect(complianceOf(wanted, { appVersion: '3.2.0', firmwareVersion: 'fw-1', appDelivery: 'failed' })).toEqual({ state: 'failed', why: 'delivery of application 3.3.0 failed; has application 3.2.0 (baseline 3.3.0)' });
    expect(complianceOf(wanted, { appVersion: '3.2.0', firmwareVersion: 'fw-1' })).toEqual({ state: 'drifting', why: 'has application 3.2.0 (baseline 3.3.0)' });
  });
});
