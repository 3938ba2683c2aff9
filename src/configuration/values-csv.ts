// TID/MID (the terminal-only parameters) as CSV: `serial_number,tid,mid`, one terminal a line. Pure:
// parsing names the line and field of a bad row; the service checks values and uniqueness.
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { AppError, fromCatalogue } from '../shared/errors.ts';
import { formatMessage, type MessageKey, type MessageParams } from '../shared/messages/format.ts';
import { csvSafe } from '../shared/patterns.ts';
import type { ParameterSchema, Values } from './parameters.ts';

export interface CsvRow { line: number; serialNumber: string; values: Values }

export function parseCsvValues(text: string, columns: string[], parameters: ParameterSchema): CsvRow[] {
  let records: string[][];
  try {
    records = parse(text, { bom: true, skip_empty_lines: true, trim: true, relax_column_count: false });
  } catch (error) {
    throw fromCatalogue('invalid_csv', 'configuration.csv_unreadable', { line: (error as { lines?: number }).lines ?? 0 });
  }
  const [header, ...rows] = records;
  if (!header) throw fromCatalogue('invalid_csv', 'configuration.csv_empty');
  if (header[0] !== 'serial_number') throw fromCatalogue('invalid_csv', 'configuration.csv_first_column', {}, { field: 'serial_number' });
  for (const column of header.slice(1)) {
    if (!columns.includes(column)) throw fromCatalogue('invalid_csv', 'configuration.csv_unknown_column', { column, known: columns.join(', ') }, { field: column });
  }
  return rows.map((cells, i) => {
    const line = i + 2;
    const serialNumber = cells[0] ?? '';
    if (!serialNumber) throw csvError(line, 'serial_number', 'configuration.csv_serial_empty');
    const values: Values = {};
    header.slice(1).forEach((column, c) => {
      const cell = cells[c + 1] ?? '';
      if (cell === '') return; // an empty cell leaves the value as it is
      const type = parameters[column]?.type;
      if (type === 'number' || type === 'integer') {
        const n = Number(cell);
        if (!Number.isFinite(n)) throw csvError(line, column, 'configuration.csv_not_a_number', { cell });
        values[column] = n;
      } else if (type === 'boolean') {
        if (cell !== 'true' && cell !== 'false') throw csvError(line, column, 'configuration.csv_not_boolean');
        values[column] = cell === 'true';
      } else {
        values[column] = cell;
      }
    });
    return { line, serialNumber, values };
  });
}

/**
 * A bad row: its line and column named, as parameters of the catalogue's message and in `details` (for
 * scripts that fix the file).
 */
export function csvError(line: number, column: string, key: MessageKey, params: MessageParams = {}): AppError {
  const said = { ...params, line, column };
  // AppError itself (not fromCatalogue): the row's place also goes in `details`; the message is the catalogue's.
  return new AppError('invalid_csv', formatMessage('en', key, said) ?? key, column, { line, field: column }).says(key, said);
}

export function toCsv(header: string[], rows: unknown[][]): string {
  return stringify([header, ...rows.map((r) => r.map((v) => (v === undefined || v === null ? '' : csvSafe(String(v)))))]);
}
