import { type Kysely, type Migration, sql } from 'kysely';
import type { StoreKind } from '../store-kind.ts';
import { tenantPolicy } from './0013-tenancy.ts';

/**
 * Rewrites every table's `tenant_isolation` policy (PostgreSQL) as `tenantPolicy` now has it.
 * The old form's system test, `current_setting('agentruns.scope', true) = 'system'` inside the OR,
 * was estimated at the 0.5 % PostgreSQL assumes for an expression it cannot see into, so in the
 * system scope (the engine, scheduler, sealer) every statement expected 1 row in 200 of what it
 * reads: the estimate's history read (`ORDER BY attempt_id DESC LIMIT 50` on one agent version's
 * rows) expected 25 of 5,000 rows, fewer than its limit, and sorted the whole table instead of
 * reading the index backwards: 0.1 → 4.8 ms per run created once the table was analyzed. As a
 * sub-select it is evaluated once per statement and estimated at one half.
 */
export function tenantPolicyEstimateMigration(kind: StoreKind): Migration {
  return {
    async up(db: Kysely<unknown>) {
      if (kind !== 'postgres') return;
      const { rows } = await sql<{ table: string; qual: string }>`
        SELECT tablename AS table, qual FROM pg_policies
        WHERE schemaname = current_schema() AND policyname = 'tenant_isolation'`.execute(db);
      for (const { table, qual } of rows) {
        const column = /^\(*(\w+) = current_setting\('agentruns\.organization_id'/.exec(qual)?.[1];
        if (!column) throw new Error(`tenant_isolation on ${table} has an unexpected form: ${qual}`);
        const policy = tenantPolicy(column);
        await sql
          .raw(`ALTER POLICY tenant_isolation ON ${table} USING (${policy}) WITH CHECK (${policy})`)
          .execute(db);
      }
    },
  };
}
