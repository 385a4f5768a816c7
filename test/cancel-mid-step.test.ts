import { afterEach, describe, expect, it } from 'vitest';
import { createWorker } from '../src/engine/worker.ts';
import { getRunOrThrow } from '../src/runs/get-run.ts';
import { cancelRun } from '../src/runs/run-actions.ts';
import { createProbeProvider } from './support/probe-provider.ts';
import { createReportRun, createTestDeps, storeKinds, type TestDeps } from './support/test-deps.ts';

describe.each(storeKinds)('canceling a run on %s', (kind) => {
  let deps: TestDeps;
  afterEach(async () => {
    await deps.close();
  });

  async function setup(model: string) {
    const probe = createProbeProvider();
    deps = await createTestDeps(kind, { providers: () => [probe.provider] });
    const { run } = await createReportRun(deps, { model });
    return { probe, run };
  }

  it('aborts the model call in flight and keeps the steps done so far', async () => {
    const { probe, run } = await setup('probe/block-at-2');
    const worker = createWorker(deps);
    const done = worker.runOnce();
    await probe.waitFor((calls) => calls.some((c) => c.step === 2));
    expect((await getRunOrThrow(deps, deps.admin, run.id)).statusText).toBe('Step 2 of 3: Summarize');

    const canceled = await cancelRun(deps, deps.admin, run.id);
    await done;

    expect(probe.calls.find((c) => c.step === 2)?.abortedWith).toBe('run canceled');
    expect(canceled.status).toBe('canceled');
    expect(canceled.statusText).toBe('Canceled at step 2 of 3: Summarize');
    const after = await getRunOrThrow(deps, deps.admin, run.id);
    expect(after.status).toBe('canceled');
    expect(after.steps.map((s) => s.status)).toEqual(['completed', 'canceled', 'pending']);
    expect(after.steps[0]?.output).toContain('Simulated answer');
    expect(probe.calls.map((c) => c.step)).toEqual([1, 2]);
    expect(worker.inFlight).toBe(0);
  });

  it('never lets a late model answer turn a canceled run into a completed one', async () => {
    const { probe, run } = await setup('probe/deaf-at-2');
    const done = createWorker(deps).runOnce();
    await probe.waitFor((calls) => calls.some((c) => c.step === 2));
    await cancelRun(deps, deps.admin, run.id);
    // The provider ignores the abort and answers anyway; its commit must be refused.
    probe.calls.find((c) => c.step === 2)?.release();
    await done;
    const after = await getRunOrThrow(deps, deps.admin, run.id);
    expect(after.status).toBe('canceled');
    expect(after.steps.map((s) => s.status)).toEqual(['completed', 'canceled', 'pending']);
    expect(after.output).toBeNull();
    expect(probe.calls.map((c) => c.step)).toEqual([1, 2]);
  });

  it('still reaches an attempt that a stopping worker waits for', async () => {
    // The cancel can arrive after shutdown began (SIGTERM right after the cancel, its notification
    // still on the way): the worker must not have stopped listening while it waits for the attempt.
    const { probe, run } = await setup('probe/block-at-1');
    const worker = createWorker(deps, { pollIntervalMs: 50 });
    worker.start();
    await probe.waitFor((calls) => calls.length === 1);
    const stopped = worker.stop(60_000);
    await cancelRun(deps, deps.admin, run.id);
    await stopped;
    expect(probe.calls[0]?.abortedWith).toBe('run canceled');
    expect((await getRunOrThrow(deps, deps.admin, run.id)).steps[0]?.status).toBe('canceled');
  });

  it('cancels an enqueued run before any worker takes it', async () => {
    const { probe, run } = await setup('probe/default');
    const canceled = await cancelRun(deps, deps.admin, run.id);
    expect(canceled.statusText).toBe('Canceled before it started');
    await createWorker(deps).runOnce();
    expect(probe.calls).toEqual([]);
    const after = await getRunOrThrow(deps, deps.admin, run.id);
    expect(after.steps.map((s) => s.status)).toEqual(['pending', 'pending', 'pending']);
  });

  it('reaches a worker running in the background through the event bus', async () => {
    const { probe, run } = await setup('probe/block-at-1');
    const worker = createWorker(deps, { pollIntervalMs: 50 });
    worker.start();
    try {
      await probe.waitFor((calls) => calls.length === 1);
      await cancelRun(deps, deps.admin, run.id);
      await probe.waitFor((calls) => calls[0]?.abortedWith !== undefined);
      expect(probe.calls[0]?.abortedWith).toBe('run canceled');
    } finally {
      await worker.stop();
    }
    expect((await getRunOrThrow(deps, deps.admin, run.id)).steps[0]?.status).toBe('canceled');
  });
});
