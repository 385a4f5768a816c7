import { type Kysely, type Migration, sql } from 'kysely';

/**
 * The claims' two indexes held every attempt: `attempts_queue` (status, available_at, id) and
 * `attempts_lease` (status, lease_expires_at). A claim reads only the enqueued ones and the running
 * ones, yet each status change moved an entry in both (a finish deleted and inserted two), and
 * every finished attempt stayed in both for good: on PostgreSQL the expired-lease scan walked a
 * churned index as the table grew. Partial on the status each reads, they hold only the attempts
 * waiting or in flight; a finish just deletes its lease entry. `attempts_waiting` keeps
 * `wakeWaitingParents` off a full scan now that no index leads with the status.
 *
 * Every reader names the status as a literal (the claims) or binds it in a statement both planners
 * plan with its value (the metrics' counts), so both stores still use these indexes.
 */
export function attemptQueueIndexesPartialMigration(): Migration {
  return {
    async up(db: Kysely<unknown>) {
      // Idempotent, as the migrations after 0022 must be (usage-history.test.ts runs them twice).
      for (const name of ['attempts_queue', 'attempts_lease', 'attempts_waiting']) {
        await db.schema.dropIndex(name).ifExists().execute();
      }
      await db.schema
        .createIndex('attempts_queue')
        .on('attempts')
        .columns(['available_at', 'id'])
        .where(sql.ref('status'), '=', sql.lit('enqueued'))
        .execute();
      await db.schema
        .createIndex('attempts_lease')
        .on('attempts')
        .column('lease_expires_at')
        .where(sql.ref('status'), '=', sql.lit('running'))
        .execute();
      await db.schema
        .createIndex('attempts_waiting')
        .on('attempts')
        .column('id')
        .where(sql.ref('status'), '=', sql.lit('waiting'))
        .execute();
    },
  };
}
