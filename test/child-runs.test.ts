import { afterEach, describe, expect, it } from 'vitest';
import { createAgent, updateAgent } from '../src/agents/agent-service.ts';
import { createWorker } from '../src/engine/worker.ts';
import { simulatedAnswer } from '../src/models/simulated-provider.ts';
import { createRun } from '../src/runs/create-run.ts';
import { getRunOrThrow } from '../src/runs/get-run.ts';
import { cancelRun } from '../src/runs/run-actions.ts';
import { wakeWaitingParents } from '../src/triggers/wake-parents.ts';
import { type ApiHarness, createApiHarness, type ErrorResponse } from './support/api-harness.ts';
import { createProbeProvider } from './support/probe-provider.ts';
import { storeKinds, type TestDeps } from './support/test-deps.ts';

const childAgent = (model = 'simulated/default') => ({
  name: 'Summarizer',
  variables: [{ name: 'text', type: 'string', required: true }],
  modelSettings: { model },
  steps: [{ name: 'Summarize', prompt: 'Summarize {{ vars.text }}' }],
});

const parentAgent = (childId: string) => ({
  name: 'Reporter',
  variables: [{ name: 'customer', type: 'string', required: true }],
  steps: [
    { name: 'Gather', prompt: 'Facts about {{ vars.customer }}' },
    { name: 'Child', kind: 'agent', agentId: childId, variables: { text: 'notes on {{ vars.customer }}' } },
    { name: 'Report', prompt: 'Report from {{ steps.child.output }}' },
  ],
});

