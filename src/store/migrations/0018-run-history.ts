import { type Kysely, type Migration, sql } from 'kysely';

/**
 * The credit estimate's history (models/estimate-run.ts) reads an agent's newest completed runs.
 * Walking `runs_org_agent` newest first passed every run still in flight before the first
 * completed one: a closed loop with 1,000 runs in flight made each create look at 1,000 runs.
 * This partial index holds completed runs only, so the walk starts at the newest that has results.
 */
export function runHistoryMigration(): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createIndex('runs_org_agent_completed')
        .on('runs')
        .columns(['org_id', 'agent_id', 'id'])
        .where(sql.ref('status'), '=', 'completed')
        .execute();
    },
  };
}
