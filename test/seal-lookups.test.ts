import { type Compilable, CompiledQuery } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { attemptFinished } from '../src/governance/build-attempt-record.ts';
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

  const plan = async (query: Compilable): Promise<string> => {
    const { sql, parameters } = query.compile();
    if (kind === 'sqlite') {
      const { rows } = await deps.store.db.executeQuery<{ detail: string }>(
        CompiledQuery.raw(`EXPLAIN QUERY PLAN ${sql}`, [...parameters]),
      );
      return rows.map((r) => r.detail).join('\n');
    }
    // A table this small is read whole unless the planner is told sequential scans cost the earth.
    return deps.store.db.connection().execute(async (db) => {
      await db.executeQuery(CompiledQuery.raw('SET enable_seqscan = off'));
      const { rows } = await db.executeQuery<{ 'QUERY PLAN': string }>(
        CompiledQuery.raw(`EXPLAIN ${sql}`, [...parameters]),
      );
      await db.executeQuery(CompiledQuery.raw('RESET enable_seqscan'));
      return rows.map((r) => r['QUERY PLAN']).join('\n');
    });
  };
  const byKeyOnly = (text: string) => {
    expect(text).toMatch(kind === 'sqlite' ? /sqlite_autoindex_attempts_1 \(id=\?\)/ : /attempts_pkey/);
    expect(text).not.toMatch(/attempts_(queue|lease|unsealed)/);
  };
  const ids = ['att_a', 'att_b', 'att_c'];

  it('reads finished attempts by key', async () => {
    byKeyOnly(
      await plan(
        deps.store.db.selectFrom('attempts').select('id').where('id', 'in', ids).where(attemptFinished),
      ),
    );
  });

  it('claims their seals by key', async () => {
    byKeyOnly(
      await plan(
        deps.store.db
          .updateTable('attempts')
          .set({ sealed: 1 })
          .where('id', 'in', ids)
          .where('sealed', '=', 0)
          .where(attemptFinished)
          .returning('id'),
      ),
    );
  });
});
