// TID/MID (every terminal-only parameter that is neither secret nor a list or table) in and out as CSV
// with the estate: every imported row is checked first, a bad one named by line and field, and nothing
// is stored unless all are good.
import { AppError } from '../shared/errors.ts';
import type { Actor, ConfigurationStore, EstateLookup } from './configuration-store.ts';
import type { ConfigurationRepository } from './configuration.repository.ts';
import { diff, type Values } from './parameters.ts';
import { checkUnique } from './value-checks.ts';
import { csvError, parseCsvValues, toCsv, type CsvRow } from './values-csv.ts';

export class TerminalValuesCsv {
  constructor(
    private readonly repo: ConfigurationRepository,
    private readonly store: ConfigurationStore,
    private readonly estate: EstateLookup,
  ) {}

  /** The terminal-only parameters (TID, MID, ...) of every terminal that has one, secrets left out. */
  async exportCsv(): Promise<string> {
    const columns = this.csvColumns();
    const cache = this.store.cache;
    const ids = [...cache.terminalIds()].filter((id) => columns.some((c) => cache.levelValues('terminal', id)[c] !== undefined));
    const serials = await this.repo.serialsOf(ids);
    return toCsv(['serial_number', ...columns], ids.map((id) => [serials.get(id) ?? id, ...columns.map((c) => cache.levelValues('terminal', id)[c])]));
  }

  /** Checks every row first (line and field named on a bad one); stores nothing unless all are good. */
  async importCsv(text: string, actor: Actor): Promise<{ terminals: number }> {
    const columns = this.csvColumns();
    const cache = this.store.cache;
    const rows: CsvRow[] = parseCsvValues(text, columns, this.store.parameters);
    const ids = await this.repo.terminalIdsBySerial(rows.map((r) => r.serialNumber));
    const pending = new Map<string, Values>();
    for (const row of rows) {
      const id = ids.get(row.serialNumber);
      if (!id || !(await this.estate.findTerminal(id, actor.scope))) throw csvError(row.line, 'serial_number', 'configuration.csv_unknown_terminal', { serial: row.serialNumber });
      if (pending.has(id)) throw csvError(row.line, 'serial_number', 'configuration.csv_duplicate_serial', { serial: row.serialNumber });
      pending.set(id, { ...cache.levelValues('terminal', id), ...row.values });
    }
    for (const row of rows) {
      const id = ids.get(row.serialNumber)!;
      for (const [name, value] of Object.entries(row.values)) {
        const violation = this.store.checker.violation(name, value);
        if (violation) throw csvError(row.line, name, 'configuration.value_invalid', { ...violation, where: 'csv', parameter: name, level: 'terminal' });
      }
      try {
        await checkUnique(this.store, id, pending.get(id)!, pending);
      } catch (error) {
        // The clash said with the row's line (the same message, placed in the file).
        if (error instanceof AppError && error.key === 'configuration.value_taken') {
          const parameter = (error.field ?? '').replace(/^values\./, '');
          throw csvError(row.line, parameter, error.key, { ...error.params, where: 'csv', parameter });
        }
        throw error;
      }
    }
    let changed = 0;
    for (const [id, after] of pending) {
      const changes = diff(cache.levelValues('terminal', id), after);
      if (!changes.length) continue;
      await this.store.write('terminal', id, after, changes, 'CSV import', null, actor.name);
      changed++;
    }
    return { terminals: changed };
  }

  private csvColumns(): string[] {
    return Object.entries(this.store.parameters).filter(([, s]) => s.levels?.length === 1 && s.levels[0] === 'terminal' && !s.secret && s.type !== 'table' && s.type !== 'list').map(([n]) => n);
  }
}
