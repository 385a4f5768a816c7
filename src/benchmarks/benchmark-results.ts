import type { Kysely } from 'kysely';
import type { Deps } from '../deps.ts';
import type { Actor } from '../identity/actor.ts';
import { ConflictError } from '../platform/errors.ts';
import type { Ids } from '../platform/ids.ts';
import { getRunRowOrThrow } from '../runs/get-run.ts';
import type { BenchmarkResultsTable, Database } from '../store/schema.ts';
import type { CriterionResult } from './evaluate-criterion.ts';
import type { QualityReport } from './writing-quality.ts';

/** How a benchmark came to be: on completion (`auto`), by hand from the run, or by a dataset run. */
export type BenchmarkOrigin = 'auto' | 'manual' | 'dataset';

/** One benchmark of one attempt, as run details and the API show it (D7). */
export interface BenchmarkResultView {
  id: string;
  runId: string;
  attemptId: string;
  attempt: number;
  agentVersion: number;
  /** 1, then one more for each rerun of the benchmark on the same attempt. */
  seq: number;
  origin: BenchmarkOrigin;
  datasetRunId: string | null;
  caseId: string | null;
  /** `pending` and `running` wait for the benchmark loop; `error` is the benchmark's failure, never the run's. */
  status: 'pending' | 'running' | 'done' | 'error';
  /** 0–100: the weighted mean of the criteria (writing quality counted as one). */
  score: number | null;
  passed: boolean | null;
  quality: QualityReport | null;
  criteria: CriterionResult[];
  credits: number | null;
  durationMs: number | null;
  error: string | null;
  requestedBy: string;
  createdAt: string;
  finishedAt: string | null;
}

export function toResultView(row: BenchmarkResultsTable): BenchmarkResultView {
  return {
    id: row.id,
    runId: row.run_id,
    attemptId: row.attempt_id,
    attempt: row.attempt_number,
    agentVersion: row.agent_version,
    seq: row.seq,
    origin: row.origin as BenchmarkOrigin,
    datasetRunId: row.dataset_run_id,
    caseId: row.case_id,
    status: row.status as BenchmarkResultView['status'],
    score: row.score,
    passed: row.passed === null ? null : row.passed === 1,
    quality: row.quality === null ? null : (JSON.parse(row.quality) as QualityReport),
    criteria: row.criteria === null ? [] : (JSON.parse(row.criteria) as CriterionResult[]),
    credits: row.credits,
    durationMs: row.duration_ms === null ? null : Number(row.duration_ms),
    error: row.error,
    requestedBy: row.requested_by,
    createdAt: new Date(Number(row.created_at)).toISOString(),
    finishedAt: row.finished_at === null ? null : new Date(Number(row.finished_at)).toISOString(),
  };
}

export interface PendingBenchmark {
  orgId: string;
  agentId: string;
  agentVersion: number;
  runId: string;
  attemptId: string;
  attemptNumber: number;
  seq: number;
  origin: BenchmarkOrigin;
  datasetRunId: string | null;
  caseId: string | null;
  requestedBy: string;
}

/** Queues a benchmark for the loop; a second request for the same (attempt, seq) does nothing. */
export async function enqueueBenchmarks(
  db: Kysely<Database>,
  ids: Ids,
  now: number,
  pending: PendingBenchmark[],
): Promise<void> {
  if (pending.length === 0) return;
  await db
    .insertInto('benchmark_results')
    .values(
      pending.map((p) => ({
        id: ids.next('bmr'),
        org_id: p.orgId,
        agent_id: p.agentId,
        agent_version: p.agentVersion,
        run_id: p.runId,
        attempt_id: p.attemptId,
        attempt_number: p.attemptNumber,
        seq: p.seq,
        origin: p.origin,
        dataset_run_id: p.datasetRunId,
        case_id: p.caseId,
        status: 'pending',
        score: null,
        passed: null,
        quality: null,
        criteria: null,
        credits: null,
        duration_ms: null,
        error: null,
        requested_by: p.requestedBy,
        created_at: now,
        claimed_at: null,
        finished_at: null,
      })),
    )
    .onConflict((oc) => oc.columns(['attempt_id', 'seq']).doNothing())
    .execute();
}

/**
 * The follow-up of finished attempts (called by `settleFinishedAttempts`, off the engine's hot
 * path): a completed attempt is queued for benchmarking when its agent benchmarks automatically
 * (B2) or its run is a case of a dataset run. Failed and canceled attempts have no output to judge.
 */
