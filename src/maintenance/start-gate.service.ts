// The start gate of planned work: the maintenance tick asks it, before the continuity rule, which due
// jobs planned inside a maintenance window may start now. A job may start only while an occurrence of its
// window is open and its budget still fits before it ends; the others are moved to the next occurrence
// where they fit, with the reason recorded.
import { WAITING, type WaitingCode } from '../shared/job-states.ts';
import type { JobRow, MaintenanceRepository } from './maintenance.repository.ts';
import type { StartGate } from './job-lifecycle.service.ts';
import { DEFAULT_WINDOW_SETTINGS, definitionOf, fittingOccurrence, placeInWindow, unique, type WindowSettings } from './window-defs.ts';
import { canStartWithin, formatLocal, windowAt, type Occurrence } from './windows/index.ts';
import { MINUTE_MS } from './windows/time-zone.ts';
import type { WindowsRepository } from './windows.repository.ts';

export class WindowStartGate implements StartGate {
  private readonly settings: WindowSettings;

  constructor(
    private readonly repo: WindowsRepository,
    private readonly jobs: MaintenanceRepository,
    settings: Partial<WindowSettings> = {},
  ) {
    this.settings = { ...DEFAULT_WINDOW_SETTINGS, ...settings };
  }

  /**
   * Of the due jobs, those planned inside a window may start only while one of its occurrences is open
   * and their budget still fits before it ends; their lease is capped at the window's end plus a small
   * grace. The others are held: moved to the next occurrence where they fit (keeping their place in the
   * window, so a spread plan stays spread), with the reason as waiting reason and transition note.
   */
  async check(due: JobRow[], now: Date): Promise<{ held: Set<string>; leaseCap: Map<string, Date> }> {
    const held = new Set<string>();
    const leaseCap = new Map<string, Date>();
    const links = new Map((await this.repo.linksOf(due.map((j) => j.id))).map((l) => [l.job_id, l]));
    if (!links.size) return { held, leaseCap };
    const windows = new Map((await this.repo.findMany(unique([...links.values()].map((l) => l.window_id)))).map((w) => [w.id, w]));
    const openNow = new Map<string, Occurrence | null>();
    const graceMs = this.settings.leaseGraceMinutes * MINUTE_MS;
    for (const job of due) {
      const link = links.get(job.id);
      if (!link) continue;
      const row = windows.get(link.window_id);
      if (!row) {
        held.add(job.id);
        await this.wait(job, 'window_gone', `its maintenance window ${link.window_id} no longer exists; abort the job or plan it again`, now);
        continue;
      }
      const def = definitionOf(row);
      if (!openNow.has(row.id)) openNow.set(row.id, windowAt(def, now));
      const open = openNow.get(row.id) ?? null;
      const check = open ? canStartWithin(open, now, link.budget_minutes) : null;
      if (open && check?.ok) {
        leaseCap.set(job.id, new Date(open.end.getTime() + graceMs));
        continue;
      }
      held.add(job.id);
      const why = check && !check.ok ? check.message : `maintenance window "${row.name}" is not open at ${now.toISOString()}`;
      const next = fittingOccurrence(def, open ? open.end : now, link.budget_minutes);
      if (!next) {
        // No time in the reason: it is recorded once, not at every tick.
        await this.wait(job, 'no_fitting_window', `no occurrence of maintenance window "${row.name}" from now on fits ${link.budget_minutes} minutes of work: abort the job or plan it again`, now);
        continue;
      }
      const to = new Date(next.start.getTime() + placeInWindow(def, job.planned_start, next, link.budget_minutes + this.settings.startSlackMinutes)).toISOString();
      await this.move(job, to, 'window_closed', `${why}; moved to the next maintenance window: ${formatLocal(Date.parse(to), row.time_zone)} (${to})`, now);
    }
    return { held, leaseCap };
  }

  private async wait(job: JobRow, code: WaitingCode, reason: string, now: Date): Promise<void> {
    if (job.waiting_reason === reason) return;
    await this.jobs.updateJob(job.id, { waiting_reason: reason, waiting_code: code });
    await this.jobs.recordTransitionAlone({
      job_id: job.id, from_state: job.state, to_state: job.state, at: now.toISOString(), actor: 'server', actor_name: null, note: reason,
    });
  }

  private async move(job: JobRow, to: string, code: WaitingCode, reason: string, now: Date): Promise<void> {
    const at = now.toISOString();
    await this.repo.transaction(async (trx) => {
      if (!(await this.repo.movePlannedStart(trx, job.id, job.planned_start, to, { reason, code }, at, WAITING))) return;
      await this.jobs.recordTransition(trx, { job_id: job.id, from_state: job.state, to_state: job.state, at, actor: 'server', actor_name: null, note: reason });
    });
  }
}
