import { type Kysely, type RawBuilder, sql } from 'kysely';
import type { Database } from '../store/schema.ts';
import type { StoreKind } from '../store/store-kind.ts';
import { parseSearchQuery, toFts5Match, toWebsearch } from './search-query.ts';

export interface ChunkHit {
  chunkId: number;
  siteId: string;
  documentId: string;
  documentName: string;
  versionId: string;
  version: number;
  sha256: string;
  index: number;
  text: string;
  /** Higher is better. SQLite: −bm25; PostgreSQL: ts_rank. Comparable within one search only. */
  score: number;
}

export interface ChunkSearch {
  orgId: string;
  siteIds: readonly string[];
  query: string;
  limit: number;
}

/**
 * Ranked full-text search over the chunks of the indexed version of every live document in
 * `siteIds` (and only those): SQLite FTS5 ordered by bm25, PostgreSQL `websearch_to_tsquery` ordered
 * by `ts_rank`. A query without a single word finds nothing.
 */
export async function searchChunks(
  db: Kysely<Database>,
  kind: StoreKind,
  search: ChunkSearch,
): Promise<ChunkHit[]> {
  const query = chunkSearchQuery(kind, search);
  if (!query) return [];
  const result = await query.execute(db);
  if (kind === 'sqlite') return result.rows;
  return result.rows.map((r) => ({ ...r, chunkId: Number(r.chunkId), score: Number(r.score) }));
}

/** The statement `searchChunks` runs; undefined when the search cannot find anything. */
export function chunkSearchQuery(kind: StoreKind, search: ChunkSearch): RawBuilder<ChunkHit> | undefined {
  const parsed = parseSearchQuery(search.query);
  if (parsed.terms.length === 0 || search.siteIds.length === 0 || search.limit < 1) return undefined;
  const siteIds = [...search.siteIds];
  const columns = sql`c.id AS "chunkId", c.site_id AS "siteId", c.document_id AS "documentId",
    d.name AS "documentName", c.version_id AS "versionId", v.number AS "version", v.sha256 AS "sha256",
    c.idx AS "index", c.text AS "text"`;
  if (kind === 'sqlite') {
    return sql<ChunkHit>`
      SELECT ${columns}, -bm25(chunks_fts) AS "score"
      FROM chunks_fts
      JOIN chunks c ON c.id = chunks_fts.rowid
      JOIN documents d ON d.indexed_version_id = c.version_id AND d.deleted_at IS NULL
      JOIN document_versions v ON v.id = c.version_id
      WHERE chunks_fts MATCH ${toFts5Match(parsed)}
        AND c.org_id = ${search.orgId}
        AND c.site_id IN (${sql.join(siteIds)})
      ORDER BY bm25(chunks_fts), c.id
      LIMIT ${search.limit}`;
  }
  // The tsquery written inline (not a FROM item) so the planner sees a constant and walks the GIN index.
  const tsquery = sql`websearch_to_tsquery('simple', ${toWebsearch(parsed)})`;
  // Three stages, each fenced by MATERIALIZED so no statistics can reorder them: the GIN index finds
  // the matching chunks of the Sites and ranks them (reading nothing else), the live documents' indexed
  // versions keep theirs, and only the best `limit` are joined to their text and documents. Written as
  // one join, the planner started from `documents` whenever that table had not been analyzed yet (a
  // new install, a Site filled in a burst: it guessed 3 rows for 1,000) and read every chunk through
  // `chunks_version`, testing `@@` row by row: 1.4 s p50 at 100,000 chunks against 0.1 s this way
  // (EXPLAIN ANALYZE and bench/results/retrieval.json). The second stage probes
  // `documents_indexed_version` per match: without it, the planner, expecting one match where there
  // were 12,698, read all 1,000 live documents for each (1.4 s; migration 0027).
  return sql<ChunkHit>`
    WITH hits AS MATERIALIZED (
      SELECT c.id, c.version_id, ts_rank(c.search_vector, ${tsquery}) AS score
      FROM chunks c
      WHERE c.search_vector @@ ${tsquery}
        AND c.org_id = ${search.orgId}
        AND c.site_id = ANY(${siteIds})
    ), best AS MATERIALIZED (
      SELECT h.id, h.score
      FROM hits h
      JOIN documents d ON d.indexed_version_id = h.version_id AND d.deleted_at IS NULL
      ORDER BY h.score DESC, h.id
      LIMIT ${search.limit}
    )
    SELECT ${columns}, best.score AS "score"
    FROM best
    JOIN chunks c ON c.id = best.id
    JOIN documents d ON d.indexed_version_id = c.version_id AND d.deleted_at IS NULL
    JOIN document_versions v ON v.id = c.version_id
    ORDER BY best.score DESC, c.id`;
}
