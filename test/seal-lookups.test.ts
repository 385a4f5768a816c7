import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { attemptFinished } from '../src/governance/build-attempt-record.ts';
import { claimSealsQuery } from '../src/governance/seal-attempts.ts';
import { queryPlan } from './support/query-plan.ts';
import { createReportRun, createTestDeps, storeKinds, type TestDeps } from './support/test-deps.ts';

/**
 * Sealing finds finished attempts by id. Its "finished" test must leave the planner the primary key:
 * with an index on `status` usable, planners without statistics intersected the ids with every
 * finished attempt in the table.
 */
describe.each(storeKinds)('seal lookups (%s)', (kind) => {
  let deps: TestDeps;

  beforeAll(async () => {
    deps = await createTestDeps(kind);
    await createReportRun(deps, { start: true });
  });
  afterAll(() => deps?.close());

  const byKeyOnly = (text: string) => {
    expect(text).toMatch(kind === 'sqlite' ? /sqlite_autoindex_attempts_1 \(id=\?\)/ : /attempts_pkey/);
    expect(text).not.toMatch(/attempts_(queue|lease|unsealed)/);
  };
  const ids = ['att_a', 'att_b', 'att_c'];

  it('reads finished attempts by key', async () => {
    byKeyOnly(
      await queryPlan(
        deps,
        deps.store.db.selectFrom('attempts').select('id').where('id', 'in', ids).where(attemptFinished),
      ),
    );
  });

  it('claims their seals by key', async () => {
    byKeyOnly(await queryPlan(deps, claimSealsQuery(deps.store.db, ...ids)));
  });
});
