import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAgent } from '../src/agents/agent-service.ts';
import { createWorker } from '../src/engine/worker.ts';
import { createRun } from '../src/runs/create-run.ts';
import { filteredRuns, type ListRunsQuery, listRuns, runSorts } from '../src/runs/list-runs.ts';
import { updateRun } from '../src/runs/run-actions.ts';
import { createTestDeps, reportAgent, storeKinds, type TestDeps } from './support/test-deps.ts';

const customers = ['Acme', 'Globex', 'Initech', 'Umbrella', 'Hooli', 'Acme', 'Stark'];

describe.each(storeKinds)('run list pages on %s', (kind) => {
  let deps: TestDeps;
  let agentIds: string[];
  beforeAll(async () => {
    deps = await createTestDeps(kind);
    const a = await createAgent(deps, deps.admin, reportAgent);
    const b = await createAgent(deps, deps.admin, {
      ...reportAgent,
      name: 'Second agent',
      modelSettings: { model: 'simulated/fail-at-step-2' },
    });
    agentIds = [a.id, b.id];
    const manual = { kind: 'manual' as const, by: deps.admin.userId };
    for (let i = 0; i < 36; i++) {
      const run = await createRun(
        deps,
        deps.admin,
        agentIds[i % 2] ?? a.id,
        { variables: { customer: `${customers[i % customers.length]} ${i % 5}` }, start: i % 3 !== 0 },
        manual,
      );
      if (i % 7 === 0) await updateRun(deps, deps.admin, run.id, { archived: true });
    }
    await createWorker(deps).runOnce();
  }, 60_000);
  afterAll(async () => {
    await deps.close();
  });

  const everything = (query: Omit<ListRunsQuery, 'limit' | 'cursor'>) =>
    listRuns(deps, deps.admin, { ...query, limit: 500 });

  async function allPages(query: Omit<ListRunsQuery, 'cursor'>, between?: () => Promise<void>) {
    const ids: string[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < 200; page++) {
      const result = await listRuns(deps, deps.admin, { ...query, ...(cursor ? { cursor } : {}) });
      expect(result.items.length).toBeLessThanOrEqual(query.limit);
      ids.push(...result.items.map((r) => r.id));
      if (!result.nextCursor) return ids;
      cursor = result.nextCursor;
      await between?.();
    }
    throw new Error('pagination did not end');
  }

  it('loses and repeats no run across pages, for any sort, filter and page size', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 12 }),
        fc.constantFrom(...runSorts),
        fc.constantFrom<ListRunsQuery['archived']>('false', 'true', 'all'),
        fc.option(fc.constantFrom(0, 1), { nil: undefined }),
        fc.option(fc.constantFrom('completed', 'failed', 'new', 'completed,new', 'failed,completed,new'), {
          nil: undefined,
        }),
        fc.option(fc.constantFrom('acme', 'globex 3', 'simulated', 'nothing-matches'), { nil: undefined }),
        async (limit, sort, archived, agent, status, q) => {
          const query = {
            sort,
            archived,
            ...(agent === undefined ? {} : { agentId: agentIds[agent] }),
            ...(status === undefined ? {} : { status }),
            ...(q === undefined ? {} : { q }),
          };
          const expected = (await everything(query)).items.map((r) => r.id);
          if (status !== undefined) {
            // Several statuses are merged from one page per status: the same runs, in the same
            // order, as the unfiltered list keeps of them.
            const { status: _, ...unfiltered } = query;
            const kept = (await everything(unfiltered)).items.filter((r) =>
              status.split(',').includes(r.status),
            );
            expect(expected).toEqual(kept.map((r) => r.id));
          }
          const paged = await allPages({ ...query, limit });
          expect(paged).toEqual(expected);
          expect(new Set(paged).size).toBe(paged.length);
        },
      ),
      { numRuns: 40 },
    );
  });

  it('keeps its place while new runs arrive between pages', async () => {
    const before = (await everything({ sort: 'created_desc', archived: 'all' })).items.map((r) => r.id);
    let added = 0;
    const paged = await allPages({ sort: 'created_desc', archived: 'all', limit: 5 }, async () => {
      added++;
      await createRun(
        deps,
        deps.admin,
        agentIds[0] ?? '',
        { variables: { customer: `Late ${added}` }, start: false },
        { kind: 'manual', by: deps.admin.userId },
      );
    });
    expect(added).toBeGreaterThan(3);
    expect(paged).toEqual(before);
  });

  it('finds runs by words of their outputs, and filters by agent, status and trigger', async () => {
    const byOutput = await everything({ sort: 'created_desc', archived: 'all', q: 'simulated answer' });
    expect(byOutput.items.length).toBeGreaterThan(0);
    expect(byOutput.items.every((r) => r.status === 'completed' || r.status === 'failed')).toBe(true);
    const failed = await everything({ sort: 'created_desc', archived: 'all', status: 'failed' });
    expect(failed.items.length).toBeGreaterThan(0);
    expect(failed.items.every((r) => r.agentId === agentIds[1])).toBe(true);
    expect((await everything({ sort: 'created_desc', archived: 'all', trigger: 'schedule' })).items).toEqual(
      [],
    );
    const archived = await everything({ sort: 'created_desc', archived: 'true' });
    expect(archived.items.length).toBe(6);
    expect(archived.items.every((r) => r.archived)).toBe(true);
  });

  it('finds the same runs whichever plan the search takes (from its matches, or along the index)', async () => {
    for (const q of ['acme', 'globex 3', 'simulated answer', 'simulated', 'nothing-matches'])
      for (const status of [undefined, 'completed', 'failed,new']) {
        const filter = {
          q,
          archived: 'all' as const,
          sort: 'created_desc' as const,
          ...(status ? { status } : {}),
        };
        const ids = (fewMatches: boolean) =>
          filteredRuns(deps.store.db, kind, deps.admin, filter, { fewMatches })
            .select('runs.id')
            .orderBy('runs.id', 'desc')
            .execute();
        const fromMatches = await ids(true);
        expect(await ids(false)).toEqual(fromMatches);
        expect(fromMatches.map((r) => r.id)).toEqual(
          (await everything(filter)).items
            .map((r) => r.id)
            .sort()
            .reverse(),
        );
      }
  });
});
