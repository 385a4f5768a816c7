import { useInfiniteQuery } from '@tanstack/react-query';
import { api, queryString } from '../shell/api-client.ts';
import type { Page, RunSummary } from '../shell/api-types.ts';
import type { RunsSearch } from './runs-search.ts';

/** Rows per cursor page: a screenful several times over, one request per ~2,000 px of scrolling. */
export const RUNS_PAGE_SIZE = 100;

/** The run list as cursor pages (L2): newest first, fetched as the user scrolls. */
export function useRuns(search: RunsSearch) {
  return useInfiniteQuery({
    queryKey: ['runs', search],
    initialPageParam: undefined as string | undefined,
    queryFn: ({ pageParam, signal }) => fetchRunsPage(search, pageParam, signal),
    getNextPageParam: (last) => last.nextCursor ?? undefined,
    // Live enough for a list: the first pages refresh while something on them is in flight.
    refetchInterval: (query) => {
      const pages = query.state.data?.pages ?? [];
      const active = pages.some((p) =>
        p.items.some((r) => r.status === 'running' || r.status === 'enqueued'),
      );
      return active && pages.length <= 3 ? 2000 : false;
    },
  });
}

async function fetchRunsPage(
  search: RunsSearch,
  cursor: string | undefined,
  _signal: AbortSignal,
): Promise<Page<RunSummary>> {
  return api<Page<RunSummary>>(
    'GET',
    `/api/runs${queryString({ ...search, limit: RUNS_PAGE_SIZE, cursor })}`,
  );
}
