// Saved views: a user's named filters of a list page (0037).
// The row types of these tables as Kysely sees them, composed into `Database` in src/db/schema.ts:
// ids are text, times ISO-8601 UTC text, flags 0/1 integers, structured values JSON text.
// No imports from other capabilities: what two folders share goes in src/shared/.
import type { SavedViewPage } from './saved-views.rules.ts';

/** One saved filter of one user's list page. */
export interface SavedViewTable {
  id: string;
  user_id: string;
  page: SavedViewPage;
  name: string;
  /** The filters as an address query, e.g. `fault=printer_jam&online=true` (only the page's filter keys). */
  query: string;
  created_at: string;
}
