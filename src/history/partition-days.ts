// Which daily partitions of the heartbeat history should exist: pure date arithmetic on UTC days
// ('YYYY-MM-DD'), so the plan is tested without a database.

/** Days of partitions kept ready ahead of today, so a heartbeat never waits for one to be created. */
export const PARTITION_DAYS_AHEAD = 7;

const DAY_MS = 86_400_000;

/** The UTC day of an instant, as the history stores it. */
export function dayOf(instant: Date | string): string {
  return (typeof instant === 'string' ? instant : instant.toISOString()).slice(0, 10);
}

export function addDays(day: string, days: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);
}

export function partitionName(day: string): string {
  return `heartbeats_p${day.replaceAll('-', '')}`;
}

/** The day a partition holds, from its name; undefined for a table that is not a daily partition. */
export function partitionDay(name: string): string | undefined {
  const m = /^heartbeats_p(\d{4})(\d{2})(\d{2})$/.exec(name);
  return m ? `${m[1]}-${m[2]}-${m[3]}` : undefined;
}

/**
 * The first day whose history is kept: a day is dropped only once all of it is older than the
 * retention, so history is kept at least `retentionDays` (and less than one day more).
 */
export function firstKeptDay(now: Date, retentionDays: number): string {
  return dayOf(new Date(now.getTime() - retentionDays * DAY_MS));
}

export interface PartitionPlan {
  create: string[];
  drop: string[];
}

/**
 * Partitions to create (today and the days ahead that are missing, and the days within retention that
 * have rows in the default partition) and to drop (days wholly past retention).
 */
export function planPartitions(existingDays: string[], now: Date, retentionDays: number, daysInDefault: string[] = [], daysAhead = PARTITION_DAYS_AHEAD): PartitionPlan {
  const existing = new Set(existingDays);
  const today = dayOf(now);
  const keepFrom = firstKeptDay(now, retentionDays);
  const wanted = new Set(daysInDefault.filter((day) => day >= keepFrom));
  for (let i = 0; i <= daysAhead; i++) wanted.add(addDays(today, i));
  const create = [...wanted].filter((day) => !existing.has(day)).sort();
  const drop = existingDays.filter((day) => day < keepFrom).sort();
  return { create, drop };
}
