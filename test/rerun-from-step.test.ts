import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createWorker } from '../src/engine/worker.ts';
import { getRunOrThrow, listAttempts } from '../src/runs/get-run.ts';
import { rerunRun } from '../src/runs/run-actions.ts';
import { createProbeProvider } from './support/probe-provider.ts';
import { createReportRun, createTestDeps, storeKinds, type TestDeps } from './support/test-deps.ts';

describe.each(storeKinds)('rerunning from a step on %s', (kind) => {
  let deps: TestDeps;
  let probe: ReturnType<typeof createProbeProvider>;
  beforeEach(async () => {
    probe = createProbeProvider();
    deps = await createTestDeps(kind, { providers: () => [probe.provider] });
  });
  afterEach(async () => {
    await deps.close();
  });

  async function completedRun(model = 'probe/default') {
    const { run } = await createReportRun(deps, { model });
    await createWorker(deps).runOnce();
    return getRunOrThrow(deps, deps.admin, run.id);
  }

  it('reuses the results before step N and runs the steps from N again', async () => {
    const first = await completedRun();
    const rerun = await rerunRun(deps, deps.admin, first.id, { fromStep: 2, latestVersion: false });
    expect(rerun.attempt).toBe(2);
    expect(rerun.steps.map((s) => [s.status, s.reused])).toEqual([
      ['completed', true],
      ['pending', false],
      ['pending', false],
    ]);
    await createWorker(deps).runOnce();

    const after = await getRunOrThrow(deps, deps.admin, first.id);
    expect(after.status).toBe('completed');
    expect(after.steps.map((s) => s.reused)).toEqual([true, false, false]);
    expect(after.steps[0]).toMatchObject({
      output: first.steps[0]?.output,
      finishedAt: first.steps[0]?.finishedAt,
    });
    expect(probe.calls.map((c) => c.step)).toEqual([1, 2, 3, 2, 3]);
    // The reused step is not paid again.
    const paid = (after.steps[1]?.credits ?? 0) + (after.steps[2]?.credits ?? 0);
    expect(after.actualCredits).toBeCloseTo(paid, 6);
    const attempts = await listAttempts(deps, deps.admin, first.id);
    expect(attempts.map((a) => [a.number, a.fromStep, a.status])).toEqual([
      [2, 2, 'completed'],
      [1, 1, 'completed'],
    ]);
  });

  it('refuses to reuse a step that did not complete', async () => {
    const failed = await completedRun('simulated/fail-at-step-2');
    expect(failed.status).toBe('failed');
    await expect(
      rerunRun(deps, deps.admin, failed.id, { fromStep: 3, latestVersion: false }),
    ).rejects.toMatchObject({
      code: 'conflict',
      message: expect.stringContaining('step 2 has no completed result to reuse'),
    });
    const fromFailed = await rerunRun(deps, deps.admin, failed.id, { fromStep: 2, latestVersion: false });
    expect(fromFailed.steps[0]?.reused).toBe(true);
  });

  it('names the field when the step does not exist', async () => {
    const run = await completedRun();
    await expect(
      rerunRun(deps, deps.admin, run.id, { fromStep: 9, latestVersion: false }),
    ).rejects.toMatchObject({
      code: 'validation_failed',
      details: [{ path: 'fromStep', message: 'this agent version has 3 steps' }],
    });
  });
});
