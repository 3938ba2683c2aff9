// How much a simulated site trades at each time of day: a café busy 07–10 and 12–14, a shop 09–21,
// a restaurant at lunch and dinner, a supermarket all day, a convenience store round the clock. Pure:
// the fleet simulator draws payments from these rates, and their curves are what maintenance-window
// suggestions see in the heartbeats.

export const SITE_KINDS = ['cafe', 'shop', 'restaurant', 'supermarket', 'convenience'] as const;
export type SiteKind = (typeof SITE_KINDS)[number];

export interface SiteProfile {
  kind: SiteKind;
  /** A name for people, e.g. the simulated site's name. */
  label: string;
  /** Local opening hours, the same every day: [open, close) as "HH:MM" ("24:00" for midnight). */
  hours: readonly (readonly [string, string])[];
  /** Payments per hour on one terminal at the site's busiest hour. */
  peakPerHour: number;
  /** Share of the peak in each local hour while open; an open hour not listed trades at 0.3. */
  byHour: Readonly<Partial<Record<number, number>>>;
  /** Saturday and Sunday trade, as a share of a weekday's. */
  weekend: number;
}

export const SITE_PROFILES: Record<SiteKind, SiteProfile> = {
  cafe: {
    kind: 'cafe', label: 'café', hours: [['07:00', '10:00'], ['12:00', '14:00']], peakPerHour: 40, weekend: 0.7,
    byHour: { 7: 0.7, 8: 1, 9: 0.6, 12: 0.9, 13: 0.6 },
  },
  shop: {
    kind: 'shop', label: 'shop', hours: [['09:00', '21:00']], peakPerHour: 15, weekend: 1.4,
    byHour: { 9: 0.25, 10: 0.4, 11: 0.5, 12: 0.6, 13: 0.55, 14: 0.5, 15: 0.55, 16: 0.65, 17: 0.85, 18: 1, 19: 0.9, 20: 0.55 },
  },
  restaurant: {
    kind: 'restaurant', label: 'restaurant', hours: [['11:00', '14:30'], ['17:00', '22:00']], peakPerHour: 30, weekend: 1.2,
    byHour: { 11: 0.5, 12: 1, 13: 0.8, 14: 0.3, 17: 0.35, 18: 0.8, 19: 1, 20: 0.7, 21: 0.35 },
  },
  supermarket: {
    kind: 'supermarket', label: 'supermarket', hours: [['08:00', '22:00']], peakPerHour: 55, weekend: 1.3,
    byHour: { 8: 0.3, 9: 0.4, 10: 0.5, 11: 0.6, 12: 0.65, 13: 0.55, 14: 0.45, 15: 0.45, 16: 0.6, 17: 0.9, 18: 1, 19: 0.85, 20: 0.55, 21: 0.3 },
  },
  convenience: {
    kind: 'convenience', label: 'convenience store', hours: [['00:00', '24:00']], peakPerHour: 25, weekend: 1,
    byHour: {
      0: 0.15, 1: 0.08, 2: 0.05, 3: 0.04, 4: 0.04, 5: 0.08, 6: 0.3, 7: 0.8, 8: 0.9, 9: 0.5, 10: 0.4, 11: 0.6,
      12: 0.75, 13: 0.6, 14: 0.4, 15: 0.4, 16: 0.5, 17: 0.8, 18: 1, 19: 0.85, 20: 0.6, 21: 0.5, 22: 0.4, 23: 0.25,
    },
  },
};

const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;
/** Long spans are summed in slices this long, so that opening and closing within them count. */
const SLICE_MS = 15 * MINUTE_MS;

const minutesOf = (clock: string) => Number(clock.slice(0, 2)) * 60 + Number(clock.slice(3, 5));

/** Whether the site is open at a local time of day (minutes since midnight). */
export function isOpen(profile: SiteProfile, localMinute: number): boolean {
  return profile.hours.some(([open, close]) => localMinute >= minutesOf(open) && localMinute < minutesOf(close));
}

/** Payments per hour on one average terminal at an instant, for a site `utcOffsetMinutes` from UTC. */
export function paymentsPerHour(profile: SiteProfile, at: number, utcOffsetMinutes: number): number {
  const local = new Date(at + utcOffsetMinutes * MINUTE_MS);
  const hour = local.getUTCHours();
  if (!isOpen(profile, hour * 60 + local.getUTCMinutes())) return 0;
  const day = local.getUTCDay();
  const weekend = day === 0 || day === 6 ? profile.weekend : 1;
  return profile.peakPerHour * (profile.byHour[hour] ?? 0.3) * weekend;
}

/** Payments expected on one average terminal between two instants (ms), counting opening and closing within. */
export function expectedPayments(profile: SiteProfile, from: number, to: number, utcOffsetMinutes: number): number {
  let total = 0;
  for (let start = from; start < to; start += SLICE_MS) {
    const end = Math.min(to, start + SLICE_MS);
    total += paymentsPerHour(profile, (start + end) / 2, utcOffsetMinutes) * ((end - start) / HOUR_MS);
  }
  return total;
}

/** The site's opening hours as the estate API takes them (every day alike). */
export function openingHoursOf(profile: SiteProfile): Record<'mon' | 'tue' | 'wed' | 'thu' | 'fri' | 'sat' | 'sun', { open: string; close: string }[]> {
  const day = () => profile.hours.map(([open, close]) => ({ open, close }));
  return { mon: day(), tue: day(), wed: day(), thu: day(), fri: day(), sat: day(), sun: day() };
}
