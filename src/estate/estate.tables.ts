// Merchants, sites, terminal models and terminals.
// The row types of these tables as Kysely sees them, composed into `Database` in src/db/schema.ts:
// ids are text, times ISO-8601 UTC text, flags 0/1 integers, structured values JSON text.
// No imports from other capabilities: what two folders share goes in src/shared/.

import type { TerminalLifecycle } from './estate.schemas.ts';

export interface MerchantTable {
  id: string;
  name: string;
  contact_email: string | null;
  contact_phone: string | null;
  time_zone: string;
  locale: string;
  created_at: string;
  updated_at: string;
}

export interface SiteTable {
  id: string;
  merchant_id: string;
  code: string;
  name: string;
  address: string | null;
  latitude: number | null;
  longitude: number | null;
  time_zone: string | null;
  /** JSON: { mon: [{ open: "09:00", close: "21:00" }], ... } */
  opening_hours: string;
  /** JSON array of environment conditions, e.g. ["outdoor","dusty"]. */
  environment: string;
  created_at: string;
  updated_at: string;
}

export interface TerminalModelTable {
  id: string;
  code: string;
  vendor: string;
  model: string;
  /** JSON: the components this model has. */
  components: string;
  created_at: string;
  updated_at: string;
  /** The model's PCI PTS POI approval number, and when that approval expires (YYYY-MM-DD); null: not recorded. */
  pts_approval_number: string | null;
  pts_expires_at: string | null;
  /** Receipts one paper roll of this model prints (the paper forecast's roll length). */
  receipts_per_roll: number;
}

export interface TerminalTable {
  id: string;
  serial_number: string;
  model_id: string;
  site_id: string | null;
  status: TerminalLifecycle;
  app_version: string | null;
  firmware_version: string | null;
  /** JSON: the components this terminal has (defaults to its model's). */
  components: string;
  network_type: string | null;
  created_at: string;
  updated_at: string;
  deleted_at: string | null;
}

export interface TerminalTagTable {
  terminal_id: string;
  tag: string;
}
