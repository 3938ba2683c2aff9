// Identifier formats shared by schemas and the CSV importer. Each starts with a letter or digit, so
// none can be read as a formula by a spreadsheet opening an export.
export const SERIAL = '^[A-Za-z0-9][A-Za-z0-9._-]{2,63}$';
export const CODE = '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$';
export const TAG = '^[\\p{L}\\p{N}][\\p{L}\\p{N}._:-]{0,39}$';
export const VERSION = '^[0-9A-Za-z][0-9A-Za-z.+_-]{0,39}$';

/** Free text bound for a CSV cell: a leading = + - @ (or tab/CR) would make a spreadsheet run it as a formula. */
export function csvSafe(value: string): string {
  return /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
}
