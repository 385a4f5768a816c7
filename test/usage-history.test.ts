import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createAgent } from '../src/agents/agent-service.ts';
import { createWorker } from '../src/engine/worker.ts';
import type { RunEstimate } from '../src/models/estimate-run.ts';
import { createUsageHistoryBook, type UsageSample } from '../src/models/usage-history.ts';
import { createManualClock } from '../src/platform/clock.ts';
import { createRun } from '../src/runs/create-run.ts';
import { deleteRun, rerunRun } from '../src/runs/run-actions.ts';
import { migrateToLatest } from '../src/store/migrations.ts';
import { openStore } from '../src/store/open-store.ts';
import { POSTGRES_URL } from './support/environment.ts';
import { createTestDeps, reportAgent, storeKinds, type TestDeps } from './support/test-deps.ts';

describe.each(storeKinds)('credit estimate history on %s', (kind) => {
  let deps: TestDeps;
  beforeEach(async () => {
    deps = await createTestDeps(kind);
  });
  afterEach(async () => {
    await deps.close();
  });

  const manual = () => ({ kind: 'manual' as const, by: deps.admin.userId });
  const start = async (agentId: string, customer: string) =>
    createRun(deps, deps.admin, agentId, { variables: { customer }, start: true }, manual());

  /** The history as stored: each attempt's samples, in step order. */
  const history = async () => {
    const rows = await deps.store.db.selectFrom('usage_history').selectAll().orderBy('attempt_id').execute();
    return rows.map((r) => ({
      ...r,
      samples: (JSON.parse(r.samples) as UsageSample[]).sort((a, b) => a.number - b.number),
    }));
  };

  it("records each completed attempt's own steps when it is sealed, and forgets a deleted run", async () => {
    const agent = await createAgent(deps, deps.admin, reportAgent);
    const first = await start(agent.id, 'Acme');
    const second = await start(agent.id, 'Globex');
    await createWorker(deps).runOnce();
    // A rerun from step 3 reuses steps 1 and 2: its attempt adds step 3 alone.
    await rerunRun(deps, deps.admin, second.id, { fromStep: 3, latestVersion: false });
    await createWorker(deps).runOnce();

    const results = await deps.store.db
      .selectFrom('step_results')
      .select(['attempt_id', 'number', 'model', 'usage', 'reused'])
      .orderBy('attempt_id')
      .orderBy('number')
      .execute();
    const expected = new Map<string, typeof results>();
    for (const r of results.filter((r) => r.reused === 0))
      expected.set(r.attempt_id, [...(expected.get(r.attempt_id) ?? []), r]);
    const stored = await history();
    expect(stored.map((h) => [h.run_id, h.agent_version, h.samples.map((s) => s.number)])).toEqual([
      [first.id, 1, [1, 2, 3]],
      [second.id, 1, [1, 2, 3]],
      [second.id, 1, [3]],
    ]);
    for (const h of stored) {
      expect(h.samples).toEqual(
        (expected.get(h.attempt_id) ?? []).map((r) => {
          const usage = JSON.parse(r.usage) as { outputTokens: number; reasoningTokens?: number };
          return {
            number: r.number,
            model: r.model,
            outputTokens: usage.outputTokens,
            reasoningTokens: usage.reasoningTokens ?? 0,
          };
        }),
      );
    }
    const estimate = (await start(agent.id, 'Initech')).estimate as RunEstimate;
    expect(estimate.steps.map((s) => [s.basis, s.historySamples])).toEqual([
      ['history', 2],
      ['history', 2],
      ['history', 3],
    ]);

    await deleteRun(deps, deps.admin, second.id);
    expect((await history()).map((h) => h.run_id)).toEqual([first.id]);
  });

  it("is read once per agent version until this process seals or deletes, and another process's seal within the cache's time", async () => {
    const clock = createManualClock(Date.now());
    const usageHistory = createUsageHistoryBook({ store: deps.store, clock }, 10_000);
    const own = { ...deps, usageHistory };
    const agent = await createAgent(own, own.admin, reportAgent);
    const startIn = (customer: string) =>
      createRun(own, own.admin, agent.id, { variables: { customer }, start: true }, manual());
    const samples = async (customer: string) =>
      ((await startIn(customer)).estimate as RunEstimate).steps.map((s) => s.historySamples);

    await startIn('Acme');
    await createWorker(own).runOnce();
    expect(await samples('Globex')).toEqual([1, 1, 1]);

    // Another process seals an attempt of the same version: a row this process did not write.
    const [acme] = await history();
    if (!acme) throw new Error('no history');
    await deps.store.db
      .insertInto('usage_history')
      .values({ ...acme, attempt_id: `${acme.attempt_id}~`, samples: JSON.stringify(acme.samples) })
      .execute();
    expect(await samples('Initech')).toEqual([1, 1, 1]);
    clock.advance(10_000);
    expect(await samples('Umbrella')).toEqual([2, 2, 2]);

    // This process's seals (Globex, Initech, Umbrella) and deletes are seen by the next create.
    await createWorker(own).runOnce();
    const stark = await startIn('Stark');
    expect((stark.estimate as RunEstimate).steps.map((s) => s.historySamples)).toEqual([5, 5, 5]);
    const globex = (await history()).find((h) => h.run_id !== acme.run_id)?.run_id;
    if (!globex) throw new Error('no second run');
    await deleteRun(own, own.admin, globex);
    expect(await samples('Wayne')).toEqual([4, 4, 4]);
  });

  it('is filled by its migration from the attempts completed before it', async () => {
    const agent = await createAgent(deps, deps.admin, reportAgent);
    for (const customer of ['Acme', 'Globex', 'Initech']) await start(agent.id, customer);
    await createWorker(deps).runOnce();
    const sealed = await history();
    expect(sealed).toHaveLength(3);

    // The store as it was before the migration: no table, the migration not applied. Then the
    // store is opened again, as an upgrade would: it migrates (and grants the application role).
    const forget = async (db: Kysely<unknown>) => {
      await db.schema.dropTable('usage_history').execute();
      // The migrations after it run again too (they must, and do, leave the same state twice).
      await sql`DELETE FROM kysely_migration WHERE name >= '0022_usage_history'`.execute(db);
    };
    if (kind === 'postgres') {
      const owner = new Kysely<unknown>({
        dialect: new PostgresDialect({
          pool: new pg.Pool({
            connectionString: POSTGRES_URL,
            max: 1,
            options: `-c search_path=${deps.pgSchema} -c agentruns.scope=system`,
          }),
        }),
      });
      await forget(owner).finally(() => owner.destroy());
      const reopened = await openStore({ databaseUrl: POSTGRES_URL, pgSchema: deps.pgSchema });
      await reopened.close();
    } else {
      await forget(deps.store.db as Kysely<unknown>);
      await migrateToLatest(deps.store.db as Kysely<unknown>, kind);
    }
    expect(await history()).toEqual(sealed);
  });
});
