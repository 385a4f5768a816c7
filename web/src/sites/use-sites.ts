import { useQuery } from '@tanstack/react-query';
import { api } from '../shell/api-client.ts';
import type { SiteDetails, SiteListItem } from '../shell/api-types.ts';

/** Sites, newest first (the first 200: the picker and the list show them all). */
export function useSites(archived: 'false' | 'true' = 'false') {
  return useQuery({
    queryKey: ['sites', archived],
    queryFn: () =>
      api<{ items: SiteListItem[]; nextCursor: string | null }>(
        'GET',
        `/api/sites?limit=200&archived=${archived}`,
      ),
  });
}

const extracting = (site: SiteDetails | undefined) =>
  site?.documents.some((d) => d.status === 'queued' || d.status === 'extracting') ?? false;

/** One Site with its documents; asks again every second while a document is being extracted. */
export function useSite(siteId: string) {
  return useQuery({
    queryKey: ['site', siteId],
    queryFn: () => api<SiteDetails>('GET', `/api/sites/${siteId}`),
    refetchInterval: (query) => (extracting(query.state.data) ? 1000 : false),
  });
}
