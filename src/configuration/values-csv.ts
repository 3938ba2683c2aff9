// TID/MID (the terminal-only parameters) as CSV: `serial_number,tid,mid`, one terminal a line. Pure:
// parsing names the line and field of a bad row; the service checks values and uniqueness.
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { AppError } from '../shared/errors.ts';
import { csvSafe } from '../shared/patterns.ts';
import type { ParameterSchema, Values } from './parameters.ts';

export interface CsvRow { line: number; serialNumber: string; values: Values }

export function parseCsvValues(text: string, columns: string[], parameters: ParameterSchema): CsvRow[] {
  let records: string[][];
  try {
    records = parse(text, { bom: true, skip_empty_lines: true, trim: true, relax_column_count: false });
  } catch (error) {
    const line = (error as { lines?: number }).lines;
    throw new AppError('invalid_csv', `the file is not valid CSV${line ? ` (line ${line})` : ''}: ${(error as Error).message}`);
  }
  const [header, ...rows] = records;
  if (!header) throw new AppError('invalid_csv', 'the file is empty: a header line is required');
  if (header[0] !== 'serial_number') throw new AppError('invalid_csv', 'line 1: the first column is serial_number', 'serial_number');
  for (const column of header.slice(1)) {
    if (!columns.includes(column)) throw new AppError('invalid_csv', `line 1: unknown column "${column}"; known columns: serial_number, ${columns.join(', ')}`, column);
  }
  return rows.map((cells, i) => {
    const line = i + 2;
    const serialNumber = cells[0] ?? '';
    if (!serialNumber) throw new AppError('invalid_csv', `line ${line}, serial_number: is empty`, 'serial_number', { line, field: 'serial_number' });
    const values: Values = {};
    header.slice(1).forEach((column, c) => {
      const cell = cells[c + 1] ?? '';
      if (cell === '') return; // an empty cell leaves the value as it is
      const type = parameters[column]?.type;
      if (type === 'number' || type === 'integer') {
        const n = Number(cell);
        if (!Number.isFinite(n)) throw new AppError('invalid_csv', `line ${line}, ${column}: "${cell}" is not a number`, column, { line, field: column });
        values[column] = n;
      } else if (type === 'boolean') {
        if (cell !== 'true' && cell !== 'false') throw new AppError('invalid_csv', `line ${line}, ${column}: write true or false`, column, { line, field: column });
        values[column] = cell === 'true';
      } else {
        values[column] = cell;
      }
    });
    return { line, serialNumber, values };
  });
}

export function toCsv(header: string[], rows: unknown[][]): string {
  return stringify([header, ...rows.map((r) => r.map((v) => (v === undefined || v === null ? '' : csvSafe(String(v)))))]);
}
