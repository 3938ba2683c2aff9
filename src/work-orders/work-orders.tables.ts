// Work orders, their checklists, history and photos, and the technicians.
// The row types of these tables as Kysely sees them, composed into `Database` in src/db/schema.ts:
// ids are text, times ISO-8601 UTC text, flags 0/1 integers, structured values JSON text.
// No imports from other capabilities: what two folders share goes in src/shared/.

import type { WorkOrderStatus } from './work-order-states.ts';

export interface TechnicianTable {
  /** The technician's user id. */
  id: string;
  name: string;
  skills: string;
  regions: string;
  created_at: string;
}

export interface WorkOrderTable {
  id: string;
  source: string;
  title: string;
  status: WorkOrderStatus;
  site_id: string;
  technician_id: string | null;
  required_skill: string | null;
  due_at: string | null;
  sla_due_at: string | null;
  plan_id: string | null;
  parent_id: string | null;
  inspection_id: string | null;
  minutes_spent: number;
  signature_name: string | null;
  signature_at: string | null;
  signature_image: string | null;
  note: string | null;
  /** When a working terminal was back at the site (repair done on site, or a backup swapped in). */
  restored_at: string | null;
  created_by: string;
  created_at: string;
  updated_at: string;
}

export interface WorkOrderTerminalTable {
  work_order_id: string;
  terminal_id: string;
}

export interface WorkOrderItemTable {
  id: string;
  work_order_id: string;
  seq: number;
  terminal_id: string | null;
  pm_task_id: string | null;
  task_code: string;
  item_code: string;
  /** JSON { "zh-CN": string, en: string } */
  text: string;
  required: number;
  result: string | null;
  note: string | null;
  answered_by: string | null;
  answered_at: string | null;
}

export interface WorkOrderHistoryTable {
  id: string;
  work_order_id: string;
  seq: number;
  from_status: WorkOrderStatus | null;
  to_status: WorkOrderStatus;
  by_id: string | null;
  by_name: string;
  at: string;
  note: string | null;
}

/** A photo taken at a checklist item; the file is DATA_DIR/work-orders/<file>. */
export interface WorkOrderPhotoTable {
  id: string;
  work_order_id: string;
  item_id: string;
  file: string;
  content_type: string;
  size: number;
  sha256: string;
  taken_by: string;
  taken_at: string;
}
