// Saved views: a user's named filters of a list page, as pure rules. A view is the page's address query
// (what the list keeps in the address anyway), reduced to the filter keys the page has, so a saved view
// opens the same list as the address it was saved from and can never carry anything else.

/** The list pages whose filters can be saved, and the filter keys each keeps in its address. */
export const SAVED_VIEW_PAGES = {
  terminals: ['q', 'siteId', 'merchantId', 'status', 'online', 'tag', 'modelId', 'appVersion', 'fault', 'mode'],
  incidents: ['status', 'severity', 'rule', 'siteId', 'merchantId', 'terminalId', 'olderThanHours'],
} as const;
export type SavedViewPage = keyof typeof SAVED_VIEW_PAGES;

/** A user keeps at most this many views per page: enough for every daily list, few enough to choose from. */
export const MAX_VIEWS_PER_PAGE = 30;
export const MAX_NAME_LENGTH = 60;

export type QueryProblem = { key: string; reason: 'unknown_key' | 'empty' };

/**
 * The query a view keeps: only the page's filter keys with a value, in the page's order (so two views
 * of the same filters read alike), or the first problem: a key the page does not filter by, or no filter at all.
 */
export function normaliseQuery(page: SavedViewPage, query: string): { query: string } | { problem: QueryProblem } {
  const keys: readonly string[] = SAVED_VIEW_PAGES[page];
  const given = new URLSearchParams(query.startsWith('?') ? query.slice(1) : query);
  for (const key of given.keys()) if (!keys.includes(key)) return { problem: { key, reason: 'unknown_key' } };
  const kept = new URLSearchParams();
  for (const key of keys) {
    const value = given.get(key)?.trim();
    if (value) kept.set(key, value);
  }
  const text = kept.toString();
  return text ? { query: text } : { problem: { key: 'query', reason: 'empty' } };
}
