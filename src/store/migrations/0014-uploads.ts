import type { Kysely, Migration } from 'kysely';

/**
 * Upload triggers (T3): one row per uploaded document version of a Site with an upload agent,
 * written in the upload's own transaction. It waits for the version's extraction to end, then is
 * claimed (a lease in `claimed_until`) and marked `started` in the transaction that creates the
 * run, so an upload starts one run whatever crashes or how many processes look.
 */
export function uploadsMigration(): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('upload_triggers')
        .addColumn('version_id', 'text', (c) => c.primaryKey().references('document_versions.id'))
        .addColumn('org_id', 'text', (c) => c.notNull())
        .addColumn('site_id', 'text', (c) => c.notNull())
        .addColumn('document_id', 'text', (c) => c.notNull())
        .addColumn('agent_id', 'text', (c) => c.notNull())
        .addColumn('uploaded_by', 'text', (c) => c.notNull())
        // `waiting` (for extraction), `started` (run_id set) or `failed` (error set).
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('run_id', 'text')
        .addColumn('error', 'text')
        .addColumn('tries', 'integer', (c) => c.notNull())
        .addColumn('claimed_until', 'bigint')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('upload_triggers_status')
        .on('upload_triggers')
        .columns(['status', 'created_at'])
        .execute();
      await db.schema
        .createIndex('upload_triggers_site')
        .on('upload_triggers')
        .columns(['site_id', 'created_at'])
        .execute();
    },
  };
}
