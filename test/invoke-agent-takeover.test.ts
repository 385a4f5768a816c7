import { afterEach, describe, expect, it } from 'vitest';
import { createAgent } from '../src/agents/agent-service.ts';
import { createWorker } from '../src/engine/worker.ts';
import { createManualClock, type ManualClock } from '../src/platform/clock.ts';
import { createRun } from '../src/runs/create-run.ts';
import { getRunOrThrow } from '../src/runs/get-run.ts';
import { rerunRun } from '../src/runs/run-actions.ts';
import { eventually } from './support/processes.ts';
import { createTestDeps, storeKinds, type TestDeps } from './support/test-deps.ts';

const LEASE_MS = 10_000;

/**
 * `invoke_agent` is as durable as an `agent` step (T4): a parent attempt whose worker dies in the
 * middle of the call is taken over, the step runs again, makes the same call, and finds the child
 * it started instead of starting another.
 */
describe.each(storeKinds)('invoke_agent across a worker that dies mid-call on %s', (kind) => {
  let deps: TestDeps;
  let clock: ManualClock;
  afterEach(async () => {
    await deps.close();
  });

  async function setup(prompt: (childId: string) => string) {
    clock = createManualClock(Date.UTC(2026, 10, 26, 9));
    deps = await createTestDeps(kind, { clock });
    const child = await createAgent(deps, deps.admin, {
      name: 'Child',
      variables: [{ name: 'text', type: 'string', required: true }],
      steps: [{ name: 'Echo', prompt: 'Child got {{ vars.text }}' }],
    });
    const parent = await createAgent(deps, deps.admin, {
      name: 'Parent',
      toolSettings: { invokableAgentIds: [child.id] },
      steps: [{ name: 'Delegate', tools: ['invoke_agent'], prompt: prompt(child.id) }],
    });
    const run = await createRun(
      deps,
      deps.admin,
      parent.id,
      { variables: {}, start: true },
      { kind: 'manual', by: deps.admin.userId },
    );
    return { run };
  }

  const childrenOf = (runId: string) =>
    deps.store.db
      .selectFrom('runs')
      .select(['id', 'status', 'output', 'parent_attempt_id', 'parent_tool_call'])
      .where('parent_run_id', '=', runId)
      .orderBy('id')
      .execute();

  it('reattaches the repeated step to the child it started: one child run, and the parent completes with its output', async () => {
    const { run } = await setup(
      (childId) => `[[call invoke_agent {"agentId":"${childId}","variables":{"text":"acme"}}]]`,
    );
    // One slot: the first worker holds the parent, so the child it starts waits in the queue.
    const first = createWorker(deps, { id: 'first', leaseMs: LEASE_MS, concurrency: 1 });
    const firstDone = first.runOnce();
    const [started] = await eventually('the tool call to start the child', async () => {
      const children = await childrenOf(run.id);
      return children.length > 0 ? children : undefined;
    });
    first.kill();
    await firstDone;
    expect(started?.status).toBe('enqueued');

    clock.advance(LEASE_MS + 1);
    await createWorker(deps, { id: 'second', leaseMs: LEASE_MS }).runOnce();

    const children = await childrenOf(run.id);
    expect(children.map((c) => c.id)).toEqual([started?.id]);
    expect(children[0]?.status).toBe('completed');
    const after = await getRunOrThrow(deps, deps.admin, run.id);
    expect(after.status).toBe('completed');
    const attempt = await deps.store.db
      .selectFrom('attempts')
      .select(['id', 'lease_generation'])
      .where('run_id', '=', run.id)
      .executeTakeFirstOrThrow();
    // The same attempt, taken over: the second worker repeated the step rather than a new attempt.
    expect(attempt.lease_generation).toBe(2);
    expect(children[0]?.parent_attempt_id).toBe(attempt.id);
    const step = after.steps[0];
    expect(step?.toolCalls).toHaveLength(1);
    expect(step?.toolCalls[0]?.result).toMatchObject({ runId: started?.id, output: children[0]?.output });
    expect(children[0]?.output).toContain('Child got acme');
    expect(step?.output).toContain('Child got acme');
  });

  it('takes the result of a child that already ended while nobody held the parent', async () => {
    const { run } = await setup(
      (childId) => `[[call invoke_agent {"agentId":"${childId}","variables":{"text":"done early"}}]]`,
    );
    const first = createWorker(deps, { id: 'first', leaseMs: LEASE_MS, concurrency: 1 });
    const firstDone = first.runOnce();
    await eventually('the tool call to start the child', async () =>
      (await childrenOf(run.id)).length > 0 ? true : undefined,
    );
    first.kill();
    await firstDone;
    // Another worker runs the child before the parent's lease expires (it cannot take the parent yet).
    await createWorker(deps, { id: 'child-runner', leaseMs: LEASE_MS }).runOnce();
    const [ended] = await childrenOf(run.id);
    expect(ended?.status).toBe('completed');
    expect((await getRunOrThrow(deps, deps.admin, run.id)).status).toBe('running');

    clock.advance(LEASE_MS + 1);
    await createWorker(deps, { id: 'second', leaseMs: LEASE_MS }).runOnce();
    const children = await childrenOf(run.id);
    expect(children.map((c) => c.id)).toEqual([ended?.id]);
    const after = await getRunOrThrow(deps, deps.admin, run.id);
    expect(after.status).toBe('completed');
    expect(after.steps[0]?.toolCalls[0]?.result).toMatchObject({ runId: ended?.id });
  });

  it('starts one child per call when a step invokes the same agent twice, and reattaches each', async () => {
    const { run } = await setup((childId) =>
      [
        `[[call invoke_agent {"agentId":"${childId}","variables":{"text":"same"}}]]`,
        `[[call invoke_agent {"agentId":"${childId}","variables":{"text":"same"}}]]`,
      ].join(' '),
    );
    // The model makes one call per round: the first child must end before the second call starts.
    const first = createWorker(deps, { id: 'first', leaseMs: LEASE_MS, concurrency: 1 });
    const firstDone = first.runOnce();
    await eventually('the first call to start its child', async () =>
      (await childrenOf(run.id)).length === 1 ? true : undefined,
    );
    await createWorker(deps, { id: 'child-runner', leaseMs: LEASE_MS }).runOnce();
    const started = await eventually('the second call to start its own child', async () => {
      const children = await childrenOf(run.id);
      return children.length === 2 ? children : undefined;
    });
    first.kill();
    await firstDone;
    expect(started.map((c) => c.parent_tool_call?.split(':')[0])).toEqual(['1', '2']);

    clock.advance(LEASE_MS + 1);
    await createWorker(deps, { id: 'second', leaseMs: LEASE_MS }).runOnce();
    const children = await childrenOf(run.id);
    expect(children.map((c) => c.id)).toEqual(started.map((c) => c.id));
    expect(children.map((c) => c.status)).toEqual(['completed', 'completed']);
    const after = await getRunOrThrow(deps, deps.admin, run.id);
    expect(after.status).toBe('completed');
    expect(after.steps[0]?.toolCalls.map((c) => (c.result as { runId: string }).runId)).toEqual(
      started.map((c) => c.id),
    );
  });

  it('starts a new child when the run is rerun: the key is the attempt, not the run', async () => {
    const { run } = await setup(
      (childId) => `[[call invoke_agent {"agentId":"${childId}","variables":{"text":"again"}}]]`,
    );
    const worker = createWorker(deps, { leaseMs: LEASE_MS });
    worker.start();
    try {
      const ended = async (attempt: number) => {
        const r = await getRunOrThrow(deps, deps.admin, run.id);
        return r.attempt === attempt && r.status === 'completed' ? r : undefined;
      };
      await eventually('the first attempt to complete', () => ended(1));
      await rerunRun(deps, deps.admin, run.id, { latestVersion: false });
      await eventually('the rerun to complete', () => ended(2));
    } finally {
      await worker.stop(0);
    }
    const children = await childrenOf(run.id);
    expect(children).toHaveLength(2);
    expect(new Set(children.map((c) => c.parent_attempt_id)).size).toBe(2);
  });
});
