import type { Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compiledOnce } from '../src/store/compiled-once.ts';
import type { Database } from '../src/store/schema.ts';
import { createTestDeps, storeKinds, type TestDeps } from './support/test-deps.ts';

describe.each(storeKinds)('a query compiled once on %s', (kind) => {
  let deps: TestDeps;
  beforeAll(async () => {
    deps = await createTestDeps(kind);
  });
  afterAll(() => deps?.close());

  let built = 0;
  /** The organization by id or by name, with a constant of the query's own between the two. */
  const organization = compiledOnce((db: Kysely<Database>, id: string, name: string) => {
    built++;
    return db
      .selectFrom('organizations')
      .select(['id', 'name'])
      .where((eb) => eb.or([eb('id', '=', id), eb('name', '=', name)]))
      .where('id', '!=', 'org_none')
      .orderBy('id');
  });

  it('runs each call with its own arguments where the stand-ins landed, building the query once', async () => {
    const org = await deps.store.db
      .selectFrom('organizations')
      .select(['id', 'name'])
      .executeTakeFirstOrThrow();
    expect(await organization(deps.store.db, org.id, 'nobody')).toEqual([org]);
    expect(await organization(deps.store.db, 'org_missing', org.name)).toEqual([org]);
    expect(await organization(deps.store.db, 'org_missing', 'nobody')).toEqual([]);
    // Inside a transaction too: the same dialect, so the same compiled text.
    expect(await deps.store.transaction((trx) => organization(trx, org.id, 'nobody'))).toEqual([org]);
    expect(built).toBe(1);
  });

  it('refuses a query that does not take an argument as a parameter', async () => {
    const unused = compiledOnce((db: Kysely<Database>, _id: string) =>
      db.selectFrom('organizations').select('id'),
    );
    await expect(unused(deps.store.db, 'org_1')).rejects.toThrow(
      'argument 0 is not a parameter of the query',
    );
  });
});
