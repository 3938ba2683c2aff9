// Which stored backups a terminal keeps: the last 4 weekly ones, every pre-maintenance one for 30 days,
// a manual one for 90 days, and always its newest one (so a terminal that stopped backing up can
// still be restored). Pure: the prune job asks it which to delete.
import type { BackupKind } from '../db/schema.ts';

export const RETENTION = { weeklyKept: 4, preMaintenanceDays: 30, manualDays: 90 } as const;

export interface StoredBackup {
  id: string;
  terminalId: string;
  kind: BackupKind;
  /** When the server stored it (its clock). */
  storedAt: string;
}

/** The ids to prune, given every stored backup (of one or many terminals). */
export function backupsToPrune(backups: readonly StoredBackup[], now: Date): string[] {
  const byTerminal = new Map<string, StoredBackup[]>();
  for (const b of backups) byTerminal.set(b.terminalId, [...(byTerminal.get(b.terminalId) ?? []), b]);
  const prune: string[] = [];
  const day = 86_400_000;
  for (const list of byTerminal.values()) {
    const newestFirst = [...list].sort((a, b) => b.storedAt.localeCompare(a.storedAt) || b.id.localeCompare(a.id));
    const newest = newestFirst[0]?.id;
    let weekly = 0;
    for (const b of newestFirst) {
      if (b.kind === 'weekly') weekly++;
      if (b.id === newest) continue;
      const ageDays = (now.getTime() - Date.parse(b.storedAt)) / day;
      if (b.kind === 'weekly') {
        if (weekly > RETENTION.weeklyKept) prune.push(b.id);
      } else if (b.kind === 'pre_maintenance' ? ageDays > RETENTION.preMaintenanceDays : ageDays > RETENTION.manualDays) {
        prune.push(b.id);
      }
    }
  }
  return prune;
}
