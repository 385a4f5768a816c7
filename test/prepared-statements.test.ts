import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { currentPolicyAndCreditRate } from '../src/identity/policy-versions.ts';
import { prepared } from '../src/store/prepared-statements.ts';
import { runAsSystem } from '../src/store/tenant-scope.ts';
import { createTestDeps, storeKinds, type TestDeps } from './support/test-deps.ts';

/** Statements marked `prepared` are named once per PostgreSQL connection; the rest stay unnamed. */
describe.each(storeKinds)('prepared statements (%s)', (kind) => {
  let deps: TestDeps;

  beforeAll(async () => {
    deps = await createTestDeps(kind);
  });
  afterAll(() => deps?.close());

  it('answers a marked query as an unmarked one', async () => {
    const users = deps.store.db
      .selectFrom('users')
      .select(['id', 'email'])
      .where('org_id', '=', deps.admin.orgId);
    const plain = await runAsSystem(() => users.execute());
    const marked = await runAsSystem(() => prepared(users).execute());
    expect(marked).toEqual(plain);
    expect(plain.length).toBeGreaterThan(0);
  });
});

describe.skipIf(!storeKinds.includes('postgres'))('prepared statements on PostgreSQL connections', () => {
  let deps: TestDeps;

  beforeAll(async () => {
    deps = await createTestDeps('postgres');
  });
  afterAll(() => deps?.close());

  it('names a marked statement on its connection, once', async () => {
    const preparedNames = await runAsSystem(() =>
      deps.store.db.connection().execute(async (db) => {
        for (let i = 0; i < 3; i++) await currentPolicyAndCreditRate(db, deps.admin.orgId);
        await db.selectFrom('users').select('id').where('id', '=', deps.admin.userId).execute();
        const { rows } = await sql<{ name: string; statement: string }>`
          SELECT name, statement FROM pg_prepared_statements`.execute(db);
        return rows;
      }),
    );
    const named = preparedNames.filter((r) => r.name.startsWith('agentruns_'));
    // The policy read, prepared once however often it ran; the plain select was not.
    expect(named.filter((r) => r.statement.includes('policy_versions'))).toHaveLength(1);
    expect(named.some((r) => r.statement.startsWith('select "id" from "users" where "id"'))).toBe(false);
  });
});
