import { z } from 'zod';
import type { Deps } from '../deps.ts';
import { searchChunks } from '../sites/search-chunks.ts';

export const searchSitesInput = z.object({
  query: z
    .string()
    .min(1)
    .max(2000)
    .describe('Words to look for in the documents of the Sites the run selected'),
  limit: z.number().int().min(1).max(20).default(5),
});
export type SearchSitesInput = z.infer<typeof searchSitesInput>;

/**
 * `search_sites` (C1): the retrieval of issue 06 over the Sites the run selected, and only those;
 * each hit names its document, version and chunk so the model can cite it.
 */
export async function searchSites(
  deps: Pick<Deps, 'store'>,
  scope: { orgId: string; siteIds: readonly string[] },
  input: SearchSitesInput,
): Promise<{ hits: Array<Record<string, unknown>> }> {
  const hits = await searchChunks(deps.store.db, deps.store.kind, {
    orgId: scope.orgId,
    siteIds: scope.siteIds,
    query: input.query,
    limit: input.limit,
  });
  return {
    hits: hits.map((hit, i) => ({
      rank: i + 1,
      document: hit.documentName,
      documentId: hit.documentId,
      version: hit.version,
      chunk: hit.index + 1,
      score: hit.score,
      text: hit.text,
    })),
  };
}
