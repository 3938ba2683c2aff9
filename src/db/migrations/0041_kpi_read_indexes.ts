// Indexes for the KPI report's reads that still visited table rows at 100,000 terminals (0041;
// bench/kpis.bench.ts measures them): the rolled-up days summed per terminal from one covering index,
// the terminals in service counted per site (and for the fleet) without reading a terminal's row, the
// terminals added in the period found by their creation, preventive work orders by due date, the
// minutes of done work orders per source (the backlog's estimate) counted from an index, and the work
// order steps read without their rows (done in the period; done or closed before an instant).
import type { Kysely } from 'kysely';

export const KPI_INDEXES_0041: { name: string; table: string; columns: string[] }[] = [
  { name: 'kpi_terminal_days_day_terminal', table: 'kpi_terminal_days', columns: ['day', 'terminal_id', 'down_ms', 'failures'] },
  { name: 'terminals_kpi_in_service', table: 'terminals', columns: ['site_id', 'status', 'deleted_at', 'created_at', 'model_id'] },
  { name: 'terminals_created', table: 'terminals', columns: ['created_at'] },
  { name: 'work_orders_source_due', table: 'work_orders', columns: ['source', 'due_at'] },
  { name: 'work_orders_kpi_minutes', table: 'work_orders', columns: ['source', 'status', 'minutes_spent'] },
  // A work order's steps: those done in the period, and whether (and when) one was done or closed.
  { name: 'work_order_history_kpi_done', table: 'work_order_history', columns: ['to_status', 'at', 'work_order_id'] },
  { name: 'work_order_history_kpi_order', table: 'work_order_history', columns: ['work_order_id', 'to_status', 'at'] },
];

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations run on an untyped database
export async function up(db: Kysely<any>): Promise<void> {
  for (const index of KPI_INDEXES_0041) await db.schema.createIndex(index.name).on(index.table).columns(index.columns).execute();
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations run on an untyped database
export async function down(db: Kysely<any>): Promise<void> {
  for (const index of KPI_INDEXES_0041) await db.schema.dropIndex(index.name).execute();
}
