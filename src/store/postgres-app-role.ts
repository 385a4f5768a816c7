import type pg from 'pg';

/** The login role the application's queries run as, unless `DATABASE_APP_URL` names another. */
export const DEFAULT_APP_ROLE = 'agentruns_app';

/**
 * The URL the application's pools connect with: `appUrl` when given (production: its own role and
 * password), else the owner's URL with the user swapped for `agentruns_app` (enough where the
 * server trusts local connections, as the tests' PostgreSQL does).
 */
export function appConnectionUrl(ownerUrl: string, appUrl: string | undefined): string {
  if (appUrl) return appUrl;
  const url = new URL(ownerUrl);
  url.username = DEFAULT_APP_ROLE;
  url.password = '';
  return url.toString();
}

export function userOf(url: string): string {
  return decodeURIComponent(new URL(url).username) || process.env.PGUSER || 'postgres';
}

/**
 * Run by the owner after migrating: makes sure the application's role exists (created, without
 * BYPASSRLS, when the owner may create roles; in production a DBA creates it, see README), may
 * use the schema and read and write its tables, and is neither the owner nor above the wall.
 * Throws, naming the rule, when the role would see past row-level security.
 */
export async function prepareAppRole(owner: pg.ClientBase, appRole: string, schema: string): Promise<void> {
  const role = quoteIdent(appRole);
  const exists = await owner.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [appRole]);
  if (exists.rowCount === 0) {
    // Parallel processes (test suites) may race to create it; the loser's error is harmless.
    await owner.query(`DO $$ BEGIN CREATE ROLE ${role} LOGIN NOSUPERUSER NOBYPASSRLS;
      EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$`);
  }
  const { rows } = await owner.query<{ rolsuper: boolean; rolbypassrls: boolean; owns: boolean }>(
    `SELECT r.rolsuper, r.rolbypassrls,
       EXISTS (SELECT 1 FROM pg_tables t WHERE t.schemaname = $2 AND t.tableowner = r.rolname) AS owns
     FROM pg_roles r WHERE r.rolname = $1`,
    [appRole, schema],
  );
  const found = rows[0];
  if (!found)
    throw new Error(`the application role ${appRole} does not exist; create it (README, PostgreSQL)`);
  if (found.rolsuper || found.rolbypassrls)
    throw new Error(`the application role ${appRole} must not be a superuser nor have BYPASSRLS`);
  if (found.owns)
    throw new Error(
      `the application role ${appRole} must not own the tables; run migrations as another role`,
    );
  const schemaName = quoteIdent(schema);
  await withRetry(async () => {
    await owner.query(`GRANT USAGE ON SCHEMA ${schemaName} TO ${role}`);
    await owner.query(
      `GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA ${schemaName} TO ${role}`,
    );
    await owner.query(`GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA ${schemaName} TO ${role}`);
    await owner.query(
      `REVOKE ALL ON ${schemaName}.kysely_migration, ${schemaName}.kysely_migration_lock FROM ${role}`,
    );
  });
}

function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** GRANT on shared catalog rows (the role, the schema) can fail with "tuple concurrently updated". */
async function withRetry(fn: () => Promise<void>): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn();
    } catch (error) {
      if (attempt >= 3 || (error as { code?: string }).code !== 'XX000') throw error;
      await new Promise((resolve) => setTimeout(resolve, 20 * (attempt + 1)));
    }
  }
}