export async function enqueueFinishedAttempts(
  db: Kysely<Database>,
  ids: Ids,
  now: number,
  finished: Array<{
    id: string;
    status: string;
    org_id: string;
    run_id: string;
    agent_id: string;
    number: number;
    agent_version: number;
  }>,
): Promise<void> {
  const completed = finished.filter((a) => a.status === 'completed');
  if (completed.length === 0) return;
  const [auto, items] = await Promise.all([
    db
      .selectFrom('benchmarks')
      .select('agent_id')
      .where('agent_id', 'in', [...new Set(completed.map((a) => a.agent_id))])
      .where('auto_run', '=', 1)
      .execute(),
    db
      .selectFrom('dataset_run_items')
      .select(['run_id', 'dataset_run_id', 'case_id'])
      .where(
        'run_id',
        'in',
        completed.map((a) => a.run_id),
      )
      .execute(),
  ]);
  const autoAgents = new Set(auto.map((a) => a.agent_id));
  const itemOf = new Map(items.map((i) => [i.run_id, i]));
  const pending: PendingBenchmark[] = [];
  for (const a of completed) {
    const item = itemOf.get(a.run_id);
    if (!item && !autoAgents.has(a.agent_id)) continue;
    pending.push({
      orgId: a.org_id,
      agentId: a.agent_id,
      agentVersion: a.agent_version,
      runId: a.run_id,
      attemptId: a.id,
      attemptNumber: a.number,
      seq: 1,
      origin: item ? 'dataset' : 'auto',
      datasetRunId: item?.dataset_run_id ?? null,
      caseId: item?.case_id ?? null,
      requestedBy: 'system',
    });
  }
  await enqueueBenchmarks(db, ids, now, pending);
}

/**
 * Benchmarks the run's latest attempt by hand (B2, D7), again if it was already benchmarked: a new
 * result beside the earlier ones. Throws ConflictError unless that attempt completed.
 */
export async function requestRunBenchmark(
  deps: Pick<Deps, 'store' | 'ids' | 'clock'>,
  actor: Actor,
  runId: string,
): Promise<BenchmarkResultView> {
  const run = await getRunRowOrThrow(deps, actor, runId);
  const attempt = await deps.store.db
    .selectFrom('attempts')
    .select(['id', 'number', 'status', 'agent_version'])
    .where('run_id', '=', runId)
    .where('number', '=', run.attempt)
    .executeTakeFirst();
  if (attempt?.status !== 'completed')
    throw new ConflictError(
      `run ${runId} cannot be benchmarked: its latest attempt is ${attempt?.status ?? 'not started'}; only a completed attempt has an output to judge`,
    );
  const [last, item] = await Promise.all([
    deps.store.db
      .selectFrom('benchmark_results')
      .select(({ fn }) => fn.max('seq').as('seq'))
      .where('attempt_id', '=', attempt.id)
      .executeTakeFirst(),
    deps.store.db
      .selectFrom('dataset_run_items')
      .select(['dataset_run_id', 'case_id'])
      .where('run_id', '=', runId)
      .executeTakeFirst(),
  ]);
  const seq = Number(last?.seq ?? 0) + 1;
  await enqueueBenchmarks(deps.store.db, deps.ids, deps.clock.now(), [
    {
      orgId: actor.orgId,
      agentId: run.agent_id,
      agentVersion: attempt.agent_version,
      runId,
      attemptId: attempt.id,
      attemptNumber: attempt.number,
      seq,
      origin: 'manual',
      datasetRunId: item?.dataset_run_id ?? null,
      caseId: item?.case_id ?? null,
      requestedBy: actor.userId,
    },
  ]);
  const row = await deps.store.db
    .selectFrom('benchmark_results')
    .selectAll()
    .where('attempt_id', '=', attempt.id)
    .where('seq', '=', seq)
    .executeTakeFirstOrThrow();
  return toResultView(row);
}

/** Every benchmark of the run's attempts, newest first. */
export async function listRunBenchmarks(
  deps: Pick<Deps, 'store'>,
  orgId: string,
  runId: string,
): Promise<BenchmarkResultView[]> {
  const rows = await deps.store.db
    .selectFrom('benchmark_results')
    .selectAll()
    .where('run_id', '=', runId)
    .where('org_id', '=', orgId)
    .orderBy('id', 'desc')
    .limit(100)
    .execute();
  return rows.map(toResultView);
}
