// Spare parts, depots, backup terminals, swaps and custody.
// The row types of these tables as Kysely sees them, composed into `Database` in src/db/schema.ts:
// ids are text, times ISO-8601 UTC text, flags 0/1 integers, structured values JSON text.
// No imports from other capabilities: what two folders share goes in src/shared/.

import type { CustodyState } from './custody-states.ts';
import type { MoveKind } from './stock.ts';

export interface SparePartTable {
  id: string;
  depot: string;
  sku: string;
  name: string;
  quantity: number;
  minimum: number;
  created_at: string;
  updated_at: string;
  /** (0013) When the level fell below its minimum; null while it is not: operators are told once per shortage. */
  low_since: string | null;
}

export interface SparePartMoveTable {
  id: string;
  part_id: string;
  work_order_id: string | null;
  delta: number;
  by_name: string;
  at: string;
  /** (0013) receipt, consumption, transfer_out, transfer_in or adjustment. */
  kind: MoveKind | null;
  /** Why, in the person's words (a count's finding, a delivery note). */
  reason: string | null;
  by_id: string | null;
  /** The level after this move (null for moves recorded before 0013). */
  balance: number | null;
  /** Pairs the two moves of one transfer. */
  transfer_id: string | null;
  /** The move's place among its part's moves (0 for moves recorded before 0013). */
  seq: number | null;
}

/** Spares and backup terminals (0013): where spare parts and backup terminals are kept. */
export interface DepotTable {
  id: string;
  code: string;
  name: string;
  region: string | null;
  created_at: string;
  updated_at: string;
}

/** Backup terminals kept at a depot or at a site (exactly one of the two). */
export interface BackupPoolTable {
  id: string;
  code: string;
  name: string;
  depot_id: string | null;
  site_id: string | null;
  created_at: string;
}

export interface BackupTerminalTable {
  terminal_id: string;
  pool_id: string;
  added_by: string;
  added_at: string;
}

export interface TerminalSwapTable {
  id: string;
  work_order_id: string;
  site_id: string;
  faulty_terminal_id: string;
  spare_terminal_id: string;
  pool_id: string;
  /** JSON: what the spare took over from the faulty terminal. */
  moved: string;
  by_id: string | null;
  by_name: string;
  at: string;
  note: string | null;
}

/** A terminal's trip from the site to repair: at_site → in_transit → in_repair → back_in_pool | scrapped. */
export interface CustodyTable {
  id: string;
  terminal_id: string;
  /** The terminal while open (unique: one open custody per terminal), null once closed. */
  open_terminal_id: string | null;
  swap_id: string | null;
  work_order_id: string;
  state: CustodyState;
  /** The pool it went back to. */
  pool_id: string | null;
  opened_at: string;
  closed_at: string | null;
}

export interface CustodyStepTable {
  id: string;
  custody_id: string;
  seq: number;
  from_state: CustodyState | null;
  to_state: CustodyState;
  by_id: string | null;
  by_name: string;
  at: string;
  note: string | null;
}
