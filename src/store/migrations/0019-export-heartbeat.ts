import type { Kysely, Migration } from 'kysely';

/**
 * An evidence export's writer beats (`heartbeat_at`) while it runs, so an export whose server
 * stopped (a restart, a crash) reads as failed rather than running forever (governance/evidence-export.ts).
 */
export function exportHeartbeatMigration(): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable('evidence_exports').addColumn('heartbeat_at', 'bigint').execute();
    },
  };
}
