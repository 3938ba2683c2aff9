// Preventive maintenance: templates, plans, due tasks and their remote runs.
// The row types of these tables as Kysely sees them, composed into `Database` in src/db/schema.ts:
// ids are text, times ISO-8601 UTC text, flags 0/1 integers, structured values JSON text.
// No imports from other capabilities: what two folders share goes in src/shared/.

import type { RunState } from './remote-results.ts';

/** Preventive maintenance (0008): a template of the calendar, its tasks and checklists as JSON. */
export interface PmTemplateTable {
  id: string;
  code: string;
  /** JSON { "zh-CN": string, en: string } */
  name: string;
  interval_days: number;
  /** JSON TaskTemplate[] */
  tasks: string;
  builtin: number;
  created_at: string;
  updated_at: string;
}

export interface PmPlanTable {
  id: string;
  name: string;
  /** JSON string[] */
  template_ids: string;
  /** JSON { merchantId?, siteId?, tag?, modelId? } */
  filter: string;
  schedule: string;
  start_at: string;
  /** JSON DueDateFactors overriding the defaults, or null. */
  factors: string | null;
  created_by: string;
  created_at: string;
}

/** One (plan, terminal, template): when it was last due and done, when it is due next and why. */
export interface PmTaskTable {
  id: string;
  plan_id: string;
  terminal_id: string;
  template_id: string;
  last_due_at: string | null;
  last_done_at: string | null;
  next_due_at: string;
  effective_days: number;
  /** JSON DueReason[] */
  why: string;
  work_order_id: string | null;
}

/** A remote run of a task: a maintenance job in the terminal's window, its results per checklist item. */
export interface PmTaskRunTable {
  id: string;
  task_id: string;
  maintenance_job_id: string;
  due_at: string;
  /** planned | completed | failed | aborted */
  state: RunState;
  /** JSON RemoteItemResult[] once ended */
  results: string | null;
  /** JSON: the terminal's report (self-tests, transitions) once ended */
  report: string | null;
  planned_at: string;
  ended_at: string | null;
}
