import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { BenchmarkDashboard } from '../src/benchmarks/benchmark-dashboard.ts';
import { benchmarkDashboard } from '../src/benchmarks/benchmark-dashboard.ts';
import { createBenchmarkLoop } from '../src/benchmarks/benchmark-loop.ts';
import type { BenchmarkResultView } from '../src/benchmarks/benchmark-results.ts';
import { seededRandom } from '../src/benchmarks/bootstrap-difference.ts';
import type { DatasetRunView } from '../src/benchmarks/dataset-runs.ts';
import { createWorker } from '../src/engine/worker.ts';
import { createNotifier } from '../src/notify/notifier.ts';
import type { RunDetails } from '../src/runs/run-view.ts';
import { type ApiHarness, createApiHarness, type ErrorResponse } from './support/api-harness.ts';
import { reportAgent, storeKinds } from './support/test-deps.ts';

/** The report agent, ending in a step whose answer the criteria below can check. */
const agentBody = { ...reportAgent, notification: { on: 'none' } };

describe.each(storeKinds)('benchmarks on %s', (kind) => {
  let api: ApiHarness;
  let agentId: string;
  beforeEach(async () => {
    api = await createApiHarness(kind);
    agentId = (await api.call<{ id: string }>('POST', '/api/agents', agentBody)).body.id;
  });
  afterEach(async () => {
    await api.close();
  });

  /** Runs everything queued: attempts, then their settling (which queues benchmarks), then benchmarks. */
  const drain = async () => {
    await createWorker(api.deps).runOnce();
    await createNotifier(api.deps).runOnce();
    await createBenchmarkLoop(api.deps).runOnce();
  };
  const startRun = async (variables: Record<string, unknown> = { customer: 'Acme' }, extra = {}) =>
    (await api.call<RunDetails>('POST', `/api/agents/${agentId}/runs`, { variables, ...extra })).body.id;
  const runDetails = async (id: string) => (await api.call<RunDetails>('GET', `/api/runs/${id}`)).body;

  it('is the writing-quality benchmark until configured, and benchmarks a run by hand', async () => {
    const got = await api.call<{ benchmark: { configured: boolean; quality: { enabled: boolean } } }>(
      'GET',
      `/api/agents/${agentId}/benchmarks`,
    );
    expect(got.body.benchmark).toMatchObject({
      configured: false,
      quality: { enabled: true },
      autoRun: false,
    });

    const runId = await startRun();
    await drain();
    // Not configured to run on completion: nothing was benchmarked.
    expect((await runDetails(runId)).benchmarks).toEqual([]);

    const requested = await api.call<BenchmarkResultView>('POST', `/api/runs/${runId}/benchmarks`);
    expect(requested.status).toBe(202);
    expect(requested.body).toMatchObject({ status: 'pending', origin: 'manual', seq: 1 });
    await createBenchmarkLoop(api.deps).runOnce();
    const run = await runDetails(runId);
    expect(run.status).toBe('completed');
    const [result] = run.benchmarks;
    expect(result?.status).toBe('done');
    expect(result?.quality?.dimensions.map((d) => d.name)).toEqual([
      'readability',
      'clarity',
      'cohesion',
      'tone',
      'engagement',
      'repetition',
      'vocabulary',
      'complexity',
    ]);
    // Judged by the run's model, the simulated one, and labeled so.
    expect(result?.quality).toMatchObject({ judgeModel: 'simulated/default', simulatedJudge: true });
    expect(result?.score).toBe(result?.quality?.score);
    expect(result?.credits).toBeGreaterThan(0);

    // Rerunnable: a second result beside the first.
    await api.call('POST', `/api/runs/${runId}/benchmarks`);
    await createBenchmarkLoop(api.deps).runOnce();
    const again = await api.call<{ items: BenchmarkResultView[] }>('GET', `/api/runs/${runId}/benchmarks`);
    expect(again.body.items.map((r) => [r.seq, r.status])).toEqual([
      [2, 'done'],
      [1, 'done'],
    ]);
  });

  it('runs automatically on completion with custom criteria, and a judge failure leaves the run as it was', async () => {
    const put = await api.call('PUT', `/api/agents/${agentId}/benchmarks`, {
      autoRun: true,
      quality: { enabled: false },
      criteria: [
        { type: 'contains', value: 'Simulated answer', weight: 2 },
        { type: 'not-contains', value: 'Simulated', name: 'no simulation' },
        { type: 'llm-judge', rubric: 'Is it a report?', model: 'simulated/score-0.9' },
        { type: 'credits', max: 1000 },
      ],
    });
    expect(put.status).toBe(200);
    const runId = await startRun();
    await drain();
    const [result] = (await runDetails(runId)).benchmarks;
    expect(result).toMatchObject({ status: 'done', origin: 'auto', passed: false });
    expect(result?.criteria.map((c) => [c.id, c.name, c.passed, c.score])).toEqual([
      ['c1', 'contains "Simulated answer"', true, 1],
      ['c2', 'no simulation', false, 0],
      ['c3', 'judge rubric', true, 0.9],
      ['c4', 'at most 1000 credits', true, 1],
    ]);
    // (2·1 + 0 + 0.9 + 1) ÷ 5 = 0.78
    expect(result?.score).toBe(78);

    // A judge whose provider is unknown fails the benchmark, not the run.
    await api.call('PUT', `/api/agents/${agentId}/benchmarks`, {
      autoRun: true,
      quality: { enabled: false },
      criteria: [{ type: 'llm-judge', rubric: 'x', model: 'nowhere/judge' }],
    });
    await api.call('POST', `/api/runs/${runId}/benchmarks`);
    await createBenchmarkLoop(api.deps).runOnce();
    const run = await runDetails(runId);
    expect(run.status).toBe('completed');
    expect(run.benchmarks[0]).toMatchObject({ status: 'error', seq: 2 });
    expect(run.benchmarks[0]?.error).toContain('nowhere');
  });

  it('two benchmark loops at once judge each queued result exactly once', async () => {
    await api.call('PUT', `/api/agents/${agentId}/benchmarks`, { autoRun: true });
    for (let i = 0; i < 4; i++) await startRun();
    await createWorker(api.deps).runOnce();
    // Two notifier passes at once queue each completion once (unique attempt and seq).
    await Promise.all([createNotifier(api.deps).runOnce(), createNotifier(api.deps).runOnce()]);
    const asked: string[] = [];
    const judge = {
      async askOrThrow(model: string, prompt: string) {
        asked.push(prompt);
        const score = { score: 70, advice: 'Be concrete.' };
        return { model, simulated: true, value: { clarity: score, tone: score, engagement: score } };
      },
    };
    const [a, b] = await Promise.all([
      createBenchmarkLoop(api.deps, { judge }).runOnce(),
      createBenchmarkLoop(api.deps, { judge }).runOnce(),
    ]);
    expect(a + b).toBe(4);
    expect(asked).toHaveLength(4);
    const rows = await api.deps.store.db.selectFrom('benchmark_results').select(['status', 'seq']).execute();
    expect(rows.map((r) => [r.status, r.seq])).toEqual(Array.from({ length: 4 }, () => ['done', 1]));
  });

  it('refuses a bad benchmark naming the field, and benchmarking a run that did not complete', async () => {
    const bad = await api.call<ErrorResponse>('PUT', `/api/agents/${agentId}/benchmarks`, {
      criteria: [
        { type: 'contains', value: 'a' },
        { type: 'regex', pattern: '[' },
      ],
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details[0]?.path).toBe('criteria[1].pattern');
    const schema = await api.call<ErrorResponse>('PUT', `/api/agents/${agentId}/benchmarks`, {
      criteria: [{ type: 'json-schema', schema: { type: 'nope' } }],
    });
    expect(schema.status).toBe(400);
    expect(schema.body.error.details[0]?.path).toBe('criteria[0].schema');
    const unknown = await api.call<ErrorResponse>('PUT', `/api/agents/${agentId}/benchmarks`, {
      criteria: [{ type: 'vibes' }],
    });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.details[0]?.path).toBe('criteria[0].type');

    const pending = await startRun({ customer: 'Acme' }, { start: false });
    const refused = await api.call<ErrorResponse>('POST', `/api/runs/${pending}/benchmarks`);
    expect(refused.status).toBe(409);
    expect(refused.body.error.message).toContain('only a completed attempt');
  });

  it('runs two versions over every reference case side by side, with per-case results', async () => {
    await api.call('PATCH', `/api/agents/${agentId}`, { description: 'version 2' });
    await api.call('PUT', `/api/agents/${agentId}/benchmarks`, {
      quality: { enabled: false },
      criteria: [
        { type: 'similarity', threshold: 0.1 },
        { type: 'icontains', value: 'globex' },
      ],
      cases: [
        { id: 'acme', name: 'Acme', variables: { customer: 'Acme' }, expected: 'Simulated answer for Acme' },
        { id: 'globex', name: 'Globex', variables: { customer: 'Globex' }, expected: 'Globex report' },
      ],
    });
    const badCase = await api.call<ErrorResponse>('POST', `/api/agents/${agentId}/dataset-runs`, {
      versions: [1, 9],
    });
    expect(badCase.status).toBe(400);
    expect(badCase.body.error.details[0]?.path).toBe('versions[1]');

    const started = await api.call<DatasetRunView>('POST', `/api/agents/${agentId}/dataset-runs`, {
      versions: [1, 2],
    });
    expect(started.status).toBe(201);
    expect(started.body.cases.map((c) => c.results.map((r) => r.version))).toEqual([
      [1, 2],
      [1, 2],
    ]);
    await drain();
    const done = (await api.call<DatasetRunView>('GET', `/api/dataset-runs/${started.body.id}`)).body;
    expect(done.summary.map((s) => [s.version, s.runs, s.scored])).toEqual([
      [1, 2, 2],
      [2, 2, 2],
    ]);
    const globex = done.cases.find((c) => c.caseId === 'globex');
    for (const r of globex?.results ?? []) {
      expect(r.runStatus).toBe('completed');
      expect(r.benchmark?.origin).toBe('dataset');
      expect(r.benchmark?.criteria[1]?.passed).toBe(true);
    }
    const acme = done.cases.find((c) => c.caseId === 'acme');
    expect(acme?.results[0]?.benchmark?.criteria[1]?.passed).toBe(false);
    // The dataset's runs say where they came from.
    const run = await runDetails(acme?.results[0]?.runId ?? '');
    expect(run.trigger).toEqual({ kind: 'benchmark', by: started.body.id });
    const list = await api.call<{ items: DatasetRunView[] }>('GET', `/api/agents/${agentId}/dataset-runs`);
    expect(list.body.items.map((d) => d.id)).toEqual([started.body.id]);

    const noCases = (await api.call<{ id: string }>('POST', '/api/agents', { ...agentBody, name: 'Other' }))
      .body.id;
    const refused = await api.call<ErrorResponse>('POST', `/api/agents/${noCases}/dataset-runs`, {});
    expect(refused.status).toBe(409);
  });

  it('aggregates pass rate, criteria, credits and duration by day and version, and flags only a clear regression', async () => {
    // Version 1 answers about Acme (contains passes), version 2 changed the last prompt so it does
    // not: a drop from 100 to 0 on every run is a clear regression.
    await api.call('PUT', `/api/agents/${agentId}/benchmarks`, {
      autoRun: true,
      quality: { enabled: false },
      criteria: [
        { type: 'icontains', value: 'acme', id: 'acme' },
        { type: 'duration', maxMs: 3_600_000, id: 'fast' },
      ],
    });
    for (let i = 0; i < 3; i++) await startRun();
    await drain();
    await api.call('PATCH', `/api/agents/${agentId}`, {
      steps: [{ name: 'Report', prompt: 'Write a short note.' }],
    });
    for (let i = 0; i < 3; i++) await startRun();
    await drain();
    const { body } = await api.call<{ dashboard: BenchmarkDashboard }>(
      'GET',
      `/api/agents/${agentId}/benchmarks`,
    );
    const { dashboard } = body;
    expect(dashboard.totals).toMatchObject({ results: 6, passRate: 0.5, pending: 0, errors: 0 });
    expect(dashboard.criteria).toEqual([
      { id: 'acme', name: 'contains "acme" (any case)' },
      { id: 'fast', name: 'at most 3600000 ms' },
    ]);
    expect(
      dashboard.byVersion.map((v) => [v.version, v.results, v.passRate, v.meanScore, v.criteria]),
    ).toEqual([
      [1, 3, 1, 100, { acme: 1, fast: 1 }],
      [2, 3, 0, 50, { acme: 0, fast: 1 }],
    ]);
    expect(dashboard.byVersion[1]?.regression).toMatchObject({ from: 1, difference: -50, high: -50 });
    expect(dashboard.overTime).toHaveLength(1);
    expect(dashboard.overTime[0]?.results).toBe(6);
    expect(dashboard.overTime[0]?.meanCredits).toBeGreaterThan(0);
    expect(dashboard.totals.meanDurationMs).toBeGreaterThanOrEqual(0);

    // A later version that scores better is not flagged, whatever the random source.
    await api.call('PATCH', `/api/agents/${agentId}`, {
      steps: [{ name: 'Report', prompt: 'Write a short note for Acme.' }],
    });
    await startRun();
    await startRun();
    await drain();
    for (const seed of [1, 2, 3]) {
      const again = await benchmarkDashboard(api.deps, api.deps.admin, agentId, {
        random: seededRandom(seed),
      });
      expect(again.byVersion[2]).toMatchObject({ version: 3, meanScore: 100, regression: null });
      expect(again.byVersion[2]?.comparison?.difference).toBe(50);
      expect(again.byVersion[1]?.regression).not.toBeNull();
    }
  });
});
