// Times that say whose they are: a site's wall clock first, and the viewer's own beside it when the two
// differ — "12月8日 02:00 门店时间（10:00 北京时间）", "8 Dec 02:00 site time (10:00 your time)". Pure.

const dateTimeIn = (iso: string, locale: string, timeZone: string, options: Intl.DateTimeFormatOptions) =>
  new Intl.DateTimeFormat(locale, { ...options, timeZone }).format(new Date(iso));
const timeIn = (iso: string, locale: string, timeZone: string) => dateTimeIn(iso, locale, timeZone, { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });

type Locale = 'en' | 'zh-CN';

/** The name of a viewer's zone: 北京时间 for China's zone, else "your time" ("你的时间"). */
export function zoneLabel(zone: string, locale: Locale): string {
  const china = zone === 'Asia/Shanghai' || zone === 'Asia/Chongqing' || zone === 'PRC';
  if (locale === 'zh-CN') return china ? '北京时间' : '你的时间';
  return china ? 'Beijing time' : 'your time';
}

const siteWord = (locale: Locale) => (locale === 'zh-CN' ? '门店时间' : 'site time');

const sameWallClock = (iso: string, a: string, b: string) =>
  dateTimeIn(iso, 'en', a, { dateStyle: 'short', timeStyle: 'short', hourCycle: 'h23' }) === dateTimeIn(iso, 'en', b, { dateStyle: 'short', timeStyle: 'short', hourCycle: 'h23' });

/**
 * An instant as the site reads it, and as the viewer does when their clock shows another time.
 * `withDate` false gives only the hours ("02:00 门店时间（10:00 北京时间）").
 */
export function siteAndViewerTime(iso: string, siteZone: string, viewerZone: string, locale: Locale, withDate = true): string {
  const site = withDate
    ? dateTimeIn(iso, locale, siteZone, { month: 'short', day: 'numeric', weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' })
    : timeIn(iso, locale, siteZone);
  const own = `${siteWord(locale)}`;
  if (sameWallClock(iso, siteZone, viewerZone)) return `${site} ${own}`;
  const viewerDay = dateTimeIn(iso, 'en', viewerZone, { dateStyle: 'short' }) !== dateTimeIn(iso, 'en', siteZone, { dateStyle: 'short' });
  const theirs = viewerDay
    ? dateTimeIn(iso, locale, viewerZone, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' })
    : timeIn(iso, locale, viewerZone);
  return locale === 'zh-CN' ? `${site} ${own}（${theirs} ${zoneLabel(viewerZone, locale)}）` : `${site} ${own} (${theirs} ${zoneLabel(viewerZone, locale)})`;
}
