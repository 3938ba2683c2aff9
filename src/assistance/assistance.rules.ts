// Pure rules of remote assistance: how long an uploaded file is kept, and what it is saved as.
import type { ArtifactKind } from '../db/schema.ts';

const DAY = 86_400_000;

/** The day retention removes a file stored at storedAt. */
export const keptUntil = (storedAt: string, retentionDays: number): string => new Date(Date.parse(storedAt) + retentionDays * DAY).toISOString();

/** The ids of stored files older than the retention setting. */
export function artifactsToPrune(stored: readonly { id: string; storedAt: string }[], now: Date, retentionDays: number): string[] {
  const cutoff = now.getTime() - retentionDays * DAY;
  return stored.filter((a) => Date.parse(a.storedAt) < cutoff).map((a) => a.id);
}

/** e.g. A920-0001-logs-20261207T081500Z.log.gz, A920-0001-screenshot-….png */
export function artifactFileName(serial: string, kind: ArtifactKind, takenAt: string, encoding: 'gzip' | 'identity'): string {
  const stamp = takenAt.replace(/[-:]/g, '').replace(/\.[0-9]+Z$/, 'Z');
  const safe = serial.replace(/[^A-Za-z0-9_-]/g, '_');
  const base = `${safe}-${kind}-${stamp}${kind === 'logs' ? '.log' : '.png'}`;
  return encoding === 'gzip' ? `${base}.gz` : base;
}
