// hawkBit DDI: the attributes a terminal sent as config data.
// The row types of these tables as Kysely sees them, composed into `Database` in src/db/schema.ts:
// ids are text, times ISO-8601 UTC text, flags 0/1 integers, structured values JSON text.
// No imports from other capabilities: what two folders share goes in src/shared/.

export interface DdiConfigDataTable {
  terminal_id: string;
  attributes: string;
  updated_at: string;
}