describe.each(storeKinds)('child runs on %s', (kind) => {
  let api: ApiHarness;
  let deps: TestDeps;
  const probe = createProbeProvider();
  afterEach(async () => {
    await api.close();
  });
  const setup = async () => {
    api = await createApiHarness(kind, { providers: () => [probe.provider] });
    deps = api.deps;
  };
  const start = (agentId: string, variables: Record<string, unknown>, agentVersion?: number) =>
    createRun(
      deps,
      deps.admin,
      agentId,
      { variables, start: true, ...(agentVersion ? { agentVersion } : {}) },
      { kind: 'manual', by: deps.admin.userId },
    );
  const attemptStatus = async (runId: string) =>
    (
      await deps.store.db
        .selectFrom('attempts')
        .select('status')
        .where('run_id', '=', runId)
        .executeTakeFirstOrThrow()
    ).status;

  it('waits for the child without a worker slot, across a restart, and feeds its output to later steps', async () => {
    await setup();
    const child = await createAgent(deps, deps.admin, childAgent());
    const parent = await createAgent(deps, deps.admin, parentAgent(child.id));
    const run = await start(parent.id, { customer: 'Acme' });

    // One slot: the child can only run because the waiting parent gave its slot back.
    const first = createWorker(deps, { concurrency: 1 });
    await first.runOnce();
    expect(first.inFlight).toBe(0);
    expect(await attemptStatus(run.id)).toBe('waiting');
    const waiting = await getRunOrThrow(deps, deps.admin, run.id);
    expect(waiting.status).toBe('running');
    const [link] = waiting.childRuns;
    expect(link).toMatchObject({ agentId: child.id, status: 'completed', step: 2 });
    first.kill();

    // A new worker (as after a restart) picks the parent up once it is woken.
    expect(await wakeWaitingParents(deps)).toBe(1);
    await createWorker(deps, { concurrency: 1 }).runOnce();
    const done = await getRunOrThrow(deps, deps.admin, run.id);
    expect(done.status).toBe('completed');
    const childRun = await getRunOrThrow(deps, deps.admin, link?.id ?? '');
    expect(childRun.parentRunId).toBe(run.id);
    expect(childRun.trigger).toEqual({ kind: 'agent', by: run.id });
    expect(childRun.variables).toEqual([{ name: 'text', value: 'notes on Acme', source: 'override' }]);
    expect(done.steps[1]?.output).toBe(childRun.output);
    expect(done.steps[2]?.output).toBe(
      simulatedAnswer({ prompt: `Report from ${childRun.output}`, outputFormat: 'text' }),
    );

    const viaApi = await api.call<{ childRuns: Array<{ id: string }>; parentRunId: string | null }>(
      'GET',
      `/api/runs/${run.id}`,
    );
    expect(viaApi.body.childRuns.map((c) => c.id)).toEqual([childRun.id]);
    expect(viaApi.body.parentRunId).toBeNull();
  });

  it("fails the parent's step with the child's error", async () => {
    await setup();
    const child = await createAgent(deps, deps.admin, childAgent('simulated/fail-at-step-1'));
    const parent = await createAgent(deps, deps.admin, parentAgent(child.id));
    const run = await start(parent.id, { customer: 'Acme' });
    await createWorker(deps).runOnce();
    await wakeWaitingParents(deps);
    await createWorker(deps).runOnce();
    const after = await getRunOrThrow(deps, deps.admin, run.id);
    expect(after.status).toBe('failed');
    expect(after.steps[1]?.status).toBe('failed');
    expect(after.steps[1]?.error).toMatch(/^child run run_\w+ failed: step 1 \(Summarize\): /);
  });

  it('cancels the child when the parent is canceled', async () => {
    await setup();
    const child = await createAgent(deps, deps.admin, childAgent('probe/block-at-1'));
    const parent = await createAgent(deps, deps.admin, parentAgent(child.id));
    const run = await start(parent.id, { customer: 'Acme' });
    const done = createWorker(deps).runOnce();
    await probe.waitFor((calls) => calls.some((c) => c.prompt.startsWith('Summarize notes on Acme')));
    const canceled = await cancelRun(deps, deps.admin, run.id);
    await done;
    expect(canceled.status).toBe('canceled');
    const childRun = await getRunOrThrow(deps, deps.admin, canceled.childRuns[0]?.id ?? '');
    expect(childRun.status).toBe('canceled');
    expect(canceled.steps[1]?.status).toBe('canceled');
  });

  it('refuses a cycle when saving, naming the step', async () => {
    await setup();
    const a = await createAgent(deps, deps.admin, childAgent());
    const b = await createAgent(deps, deps.admin, {
      ...childAgent(),
      name: 'B',
      steps: [{ name: 'Call A', kind: 'agent', agentId: a.id, variables: { text: '{{ vars.text }}' } }],
    });
    const cycle = await api.call<ErrorResponse>('PATCH', `/api/agents/${a.id}`, {
      steps: [
        { name: 'Summarize', prompt: 'Summarize {{ vars.text }}' },
        { name: 'Call B', kind: 'agent', agentId: b.id, variables: { text: 'x' } },
      ],
    });
    expect(cycle.status).toBe(400);
    expect(cycle.body.error.details[0]).toMatchObject({ path: 'steps[1].agentId' });
    expect(cycle.body.error.details[0]?.message).toContain(`${a.id} → ${b.id} → ${a.id}`);
    const self = await api.call<ErrorResponse>('PATCH', `/api/agents/${a.id}`, {
      steps: [{ name: 'Me', kind: 'agent', agentId: a.id, variables: { text: 'x' } }],
    });
    expect(self.body.error.details[0]?.path).toBe('steps[0].agentId');
    const unknown = await api.call<ErrorResponse>('POST', '/api/agents', {
      name: 'C',
      steps: [{ name: 'Call', kind: 'agent', agentId: 'agt_nope' }],
    });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.details[0]?.path).toBe('steps[0].agentId');
    const badVariable = await api.call<ErrorResponse>('POST', '/api/agents', {
      name: 'D',
      steps: [{ name: 'Call', kind: 'agent', agentId: a.id, variables: { nope: 'x' } }],
    });
    expect(badVariable.body.error.details[0]?.path).toBe('steps[0].variables.nope');
  });

  it('refuses a cycle when running a pinned older version, and a chain deeper than the limit', async () => {
    await setup();
    const b = await createAgent(deps, deps.admin, childAgent());
    const a = await createAgent(deps, deps.admin, parentAgent(b.id));
    // A v2 stops calling B, so B may call A; a run pinned to A v1 would then loop A → B → A.
    await updateAgent(deps, deps.admin, a.id, {
      steps: [{ name: 'Gather', prompt: 'Facts about {{ vars.customer }}' }],
    });
    await updateAgent(deps, deps.admin, b.id, {
      variables: [
        { name: 'text', type: 'string', required: true },
        { name: 'customer', type: 'string', default: 'x' },
      ],
      steps: [{ name: 'Call A', kind: 'agent', agentId: a.id, variables: { customer: '{{ vars.text }}' } }],
    });
    const run = await start(a.id, { customer: 'Acme' }, 1);
    for (let i = 0; i < 3; i++) {
      await createWorker(deps).runOnce();
      await wakeWaitingParents(deps);
    }
    const after = await getRunOrThrow(deps, deps.admin, run.id);
    expect(after.status).toBe('failed');
    const childRun = await getRunOrThrow(deps, deps.admin, after.childRuns[0]?.id ?? '');
    expect(childRun.steps[0]?.error).toContain(`makes a cycle: ${a.id} → ${b.id} → ${a.id}`);

    const leaf = await createAgent(deps, deps.admin, childAgent());
    const middle = await createAgent(deps, deps.admin, {
      ...childAgent(),
      name: 'Middle',
      steps: [{ name: 'Call leaf', kind: 'agent', agentId: leaf.id, variables: { text: '{{ vars.text }}' } }],
    });
    const top = await createAgent(deps, deps.admin, {
      ...childAgent(),
      name: 'Top',
      steps: [
        { name: 'Call middle', kind: 'agent', agentId: middle.id, variables: { text: '{{ vars.text }}' } },
      ],
    });
    const deep = await start(top.id, { text: 'go' });
    for (let i = 0; i < 3; i++) {
      await createWorker(deps, { childRunDepthLimit: 1 }).runOnce();
      await wakeWaitingParents(deps);
    }
    const deepAfter = await getRunOrThrow(deps, deps.admin, deep.id);
    expect(deepAfter.status).toBe('failed');
    const middleRun = await getRunOrThrow(deps, deps.admin, deepAfter.childRuns[0]?.id ?? '');
    expect(middleRun.steps[0]?.error).toBe('a child run at depth 2 is over the limit of 1 nested runs');
  });
});
