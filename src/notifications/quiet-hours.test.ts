import { describe, expect, it } from 'vitest';
import type { IncidentNotice } from './notification-events.ts';
import { isUrgent, quietUntil, rateWindowEnd } from './quiet-hours.ts';

const at = (iso: string) => new Date(iso);
const shanghaiNights = { start: '22:00', end: '07:00', timeZone: 'Asia/Shanghai' };

describe('quiet hours', () => {
  it('holds a notice at night in Shanghai until 07:00 local the next morning', () => {
    // 23:10 in Shanghai (UTC+8) → 07:00 Shanghai = 23:00 UTC.
    expect(quietUntil(at('2026-11-25T15:10:00Z'), shanghaiNights)?.toISOString()).toBe('2026-11-25T23:00:00.000Z');
    // 05:00 after midnight → the same morning.
    expect(quietUntil(at('2026-11-25T21:00:00Z'), shanghaiNights)?.toISOString()).toBe('2026-11-25T23:00:00.000Z');
  });

  it('starts at the start minute and ends at the end minute', () => {
    expect(quietUntil(at('2026-11-25T14:00:00Z'), shanghaiNights)?.toISOString()).toBe('2026-11-25T23:00:00.000Z'); // 22:00 sharp
    expect(quietUntil(at('2026-11-25T13:59:59Z'), shanghaiNights)).toBeNull(); // 21:59:59
    expect(quietUntil(at('2026-11-25T23:00:00Z'), shanghaiNights)).toBeNull(); // 07:00 sharp: over
    expect(quietUntil(at('2026-11-25T04:00:00Z'), shanghaiNights)).toBeNull(); // midday
  });

  it('handles quiet hours within one day (a lunch break)', () => {
    const lunch = { start: '12:00', end: '13:30', timeZone: 'Asia/Shanghai' };
    expect(quietUntil(at('2026-11-25T04:15:00Z'), lunch)?.toISOString()).toBe('2026-11-25T05:30:00.000Z');
    expect(quietUntil(at('2026-11-25T05:30:00Z'), lunch)).toBeNull();
    expect(quietUntil(at('2026-11-25T03:59:00Z'), lunch)).toBeNull();
  });

  it('keeps Berlin nights at 22:00–07:00 local through the autumn change (a 10-hour night)', () => {
    const berlin = { start: '22:00', end: '07:00', timeZone: 'Europe/Berlin' };
    // 25 Oct 2026: clocks go back 03:00 CEST → 02:00 CET. 23:00 CEST on the 24th = 21:00 UTC.
    expect(quietUntil(at('2026-10-24T21:00:00Z'), berlin)?.toISOString()).toBe('2026-10-25T06:00:00.000Z'); // 07:00 CET
    // In the hour that happens twice (02:30 CEST and 02:30 CET) it is still night.
    expect(quietUntil(at('2026-10-25T00:30:00Z'), berlin)?.toISOString()).toBe('2026-10-25T06:00:00.000Z');
    expect(quietUntil(at('2026-10-25T01:30:00Z'), berlin)?.toISOString()).toBe('2026-10-25T06:00:00.000Z');
    // Summer: 22:00 CEST = 20:00 UTC.
    expect(quietUntil(at('2026-07-01T20:00:00Z'), berlin)?.toISOString()).toBe('2026-07-02T05:00:00.000Z');
    expect(quietUntil(at('2026-07-01T19:59:00Z'), berlin)).toBeNull();
  });

  it('moves an end that falls into the spring-forward gap on by the missing hour', () => {
    // 29 Mar 2026: 02:00 CET → 03:00 CEST; 02:30 does not exist that night.
    const short = { start: '22:00', end: '02:30', timeZone: 'Europe/Berlin' };
    expect(quietUntil(at('2026-03-29T00:15:00Z'), short)?.toISOString()).toBe('2026-03-29T01:30:00.000Z'); // 03:30 CEST
    // The spring night is an hour shorter: 22:00 CET (21:00 UTC) → 07:00 CEST (05:00 UTC).
    expect(quietUntil(at('2026-03-28T21:00:00Z'), { ...short, end: '07:00' })?.toISOString()).toBe('2026-03-29T05:00:00.000Z');
  });

  it('has no quiet hours when start and end are the same time', () => {
    expect(quietUntil(at('2026-11-25T15:10:00Z'), { start: '22:00', end: '22:00', timeZone: 'Asia/Shanghai' })).toBeNull();
  });
});

describe('urgent notices', () => {
  const incident = (rule: string, severity: string): IncidentNotice => ({
    incidentId: 'i', terminals: ['SN-1'], rule, severity, summary: { 'zh-CN': rule, en: rule }, since: '2026-11-25T00:00:00.000Z',
  });

  it('lets critical incidents, tampering and a site down through, while they open or stay open', () => {
    expect(isUrgent('incident.opened', incident('tamper', 'critical'))).toBe(true);
    expect(isUrgent('incident.opened', incident('site_network_down', 'high'))).toBe(true);
    expect(isUrgent('incident.reminder', incident('site_network_down', 'critical'))).toBe(true);
    expect(isUrgent('incident.opened', incident('temperature', 'critical'))).toBe(true);
    expect(isUrgent('campaign.halted', { campaignId: 'c', name: 'n', package: 'p 1', wave: 1, kind: 'payments', reason: 'r', haltedAt: '2026-11-25T00:00:00.000Z' })).toBe(true);
    expect(isUrgent('maintenance.failed', { terminals: ['SN'], failedAt: '2026-11-25T00:00:00.000Z', outcome: 'handed_to_technician' })).toBe(true);
  });

  it('holds everything else: high incidents, offline reminders, good news, announcements', () => {
    expect(isUrgent('incident.opened', incident('offline', 'high'))).toBe(false);
    expect(isUrgent('incident.reminder', incident('offline', 'high'))).toBe(false);
    expect(isUrgent('incident.resolved', incident('tamper', 'critical'))).toBe(false);
    expect(isUrgent('maintenance.failed', { terminals: ['SN'], failedAt: '2026-11-25T00:00:00.000Z', outcome: 'rolled_back' })).toBe(false);
    expect(isUrgent('maintenance.announced', { terminals: ['SN'], start: '2026-11-25T00:00:00.000Z', expectedEnd: '2026-11-25T01:00:00.000Z' })).toBe(false);
  });
});

describe('rate windows', () => {
  it('end one period after the first notice of the window', () => {
    expect(rateWindowEnd('2026-11-25T10:00:00.000Z', 60).toISOString()).toBe('2026-11-25T11:00:00.000Z');
  });
});
