import { type Kysely, type Migration, sql } from 'kysely';

/**
 * Retrieval keeps the chunks of live documents' indexed versions by joining `documents` on
 * `indexed_version_id`, which no index covered. PostgreSQL's planner, estimating one matching chunk
 * where there were 12,698 (the Site's and organization's filters on a bitmap scan of the GIN
 * index), joined them in a nested loop that read all 1,000 live documents once per chunk: 12.7
 * million comparisons, 1.4 s of a search's 1.44 s at 100,000 chunks (bench/README.md, Retrieval).
 * With this index each chunk is one probe whatever the estimates say. Partial on the document being
 * live, as every reader's join also asks.
 */
export function documentsIndexedVersionMigration(): Migration {
  return {
    async up(db: Kysely<unknown>) {
      // Idempotent, as the migrations after 0022 must be (usage-history.test.ts runs them twice).
      await db.schema.dropIndex('documents_indexed_version').ifExists().execute();
      await db.schema
        .createIndex('documents_indexed_version')
        .on('documents')
        .column('indexed_version_id')
        .where(sql.ref('deleted_at'), 'is', null)
        .execute();
    },
  };
}
