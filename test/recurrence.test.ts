// A maintenance window's recurrence is said in words in both languages, never as its RRULE or cron text.
import { describe, expect, it } from 'vitest';
import { recurrenceInWords, rruleOf, weeklyOf } from '../web/src/recurrence.ts';

const rrule = (r: string, durationMinutes = 120) => ({ kind: 'rrule' as const, rrule: r, durationMinutes });

describe('a recurrence in words', () => {
  it('says a weekly window as days and hours', () => {
    expect(recurrenceInWords(rrule('FREQ=WEEKLY;BYDAY=MO;BYHOUR=2;BYMINUTE=0'), 'zh-CN')).toBe('每周一 02:00–04:00');
    expect(recurrenceInWords(rrule('FREQ=WEEKLY;BYDAY=MO;BYHOUR=2;BYMINUTE=0'), 'en')).toBe('Mondays 02:00–04:00');
    expect(recurrenceInWords(rrule('FREQ=WEEKLY;BYDAY=TU,TH;BYHOUR=23;BYMINUTE=30', 90), 'zh-CN')).toBe('每周二、四 23:30–01:00（次日）');
    expect(recurrenceInWords(rrule('FREQ=WEEKLY;BYDAY=MO,WE,FR;BYHOUR=1;BYMINUTE=0', 30), 'en')).toBe('Mondays, Wednesdays and Fridays 01:00–01:30');
    expect(recurrenceInWords(rrule('FREQ=DAILY;BYHOUR=3;BYMINUTE=15', 45), 'zh-CN')).toBe('每天 03:15–04:00');
  });

  it('reads cron as the same words', () => {
    expect(recurrenceInWords({ kind: 'cron', cron: '0 2 * * 1-5', durationMinutes: 60 }, 'zh-CN')).toBe('每个工作日 02:00–03:00');
    expect(recurrenceInWords({ kind: 'cron', cron: '30 4 * * 0,6', durationMinutes: 60 }, 'en')).toBe('Weekends 04:30–05:30');
  });

  it('names a rule it cannot say in words as custom, without its text', () => {
    const words = recurrenceInWords(rrule('FREQ=MONTHLY;BYMONTHDAY=1;BYHOUR=2'), 'zh-CN');
    expect(words).toBe('自定义周期，每次 2 小时');
    expect(words).not.toMatch(/FREQ|BY/);
  });

  it('turns the weekly form into an RRULE and back', () => {
    const rule = { days: ['MO', 'SA'] as const, time: '02:30' };
    expect(rruleOf({ ...rule, days: [...rule.days] })).toBe('FREQ=WEEKLY;BYDAY=MO,SA;BYHOUR=2;BYMINUTE=30');
    expect(weeklyOf(rrule(rruleOf({ ...rule, days: [...rule.days] })))).toEqual({ days: ['MO', 'SA'], time: '02:30' });
  });
});

describe('a time that says whose it is', () => {
  it('gives the site time first and the viewer\'s beside it when they differ', async () => {
    const { siteAndViewerTime } = await import('../web/src/whose-time.ts');
    // 02:00 in London on 8 December is 10:00 in Shanghai.
    expect(siteAndViewerTime('2026-12-08T02:00:00Z', 'Europe/London', 'Asia/Shanghai', 'zh-CN', false)).toBe('02:00 门店时间（10:00 北京时间）');
    expect(siteAndViewerTime('2026-12-08T02:00:00Z', 'Europe/London', 'Asia/Shanghai', 'en', false)).toBe('02:00 site time (10:00 Beijing time)');
    expect(siteAndViewerTime('2026-12-08T02:00:00Z', 'Asia/Shanghai', 'Asia/Shanghai', 'zh-CN', false)).toBe('10:00 门店时间');
    expect(siteAndViewerTime('2026-12-08T02:00:00Z', 'Asia/Shanghai', 'Europe/London', 'en', false)).toBe('10:00 site time (02:00 your time)');
  });
});
