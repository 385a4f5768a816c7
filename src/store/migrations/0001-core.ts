import { type Kysely, type Migration, sql } from 'kysely';
import type { StoreKind } from '../store-kind.ts';

/** Organizations, users, tokens, sessions, agents and versions, runs, attempts, step results, events. */
export function coreMigration(kind: StoreKind): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('organizations')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('credit_rate', 'double precision', (c) => c.notNull().defaultTo(1))
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('users')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('org_id', 'text', (c) => c.notNull().references('organizations.id'))
        .addColumn('email', 'text', (c) => c.notNull().unique())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('role', 'text', (c) => c.notNull())
        .addColumn('password_hash', 'text')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('api_tokens')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('org_id', 'text', (c) => c.notNull())
        .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('token_hash', 'text', (c) => c.notNull().unique())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('last_used_at', 'bigint')
        .addColumn('revoked_at', 'bigint')
        .execute();

      await db.schema
        .createTable('sessions')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('org_id', 'text', (c) => c.notNull())
        .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
        .addColumn('token_hash', 'text', (c) => c.notNull().unique())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('agents')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('org_id', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
        .addColumn('latest_version', 'integer', (c) => c.notNull())
        .addColumn('archived', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('created_by', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('agents_org').on('agents').columns(['org_id', 'id']).execute();

      await db.schema
        .createTable('agent_versions')
        .addColumn('agent_id', 'text', (c) => c.notNull().references('agents.id'))
        .addColumn('version', 'integer', (c) => c.notNull())
        .addColumn('org_id', 'text', (c) => c.notNull())
        .addColumn('definition', 'text', (c) => c.notNull())
        .addColumn('created_by', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('agent_versions_pk', ['agent_id', 'version'])
        .execute();

      await db.schema
        .createTable('runs')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('org_id', 'text', (c) => c.notNull())
        .addColumn('agent_id', 'text', (c) => c.notNull().references('agents.id'))
        .addColumn('agent_version', 'integer', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('status_text', 'text', (c) => c.notNull())
        .addColumn('trigger', 'text', (c) => c.notNull())
        .addColumn('trigger_kind', 'text', (c) => c.notNull())
        .addColumn('variables', 'text', (c) => c.notNull())
        .addColumn('model_settings', 'text', (c) => c.notNull())
        .addColumn('step_overrides', 'text', (c) => c.notNull())
        .addColumn('site_ids', 'text', (c) => c.notNull())
        .addColumn('notification', 'text', (c) => c.notNull())
        .addColumn('step_count', 'integer', (c) => c.notNull())
        .addColumn('estimated_credits', 'double precision', (c) => c.notNull())
        .addColumn('actual_credits', 'double precision')
        .addColumn('output', 'text')
        .addColumn('search_text', 'text', (c) => c.notNull())
        .addColumn('archived', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('attempt', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('event_seq', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('created_by', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .addColumn('last_completed_at', 'bigint')
        .execute();
      // The list's sort orders, each ending in id so a cursor is a strict position.
      await db.schema.createIndex('runs_org_id').on('runs').columns(['org_id', 'id']).execute();
      await db.schema
        .createIndex('runs_org_updated')
        .on('runs')
        .columns(['org_id', 'updated_at', 'id'])
        .execute();
      await db.schema.createIndex('runs_org_name').on('runs').columns(['org_id', 'name', 'id']).execute();
      await db.schema
        .createIndex('runs_org_agent')
        .on('runs')
        .columns(['org_id', 'agent_id', 'id'])
        .execute();
      await db.schema.createIndex('runs_org_status').on('runs').columns(['org_id', 'status', 'id']).execute();

      await db.schema
        .createTable('attempts')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('org_id', 'text', (c) => c.notNull())
        .addColumn('run_id', 'text', (c) => c.notNull().references('runs.id'))
        .addColumn('number', 'integer', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('agent_version', 'integer', (c) => c.notNull())
        .addColumn('from_step', 'integer', (c) => c.notNull())
        .addColumn('current_step', 'integer')
        .addColumn('current_step_started_at', 'bigint')
        .addColumn('lease_owner', 'text')
        .addColumn('lease_expires_at', 'bigint')
        .addColumn('lease_generation', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('available_at', 'bigint', (c) => c.notNull())
        .addColumn('error', 'text')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('started_at', 'bigint')
        .addColumn('finished_at', 'bigint')
        .execute();
      await db.schema
        .createIndex('attempts_run')
        .on('attempts')
        .columns(['run_id', 'number'])
        .unique()
        .execute();
      // Claims read the enqueued ones oldest first and the running ones by lease expiry.
      await db.schema
        .createIndex('attempts_queue')
        .on('attempts')
        .columns(['status', 'available_at', 'id'])
        .execute();
      await db.schema
        .createIndex('attempts_lease')
        .on('attempts')
        .columns(['status', 'lease_expires_at'])
        .execute();

      await db.schema
        .createTable('step_results')
        .addColumn('attempt_id', 'text', (c) => c.notNull().references('attempts.id'))
        .addColumn('number', 'integer', (c) => c.notNull())
        .addColumn('org_id', 'text', (c) => c.notNull())
        .addColumn('run_id', 'text', (c) => c.notNull())
        .addColumn('key', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('output', 'text')
        .addColumn('error', 'text')
        .addColumn('model', 'text', (c) => c.notNull())
        .addColumn('reasoning_effort', 'text')
        .addColumn('reused', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('queued_at', 'bigint')
        .addColumn('started_at', 'bigint')
        .addColumn('finished_at', 'bigint')
        .addColumn('usage', 'text', (c) => c.notNull())
        .addColumn('credits', 'double precision', (c) => c.notNull())
        .addColumn('tool_calls', 'text', (c) => c.notNull())
        .addColumn('sources', 'text', (c) => c.notNull())
        .addColumn('files', 'text', (c) => c.notNull())
        // Exactly one recorded result per step of an attempt, whatever the workers do.
        .addPrimaryKeyConstraint('step_results_pk', ['attempt_id', 'number'])
        .execute();
      await db.schema.createIndex('step_results_run').on('step_results').columns(['run_id']).execute();

      await db.schema
        .createTable('run_events')
        .addColumn('run_id', 'text', (c) => c.notNull())
        .addColumn('seq', 'integer', (c) => c.notNull())
        .addColumn('org_id', 'text', (c) => c.notNull())
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('data', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('run_events_pk', ['run_id', 'seq'])
        .execute();

      await db.schema
        .createTable('audit_events')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('org_id', 'text', (c) => c.notNull())
        .addColumn('actor', 'text', (c) => c.notNull())
        .addColumn('action', 'text', (c) => c.notNull())
        .addColumn('target', 'text', (c) => c.notNull())
        .addColumn('details', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('audit_events_org').on('audit_events').columns(['org_id', 'id']).execute();

      await db.schema
        .createTable('kv')
        .addColumn('key', 'text', (c) => c.primaryKey())
        .addColumn('value', 'text', (c) => c.notNull())
        .execute();

      await createRunSearch(db, kind);
    },
  };
}

/**
 * Full-text search over run names and outputs. SQLite: an external-content FTS5 table kept by
 * triggers that fire only when `search_text` changes (not on every step's status update).
 * PostgreSQL: a tsvector kept by a trigger with the same rule, and a GIN index.
 */
async function createRunSearch(db: Kysely<unknown>, kind: StoreKind): Promise<void> {
  if (kind === 'sqlite') {
    await sql`CREATE VIRTUAL TABLE runs_fts USING fts5(search_text, content='runs', content_rowid='rowid', tokenize='unicode61 remove_diacritics 2')`.execute(
      db,
    );
    await sql`CREATE TRIGGER runs_fts_insert AFTER INSERT ON runs BEGIN
      INSERT INTO runs_fts(rowid, search_text) VALUES (new.rowid, new.search_text); END`.execute(db);
    await sql`CREATE TRIGGER runs_fts_delete AFTER DELETE ON runs BEGIN
      INSERT INTO runs_fts(runs_fts, rowid, search_text) VALUES ('delete', old.rowid, old.search_text); END`.execute(
      db,
    );
    await sql`CREATE TRIGGER runs_fts_update AFTER UPDATE OF search_text ON runs BEGIN
      INSERT INTO runs_fts(runs_fts, rowid, search_text) VALUES ('delete', old.rowid, old.search_text);
      INSERT INTO runs_fts(rowid, search_text) VALUES (new.rowid, new.search_text); END`.execute(db);
    return;
  }
  await sql`ALTER TABLE runs ADD COLUMN search_vector tsvector`.execute(db);
  await sql`CREATE FUNCTION runs_search_vector() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN NEW.search_vector := to_tsvector('simple', NEW.search_text); RETURN NEW; END $$`.execute(db);
  await sql`CREATE TRIGGER runs_search_vector BEFORE INSERT OR UPDATE OF search_text ON runs
    FOR EACH ROW EXECUTE FUNCTION runs_search_vector()`.execute(db);
  await sql`CREATE INDEX runs_search ON runs USING gin (search_vector)`.execute(db);
}
