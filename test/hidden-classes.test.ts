import v8 from 'node:v8';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAgent } from '../src/agents/agent-service.ts';
import { createWorker } from '../src/engine/worker.ts';
import type { ModelCall, ModelProvider } from '../src/models/model-provider.ts';
import type { AttemptCommit, QueueStore } from '../src/queue/queue-store.ts';
import { createRun } from '../src/runs/create-run.ts';
import { getRunOrThrow } from '../src/runs/get-run.ts';
import { createTestDeps, reportAgent, type TestDeps } from './support/test-deps.ts';

// V8's own test of whether two objects have the same hidden class (map).
v8.setFlagsFromString('--allow-natives-syntax');
const sameMap = new Function('a', 'b', 'return %HaveSameMap(a, b)') as (a: object, b: object) => boolean;

/** How many of `objects` have a hidden class other than the first one's. */
const othersThanFirst = (objects: readonly object[]) =>
  objects.filter((o) => !sameMap(o, objects[0] as object)).length;

/**
 * The engine's per-step objects share their hidden classes: on Node 20's V8 an object made by a
 * spread (`{ ...base, at }`) gets a map of its own, and then every read of such objects further on
 * misses its inline cache (engine drain on SQLite: 4,666–5,886 → 5,151–7,583 steps/s without).
 */
describe('the hot paths build objects of one shape', () => {
  let deps: TestDeps;
  beforeAll(async () => {
    deps = await createTestDeps('sqlite');
  });
  afterAll(async () => {
    await deps.close();
  });

  it('step commits, model calls and run views', async () => {
    const commits: AttemptCommit[] = [];
    const calls: ModelCall[] = [];
    const queue: QueueStore = {
      ...deps.queue,
      commit(batch) {
        commits.push(...batch);
        return deps.queue.commit(batch);
      },
    };
    const simulated = deps.models.resolveOrThrow('simulated/default');
    const recording: ModelProvider = {
      id: 'simulated',
      simulated: true,
      generate(call) {
        calls.push(call);
        return simulated.generate(call);
      },
    };
    const models = {
      ...deps.models,
      resolveOrThrow: () => recording,
      resolveForOrgOrThrow: async () => recording,
    };
    const agent = await createAgent(deps, deps.admin, reportAgent);
    const runIds: string[] = [];
    for (const customer of ['Acme', 'Globex', 'Initech']) {
      const run = await createRun(
        deps,
        deps.admin,
        agent.id,
        { variables: { customer }, start: true },
        { kind: 'manual', by: deps.admin.userId },
      );
      runIds.push(run.id);
    }
    await createWorker({ ...deps, queue, models }).runOnce();

    // Three runs of three steps: a start, two steps going on and a finish each.
    expect(commits).toHaveLength(12);
    expect(othersThanFirst(commits)).toBe(0);
    expect(calls).toHaveLength(9);
    expect(othersThanFirst(calls)).toBe(0);
    const views = await Promise.all(runIds.map((id) => getRunOrThrow(deps, deps.admin, id)));
    expect(views.map((v) => v.status)).toEqual(['completed', 'completed', 'completed']);
    expect(othersThanFirst(views)).toBe(0);
  });
});
