import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createAgent } from '../src/agents/agent-service.ts';
import { createWorker } from '../src/engine/worker.ts';
import { simulatedAnswer } from '../src/models/simulated-provider.ts';
import { createRun } from '../src/runs/create-run.ts';
import { getRunOrThrow, listAttempts } from '../src/runs/get-run.ts';
import { cancelRun, rerunRun, startRun } from '../src/runs/run-actions.ts';
import {
  createReportRun,
  createTestDeps,
  reportAgent,
  storeKinds,
  type TestDeps,
} from './support/test-deps.ts';

describe.each(storeKinds)('run lifecycle on %s', (kind) => {
  let deps: TestDeps;
  beforeEach(async () => {
    deps = await createTestDeps(kind);
  });
  afterEach(async () => {
    await deps.close();
  });

  const manual = () => ({ kind: 'manual' as const, by: deps.admin.userId });

  it('runs every step in order and records the output, models and timestamps', async () => {
    const agent = await createAgent(deps, deps.admin, reportAgent);
    const created = await createRun(
      deps,
      deps.admin,
      agent.id,
      { variables: { customer: 'Acme' }, start: true },
      manual(),
    );
    expect(created.status).toBe('enqueued');
    expect(created.name).toBe('Weekly account report — Acme');

    await createWorker(deps).runOnce();
    const run = await getRunOrThrow(deps, deps.admin, created.id);
    expect(run.status).toBe('completed');
    expect(run.statusText).toBe('Completed 3 of 3 steps');
    expect(run.simulated).toBe(true);
    expect(run.steps.map((s) => [s.number, s.name, s.status, s.reasoningEffort])).toEqual([
      [1, 'Gather', 'completed', 'low'],
      [2, 'Summarize', 'completed', 'high'],
      [3, 'Report', 'completed', 'low'],
    ]);
    const gather = simulatedAnswer({
      prompt: 'List the facts about Acme for last 7 days.',
      outputFormat: 'text',
    });
    expect(run.steps[0]?.output).toBe(gather);
    const summary = simulatedAnswer({ prompt: `Summarize: ${gather}`, outputFormat: 'text' });
    expect(run.steps[1]?.output).toBe(summary);
    expect(run.output).toBe(run.steps[2]?.output);
    for (const step of run.steps) {
      expect(step.model).toBe('simulated/default');
      expect(Date.parse(step.queuedAt ?? '')).toBeLessThanOrEqual(Date.parse(step.startedAt ?? ''));
      expect(Date.parse(step.startedAt ?? '')).toBeLessThanOrEqual(Date.parse(step.finishedAt ?? ''));
      expect(step.usage?.inputTokens).toBeGreaterThan(0);
    }
    const credits = run.steps.reduce((sum, s) => sum + (s.credits ?? 0), 0);
    expect(run.actualCredits).toBeCloseTo(credits, 6);
    expect(run.lastCompletedAt).not.toBeNull();
    expect(run.stepOverrides).toEqual([{ step: 2, reasoningEffort: 'high' }]);
  });

  it('leaves a run new when start is false, and starts it on request', async () => {
    const agent = await createAgent(deps, deps.admin, reportAgent);
    const run = await createRun(
      deps,
      deps.admin,
      agent.id,
      { variables: { customer: 'Acme' }, start: false },
      manual(),
    );
    expect(run.status).toBe('new');
    await createWorker(deps).runOnce();
    expect((await getRunOrThrow(deps, deps.admin, run.id)).status).toBe('new');
    expect((await startRun(deps, deps.admin, run.id)).status).toBe('enqueued');
    await createWorker(deps).runOnce();
    expect((await getRunOrThrow(deps, deps.admin, run.id)).status).toBe('completed');
  });

  it('refuses illegal transitions with a conflict that names the status', async () => {
    const agent = await createAgent(deps, deps.admin, reportAgent);
    const run = await createRun(
      deps,
      deps.admin,
      agent.id,
      { variables: { customer: 'Acme' }, start: true },
      manual(),
    );
    await expect(startRun(deps, deps.admin, run.id)).rejects.toMatchObject({
      code: 'conflict',
      message: expect.stringContaining('it is enqueued'),
    });
    await expect(rerunRun(deps, deps.admin, run.id, { latestVersion: false })).rejects.toMatchObject({
      code: 'conflict',
    });
    await createWorker(deps).runOnce();
    await expect(cancelRun(deps, deps.admin, run.id)).rejects.toMatchObject({
      code: 'conflict',
      message: expect.stringContaining('it is completed'),
    });
    await expect(startRun(deps, deps.admin, run.id)).rejects.toMatchObject({ code: 'conflict' });
    const fresh = await createRun(
      deps,
      deps.admin,
      agent.id,
      { variables: { customer: 'Acme' }, start: false },
      manual(),
    );
    await expect(cancelRun(deps, deps.admin, fresh.id)).rejects.toMatchObject({
      code: 'conflict',
      message: expect.stringContaining('it is new'),
    });
  });

  it('records a provider failure with a readable error and fails the run at that step', async () => {
    const { run: created } = await createReportRun(deps, { model: 'simulated/fail-at-step-2' });
    await createWorker(deps).runOnce();
    const run = await getRunOrThrow(deps, deps.admin, created.id);
    expect(run.status).toBe('failed');
    expect(run.statusText).toBe('Failed at step 2 of 3: Summarize');
    expect(run.error).toContain('simulated provider failure at step 2');
    expect(run.steps.map((s) => s.status)).toEqual(['completed', 'failed', 'pending']);
    expect(run.lastCompletedAt).toBeNull();
  });

  it('reruns a failed run as a new attempt and keeps the history', async () => {
    const { run: created } = await createReportRun(deps, { model: 'simulated/fail-at-step-3' });
    await createWorker(deps).runOnce();
    const rerun = await rerunRun(deps, deps.admin, created.id, { latestVersion: false });
    expect(rerun.status).toBe('enqueued');
    expect(rerun.attempt).toBe(2);
    const attempts = await listAttempts(deps, deps.admin, created.id);
    expect(attempts.map((a) => [a.number, a.status])).toEqual([
      [2, 'enqueued'],
      [1, 'failed'],
    ]);
  });

  it('reruns on the latest agent version only when asked', async () => {
    const agent = await createAgent(deps, deps.admin, reportAgent);
    const created = await createRun(
      deps,
      deps.admin,
      agent.id,
      { variables: { customer: 'Acme' }, start: true },
      manual(),
    );
    await createWorker(deps).runOnce();
    const { updateAgent } = await import('../src/agents/agent-service.ts');
    await updateAgent(deps, deps.admin, agent.id, {
      steps: [...reportAgent.steps, { name: 'Polish', prompt: 'Polish {{ steps.report.output }}' }],
    });
    const pinned = await rerunRun(deps, deps.admin, created.id, { latestVersion: false });
    expect([pinned.agentVersion, pinned.stepCount]).toEqual([1, 3]);
    await createWorker(deps).runOnce();
    const latest = await rerunRun(deps, deps.admin, created.id, { latestVersion: true });
    expect([latest.agentVersion, latest.stepCount]).toEqual([2, 4]);
    await createWorker(deps).runOnce();
    const run = await getRunOrThrow(deps, deps.admin, created.id);
    expect(run.steps.map((s) => s.status)).toEqual(['completed', 'completed', 'completed', 'completed']);
  });
  it('claims the next run as soon as one ends, before its governed record is sealed', async () => {
    const agent = await createAgent(deps, deps.admin, reportAgent);
    const runs = [];
    for (const customer of ['Acme', 'Globex'])
      runs.push(
        await createRun(deps, deps.admin, agent.id, { variables: { customer }, start: true }, manual()),
      );
    // What the worker did, in order: each claim that took an attempt, each record appended.
    const timeline: string[] = [];
    const worker = createWorker(
      {
        ...deps,
        ids: {
          ...deps.ids,
          next(kind) {
            if (kind === 'grc') timeline.push('seal');
            return deps.ids.next(kind);
          },
        },
        queue: {
          ...deps.queue,
          async claim(options) {
            const claimed = await deps.queue.claim(options);
            if (claimed.length > 0) timeline.push(`claim ${claimed.map((a) => a.runId).join()}`);
            return claimed;
          },
        },
      },
      { concurrency: 1 },
    );
    worker.start();
    try {
      await expect.poll(() => timeline.filter((e) => e === 'seal').length, { timeout: 10_000 }).toBe(2);
    } finally {
      await worker.stop();
    }
    // Concurrency bounds attempts running their steps: the second run did not wait for the first
    // one's seal (a batch written on a later turn of the event loop).
    expect(timeline).toEqual([`claim ${runs[0]?.id}`, `claim ${runs[1]?.id}`, 'seal', 'seal']);
    for (const run of runs) expect((await getRunOrThrow(deps, deps.admin, run.id)).status).toBe('completed');
  });
});
