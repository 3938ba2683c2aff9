// A site's past trade brought in from outside (an acquirer's settlement file), as transaction counts
// (and, when known, revenue) per 15-minute bucket: checked here, without I/O, row by row, so a bad row
// is refused naming its line (CSV) or its index (JSON) and the field.

export interface TradingBucket {
  /** UTC instant on a quarter hour. */
  start: string;
  transactions: number;
  amountMinor: number;
}

/** What a person reads about a problem: a catalogue key of src/shared/messages (the English `reason` stays for logs). */
export type TradingProblemKey =
  | 'maintenance.trading_no_bucket' | 'maintenance.trading_too_many' | 'maintenance.trading_start_format' | 'maintenance.trading_start_quarter'
  | 'maintenance.trading_not_over' | 'maintenance.trading_repeats' | 'maintenance.trading_transactions' | 'maintenance.trading_amount'
  | 'maintenance.trading_csv_empty' | 'maintenance.trading_csv_column_missing' | 'maintenance.trading_csv_column_unknown' | 'maintenance.trading_csv_line_width';
export type TradingProblem = { field: string; reason: string; key: TradingProblemKey; params?: Record<string, string | number> };

/** At most this many buckets per import: about three years of quarter hours. */
export const MAX_TRADING_BUCKETS = 100_000;
const QUARTER_MS = 15 * 60_000;
const MAX_PER_BUCKET = 100_000;

/**
 * Checks the buckets (in order, the first problem wins) and normalises their start to UTC. Buckets must
 * start on a quarter hour, not in the future, each once; counts are whole numbers ≥ 0.
 */
export function checkTradingBuckets(rows: readonly { start: unknown; transactions: unknown; amountMinor?: unknown }[], now: Date, fieldOf: (i: number, field: string) => string): TradingBucket[] | TradingProblem {
  if (!rows.length) return { field: 'buckets', reason: 'holds no bucket', key: 'maintenance.trading_no_bucket', params: { source: 'json' } };
  if (rows.length > MAX_TRADING_BUCKETS) return { field: 'buckets', reason: `holds ${rows.length} buckets; at most ${MAX_TRADING_BUCKETS} per import`, key: 'maintenance.trading_too_many', params: { count: rows.length, max: MAX_TRADING_BUCKETS } };
  const seen = new Set<number>();
  const buckets: TradingBucket[] = [];
  for (const [i, row] of rows.entries()) {
    const at = typeof row.start === 'string' && /^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:\d\d)$/.test(row.start) ? Date.parse(row.start) : Number.NaN;
    if (Number.isNaN(at)) return { field: fieldOf(i, 'start'), reason: 'must be a date-time with its offset, e.g. 2026-11-02T09:15:00+08:00', key: 'maintenance.trading_start_format' };
    if (at % QUARTER_MS !== 0) return { field: fieldOf(i, 'start'), reason: 'must start on a quarter hour (:00, :15, :30 or :45)', key: 'maintenance.trading_start_quarter' };
    if (at + QUARTER_MS > now.getTime()) return { field: fieldOf(i, 'start'), reason: 'is not over yet: only past trade can be imported', key: 'maintenance.trading_not_over' };
    if (seen.has(at)) return { field: fieldOf(i, 'start'), reason: `repeats the bucket ${new Date(at).toISOString()}`, key: 'maintenance.trading_repeats', params: { bucket: new Date(at).toISOString() } };
    seen.add(at);
    const transactions = wholeNumber(row.transactions);
    if (transactions === null) return { field: fieldOf(i, 'transactions'), reason: `must be a whole number from 0 to ${MAX_PER_BUCKET}`, key: 'maintenance.trading_transactions', params: { max: MAX_PER_BUCKET } };
    const amountMinor = row.amountMinor === undefined || row.amountMinor === '' ? 0 : wholeNumber(row.amountMinor, Number.MAX_SAFE_INTEGER);
    if (amountMinor === null) return { field: fieldOf(i, 'amountMinor'), reason: 'must be a whole number ≥ 0 (minor units, e.g. fen)', key: 'maintenance.trading_amount' };
    buckets.push({ start: new Date(at).toISOString(), transactions, amountMinor });
  }
  return buckets;
}

function wholeNumber(value: unknown, max = MAX_PER_BUCKET): number | null {
  const n = typeof value === 'string' && /^\d+$/.test(value.trim()) ? Number(value.trim()) : value;
  return typeof n === 'number' && Number.isInteger(n) && n >= 0 && n <= max ? n : null;
}

/**
 * Reads `start,transactions[,amountMinor]` CSV (a header line first, columns in any order; separators
 * `,` or `;`). Problems name the line: `line 3: transactions`.
 */
export function parseTradingCsv(text: string, now: Date): TradingBucket[] | TradingProblem {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/).map((l) => l.trim());
  const headerAt = lines.findIndex((l) => l !== '');
  if (headerAt < 0) return { field: 'body', reason: 'is empty: give a header line start,transactions[,amountMinor] and one line per 15 minutes', key: 'maintenance.trading_csv_empty' };
  const separator = lines[headerAt]!.includes(';') ? ';' : ',';
  const header = lines[headerAt]!.split(separator).map((h) => h.trim());
  const column = (name: string) => header.indexOf(name);
  for (const needed of ['start', 'transactions']) {
    if (column(needed) < 0) return { field: 'body', reason: `the header line needs a column "${needed}" (found: ${header.join(', ')})`, key: 'maintenance.trading_csv_column_missing', params: { column: needed, found: header.join(', ') } };
  }
  const stray = header.find((h) => !['start', 'transactions', 'amountMinor'].includes(h));
  if (stray) return { field: 'body', reason: `unknown column "${stray}" in the header line; known: start, transactions, amountMinor`, key: 'maintenance.trading_csv_column_unknown', params: { column: stray } };
  const rows: { start: unknown; transactions: unknown; amountMinor?: unknown }[] = [];
  const lineOf: number[] = [];
  for (let i = headerAt + 1; i < lines.length; i++) {
    if (lines[i] === '') continue;
    const cells = lines[i]!.split(separator);
    if (cells.length !== header.length) return { field: `line ${i + 1}`, reason: `has ${cells.length} values; the header has ${header.length}`, key: 'maintenance.trading_csv_line_width', params: { count: cells.length, expected: header.length } };
    rows.push({ start: cells[column('start')], transactions: cells[column('transactions')], amountMinor: column('amountMinor') >= 0 ? cells[column('amountMinor')] : undefined });
    lineOf.push(i + 1);
  }
  if (!rows.length) return { field: 'body', reason: 'holds a header line but no bucket', key: 'maintenance.trading_no_bucket', params: { source: 'csv' } };
  return checkTradingBuckets(rows, now, (i, field) => `line ${lineOf[i]}: ${field}`);
}
