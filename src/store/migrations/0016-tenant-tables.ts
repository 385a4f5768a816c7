import { type Kysely, type Migration, sql } from 'kysely';
import type { StoreKind } from '../store-kind.ts';
import { isolateTenantTable } from './0013-tenancy.ts';

/**
 * Row-level security for the tenant tables that 0013's list did not name: those of connected
 * tools (0011), benchmarks (0012) and upload triggers (0014), and any table with an `org_id`
 * column still outside the policy. PostgreSQL only; `test/row-level-security.test.ts` fails on a
 * tenant table a later migration leaves unprotected.
 */
export function tenantTablesMigration(kind: StoreKind): Migration {
  return {
    async up(db: Kysely<unknown>) {
      if (kind !== 'postgres') return;
      const { rows } = await sql<{ table: string }>`
        SELECT c.relname AS table
        FROM pg_class c
        JOIN pg_namespace n ON n.oid = c.relnamespace
        JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'org_id' AND NOT a.attisdropped
        WHERE n.nspname = current_schema() AND c.relkind = 'r' AND NOT c.relrowsecurity
        ORDER BY c.relname`.execute(db);
      for (const { table } of rows) await isolateTenantTable(db, table, 'org_id');
    },
  };
}
