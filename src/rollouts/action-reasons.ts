// Why an action was skipped, failed, cancelled or put back in the queue, as stored and as shown: the English
// `reason` (for the log, scripts and older clients) and beside it the message catalogue's key and
// parameters (0044), which the API hands on so each reader gets it in their language. Pure.
import { parseJson } from '../shared/json.ts';
import type { SaidParams, Said } from '../shared/messages/said.ts';

/** The columns that keep `why` beside the English reason; null clears them. */
export function saidColumns(why: Said | null): { reason_key: string | null; reason_params: string | null } {
  return why ? { reason_key: why.key, reason_params: JSON.stringify(why.params) } : { reason_key: null, reason_params: null };
}

/** The API's `reasonKey` and `reasonParams` of a stored action (null for rows from before 0044). */
export function reasonView(row: { reason_key: string | null; reason_params: string | null }): { reasonKey: string | null; reasonParams: SaidParams | null } {
  return row.reason_key ? { reasonKey: row.reason_key, reasonParams: parseJson<SaidParams>(row.reason_params, {}) } : { reasonKey: null, reasonParams: null };
}
