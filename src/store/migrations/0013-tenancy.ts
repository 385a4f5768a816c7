import { type Kysely, type Migration, sql } from 'kysely';
import type { StoreKind } from '../store-kind.ts';

/** Every table whose rows belong to one organization through `org_id`. */
export const tenantTables = [
  'users',
  'api_tokens',
  'sessions',
  'agents',
  'agent_versions',
  'runs',
  'attempts',
  'step_results',
  'run_events',
  'audit_events',
  'policy_versions',
  'model_providers',
  'price_tables',
  'run_estimates',
  'schedules',
  'schedule_fires',
  'webhooks',
  'notification_outbox',
  'sites',
  'documents',
  'document_versions',
  'chunks',
  'step_sources',
  'files',
  'governed_records',
  'signing_keys',
  'governance_settings',
  'evidence_exports',
] as const;

/**
 * Tenancy (issue 02), PostgreSQL only: row-level security as a second wall behind the
 * application's own `org_id` checks. Every tenant table (and `organizations`, by its id) is
 * `FORCE ROW LEVEL SECURITY`, so even the tables' owner is held to one policy: a row is visible
 * and writable when its organization is the session's `agentruns.organization_id`, or when the
 * session is in the system scope (`agentruns.scope = 'system'`, the engine's queue, scheduler,
 * notifier, sealer and extraction worker; see `store/tenant-scope.ts`). With neither set, nothing
 * is visible. The application connects as a role that does not own the tables and lacks
 * BYPASSRLS (`store/postgres-app-role.ts`); the owner only runs migrations.
 */
export function tenancyMigration(kind: StoreKind): Migration {
  return {
    async up(db: Kysely<unknown>) {
      if (kind !== 'postgres') return;
      const policy = (column: string) =>
        `${column} = current_setting('agentruns.organization_id', true) OR current_setting('agentruns.scope', true) = 'system'`;
      for (const [table, column] of [
        ['organizations', 'id'],
        ...tenantTables.map((t) => [t, 'org_id'] as const),
      ]) {
        await sql.raw(`ALTER TABLE ${table} ENABLE ROW LEVEL SECURITY`).execute(db);
        await sql.raw(`ALTER TABLE ${table} FORCE ROW LEVEL SECURITY`).execute(db);
        await sql
          .raw(
            `CREATE POLICY tenant_isolation ON ${table} USING (${policy(column)}) WITH CHECK (${policy(column)})`,
          )
          .execute(db);
      }
    },
  };
}
