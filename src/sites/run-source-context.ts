import type { Kysely } from 'kysely';
import type { Database } from '../store/schema.ts';
import { documentUrl } from './site-view.ts';

/** One chunk a step used (D5 "sources used", G1 source usage). */
export interface SourceUse {
  /** The citation number: `[rank]` in the step's `{{ sources }}`. */
  rank: number;
  siteId: string;
  documentId: string;
  documentName: string;
  versionId: string;
  version: number;
  /** SHA-256 of the version's bytes. */
  sha256: string;
  chunkId: number;
  chunkIndex: number;
  score: number;
  query: string;
  text: string;
  /** The document, in the API. */
  url: string;
}

/** A Site a run selected (D2), as it is now; `found: false` when it was never a Site of the org. */
export interface SelectedSite {
  id: string;
  name: string | null;
  archived: boolean;
  found: boolean;
  url: string;
}

/** The sources each step of an attempt used, by step number, in citation order. */
export async function sourcesByStep(
  db: Kysely<Database>,
  attemptId: string,
): Promise<Map<number, SourceUse[]>> {
  const rows = await db
    .selectFrom('step_sources as s')
    .innerJoin('document_versions as v', 'v.id', 's.version_id')
    .innerJoin('documents as d', 'd.id', 's.document_id')
    .innerJoin('chunks as c', 'c.id', 's.chunk_id')
    .select([
      's.step_number',
      's.rank',
      's.site_id',
      's.document_id',
      'd.name',
      's.version_id',
      'v.number',
      'v.sha256',
      's.chunk_id',
      'c.idx',
      's.score',
      's.query',
      'c.text',
    ])
    .where('s.attempt_id', '=', attemptId)
    .orderBy('s.step_number')
    .orderBy('s.rank')
    .execute();
  const byStep = new Map<number, SourceUse[]>();
  for (const r of rows) {
    const list = byStep.get(r.step_number) ?? [];
    list.push({
      rank: r.rank,
      siteId: r.site_id,
      documentId: r.document_id,
      documentName: r.name,
      versionId: r.version_id,
      version: r.number,
      sha256: r.sha256,
      chunkId: Number(r.chunk_id),
      chunkIndex: r.idx,
      score: r.score,
      query: r.query,
      text: r.text,
      url: `${documentUrl(r.site_id, r.document_id)}?version=${r.number}`,
    });
    byStep.set(r.step_number, list);
  }
  return byStep;
}

/** The run's selected Sites in the order it lists them. */
export async function selectedSites(
  db: Kysely<Database>,
  orgId: string,
  siteIds: readonly string[],
): Promise<SelectedSite[]> {
  if (siteIds.length === 0) return [];
  const rows = await db
    .selectFrom('sites')
    .select(['id', 'name', 'archived'])
    .where('org_id', '=', orgId)
    .where('id', 'in', [...siteIds])
    .execute();
  const byId = new Map(rows.map((r) => [r.id, r]));
  return siteIds.map((id) => {
    const row = byId.get(id);
    return {
      id,
      name: row?.name ?? null,
      archived: row?.archived === 1,
      found: row !== undefined,
      url: `/api/sites/${id}`,
    };
  });
}
