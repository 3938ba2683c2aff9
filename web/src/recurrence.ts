// A maintenance window's schedule said in words ("每周一 02:00–04:00", "Mondays 02:00–04:00"), never as
// the RRULE or cron text it is stored as; and the simple weekly form the settings page edits. Pure
// functions, no React, so they are tested without a browser.

type Locale = 'en' | 'zh-CN';

/** A window's schedule as the API gives it (api.ts's WindowSchedule). */
interface WindowSchedule { kind: 'once' | 'rrule' | 'cron'; start?: string; rrule?: string; cron?: string; durationMinutes: number }

/** Monday first, as RRULE's BYDAY codes. */
export const WEEKDAYS = ['MO', 'TU', 'WE', 'TH', 'FR', 'SA', 'SU'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

const ZH_DAY: Record<Weekday, string> = { MO: '一', TU: '二', WE: '三', TH: '四', FR: '五', SA: '六', SU: '日' };
const EN_DAY: Record<Weekday, string> = { MO: 'Monday', TU: 'Tuesday', WE: 'Wednesday', TH: 'Thursday', FR: 'Friday', SA: 'Saturday', SU: 'Sunday' };
/** A weekday's short name, for checkboxes. */
export const dayName = (day: Weekday, locale: Locale) => (locale === 'zh-CN' ? `周${ZH_DAY[day]}` : EN_DAY[day].slice(0, 3));

/** A weekly schedule as the settings form edits it: which days, at what time, for how long. */
export interface WeeklyRule {
  days: Weekday[];
  /** HH:MM, the target's local time. */
  time: string;
}

const pad = (n: number) => String(n).padStart(2, '0');
const clock = (minutes: number) => `${pad(Math.floor(minutes / 60) % 24)}:${pad(minutes % 60)}`;

/** The weekly rule an RRULE or cron expression stands for, or null when it says more than days and a time. */
export function weeklyOf(schedule: Pick<WindowSchedule, 'kind' | 'rrule' | 'cron'>): WeeklyRule | null {
  if (schedule.kind === 'rrule' && schedule.rrule) {
    const parts = Object.fromEntries(schedule.rrule.replace(/^RRULE:/i, '').split(';').filter(Boolean).map((p) => {
      const [k, v = ''] = p.split('=');
      return [k!.toUpperCase(), v.toUpperCase()];
    }));
    const known = new Set(['FREQ', 'BYDAY', 'BYHOUR', 'BYMINUTE', 'BYSECOND', 'INTERVAL', 'WKST']);
    if (Object.keys(parts).some((k) => !known.has(k))) return null;
    if (parts.INTERVAL && parts.INTERVAL !== '1') return null;
    const hour = Number(parts.BYHOUR ?? '0');
    const minute = Number(parts.BYMINUTE ?? '0');
    if (!/^\d{1,2}$/.test(parts.BYHOUR ?? '0') || !/^\d{1,2}$/.test(parts.BYMINUTE ?? '0')) return null;
    let days: Weekday[];
    if (parts.FREQ === 'DAILY' && !parts.BYDAY) days = [...WEEKDAYS];
    else if (parts.FREQ === 'WEEKLY' || parts.FREQ === 'DAILY') {
      const listed = (parts.BYDAY ?? '').split(',').filter(Boolean);
      if (listed.length === 0 || listed.some((d) => !(WEEKDAYS as readonly string[]).includes(d))) return null;
      days = WEEKDAYS.filter((d) => listed.includes(d));
    } else return null;
    return { days, time: `${pad(hour)}:${pad(minute)}` };
  }
  if (schedule.kind === 'cron' && schedule.cron) {
    const [m, h, dom, mon, dow, ...rest] = schedule.cron.trim().split(/\s+/);
    if (rest.length || !m || !h || !/^\d{1,2}$/.test(m) || !/^\d{1,2}$/.test(h) || dom !== '*' || mon !== '*' || !dow) return null;
    const days = new Set<Weekday>();
    const cronDay = (n: number) => WEEKDAYS[(n + 6) % 7]!; // cron: 0 and 7 are Sunday
    for (const piece of dow.split(',')) {
      if (piece === '*') WEEKDAYS.forEach((d) => days.add(d));
      else if (/^\d-\d$/.test(piece)) {
        const [a, b] = piece.split('-').map(Number) as [number, number];
        for (let n = a; n <= b; n++) days.add(cronDay(n));
      } else if (/^\d$/.test(piece)) days.add(cronDay(Number(piece)));
      else return null;
    }
    return { days: WEEKDAYS.filter((d) => days.has(d)), time: `${pad(Number(h))}:${pad(Number(m))}` };
  }
  return null;
}

/** The RRULE the weekly form stands for. */
export function rruleOf(rule: WeeklyRule): string {
  const [h = '0', m = '0'] = rule.time.split(':');
  return `FREQ=WEEKLY;BYDAY=${rule.days.join(',')};BYHOUR=${Number(h)};BYMINUTE=${Number(m)}`;
}

function daysInWords(days: Weekday[], locale: Locale): string {
  const zh = locale === 'zh-CN';
  if (days.length === 7) return zh ? '每天' : 'Every day';
  const key = days.join(',');
  if (key === 'MO,TU,WE,TH,FR') return zh ? '每个工作日' : 'Weekdays';
  if (key === 'SA,SU') return zh ? '每周末' : 'Weekends';
  if (zh) return `每周${days.map((d) => ZH_DAY[d]).join('、')}`;
  const names = days.map((d) => `${EN_DAY[d]}s`);
  return names.length <= 2 ? names.join(' and ') : `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`;
}

/**
 * A recurring schedule in words with its hours: "每周一 02:00–04:00", "Mondays 02:00–04:00". A rule
 * that says more than days and a time is named as a custom rule (its text never reaches the page).
 */
export function recurrenceInWords(schedule: WindowSchedule, locale: Locale): string {
  const weekly = weeklyOf(schedule);
  if (!weekly) return locale === 'zh-CN' ? `自定义周期，每次 ${durationInWords(schedule.durationMinutes, locale)}` : `Custom recurrence, ${durationInWords(schedule.durationMinutes, locale)} each`;
  const [h = 0, m = 0] = weekly.time.split(':').map(Number);
  const start = h * 60 + m;
  const end = start + schedule.durationMinutes;
  const nextDay = end >= 24 * 60 ? (locale === 'zh-CN' ? '（次日）' : ' (next day)') : '';
  return `${daysInWords(weekly.days, locale)} ${clock(start)}–${clock(end)}${nextDay}`;
}

export function durationInWords(minutes: number, locale: Locale): string {
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  if (locale === 'zh-CN') return `${h ? `${h} 小时` : ''}${h && m ? ' ' : ''}${m || !h ? `${m} 分钟` : ''}`;
  return `${h ? `${h} h` : ''}${h && m ? ' ' : ''}${m || !h ? `${m} min` : ''}`;
}
