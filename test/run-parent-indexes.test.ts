import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryPlan } from './support/query-plan.ts';
import { createReportRun, createTestDeps, storeKinds, type TestDeps } from './support/test-deps.ts';

/**
 * Migration 0025: the indexes that find a run's children hold child runs only, and the lookups,
 * each comparing a parent column with `=`, still use them on both stores.
 */
describe.each(storeKinds)('run parent indexes (%s)', (kind) => {
  let deps: TestDeps;

  beforeAll(async () => {
    deps = await createTestDeps(kind);
    await createReportRun(deps, { start: false });
  });
  afterAll(() => deps?.close());

  it('keeps entries for child runs only', async () => {
    const definitions =
      kind === 'sqlite'
        ? (
            await sql<{
              name: string;
              sql: string;
            }>`SELECT name, sql FROM sqlite_master WHERE name LIKE 'runs_parent%'`.execute(deps.store.db)
          ).rows
        : (
            await sql<{ name: string; sql: string }>`SELECT indexname AS name, indexdef AS sql FROM pg_indexes
              WHERE schemaname = current_schema() AND indexname LIKE 'runs_parent%'`.execute(deps.store.db)
          ).rows;
    expect(definitions.map((d) => d.name).sort()).toEqual([
      'runs_parent',
      'runs_parent_step',
      'runs_parent_tool_call',
    ]);
    for (const d of definitions) expect(d.sql, d.name).toMatch(/WHERE .*IS NOT NULL/i);
  });

  it.each([
    ['runs_parent', `SELECT id FROM runs WHERE parent_run_id = 'r' AND status IN ('enqueued', 'running')`],
    [
      'runs_parent_step',
      `SELECT id FROM runs WHERE parent_attempt_id = 'a' AND parent_step = 1 AND parent_tool_call IS NULL`,
    ],
    [
      'runs_parent_tool_call',
      `SELECT id FROM runs WHERE parent_attempt_id = 'a' AND parent_step = 1 AND parent_tool_call = 't'`,
    ],
  ])('finds children through %s', async (index, query) => {
    expect(await queryPlan(deps, query)).toContain(index);
  });
});
