import { sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../src/api/create-app.ts';
import { hashToken } from '../src/identity/api-tokens.ts';
import { createOrganization } from '../src/identity/bootstrap.ts';
import { filteredRuns } from '../src/runs/list-runs.ts';
import { DEFAULT_APP_ROLE } from '../src/store/postgres-app-role.ts';
import { allowSearchIndexUnderRls } from '../src/store/postgres-search-under-rls.ts';
import { runAsSystem, runInOrganization } from '../src/store/tenant-scope.ts';
import { POSTGRES_URL } from './support/environment.ts';
import { createReportRun, createTestDeps, storeKinds, type TestDeps } from './support/test-deps.ts';

/**
 * PostgreSQL's row-level security, the second wall behind the application's own `org_id` checks:
 * each query here skips those checks (no `where org_id`), as a bug would, and runs through the
 * application's role with another organization set. SQLite has no such wall.
 */
describe.skipIf(!storeKinds.includes('postgres'))('row-level security (postgres)', () => {
  let deps: TestDeps;
  let schema: string;
  let otherOrg: string;
  let otherAdmin: string;
  let runId: string;

  beforeAll(async () => {
    deps = await createTestDeps('postgres');
    const { rows } = await deps.store.pool!.query<{ schema: string }>('SELECT current_schema() AS schema');
    schema = rows[0]!.schema;
    const other = await createOrganization(deps, {
      name: 'Other',
      adminEmail: 'other@example.com',
      adminPassword: 'another long password',
    });
    otherOrg = other.orgId;
    otherAdmin = other.userId;
    ({
      run: { id: runId },
    } = await createReportRun(deps, { start: false }));
  });
  afterAll(() => deps?.close());

  it('hides every row of another organization from a query that forgot its org_id check', async () => {
    const seen = await runInOrganization(otherOrg, async () => ({
      users: await deps.store.db.selectFrom('users').select(['id', 'org_id']).execute(),
      organizations: await deps.store.db.selectFrom('organizations').select('id').execute(),
      runs: await deps.store.db.selectFrom('runs').select('id').execute(),
      agents: await deps.store.db.selectFrom('agents').select('id').execute(),
      audit: await deps.store.db.selectFrom('audit_events').select('org_id').execute(),
    }));
    expect(seen.users).toEqual([{ id: otherAdmin, org_id: otherOrg }]);
    expect(seen.organizations).toEqual([{ id: otherOrg }]);
    expect(seen.runs).toEqual([]);
    expect(seen.agents).toEqual([]);
    expect(seen.audit.every((row) => row.org_id === otherOrg)).toBe(true);
    // The run's own organization sees it; so does the system scope.
    const own = await runInOrganization(deps.admin.orgId, () =>
      deps.store.db.selectFrom('runs').select('id').execute(),
    );
    expect(own).toEqual([{ id: runId }]);
    const all = await runAsSystem(() => deps.store.db.selectFrom('users').select('id').execute());
    expect(all.map((row) => row.id).sort()).toEqual([deps.admin.userId, otherAdmin].sort());
  });

  it("refuses writes to another organization's rows", async () => {
    await runInOrganization(otherOrg, async () => {
      const updated = await deps.store.db
        .updateTable('runs')
        .set({ name: 'stolen' })
        .where('id', '=', runId)
        .executeTakeFirst();
      expect(updated.numUpdatedRows).toBe(0n);
      const deleted = await deps.store.db
        .deleteFrom('users')
        .where('id', '=', deps.admin.userId)
        .executeTakeFirst();
      expect(deleted.numDeletedRows).toBe(0n);
      await expect(
        deps.store.db
          .insertInto('users')
          .values({
            id: 'usr_intruder',
            org_id: deps.admin.orgId,
            email: 'intruder@example.com',
            name: 'Intruder',
            role: 'admin',
            password_hash: 'x',
            created_at: 0,
          })
          .execute(),
      ).rejects.toThrow(/row-level security/);
      // Moving its own row into the other organization is refused too.
      await expect(
        deps.store.db
          .updateTable('users')
          .set({ org_id: deps.admin.orgId })
          .where('id', '=', otherAdmin)
          .execute(),
      ).rejects.toThrow(/row-level security/);
    });
    const run = await deps.store.db
      .selectFrom('runs')
      .select('name')
      .where('id', '=', runId)
      .executeTakeFirstOrThrow();
    expect(run.name).not.toBe('stolen');
  });

  it('shows nothing to a connection of the application role that set no organization', async () => {
    const url = new URL(POSTGRES_URL);
    url.username = DEFAULT_APP_ROLE;
    const client = new pg.Client({ connectionString: url.toString(), options: `-c search_path=${schema}` });
    await client.connect();
    try {
      expect((await client.query('SELECT count(*)::int AS n FROM users')).rows[0]).toEqual({ n: 0 });
      await client.query("SELECT set_config('agentruns.organization_id', $1, false)", [otherOrg]);
      expect((await client.query('SELECT id FROM users')).rows).toEqual([{ id: otherAdmin }]);
      // Nor can it take the wall down.
      await expect(client.query('ALTER TABLE users NO FORCE ROW LEVEL SECURITY')).rejects.toThrow(
        /must be owner/,
      );
    } finally {
      await client.end();
    }
  });

  it('lets the planner see that the system scope reads every row (an ORDER BY … LIMIT uses its index)', async () => {
    // One agent version's 5,000 completed attempts: the estimate reads the newest 50. Planned for
    // the 0.5 % the old policy's system test was guessed at (25 rows, fewer than the limit), the
    // read sorted the whole table instead of reading the key backwards (migration 0023).
    const owner = new pg.Client({ connectionString: POSTGRES_URL, options: `-c search_path=${schema}` });
    await owner.connect();
    try {
      await owner.query(
        `INSERT INTO usage_history (org_id, agent_id, agent_version, attempt_id, run_id, samples)
         SELECT $1, 'agt_many', 1, 'att_' || lpad(i::text, 8, '0'), 'run_' || i, '[]'
         FROM generate_series(1, 5000) i`,
        [deps.admin.orgId],
      );
      await owner.query('ANALYZE usage_history');
    } finally {
      await owner.end();
    }
    const plan = async () => {
      const query = deps.store.db
        .selectFrom('usage_history')
        .select('samples')
        .where('org_id', '=', deps.admin.orgId)
        .where('agent_id', '=', 'agt_many')
        .where('agent_version', '=', 1)
        .orderBy('attempt_id', 'desc')
        .limit(50);
      const { rows } = await sql<{ 'QUERY PLAN': string }>`EXPLAIN ${query}`.execute(deps.store.db);
      return rows.map((r) => r['QUERY PLAN']).join('\n');
    };
    const system = await runAsSystem(plan);
    expect(system).toMatch(/Index Scan Backward using usage_history_pk/);
    expect(system).not.toMatch(/Sort/);
    const organization = await runInOrganization(deps.admin.orgId, () => plan());
    expect(organization).toMatch(/Index Scan Backward using usage_history_pk/);
  });

  it('runs the application as a role that neither owns the tables nor bypasses row-level security', async () => {
    const client = new pg.Client({ connectionString: POSTGRES_URL });
    await client.connect();
    try {
      const role = await client.query('SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = $1', [
        DEFAULT_APP_ROLE,
      ]);
      expect(role.rows).toEqual([{ rolsuper: false, rolbypassrls: false }]);
      const owners = await client.query<{ tableowner: string }>(
        'SELECT DISTINCT tableowner FROM pg_tables WHERE schemaname = $1',
        [schema],
      );
      expect(owners.rows.length).toBeGreaterThan(0);
      expect(owners.rows.map((row) => row.tableowner)).not.toContain(DEFAULT_APP_ROLE);
      // Both of the store's pools connect as the application's role.
      const viaKysely = await sql<{ user: string }>`SELECT current_user AS user`.execute(deps.store.db);
      const viaPool = await deps.store.pool!.query<{ user: string }>('SELECT current_user AS user');
      expect([viaKysely.rows[0]?.user, viaPool.rows[0]?.user]).toEqual([DEFAULT_APP_ROLE, DEFAULT_APP_ROLE]);
      // Every table with an org_id column (and organizations) is under a forced policy.
      const tables = await client.query<{ table: string; forced: boolean; enabled: boolean }>(
        `SELECT c.relname AS table, c.relforcerowsecurity AS forced, c.relrowsecurity AS enabled
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname = $1 AND c.relkind = 'r'
           AND (c.relname = 'organizations' OR EXISTS (SELECT 1 FROM information_schema.columns k
             WHERE k.table_schema = n.nspname AND k.table_name = c.relname AND k.column_name = 'org_id'))`,
        [schema],
      );
      expect(tables.rows.length).toBeGreaterThan(20);
      expect(tables.rows.filter((row) => !row.forced || !row.enabled)).toEqual([]);
    } finally {
      await client.end();
    }
  });

  it("searches runs through the GIN index under the tenant policy, and never finds another organization's", async () => {
    await runAsSystem(() =>
      deps.store.db
        .updateTable('runs')
        .set({ search_text: 'quarterly zanzibarite report' })
        .where('id', '=', runId)
        .execute(),
    );
    const search = (orgId: string) =>
      filteredRuns(
        deps.store.db,
        'postgres',
        { orgId, userId: 'usr_x', role: 'admin' },
        {
          q: 'zanzibar',
          archived: 'all',
        },
      ).select('runs.id');
    expect(await runInOrganization(deps.admin.orgId, () => search(deps.admin.orgId).execute())).toEqual([
      { id: runId },
    ]);
    // Another organization asking for the same word, even naming the first one's id, sees nothing.
    expect(await runInOrganization(otherOrg, () => search(otherOrg).execute())).toEqual([]);
    expect(await runInOrganization(otherOrg, () => search(deps.admin.orgId).execute())).toEqual([]);

    // The plan, as the application's role: `@@` is an index condition on runs_search, answered before
    // the policy; without LEAKPROOF it could only filter a scan of every row the policy lets through.
    const plan = await runInOrganization(deps.admin.orgId, () =>
      deps.store.db.transaction().execute(async (trx) => {
        await sql`SET LOCAL enable_seqscan = off`.execute(trx);
        const { rows } = await sql<{ 'QUERY PLAN': string }>`EXPLAIN SELECT id FROM runs
          WHERE search_vector @@ to_tsquery('simple', 'zanzibar:*')`.execute(trx);
        return rows.map((row) => row['QUERY PLAN']).join('\n');
      }),
    );
    expect(plan).toMatch(/Bitmap Index Scan on runs_search .*\n\s+Index Cond: \(search_vector @@/);
  });

  it('marks the search operator leakproof when the owner is a superuser, and says so when it is not', async () => {
    const client = new pg.Client({ connectionString: POSTGRES_URL });
    await client.connect();
    try {
      const leakproof = async () =>
        (
          await client.query<{ leakproof: boolean }>(
            "SELECT proleakproof AS leakproof FROM pg_proc WHERE oid = 'ts_match_vq(tsvector, tsquery)'::regprocedure",
          )
        ).rows[0]?.leakproof;
      expect(await leakproof()).toBe(true);
      // In a transaction rolled back at the end, so no other suite sees the function unmarked.
      await client.query('BEGIN');
      try {
        await client.query('ALTER FUNCTION ts_match_vq(tsvector, tsquery) NOT LEAKPROOF');
        await client.query(`SET LOCAL ROLE ${DEFAULT_APP_ROLE}`);
        expect(await allowSearchIndexUnderRls(client)).toBe('not-permitted');
        expect(await leakproof()).toBe(false);
        await client.query('RESET ROLE');
        expect(await allowSearchIndexUnderRls(client)).toBe('marked');
        expect(await leakproof()).toBe(true);
        expect(await allowSearchIndexUnderRls(client)).toBe('leakproof');
      } finally {
        await client.query('ROLLBACK');
      }
    } finally {
      await client.end();
    }
  });

  it("authenticates without switching a connection's scope, and the scope it keeps still holds", async () => {
    // The lookup function reads in the system scope for its own duration only: a connection of the
    // application role held in another organization finds the token's owner, and is still held after.
    const url = new URL(POSTGRES_URL);
    url.username = DEFAULT_APP_ROLE;
    const client = new pg.Client({ connectionString: url.toString(), options: `-c search_path=${schema}` });
    await client.connect();
    try {
      await client.query(
        "SELECT set_config('agentruns.organization_id', $1, false), set_config('agentruns.scope', 'organization', false)",
        [otherOrg],
      );
      const owner = await client.query('SELECT user_id, org_id, role FROM agentruns_token_actor($1)', [
        hashToken(deps.token),
      ]);
      expect(owner.rows).toEqual([{ user_id: deps.admin.userId, org_id: deps.admin.orgId, role: 'admin' }]);
      expect((await client.query("SELECT current_setting('agentruns.scope') AS scope")).rows).toEqual([
        { scope: 'organization' },
      ]);
      expect((await client.query('SELECT id FROM users')).rows).toEqual([{ id: otherAdmin }]);
      expect((await client.query('SELECT * FROM agentruns_token_actor($1)', ['no such hash'])).rows).toEqual(
        [],
      );
    } finally {
      await client.end();
    }

    // Through the API: no statement of an authenticated request switches a connection to the system
    // scope (before migration 0021 every request did, then back to its organization).
    const app = await createApp(deps);
    const statements: string[] = [];
    const query = pg.Client.prototype.query;
    pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
      const [text, values] = args as [string | { text: string; values?: unknown[] }, unknown[] | undefined];
      const sqlText = typeof text === 'string' ? text : text.text;
      statements.push(
        `${sqlText} ${JSON.stringify(values ?? (typeof text === 'string' ? [] : text.values))}`,
      );
      return (query as (...a: unknown[]) => unknown).apply(this, args);
    } as typeof query;
    try {
      for (let i = 0; i < 3; i++) {
        const res = await app.inject({
          method: 'GET',
          url: '/api/runs?limit=5',
          headers: { authorization: `Bearer ${deps.token}` },
        });
        expect(res.statusCode).toBe(200);
        expect((res.json() as { items: Array<{ id: string }> }).items.map((r) => r.id)).toContain(runId);
      }
    } finally {
      pg.Client.prototype.query = query;
      await app.close();
    }
    expect(statements.filter((s) => s.includes('agentruns_token_actor'))).toHaveLength(3);
    expect(statements.filter((s) => s.includes('set_config') && s.includes('"system"'))).toEqual([]);
  });
});
