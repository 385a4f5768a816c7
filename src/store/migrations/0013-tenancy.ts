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
 * Tenancy (issue 02). Emails are unique per organization, not per install: the same person may
 * have an account in two organizations (sign-in then asks which, `identity/sessions.ts`).
 * PostgreSQL also gets row-level security as a second wall behind the
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
      await emailsUniquePerOrganization(db, kind);
      if (kind !== 'postgres') return;
      for (const [table, column] of [
        ['organizations', 'id'],
        ...tenantTables.map((t) => [t, 'org_id'] as const),
      ])
        await isolateTenantTable(db, table, column);
    },
  };
}

/** Puts one table under the tenant policy (PostgreSQL): forced, so its owner is held to it too. */
export async function isolateTenantTable(db: Kysely<unknown>, table: string, column: string): Promise<void> {
  const policy = tenantPolicy(column);
  await sql.raw(`ALTER TABLE ${table} ENABLE ROW LEVEL SECURITY`).execute(db);
  await sql.raw(`ALTER TABLE ${table} FORCE ROW LEVEL SECURITY`).execute(db);
  await sql
    .raw(`CREATE POLICY tenant_isolation ON ${table} USING (${policy}) WITH CHECK (${policy})`)
    .execute(db);
}

/**
 * The rows a session sees: its organization's, or all of them in the system scope. The system
 * test is a sub-select, so the planner evaluates it once per statement (an InitPlan) and estimates
 * it as a coin toss; written inline it was a 0.5 % guess, and every statement of the system scope
 * was planned for 1 row in 200 (migration 0023).
 */
export function tenantPolicy(column: string): string {
  return `${column} = current_setting('agentruns.organization_id', true) OR (SELECT current_setting('agentruns.scope', true) = 'system')`;
}

async function emailsUniquePerOrganization(db: Kysely<unknown>, kind: StoreKind): Promise<void> {
  if (kind === 'postgres') {
    await sql`ALTER TABLE users DROP CONSTRAINT users_email_key`.execute(db);
    await sql`CREATE UNIQUE INDEX users_org_email ON users (org_id, email)`.execute(db);
    await sql`CREATE INDEX users_email ON users (email)`.execute(db);
    return;
  }
  // SQLite cannot drop a column's UNIQUE: the table is rebuilt (its documented procedure; Kysely
  // runs SQLite migrations outside a transaction, so the foreign key pragma takes effect).
  await sql`PRAGMA foreign_keys = OFF`.execute(db);
  try {
    await sql`BEGIN`.execute(db);
    try {
      await sql`CREATE TABLE users_new (
        id text PRIMARY KEY,
        org_id text NOT NULL REFERENCES organizations (id),
        email text NOT NULL,
        name text NOT NULL,
        role text NOT NULL,
        password_hash text,
        created_at bigint NOT NULL)`.execute(db);
      await sql`INSERT INTO users_new (id, org_id, email, name, role, password_hash, created_at)
        SELECT id, org_id, email, name, role, password_hash, created_at FROM users`.execute(db);
      await sql`DROP TABLE users`.execute(db);
      await sql`ALTER TABLE users_new RENAME TO users`.execute(db);
      await sql`CREATE UNIQUE INDEX users_org_email ON users (org_id, email)`.execute(db);
      await sql`CREATE INDEX users_email ON users (email)`.execute(db);
      const broken = await sql`PRAGMA foreign_key_check`.execute(db);
      if (broken.rows.length > 0) throw new Error('users rebuild broke a foreign key');
      await sql`COMMIT`.execute(db);
    } catch (error) {
      await sql`ROLLBACK`.execute(db);
      throw error;
    }
  } finally {
    await sql`PRAGMA foreign_keys = ON`.execute(db);
  }
}
