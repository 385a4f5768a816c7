import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryPlan } from './support/query-plan.ts';
import { createReportRun, createTestDeps, storeKinds, type TestDeps } from './support/test-deps.ts';

/**
 * Migration 0026: the claims' indexes hold only the attempts of the status each reads, and every
 * reader of those attempts still uses them on both stores, the metrics' bound statuses included.
 */
describe.each(storeKinds)('attempt queue indexes (%s)', (kind) => {
  let deps: TestDeps;

  beforeAll(async () => {
    deps = await createTestDeps(kind);
    await createReportRun(deps, { start: false });
  });
  afterAll(() => deps?.close());

  it('are partial on the status each reads', async () => {
    const definitions =
      kind === 'sqlite'
        ? (
            await sql<{ name: string; sql: string }>`SELECT name, sql FROM sqlite_master
              WHERE name IN ('attempts_queue', 'attempts_lease', 'attempts_waiting')`.execute(deps.store.db)
          ).rows
        : (
            await sql<{ name: string; sql: string }>`SELECT indexname AS name, indexdef AS sql FROM pg_indexes
              WHERE schemaname = current_schema()
                AND indexname IN ('attempts_queue', 'attempts_lease', 'attempts_waiting')`.execute(
              deps.store.db,
            )
          ).rows;
    const where = Object.fromEntries(
      definitions.map((d) => [d.name, /WHERE \(?"?status"?\)? = '(\w+)'/i.exec(d.sql)?.[1]]),
    );
    expect(where).toEqual({
      attempts_queue: 'enqueued',
      attempts_lease: 'running',
      attempts_waiting: 'waiting',
    });
  });

  it.each([
    [
      'attempts_queue',
      `SELECT id FROM attempts WHERE status = 'enqueued' AND available_at <= 5 ORDER BY available_at, id LIMIT 10`,
    ],
    ['attempts_lease', `SELECT id FROM attempts WHERE status = 'running' AND lease_expires_at < 5 LIMIT 10`],
    ['attempts_waiting', `SELECT id FROM attempts WHERE status = 'waiting'`],
  ])('the claims and wake-ups read %s', async (index, query) => {
    expect(await queryPlan(deps, query)).toContain(index);
  });

  it('the metrics count through them with the status bound', async () => {
    const queued = deps.store.db
      .selectFrom('attempts')
      .select([sql<number>`count(*)`.as('n'), sql<number | null>`min(available_at)`.as('oldest')])
      .where('status', '=', 'enqueued')
      .where('available_at', '<=', 5);
    const running = deps.store.db
      .selectFrom('attempts')
      .select(sql<number>`count(*)`.as('n'))
      .where('status', '=', 'running');
    expect(await queryPlan(deps, queued)).toContain('attempts_queue');
    expect(await queryPlan(deps, running)).toContain('attempts_lease');
  });
});
