// The terminal CSV format shared by import and export. Parsing and row checks are pure: the caller
// passes the lookups (model and site codes) and gets back rows to write or errors with line numbers.
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { fromCatalogue } from '../shared/errors.ts';
import { isTerminalLifecycle, NETWORK_TYPES, TERMINAL_STATUSES, type TerminalLifecycle } from './estate.schemas.ts';
import { defaultStatus } from './estate.rules.ts';
import { csvSafe, SERIAL, TAG, VERSION } from '../shared/patterns.ts';

export const CSV_COLUMNS = [
  'serial_number', 'model_code', 'site_code', 'status', 'tags', 'app_version', 'firmware_version', 'network_type',
] as const;
/** Written by export for people to read; ignored by import. */
const EXPORT_ONLY_COLUMNS = ['merchant', 'online', 'last_seen_at'] as const;
const REQUIRED_COLUMNS = ['serial_number', 'model_code'] as const;

export interface CsvTerminalRow {
  line: number;
  serialNumber: string;
  modelId: string;
  siteId: string | null;
  status: TerminalLifecycle;
  tags: string[];
  appVersion: string | null;
  firmwareVersion: string | null;
  networkType: string | null;
}

export interface RowError {
  line: number;
  field: string;
  /** In English, for the import's answer and logs. */
  reason: string;
  /** The same, said from the catalogue (estate.csv_rows_invalid's `problem` and its parameters). */
  problem: CsvProblem;
  params: { value?: string; firstLine?: string; allowed?: string };
}

export type CsvProblem = 'serial_format' | 'serial_repeated' | 'unknown_model' | 'unknown_site' | 'status' | 'tag' | 'version' | 'network';

export interface CsvLookups {
  modelIdByCode: Map<string, string>;
  siteIdByCode: Map<string, string>;
}

const SERIAL_RE = new RegExp(SERIAL);
const VERSION_RE = new RegExp(VERSION);
const TAG_RE = new RegExp(TAG, 'u');

export type CsvRecord = { line: number; values: Record<string, string> };

/** Parses the text and checks the header; row values are checked by {@link checkTerminalRows}. */
export function parseTerminalCsv(text: string): CsvRecord[] {
  let rows: string[][];
  try {
    rows = parse(text, { bom: true, skip_empty_lines: true, trim: true, relax_column_count: false });
  } catch (error) {
    const line = (error as { lines?: number }).lines;
    throw fromCatalogue('invalid_csv', 'estate.csv_unreadable', { line: line ? String(line) : 'none', detail: (error as Error).message });
  }
  const [header, ...body] = rows;
  if (!header) throw fromCatalogue('invalid_csv', 'estate.csv_empty');
  const known = new Set<string>([...CSV_COLUMNS, ...EXPORT_ONLY_COLUMNS]);
  for (const column of header) {
    if (!known.has(column)) throw fromCatalogue('invalid_csv', 'estate.csv_unknown_column', { column, known: CSV_COLUMNS.join(', ') }, { field: column });
  }
  for (const column of REQUIRED_COLUMNS) {
    if (!header.includes(column)) throw fromCatalogue('invalid_csv', 'estate.csv_missing_column', { column }, { field: column });
  }
  // Line numbers count the header as line 1; rows never span lines in this format.
  return body.map((cells, i) => ({
    line: i + 2,
    values: Object.fromEntries(header.map((column, c) => [column, cells[c] ?? ''])),
  }));
}

export function checkTerminalRows(records: CsvRecord[], lookups: CsvLookups): { rows: CsvTerminalRow[]; errors: RowError[] } {
  const rows: CsvTerminalRow[] = [];
  const errors: RowError[] = [];
  const firstLineOfSerial = new Map<string, number>();
  for (const { line, values } of records) {
    const error = (field: string, reason: string, problem: CsvProblem, params: RowError['params'] = {}) => errors.push({ line, field, reason, problem, params });
    const before = errors.length;
    const serial = values.serial_number ?? '';
    if (!SERIAL_RE.test(serial)) error('serial_number', 'must be 3–64 letters, digits, ".", "_" or "-", starting with a letter or digit', 'serial_format');
    const seenOn = firstLineOfSerial.get(serial);
    if (seenOn) error('serial_number', `"${serial}" already appears on line ${seenOn}`, 'serial_repeated', { value: serial, firstLine: String(seenOn) });
    else firstLineOfSerial.set(serial, line);
    const modelId = lookups.modelIdByCode.get(values.model_code ?? '');
    if (!modelId) error('model_code', `no terminal model has code "${values.model_code ?? ''}"`, 'unknown_model', { value: values.model_code ?? '' });
    const siteCode = values.site_code ?? '';
    const siteId = siteCode ? lookups.siteIdByCode.get(siteCode) : null;
    if (siteId === undefined) error('site_code', `no site has code "${siteCode}"`, 'unknown_site', { value: siteCode });
    const status = values.status || defaultStatus(siteId);
    if (!isTerminalLifecycle(status)) error('status', `must be one of ${TERMINAL_STATUSES.join(', ')}`, 'status', { allowed: TERMINAL_STATUSES.join(', ') });
    const tags = (values.tags ?? '').split(';').map((t) => t.trim()).filter(Boolean);
    const badTag = tags.find((t) => !TAG_RE.test(t));
    if (badTag !== undefined) error('tags', `"${badTag}" is not a valid tag (letters, digits, . _ : -; up to 40)`, 'tag', { value: badTag });
    for (const field of ['app_version', 'firmware_version'] as const) {
      const value = values[field];
      if (value && !VERSION_RE.test(value)) error(field, `"${value}" is not a version`, 'version', { value });
    }
    const network = values.network_type || null;
    if (network && !(NETWORK_TYPES as readonly string[]).includes(network)) error('network_type', `must be one of ${NETWORK_TYPES.join(', ')}`, 'network', { allowed: NETWORK_TYPES.join(', ') });
    if (errors.length > before || !modelId || siteId === undefined || !isTerminalLifecycle(status)) continue;
    rows.push({
      line, serialNumber: serial, modelId, siteId, status, tags,
      appVersion: values.app_version || null, firmwareVersion: values.firmware_version || null, networkType: network,
    });
  }
  return { rows, errors };
}

export interface CsvExportRow {
  serialNumber: string;
  modelCode: string;
  siteCode: string | null;
  status: string;
  tags: string[];
  appVersion: string | null;
  firmwareVersion: string | null;
  networkType: string | null;
  merchant: string | null;
  online: boolean;
  lastSeenAt: string | null;
}

export const CSV_EXPORT_HEADER = [...CSV_COLUMNS, ...EXPORT_ONLY_COLUMNS];

export function formatTerminalCsv(rows: CsvExportRow[], withHeader: boolean): string {
  return stringify(
    rows.map((r) => [
      r.serialNumber, r.modelCode, r.siteCode ?? '', r.status, r.tags.join(';'), r.appVersion ?? '', r.firmwareVersion ?? '',
      r.networkType ?? '', csvSafe(r.merchant ?? ''), r.online ? 'yes' : 'no', r.lastSeenAt ?? '',
    ]),
    { header: withHeader, columns: CSV_EXPORT_HEADER },
  );
}
