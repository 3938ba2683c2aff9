// Spares and backup terminals (0013): depots, a stock ledger that says who moved what, why and what was
// left, the low-stock flag (so operators are told once per shortage), pools of backup terminals per
// depot or site, swaps, and the chain of custody of a terminal sent to repair.
import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations run on an untyped database
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.createTable('depots')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('code', 'text', (c) => c.notNull().unique())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('region', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  // Stock rows named their depot by free text until now: each such depot becomes a registered one.
  const now = new Date().toISOString();
  const named = await db.selectFrom('spare_parts').select('depot').distinct().execute() as { depot: string }[];
  for (const { depot } of named) {
    await db.insertInto('depots').values({ id: randomUUID(), code: depot, name: depot, region: null, created_at: now, updated_at: now }).execute();
  }

  // Set while a stock row is below its minimum (when the shortage began): operators are told once.
  await db.schema.alterTable('spare_parts').addColumn('low_since', 'text').execute();

  // The ledger: one alter per column, as SQLite adds one column per statement.
  for (const column of ['kind', 'reason', 'by_id', 'transfer_id']) await db.schema.alterTable('spare_part_moves').addColumn(column, 'text').execute();
  await db.schema.alterTable('spare_part_moves').addColumn('balance', 'integer').execute();
  // Order of a part's moves even within one millisecond (the two halves of a transfer, a busy counter).
  await db.schema.alterTable('spare_part_moves').addColumn('seq', 'integer').execute();
  await db.updateTable('spare_part_moves').set({ seq: 0 }).execute();
  await db.updateTable('spare_part_moves').set({ kind: 'consumption' }).where('work_order_id', 'is not', null).execute();
  await db.updateTable('spare_part_moves').set({ kind: 'receipt' }).where('work_order_id', 'is', null).execute();
  await db.schema.createIndex('spare_part_moves_part').on('spare_part_moves').columns(['part_id', 'at']).execute();
  await db.schema.createIndex('spare_part_moves_at').on('spare_part_moves').columns(['at', 'id']).execute();

  await db.schema.createTable('backup_pools')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('code', 'text', (c) => c.notNull().unique())
    .addColumn('name', 'text', (c) => c.notNull())
    // Exactly one of the two: a pool kept at a depot, or at a (large) site.
    .addColumn('depot_id', 'text', (c) => c.references('depots.id'))
    .addColumn('site_id', 'text', (c) => c.references('sites.id'))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();

  // A terminal kept as a spare: not in service at a merchant (no site, status in_stock) until swapped in.
  await db.schema.createTable('backup_terminals')
    .addColumn('terminal_id', 'text', (c) => c.primaryKey().references('terminals.id'))
    .addColumn('pool_id', 'text', (c) => c.notNull().references('backup_pools.id'))
    .addColumn('added_by', 'text', (c) => c.notNull())
    .addColumn('added_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('backup_terminals_pool').on('backup_terminals').columns(['pool_id']).execute();

  await db.schema.createTable('terminal_swaps')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('work_order_id', 'text', (c) => c.notNull().references('work_orders.id'))
    .addColumn('site_id', 'text', (c) => c.notNull().references('sites.id'))
    .addColumn('faulty_terminal_id', 'text', (c) => c.notNull().references('terminals.id'))
    .addColumn('spare_terminal_id', 'text', (c) => c.notNull().references('terminals.id'))
    .addColumn('pool_id', 'text', (c) => c.notNull().references('backup_pools.id'))
    // JSON: what the spare took over (tags, network type, windows, plan tasks).
    .addColumn('moved', 'text', (c) => c.notNull())
    .addColumn('by_id', 'text')
    .addColumn('by_name', 'text', (c) => c.notNull())
    .addColumn('at', 'text', (c) => c.notNull())
    .addColumn('note', 'text')
    .execute();
  await db.schema.createIndex('terminal_swaps_work_order').on('terminal_swaps').columns(['work_order_id']).execute();

  await db.schema.createTable('custody')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('terminal_id', 'text', (c) => c.notNull().references('terminals.id'))
    // The terminal while its custody is open (unique), null once back in a pool or scrapped.
    .addColumn('open_terminal_id', 'text', (c) => c.unique())
    .addColumn('swap_id', 'text', (c) => c.references('terminal_swaps.id'))
    .addColumn('work_order_id', 'text', (c) => c.notNull().references('work_orders.id'))
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('pool_id', 'text', (c) => c.references('backup_pools.id'))
    .addColumn('opened_at', 'text', (c) => c.notNull())
    .addColumn('closed_at', 'text')
    .execute();
  await db.schema.createIndex('custody_state').on('custody').columns(['state', 'opened_at']).execute();

  await db.schema.createTable('custody_steps')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('custody_id', 'text', (c) => c.notNull().references('custody.id'))
    .addColumn('seq', 'integer', (c) => c.notNull())
    .addColumn('from_state', 'text')
    .addColumn('to_state', 'text', (c) => c.notNull())
    .addColumn('by_id', 'text')
    .addColumn('by_name', 'text', (c) => c.notNull())
    .addColumn('at', 'text', (c) => c.notNull())
    .addColumn('note', 'text')
    .execute();
  await db.schema.createIndex('custody_steps_order').on('custody_steps').columns(['custody_id', 'seq']).unique().execute();
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- as above
export async function down(db: Kysely<any>): Promise<void> {
  for (const table of ['custody_steps', 'custody', 'terminal_swaps', 'backup_terminals', 'backup_pools']) await db.schema.dropTable(table).execute();
  await db.schema.dropIndex('spare_part_moves_at').execute();
  await db.schema.dropIndex('spare_part_moves_part').execute();
  for (const column of ['seq', 'balance', 'transfer_id', 'by_id', 'reason', 'kind']) await db.schema.alterTable('spare_part_moves').dropColumn(column).execute();
  await db.schema.alterTable('spare_parts').dropColumn('low_since').execute();
  await db.schema.dropTable('depots').execute();
}
