// What the cashier reads during maintenance, and when a lease ends on a terminal whose clock is wrong.
import { describe, expect, it } from 'vitest';
import { clockTime, leaseCountedFrom, leaseDeadline, msUntil, selfTestsPassed, transactionMessage } from './maintenance-rules.ts';

describe('the message shown when a payment is refused', () => {
  const end = '2026-11-25T02:40:00.000Z'; // 10:40 in Shanghai, 02:40 in London (winter)

  it('gives the expected end as HH:MM in the terminal time zone, in Chinese and in English', () => {
    expect(transactionMessage('maintenance', 'zh-CN', { expectedEndAt: end, timeZone: 'Asia/Shanghai' })).toBe('功能维护中，预计 10:40 恢复');
    expect(transactionMessage('maintenance', 'en', { expectedEndAt: end, timeZone: 'Europe/London' })).toBe('Under maintenance, back at 02:40');
    expect(transactionMessage('maintenance', 'en', { expectedEndAt: new Date(end), timeZone: 'America/New_York' })).toBe('Under maintenance, back at 21:40');
  });

  it('says only "under maintenance" when no end is known', () => {
    expect(transactionMessage('maintenance', 'zh-CN')).toBe('功能维护中');
    expect(transactionMessage('maintenance', 'en')).toBe('Under maintenance');
  });

  it('sends a locked terminal to its provider, with no time', () => {
    expect(transactionMessage('locked', 'zh-CN', { expectedEndAt: end, timeZone: 'Asia/Shanghai' })).toBe('终端已锁定，请联系服务商');
    expect(transactionMessage('locked', 'en')).toBe('Terminal locked, contact your provider');
  });

  it('says nothing in normal mode', () => {
    expect(transactionMessage('normal', 'zh-CN', { expectedEndAt: end, timeZone: 'Asia/Shanghai' })).toBeUndefined();
  });

  it('writes midnight as 00:00 and follows summer time', () => {
    expect(clockTime('2026-11-25T16:00:00.000Z', 'Asia/Shanghai')).toBe('00:00');
    expect(clockTime('2026-07-01T12:05:00.000Z', 'Europe/London')).toBe('13:05');
    expect(clockTime('2026-12-01T12:05:00.000Z', 'Europe/London')).toBe('12:05');
  });

  it('refuses an unknown time zone', () => {
    expect(() => clockTime(new Date(), 'Mars/Olympus')).toThrow(RangeError);
  });
});

describe('the lease on the terminal clock', () => {
  const answer = { serverTime: '2026-11-25T02:00:00.000Z', leaseUntil: '2026-11-25T02:40:00.000Z' };

  it('counts the time left from when the heartbeat was sent, whatever the terminal clock says', () => {
    const behind = new Date('2026-11-25T00:47:13.000Z'); // 1 h 12 min 47 s slow
    expect(leaseDeadline(answer, behind).toISOString()).toBe('2026-11-25T01:27:13.000Z');
    const ahead = new Date('2031-01-01T00:00:00.000Z');
    expect(leaseDeadline(answer, ahead).toISOString()).toBe('2031-01-01T00:40:00.000Z');
  });

  it('counts from when the request was sent, unless the clock stepped forward while it was out', () => {
    const sent = new Date('2026-11-25T02:00:00.000Z');
    // A slow answer (40 s) within what its tries can take: counted from when it was sent.
    expect(leaseCountedFrom(sent, new Date('2026-11-25T02:00:40.000Z'), 60_000)).toEqual(sent);
    // NTP set the clock 3 hours on while the heartbeat was out: counted from the longest a request takes,
    // so the 40 minutes left are not already over.
    const from = leaseCountedFrom(sent, new Date('2026-11-25T05:00:01.000Z'), 60_000);
    expect(from.toISOString()).toBe('2026-11-25T04:59:01.000Z');
    expect(msUntil(leaseDeadline(answer, from), new Date('2026-11-25T05:00:01.000Z'))).toBe(39 * 60_000);
  });

  it('has already ended when the server answers after the lease', () => {
    const late = { serverTime: '2026-11-25T02:41:00.000Z', leaseUntil: '2026-11-25T02:40:00.000Z' };
    const sent = new Date('2026-11-25T09:00:00.000Z');
    expect(leaseDeadline(late, sent)).toEqual(sent);
    expect(msUntil(leaseDeadline(late, sent), sent)).toBe(0);
  });

  it('waits the time left, and never a negative time', () => {
    const deadline = new Date('2026-11-25T02:40:00.000Z');
    expect(msUntil(deadline, new Date('2026-11-25T02:39:59.250Z'))).toBe(750);
    expect(msUntil(deadline, new Date('2026-11-25T03:00:00.000Z'))).toBe(0);
  });
});

describe('self-test verdict', () => {
  it('passes only when at least one test ran and every one passed', () => {
    expect(selfTestsPassed([{ name: 'printer', passed: true }, { name: 'card reader', passed: true }])).toBe(true);
    expect(selfTestsPassed([{ name: 'printer', passed: true }, { name: 'card reader', passed: false, detail: 'chip contacts dirty' }])).toBe(false);
    expect(selfTestsPassed([])).toBe(false);
  });
});
