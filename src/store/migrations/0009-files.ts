import type { Kysely, Migration } from 'kysely';

/**
 * Generated files (issue 08): one row per file a step rendered, linked to its run, attempt and
 * step; the bytes live in the blob store under `sha256` (content-addressed, so a file generated
 * twice is stored once).
 */
export function filesMigration(): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('files')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('org_id', 'text', (c) => c.notNull())
        .addColumn('run_id', 'text', (c) => c.notNull())
        .addColumn('attempt_id', 'text', (c) => c.notNull())
        .addColumn('step_number', 'integer', (c) => c.notNull())
        .addColumn('step_key', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('content_type', 'text', (c) => c.notNull())
        .addColumn('size_bytes', 'bigint', (c) => c.notNull())
        .addColumn('sha256', 'text', (c) => c.notNull())
        .addColumn('lease_generation', 'integer', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('files_run').on('files').columns(['run_id', 'step_number']).execute();
      await db.schema.createIndex('files_sha256').on('files').columns(['sha256']).execute();
    },
  };
}
