// The figures people ask about maintenance: minutes out of service, transactions refused, revenue
// lost, and jobs on time, late or failed. Pure: computed from plain job rows and average tickets.

export interface JobFacts {
  siteId: string | null;
  merchantId: string | null;
  terminalId: string;
  state: string;
  startedAt: string | null;
  endedAt: string | null;
  updatedAt: string;
  expectedMinutes: number;
  refusedTransactions: number;
}

export interface MaintenanceFigures {
  jobs: { total: number; onTime: number; late: number; failed: number; running: number; waiting: number };
  downtimeMinutes: number;
  refusedTransactions: number;
  /**
   * Refused attempts × the terminal's average ticket, in minor units per currency (ISO 4217): a fleet
   * spanning countries is never added up across currencies.
   */
  estimatedRevenueLost: Record<string, number>;
}

/** The currency of terminals that do not report one (the simulator's and the first customers' market). */
export const DEFAULT_CURRENCY = 'CNY';

/** A terminal's average ticket: minor units of its currency per transaction. */
export interface AverageTicket { minor: number; currency: string }

const FAILED = ['failed', 'rolled_back', 'handed_to_technician'];
const RUNNING = ['draining', 'in_maintenance', 'restarting', 'verifying'];

export function emptyFigures(): MaintenanceFigures {
  return { jobs: { total: 0, onTime: 0, late: 0, failed: 0, running: 0, waiting: 0 }, downtimeMinutes: 0, refusedTransactions: 0, estimatedRevenueLost: {} };
}

/** Adds one job to the figures; a job still out of service counts its downtime up to `now`. */
export function addJob(figures: MaintenanceFigures, job: JobFacts, ticket: AverageTicket, now: Date): void {
  figures.jobs.total++;
  if (job.state === 'completed') {
    const took = minutesBetween(job.startedAt, job.endedAt);
    if (took !== null && took <= job.expectedMinutes) figures.jobs.onTime++;
    else figures.jobs.late++;
  } else if (FAILED.includes(job.state)) figures.jobs.failed++;
  else if (RUNNING.includes(job.state)) figures.jobs.running++;
  else if (job.state !== 'aborted') figures.jobs.waiting++;
  // Out of service from the start until the job ended (a failed job: until the terminal traded again).
  const until = job.endedAt ?? (RUNNING.includes(job.state) ? now.toISOString() : job.updatedAt);
  figures.downtimeMinutes += minutesBetween(job.startedAt, until) ?? 0;
  figures.refusedTransactions += job.refusedTransactions;
  const lost = Math.round(job.refusedTransactions * ticket.minor);
  if (lost > 0) figures.estimatedRevenueLost[ticket.currency] = (figures.estimatedRevenueLost[ticket.currency] ?? 0) + lost;
}

function minutesBetween(from: string | null, to: string | null): number | null {
  if (!from || !to) return null;
  return Math.max(0, Math.round((new Date(to).getTime() - new Date(from).getTime()) / 60_000));
}

/** Average ticket from heartbeat transaction totals; 0 when a terminal has not traded. */
export function averageTicket(totals: { count: number; amountMinor: number; currency: string | null }): AverageTicket {
  return { minor: totals.count > 0 ? totals.amountMinor / totals.count : 0, currency: totals.currency ?? DEFAULT_CURRENCY };
}
