import pg from 'pg';

/**
 * Which real components this machine has. A suite that needs one it lacks is skipped loudly;
 * with AGENTRUNS_REQUIRE=postgres,chromium (as CI sets it) a missing one fails the suite instead.
 */
export const POSTGRES_URL =
  process.env.AGENTRUNS_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

const required = new Set(
  (process.env.AGENTRUNS_REQUIRE ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean),
);

async function reachable(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

export const hasPostgres = await reachable(POSTGRES_URL);

if (!hasPostgres) {
  if (required.has('postgres'))
    throw new Error(`AGENTRUNS_REQUIRE has postgres, but ${POSTGRES_URL} cannot be reached`);
  console.warn(`\n*** PostgreSQL at ${POSTGRES_URL} is unreachable: PostgreSQL suites are SKIPPED ***\n`);
}
