import { type Kysely, type Migration, sql } from 'kysely';
import type { StoreKind } from '../store-kind.ts';
import { isolateTenantTable } from './0013-tenancy.ts';

/**
 * The credit estimate's history (models/usage-history.ts): one row per completed attempt with each
 * of its steps' model, output and reasoning tokens, keyed so that an agent version's newest 50 are
 * one index range. Every create read them back from step results joined to attempts and runs
 * (~150 rows, ~500 index lookups: a third of a create's SQL on SQLite, 0.9 ms on PostgreSQL).
 * Written when the attempt is sealed; filled here from the attempts completed before.
 */
export function usageHistoryMigration(kind: StoreKind): Migration {
  return {
    async up(db: Kysely<unknown>) {
      let table = db.schema
        .createTable('usage_history')
        .addColumn('org_id', 'text', (c) => c.notNull())
        .addColumn('agent_id', 'text', (c) => c.notNull())
        .addColumn('agent_version', 'integer', (c) => c.notNull())
        .addColumn('attempt_id', 'text', (c) => c.notNull())
        .addColumn('run_id', 'text', (c) => c.notNull())
        .addColumn('samples', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('usage_history_pk', ['org_id', 'agent_id', 'agent_version', 'attempt_id']);
      // SQLite: the rows live in the key's b-tree, so the newest 50 are one range read.
      if (kind === 'sqlite') table = table.modifyEnd(sql`WITHOUT ROWID`);
      await table.execute();
      await db.schema.createIndex('usage_history_run').on('usage_history').column('run_id').execute();
      if (kind === 'postgres') await isolateTenantTable(db, 'usage_history', 'org_id');

      const sample =
        kind === 'postgres'
          ? sql`jsonb_build_object('number', sr.number, 'model', sr.model,
              'outputTokens', coalesce((sr.usage::jsonb ->> 'outputTokens')::bigint, 0),
              'reasoningTokens', coalesce((sr.usage::jsonb ->> 'reasoningTokens')::bigint, 0))`
          : sql`json_object('number', sr.number, 'model', sr.model,
              'outputTokens', coalesce(json_extract(sr.usage, '$.outputTokens'), 0),
              'reasoningTokens', coalesce(json_extract(sr.usage, '$.reasoningTokens'), 0))`;
      const samples =
        kind === 'postgres' ? sql`jsonb_agg(${sample})::text` : sql`json_group_array(${sample})`;
      await sql`
        INSERT INTO usage_history (org_id, agent_id, agent_version, attempt_id, run_id, samples)
        SELECT a.org_id, r.agent_id, a.agent_version, a.id, a.run_id, ${samples}
        FROM attempts a
        JOIN runs r ON r.id = a.run_id
        JOIN step_results sr ON sr.attempt_id = a.id AND sr.status = 'completed' AND sr.reused = 0
        WHERE a.status = 'completed'
        GROUP BY a.org_id, r.agent_id, a.agent_version, a.id, a.run_id`.execute(db);
    },
  };
}
