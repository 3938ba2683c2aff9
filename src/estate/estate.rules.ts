// Pure rules of the estate registry: what a valid time zone is, what status a new terminal gets.
import { invalidField } from '../shared/errors.ts';
import type { Components, OpeningHours } from './estate.schemas.ts';

export function assertTimeZone(field: string, timeZone: string): void {
  try {
    new Intl.DateTimeFormat('en', { timeZone });
  } catch {
    throw invalidField(field, 'common.time_zone_invalid', { value: timeZone });
  }
}

export function assertOpeningHours(hours: OpeningHours): void {
  for (const [day, intervals] of Object.entries(hours)) {
    intervals?.forEach((interval, i) => {
      if (interval.open >= interval.close) {
        throw invalidField(`openingHours.${day}.${i}`, 'estate.opening_hours_invalid', { day, open: interval.open, close: interval.close });
      }
    });
  }
}

/** A terminal at a site trades; one without a site waits in stock. */
export function defaultStatus(siteId: string | null | undefined): 'active' | 'in_stock' {
  return siteId ? 'active' : 'in_stock';
}

/** Receipts a paper roll prints when its model does not say (an 80 mm × 80 m roll prints about 300 shop receipts). */
export const DEFAULT_RECEIPTS_PER_ROLL = 300;

export const DEFAULT_COMPONENTS: Components = {
  cardReader: { chip: true, swipe: true, contactless: true },
  printer: true,
  battery: true,
  networks: ['ethernet', 'wifi'],
};
