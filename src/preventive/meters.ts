// Usage meters of preventive maintenance, read from heartbeat reports: transactions, card insertions
// and taps (chip, swipe and contactless attempts), printed receipts and battery cycles, as daily
// averages over the last few days. Pure: the service hands in the stored reports.
import type { MeterReadings } from './due-dates.ts';

export interface UsageAverages {
  /** null when no report carried a transaction count. */
  transactionsPerDay: number | null;
  meters: MeterReadings;
}

const count = (value: unknown): number | null => (typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : null);

interface ReportShape {
  transactions?: { count?: unknown };
  cardReader?: Record<string, { attempts?: unknown } | undefined>;
  printer?: { receipts?: unknown };
  battery?: { cycleCount?: unknown };
}

/**
 * Daily averages over `days` days. Counters reported "since the previous heartbeat" are summed;
 * battery cycles are a lifetime counter, so the rise between the lowest and highest reading counts.
 */
export function averageUsage(reports: readonly unknown[], days: number): UsageAverages {
  let transactions: number | null = null;
  let insertions: number | null = null;
  let receipts: number | null = null;
  let lowCycles = Infinity;
  let highCycles = -Infinity;
  const add = (sum: number | null, value: number | null) => (value === null ? sum : (sum ?? 0) + value);
  for (const raw of reports) {
    if (typeof raw !== 'object' || raw === null) continue;
    const report = raw as ReportShape;
    transactions = add(transactions, count(report.transactions?.count));
    const readers = report.cardReader && typeof report.cardReader === 'object' ? Object.values(report.cardReader) : [];
    for (const reader of readers) insertions = add(insertions, count(reader?.attempts));
    receipts = add(receipts, count(report.printer?.receipts));
    const cycles = count(report.battery?.cycleCount);
    if (cycles !== null) {
      lowCycles = Math.min(lowCycles, cycles);
      highCycles = Math.max(highCycles, cycles);
    }
  }
  const perDay = (sum: number | null) => (sum === null ? null : sum / days);
  return {
    transactionsPerDay: perDay(transactions),
    meters: { cardInsertions: perDay(insertions), receipts: perDay(receipts), batteryCycles: highCycles >= lowCycles ? (highCycles - lowCycles) / days : null },
  };
}
