// Indexes for the maintenance KPIs at 100,000 terminals (0036; bench/kpis.bench.ts measures them): the
// period's incidents are read from one covering index (no row lookups), and whether a resolved incident
// was fixed by a visit or remotely is asked per incident in SQL, each question one range of an index by
// terminal and instant (a site incident's visits: the range of work order history while it was open). incidents_resolved (0021) is a prefix of the new covering index.
import type { Kysely } from 'kysely';

export const KPI_INDEXES_0036: { name: string; table: string; columns: string[] }[] = [
  { name: 'incidents_kpi_resolved', table: 'incidents', columns: ['resolved_at', 'first_seen_at', 'rule', 'terminal_id', 'site_id', 'merchant_id', 'id'] },
  { name: 'incidents_terminal_first_seen', table: 'incidents', columns: ['terminal_id', 'first_seen_at', 'rule', 'resolved_at'] },
  { name: 'guide_runs_terminal_started', table: 'guide_runs', columns: ['terminal_id', 'started_at'] },
  { name: 'guide_runs_incident', table: 'guide_runs', columns: ['incident_id'] },
  { name: 'terminal_commands_terminal_created', table: 'terminal_commands', columns: ['terminal_id', 'created_at'] },
  { name: 'maintenance_jobs_terminal_started', table: 'maintenance_jobs', columns: ['terminal_id', 'started_at'] },
];

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations run on an untyped database
export async function up(db: Kysely<any>): Promise<void> {
  for (const index of KPI_INDEXES_0036) await db.schema.createIndex(index.name).on(index.table).columns(index.columns).execute();
  await db.schema.dropIndex('incidents_resolved').execute();
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations run on an untyped database
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.createIndex('incidents_resolved').on('incidents').columns(['resolved_at', 'first_seen_at']).execute();
  for (const index of KPI_INDEXES_0036) await db.schema.dropIndex(index.name).execute();
}
