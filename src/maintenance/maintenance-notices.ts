// Tells merchants about their maintenance through the notification channels: one notice per site and
// start time ahead of planned work, one per job when it completes or fails, and one (then an
// escalation) when a job waits for a spare to be switched on. Idempotency keys make
// a repeated tick send nothing twice.
import type { Kysely } from 'kysely';
import { selectInBatches } from '../db/batches.ts';
import type { Database } from '../db/schema.ts';
import type { NotificationService } from '../notifications/notifications.service.ts';
import type { Subscriber } from '../shared/events.ts';
import { groupBy } from '../shared/group-by.ts';
import type { JobRow } from './maintenance.repository.ts';
import type { MaintenanceEvents } from './job-lifecycle.service.ts';

/** Subscribes the notices to maintenance's events. */
export function maintenanceNotices(db: Kysely<Database>, notifications: NotificationService, events: Subscriber<MaintenanceEvents>): void {
  const describe = async (jobs: JobRow[]) => {
    const rows = await selectInBatches(jobs.map((j) => j.terminal_id), (ids) => db.selectFrom('terminals').leftJoin('sites', 'sites.id', 'terminals.site_id')
      .select(['terminals.id', 'terminals.serial_number', 'sites.merchant_id']).where('terminals.id', 'in', ids).execute());
    return new Map(rows.map((r) => [r.id, { serial: r.serial_number, merchantId: r.merchant_id }]));
  };

  events.on('maintenance.upcoming', async ({ jobs, leadMinutes }) => {
      const terminals = await describe(jobs);
      const groups = groupBy(jobs, (job) => `${job.site_id ?? '-'}|${job.started_at ?? job.planned_start}`);
      for (const [key, group] of groups) {
        const first = group[0]!;
        const start = first.started_at ?? first.planned_start;
        const expectedEnd = new Date(new Date(start).getTime() + Math.max(...group.map((j) => j.expected_minutes)) * 60_000).toISOString();
        await notifications.notify({
          event: 'maintenance.announced',
          merchantId: terminals.get(first.terminal_id)?.merchantId ?? null,
          siteId: first.site_id,
          data: { terminals: group.map((j) => terminals.get(j.terminal_id)?.serial ?? j.terminal_id), start, expectedEnd, reason: first.reason },
          key: `maintenance.announced:${key}:${leadMinutes}`,
        });
      }
  });

  events.on('maintenance.spare-needed', async ({ job, spares, deadline, overdue }) => {
      const terminal = (await describe([job])).get(job.terminal_id);
      const event = overdue ? 'maintenance.spare_overdue' : 'maintenance.spare_needed';
      await notifications.notify({
        event, merchantId: terminal?.merchantId ?? null, siteId: job.site_id,
        data: { terminals: [terminal?.serial ?? job.terminal_id], spares, start: job.planned_start, deadline, reason: job.reason },
        key: `${event}:${job.id}:${deadline}`,
      });
  });

  events.on('maintenance.ended', async ({ job, outcome }) => {
      const terminal = (await describe([job])).get(job.terminal_id);
      const serials = [terminal?.serial ?? job.terminal_id];
      const at = job.ended_at ?? job.updated_at;
      await notifications.notify(outcome === 'completed'
        ? { event: 'maintenance.completed', merchantId: terminal?.merchantId ?? null, siteId: job.site_id, data: { terminals: serials, completedAt: at }, key: `maintenance.completed:${job.id}` }
        : { event: 'maintenance.failed', merchantId: terminal?.merchantId ?? null, siteId: job.site_id, data: { terminals: serials, failedAt: job.updated_at, reason: job.reason }, key: `maintenance.failed:${job.id}` });
  });
}
