import { type Kysely, type Migration, sql } from 'kysely';
import type { StoreKind } from '../store-kind.ts';

/**
 * Sites (issue 06): sites, documents, document versions (by SHA-256, with their extraction status),
 * chunks with full-text search (SQLite FTS5 / PostgreSQL tsvector), and the sources each step used.
 */
export function sitesMigration(kind: StoreKind): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('sites')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('org_id', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
        .addColumn('archived', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('upload_agent_id', 'text')
        .addColumn('created_by', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('sites_org').on('sites').columns(['org_id', 'id']).execute();

      await db.schema
        .createTable('documents')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('org_id', 'text', (c) => c.notNull())
        .addColumn('site_id', 'text', (c) => c.notNull().references('sites.id'))
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('latest_version', 'integer', (c) => c.notNull())
        // The newest version whose text is extracted and indexed: what retrieval searches.
        .addColumn('indexed_version_id', 'text')
        .addColumn('deleted_at', 'bigint')
        .addColumn('created_by', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
      // One live document per name in a site: a re-upload of the name is a new version of it.
      await db.schema
        .createIndex('documents_site_name')
        .on('documents')
        .columns(['site_id', 'name'])
        .unique()
        .where(sql.ref('deleted_at'), 'is', null)
        .execute();

      await db.schema
        .createTable('document_versions')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('org_id', 'text', (c) => c.notNull())
        .addColumn('site_id', 'text', (c) => c.notNull())
        .addColumn('document_id', 'text', (c) => c.notNull().references('documents.id'))
        .addColumn('number', 'integer', (c) => c.notNull())
        .addColumn('file_name', 'text', (c) => c.notNull())
        .addColumn('sha256', 'text', (c) => c.notNull())
        .addColumn('size_bytes', 'bigint', (c) => c.notNull())
        .addColumn('media_type', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('error', 'text')
        // The extracted text, stored as a blob by its SHA-256 (the text preview reads it).
        .addColumn('text_sha256', 'text')
        .addColumn('text_chars', 'bigint')
        .addColumn('chunk_count', 'integer')
        .addColumn('lease_expires_at', 'bigint')
        .addColumn('created_by', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('extracted_at', 'bigint')
        .execute();
      await db.schema
        .createIndex('document_versions_doc')
        .on('document_versions')
        .columns(['document_id', 'number'])
        .unique()
        .execute();
      await db.schema
        .createIndex('document_versions_status')
        .on('document_versions')
        .columns(['status', 'id'])
        .execute();

      // An integer key: FTS5's external content table is addressed by rowid.
      await db.schema
        .createTable('chunks')
        .addColumn('id', kind === 'sqlite' ? 'integer' : 'bigserial', (c) => c.primaryKey())
        .addColumn('org_id', 'text', (c) => c.notNull())
        .addColumn('site_id', 'text', (c) => c.notNull())
        .addColumn('document_id', 'text', (c) => c.notNull())
        .addColumn('version_id', 'text', (c) => c.notNull())
        .addColumn('idx', 'integer', (c) => c.notNull())
        .addColumn('start_char', 'integer', (c) => c.notNull())
        .addColumn('end_char', 'integer', (c) => c.notNull())
        .addColumn('text', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('chunks_version').on('chunks').columns(['version_id', 'idx']).execute();

      await db.schema
        .createTable('step_sources')
        .addColumn('attempt_id', 'text', (c) => c.notNull())
        .addColumn('step_number', 'integer', (c) => c.notNull())
        .addColumn('rank', 'integer', (c) => c.notNull())
        .addColumn('org_id', 'text', (c) => c.notNull())
        .addColumn('run_id', 'text', (c) => c.notNull())
        .addColumn('site_id', 'text', (c) => c.notNull())
        .addColumn('document_id', 'text', (c) => c.notNull())
        .addColumn('version_id', 'text', (c) => c.notNull())
        .addColumn('chunk_id', 'bigint', (c) => c.notNull())
        .addColumn('score', 'double precision', (c) => c.notNull())
        .addColumn('query', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('step_sources_pk', ['attempt_id', 'step_number', 'rank'])
        .execute();
      await db.schema.createIndex('step_sources_run').on('step_sources').columns(['run_id']).execute();

      await createChunkSearch(db, kind);
    },
  };
}

/**
 * SQLite: an external-content FTS5 table over `chunks.text` kept by triggers (chunks are only
 * inserted and deleted, never updated). PostgreSQL: a generated tsvector with a GIN index.
 * Both tokenize without stemming ('simple' / unicode61), so any language, right-to-left included,
 * is searched the same way on both stores.
 */
async function createChunkSearch(db: Kysely<unknown>, kind: StoreKind): Promise<void> {
  if (kind === 'sqlite') {
    await sql`CREATE VIRTUAL TABLE chunks_fts USING fts5(text, content='chunks', content_rowid='id', tokenize='unicode61 remove_diacritics 2')`.execute(
      db,
    );
    await sql`CREATE TRIGGER chunks_fts_insert AFTER INSERT ON chunks BEGIN
      INSERT INTO chunks_fts(rowid, text) VALUES (new.id, new.text); END`.execute(db);
    await sql`CREATE TRIGGER chunks_fts_delete AFTER DELETE ON chunks BEGIN
      INSERT INTO chunks_fts(chunks_fts, rowid, text) VALUES ('delete', old.id, old.text); END`.execute(db);
    return;
  }
  await sql`ALTER TABLE chunks ADD COLUMN search_vector tsvector
    GENERATED ALWAYS AS (to_tsvector('simple', text)) STORED`.execute(db);
  // A chunk's tsvector (~2 KB) would be pglz-compressed, and ranking decompresses it for every
  // matching row: 117 ms for 5,000 chunks, 17 ms stored plain (measured; see bench/README.md).
  await sql`ALTER TABLE chunks ALTER COLUMN search_vector SET STORAGE EXTERNAL`.execute(db);
  await sql`ALTER TABLE chunks SET (toast_tuple_target = 8160)`.execute(db);
  await sql`CREATE INDEX chunks_search ON chunks USING gin (search_vector)`.execute(db);
}
