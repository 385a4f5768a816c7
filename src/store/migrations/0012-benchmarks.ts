import { type Kysely, type Migration, sql } from 'kysely';
import type { StoreKind } from '../store-kind.ts';

/**
 * Benchmarks (issue 10, SPEC B1–B3): one benchmark configuration per agent, the results of
 * benchmarking an attempt (a queue too: `pending` rows are what the benchmark loop works on), and
 * dataset runs: the agent over every reference case, each case a run of its own.
 */
export function benchmarksMigration(kind: StoreKind): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('benchmarks')
        .addColumn('agent_id', 'text', (c) => c.primaryKey().references('agents.id'))
        .addColumn('org_id', 'text', (c) => c.notNull())
        .addColumn('config', 'text', (c) => c.notNull())
        .addColumn('auto_run', 'integer', (c) => c.notNull())
        .addColumn('updated_by', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('benchmark_results')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('org_id', 'text', (c) => c.notNull())
        .addColumn('agent_id', 'text', (c) => c.notNull())
        .addColumn('agent_version', 'integer', (c) => c.notNull())
        .addColumn('run_id', 'text', (c) => c.notNull())
        .addColumn('attempt_id', 'text', (c) => c.notNull())
        .addColumn('attempt_number', 'integer', (c) => c.notNull())
        // 1 for the first benchmark of an attempt, then one more per rerun of it.
        .addColumn('seq', 'integer', (c) => c.notNull())
        .addColumn('origin', 'text', (c) => c.notNull())
        .addColumn('dataset_run_id', 'text')
        .addColumn('case_id', 'text')
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('score', 'double precision')
        .addColumn('passed', 'integer')
        .addColumn('quality', 'text')
        .addColumn('criteria', 'text')
        .addColumn('credits', 'double precision')
        .addColumn('duration_ms', 'bigint')
        .addColumn('error', 'text')
        .addColumn('requested_by', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('claimed_at', 'bigint')
        .addColumn('finished_at', 'bigint')
        .execute();
      // An attempt's benchmark once per seq: two sweepers settling the same attempt write it once.
      await db.schema
        .createIndex('benchmark_results_attempt_seq')
        .unique()
        .on('benchmark_results')
        .columns(['attempt_id', 'seq'])
        .execute();
      await db.schema
        .createIndex('benchmark_results_agent')
        .on('benchmark_results')
        .columns(['agent_id', 'created_at'])
        .execute();
      await db.schema
        .createIndex('benchmark_results_run')
        .on('benchmark_results')
        .columns(['run_id'])
        .execute();
      await db.schema
        .createIndex('benchmark_results_dataset')
        .on('benchmark_results')
        .columns(['dataset_run_id'])
        .execute();
      // The loop's pick-up: only the few queued and in-flight rows are in this index on PostgreSQL.
      if (kind === 'postgres')
        await sql`CREATE INDEX benchmark_results_pending ON benchmark_results (created_at) WHERE status IN ('pending', 'running')`.execute(
          db,
        );
      else
        await db.schema
          .createIndex('benchmark_results_pending')
          .on('benchmark_results')
          .columns(['status', 'created_at'])
          .execute();

      await db.schema
        .createTable('dataset_runs')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('org_id', 'text', (c) => c.notNull())
        .addColumn('agent_id', 'text', (c) => c.notNull().references('agents.id'))
        .addColumn('versions', 'text', (c) => c.notNull())
        .addColumn('cases', 'text', (c) => c.notNull())
        .addColumn('created_by', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('dataset_runs_agent')
        .on('dataset_runs')
        .columns(['agent_id', 'id'])
        .execute();

      await db.schema
        .createTable('dataset_run_items')
        .addColumn('dataset_run_id', 'text', (c) => c.notNull().references('dataset_runs.id'))
        .addColumn('case_id', 'text', (c) => c.notNull())
        .addColumn('agent_version', 'integer', (c) => c.notNull())
        .addColumn('org_id', 'text', (c) => c.notNull())
        .addColumn('run_id', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('dataset_run_items_pk', ['dataset_run_id', 'case_id', 'agent_version'])
        .execute();
      await db.schema
        .createIndex('dataset_run_items_run')
        .on('dataset_run_items')
        .columns(['run_id'])
        .execute();
    },
  };
}
