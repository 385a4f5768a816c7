import type { ModelSettings } from '../agents/agent-definition.ts';
import type { Deps } from '../deps.ts';
import { messageOf } from '../platform/errors.ts';
import type { BenchmarkResultsTable } from '../store/schema.ts';
import type { ReferenceCase } from './benchmark-config.ts';
import { readBenchmark } from './benchmark-service.ts';
import { type CriterionResult, evaluateCriterion } from './evaluate-criterion.ts';
import { createModelJudge, type Judge } from './model-judge.ts';
import { type QualityReport, scoreWritingQuality } from './writing-quality.ts';

type BenchmarkDeps = Pick<Deps, 'store' | 'models' | 'clock' | 'config' | 'logger'>;

/** What one benchmark found: the overall score and pass, and each part. */
export interface BenchmarkOutcome {
  score: number | null;
  passed: boolean | null;
  quality: QualityReport | null;
  criteria: CriterionResult[];
  credits: number;
  durationMs: number;
}

/**
 * Benchmarks one queued result: reads the attempt's final output, credits and duration, the
 * agent's benchmark as it is now and the reference case, scores writing quality and every
 * criterion, and stores the outcome. Any failure (a judge that cannot be reached, an output gone)
 * is stored as the result's `error`: a benchmark never changes its run.
 */
export async function runBenchmark(
  deps: BenchmarkDeps,
  row: BenchmarkResultsTable,
  options: { judge?: Judge; signal?: AbortSignal } = {},
): Promise<void> {
  let update: Partial<BenchmarkResultsTable>;
  try {
    const outcome = await evaluateResult(
      deps,
      row,
      options.judge ?? createModelJudge(deps, row.org_id),
      options.signal ?? new AbortController().signal,
    );
    update = {
      status: 'done',
      score: outcome.score,
      passed: outcome.passed === null ? null : outcome.passed ? 1 : 0,
      quality: outcome.quality === null ? null : JSON.stringify(outcome.quality),
      criteria: JSON.stringify(outcome.criteria),
      credits: outcome.credits,
      duration_ms: outcome.durationMs,
      error: null,
    };
  } catch (error) {
    deps.logger.warn({ err: error, benchmarkId: row.id, runId: row.run_id }, 'benchmark failed');
    update = { status: 'error', error: messageOf(error) };
  }
  await deps.store.db
    .updateTable('benchmark_results')
    .set({ ...update, finished_at: deps.clock.now() })
    .where('id', '=', row.id)
    .execute();
}

async function evaluateResult(
  deps: BenchmarkDeps,
  row: BenchmarkResultsTable,
  judge: Judge,
  signal: AbortSignal,
): Promise<BenchmarkOutcome> {
  const db = deps.store.db;
  const [attempt, steps, run, benchmark, dataset] = await Promise.all([
    db
      .selectFrom('attempts')
      .select(['started_at', 'finished_at'])
      .where('id', '=', row.attempt_id)
      .executeTakeFirst(),
    db
      .selectFrom('step_results')
      .select(['number', 'status', 'output', 'credits', 'reused'])
      .where('attempt_id', '=', row.attempt_id)
      .orderBy('number')
      .execute(),
    db.selectFrom('runs').select(['model_settings']).where('id', '=', row.run_id).executeTakeFirst(),
    readBenchmark(deps, row.org_id, row.agent_id),
    row.dataset_run_id
      ? db.selectFrom('dataset_runs').select('cases').where('id', '=', row.dataset_run_id).executeTakeFirst()
      : undefined,
  ]);
  if (!attempt || !run) throw new Error(`attempt ${row.attempt_id} no longer exists`);
  const last = steps.at(-1);
  if (last?.status !== 'completed') throw new Error(`attempt ${row.attempt_id} has no completed final step`);
  const output = last.output ?? '';
  // Reused steps (rerun from step N) cost nothing in this attempt.
  const credits = steps.reduce((sum, s) => sum + (s.reused === 1 ? 0 : s.credits), 0);
  const durationMs = Math.max(
    0,
    Number(attempt.finished_at ?? 0) - Number(attempt.started_at ?? attempt.finished_at ?? 0),
  );
  const reference = dataset
    ? ((JSON.parse(dataset.cases) as ReferenceCase[]).find((c) => c.id === row.case_id) ?? null)
    : null;
  const judgeModel = benchmark.judgeModel ?? (JSON.parse(run.model_settings) as ModelSettings).model;

  const quality = benchmark.quality.enabled
    ? await scoreWritingQuality(output, { judge, model: judgeModel, signal })
    : null;
  const criteria: CriterionResult[] = [];
  for (const criterion of benchmark.criteria)
    criteria.push(
      await evaluateCriterion(criterion, {
        output,
        credits,
        durationMs,
        expected: reference?.expected || null,
        judge: { judge, defaultModel: judgeModel, signal },
      }),
    );
  const parts = criteria.map((c) => ({ score: c.score, weight: c.weight, passed: c.passed }));
  if (quality)
    parts.push({
      score: quality.score / 100,
      weight: benchmark.quality.weight,
      passed: quality.score / 100 >= benchmark.quality.threshold,
    });
  const totalWeight = parts.reduce((s, p) => s + p.weight, 0);
  const score =
    parts.length === 0
      ? null
      : Math.round(
          (totalWeight > 0
            ? parts.reduce((s, p) => s + p.score * p.weight, 0) / totalWeight
            : parts.reduce((s, p) => s + p.score, 0) / parts.length) * 1000,
        ) / 10;
  return {
    score,
    passed: parts.length === 0 ? null : parts.every((p) => p.passed),
    quality,
    criteria,
    credits,
    durationMs,
  };
}
