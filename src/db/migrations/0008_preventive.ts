// Preventive maintenance and work orders: templates (the calendar's tasks and checklists), plans
// applying them to terminals, each (plan, terminal, template)'s due state, technicians, work orders
// with their terminals, checklist items and status history, and spare parts with their stock ledger.
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.createTable('pm_templates')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('code', 'text', (c) => c.notNull().unique())
    .addColumn('name', 'text', (c) => c.notNull()) // JSON { "zh-CN": ..., "en": ... }
    .addColumn('interval_days', 'real', (c) => c.notNull())
    .addColumn('tasks', 'text', (c) => c.notNull()) // JSON TaskTemplate[]
    .addColumn('builtin', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema.createTable('pm_plans')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('template_ids', 'text', (c) => c.notNull())
    .addColumn('filter', 'text', (c) => c.notNull())
    .addColumn('schedule', 'text', (c) => c.notNull())
    .addColumn('start_at', 'text', (c) => c.notNull())
    .addColumn('factors', 'text')
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema.createTable('pm_tasks')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('plan_id', 'text', (c) => c.notNull().references('pm_plans.id'))
    .addColumn('terminal_id', 'text', (c) => c.notNull().references('terminals.id'))
    .addColumn('template_id', 'text', (c) => c.notNull().references('pm_templates.id'))
    .addColumn('last_due_at', 'text')
    .addColumn('last_done_at', 'text')
    .addColumn('next_due_at', 'text', (c) => c.notNull())
    .addColumn('effective_days', 'real', (c) => c.notNull())
    .addColumn('why', 'text', (c) => c.notNull())
    // The open work order that covers this due task, so it is ordered once.
    .addColumn('work_order_id', 'text')
    .addUniqueConstraint('pm_tasks_plan_terminal_template', ['plan_id', 'terminal_id', 'template_id'])
    .execute();
  await db.schema.createIndex('pm_tasks_due').on('pm_tasks').columns(['next_due_at']).execute();

  await db.schema.createTable('technicians')
    .addColumn('id', 'text', (c) => c.primaryKey().references('users.id')) // the technician's user account
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('skills', 'text', (c) => c.notNull())
    .addColumn('regions', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema.createTable('work_orders')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('site_id', 'text', (c) => c.notNull().references('sites.id'))
    .addColumn('technician_id', 'text')
    .addColumn('required_skill', 'text')
    .addColumn('due_at', 'text')
    .addColumn('sla_due_at', 'text')
    .addColumn('plan_id', 'text')
    .addColumn('parent_id', 'text')
    .addColumn('inspection_id', 'text')
    .addColumn('minutes_spent', 'integer', (c) => c.notNull())
    .addColumn('signature_name', 'text')
    .addColumn('signature_at', 'text')
    .addColumn('signature_image', 'text')
    .addColumn('note', 'text')
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('work_orders_technician').on('work_orders').columns(['technician_id', 'status']).execute();
  await db.schema.createIndex('work_orders_status_due').on('work_orders').columns(['status', 'due_at']).execute();

  await db.schema.createTable('work_order_terminals')
    .addColumn('work_order_id', 'text', (c) => c.notNull().references('work_orders.id'))
    .addColumn('terminal_id', 'text', (c) => c.notNull().references('terminals.id'))
    .addPrimaryKeyConstraint('work_order_terminals_pk', ['work_order_id', 'terminal_id'])
    .execute();
  // The technician scope looks terminals up from here.
  await db.schema.createIndex('work_order_terminals_terminal').on('work_order_terminals').columns(['terminal_id']).execute();

  await db.schema.createTable('work_order_items')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('work_order_id', 'text', (c) => c.notNull().references('work_orders.id'))
    .addColumn('seq', 'integer', (c) => c.notNull())
    .addColumn('terminal_id', 'text')
    .addColumn('pm_task_id', 'text')
    .addColumn('task_code', 'text', (c) => c.notNull())
    .addColumn('item_code', 'text', (c) => c.notNull())
    .addColumn('text', 'text', (c) => c.notNull())
    .addColumn('required', 'integer', (c) => c.notNull())
    .addColumn('result', 'text')
    .addColumn('note', 'text')
    .addColumn('answered_by', 'text')
    .addColumn('answered_at', 'text')
    .execute();
  await db.schema.createIndex('work_order_items_order').on('work_order_items').columns(['work_order_id', 'seq']).execute();

  await db.schema.createTable('work_order_history')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('work_order_id', 'text', (c) => c.notNull().references('work_orders.id'))
    // Order within the work order (several changes can share a timestamp); unique, so racing writers cannot interleave.
    .addColumn('seq', 'integer', (c) => c.notNull())
    .addColumn('from_status', 'text')
    .addColumn('to_status', 'text', (c) => c.notNull())
    .addColumn('by_id', 'text')
    .addColumn('by_name', 'text', (c) => c.notNull())
    .addColumn('at', 'text', (c) => c.notNull())
    .addColumn('note', 'text')
    .execute();
  await db.schema.createIndex('work_order_history_order').on('work_order_history').columns(['work_order_id', 'seq']).unique().execute();

  await db.schema.createTable('spare_parts')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('depot', 'text', (c) => c.notNull())
    .addColumn('sku', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('quantity', 'integer', (c) => c.notNull())
    .addColumn('minimum', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addUniqueConstraint('spare_parts_depot_sku', ['depot', 'sku'])
    .execute();

  await db.schema.createTable('spare_part_moves')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('part_id', 'text', (c) => c.notNull().references('spare_parts.id'))
    .addColumn('work_order_id', 'text')
    .addColumn('delta', 'integer', (c) => c.notNull())
    .addColumn('by_name', 'text', (c) => c.notNull())
    .addColumn('at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('spare_part_moves_work_order').on('spare_part_moves').columns(['work_order_id']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of ['spare_part_moves', 'spare_parts', 'work_order_history', 'work_order_items', 'work_order_terminals', 'work_orders', 'technicians', 'pm_tasks', 'pm_plans', 'pm_templates']) {
    await db.schema.dropTable(table).execute();
  }
}
