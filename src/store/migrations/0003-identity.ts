import { type Kysely, type Migration, sql } from 'kysely';
import type { StoreKind } from '../store-kind.ts';

/**
 * Issue 02: login throttling, policy versions, the policy version a run and each finished attempt
 * were under, and the lookups that token and session management need.
 */
export function identityMigration(kind: StoreKind): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('login_throttle')
        .addColumn('key', 'text', (c) => c.primaryKey())
        .addColumn('failures', 'integer', (c) => c.notNull())
        .addColumn('window_started_at', 'bigint', (c) => c.notNull())
        .addColumn('locked_until', 'bigint')
        .execute();

      await db.schema
        .createTable('policy_versions')
        .addColumn('org_id', 'text', (c) => c.notNull())
        .addColumn('version', 'integer', (c) => c.notNull())
        .addColumn('policy', 'text', (c) => c.notNull())
        .addColumn('sha256', 'text', (c) => c.notNull())
        .addColumn('created_by', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        // Two concurrent changes cannot both become version n: the second fails and is retried.
        .addPrimaryKeyConstraint('policy_versions_pk', ['org_id', 'version'])
        .execute();

      await db.schema.alterTable('runs').addColumn('policy_version', 'integer').execute();
      await db.schema.alterTable('attempts').addColumn('finished_policy_version', 'integer').execute();
      await db.schema.createIndex('api_tokens_user').on('api_tokens').columns(['user_id']).execute();
      await db.schema.createIndex('sessions_user').on('sessions').columns(['user_id']).execute();
      await db.schema
        .createIndex('audit_events_org_action')
        .on('audit_events')
        .columns(['org_id', 'action', 'id'])
        .execute();
      await recordFinishPolicy(db, kind);
    },
  };
}

/**
 * An attempt records the policy version in force when it finished. The engine finishes attempts
 * in per-dialect SQL on its hot path (`queue/`) and cancel does it elsewhere; a trigger on the
 * moment `finished_at` is first set covers every way without touching those statements, for one
 * primary-key lookup per finished attempt.
 */
async function recordFinishPolicy(db: Kysely<unknown>, kind: StoreKind): Promise<void> {
  if (kind === 'sqlite') {
    await sql`CREATE TRIGGER attempts_finished_policy AFTER UPDATE OF finished_at ON attempts
      WHEN new.finished_at IS NOT NULL AND old.finished_at IS NULL BEGIN
        UPDATE attempts SET finished_policy_version = (
          SELECT coalesce(max(version), 0) FROM policy_versions WHERE org_id = new.org_id)
        WHERE id = new.id;
      END`.execute(db);
    return;
  }
  await sql`CREATE FUNCTION attempts_finished_policy() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      NEW.finished_policy_version := (
        SELECT coalesce(max(version), 0) FROM policy_versions WHERE org_id = NEW.org_id);
      RETURN NEW;
    END $$`.execute(db);
  await sql`CREATE TRIGGER attempts_finished_policy BEFORE UPDATE OF finished_at ON attempts
    FOR EACH ROW WHEN (NEW.finished_at IS NOT NULL AND OLD.finished_at IS NULL)
    EXECUTE FUNCTION attempts_finished_policy()`.execute(db);
}
