// Server state in the dashboard: TanStack Query keeps each GET of the API cached under its path, shows the
// cached answer at once when a page is opened again, refetches it in the background, and refetches what a
// change invalidated (`invalidate('/work-orders')` after a work order changed). A 4xx is an answer, not a
// blip: it is not retried.
import { QueryClient, useQuery } from '@tanstack/react-query';
import { api, ApiError } from './api.ts';

export const queryClient = new QueryClient({
  defaultOptions: {
    queries: {
      staleTime: 10_000,
      retry: (failures, error) => !(error instanceof ApiError && error.status < 500) && failures < 2,
    },
  },
});

/** `GET /api/v1{path}`, cached under its path; `null` waits (a path that needs something not known yet). */
export function useApiGet<T>(path: string | null) {
  return useQuery({ queryKey: [path], queryFn: () => api<T>('GET', path!), enabled: path !== null });
}

/** Marks every cached GET whose path starts with `prefix` stale, and refetches those on screen. */
export function invalidate(prefix: string): Promise<void> {
  return queryClient.invalidateQueries({ predicate: (q) => typeof q.queryKey[0] === 'string' && q.queryKey[0].startsWith(prefix) });
}
