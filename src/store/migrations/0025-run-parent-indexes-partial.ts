import { type Kysely, type Migration, sql } from 'kysely';

/**
 * The three indexes that find a run's children held an entry for every run, though only runs started
 * by another run (T4, agent tools) have a parent: every insert of a run and every update PostgreSQL
 * cannot make HOT (each step's commit moves `updated_at`, which the run list's sort indexes) wrote
 * three index entries of NULLs. Partial on the parent being set, they hold child runs only. Lookups
 * are unchanged: each compares the parent columns with `=`, which implies they are not null, and
 * both stores' planners use a partial index on that (`wake-parents.ts` says it outright).
 * Uniqueness is unchanged too: NULLs never conflicted.
 */
export function runParentIndexesPartialMigration(): Migration {
  return {
    async up(db: Kysely<unknown>) {
      // Idempotent, as the migrations after 0022 must be (usage-history.test.ts runs them twice).
      for (const name of ['runs_parent', 'runs_parent_step', 'runs_parent_tool_call']) {
        await db.schema.dropIndex(name).ifExists().execute();
      }
      await db.schema
        .createIndex('runs_parent')
        .on('runs')
        .column('parent_run_id')
        .where(sql.ref('parent_run_id'), 'is not', null)
        .execute();
      // One child per (parent attempt, step) for agent steps; agent tools' children are told apart
      // by their tool call.
      await db.schema
        .createIndex('runs_parent_step')
        .on('runs')
        .columns(['parent_attempt_id', 'parent_step'])
        .unique()
        .where(sql<boolean>`parent_attempt_id IS NOT NULL AND parent_tool_call IS NULL`)
        .execute();
      await db.schema
        .createIndex('runs_parent_tool_call')
        .on('runs')
        .columns(['parent_attempt_id', 'parent_step', 'parent_tool_call'])
        .unique()
        .where(sql.ref('parent_tool_call'), 'is not', null)
        .execute();
    },
  };
}
