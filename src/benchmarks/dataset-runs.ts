import { z } from 'zod';
import { getAgentOrThrow, getAgentVersionOrThrow } from '../agents/agent-service.ts';
import type { Deps } from '../deps.ts';
import type { Actor } from '../identity/actor.ts';
import { ConflictError, NotFoundError, ValidationError } from '../platform/errors.ts';
import { createRun } from '../runs/create-run.ts';
import { resolveVariables } from '../runs/resolve-variables.ts';
import type { ReferenceCase } from './benchmark-config.ts';
import { type BenchmarkResultView, toResultView } from './benchmark-results.ts';
import { readBenchmark } from './benchmark-service.ts';

/** `POST /api/agents/:id/dataset-runs`: one version, or two side by side; default the latest. */
export const datasetRunInputSchema = z.object({
  versions: z
    .array(z.number().int().min(1))
    .min(1, 'needs one version, or two to compare')
    .max(2, 'compares at most two versions')
    .refine((v) => new Set(v).size === v.length, 'must name two different versions')
    .optional(),
});

/** A dataset run's totals for one version. */
export interface VersionSummary {
  version: number;
  runs: number;
  /** Runs whose benchmark finished. */
  scored: number;
  passRate: number | null;
  meanScore: number | null;
}

export interface DatasetCaseView {
  caseId: string;
  name: string;
  variables: Record<string, unknown>;
  expected: string;
  /** One per version, in the order of `versions`. */
  results: Array<{
    version: number;
    runId: string;
    runStatus: string | null;
    benchmark: BenchmarkResultView | null;
  }>;
}

export interface DatasetRunView {
  id: string;
  agentId: string;
  versions: number[];
  createdAt: string;
  createdBy: string;
  summary: VersionSummary[];
  cases: DatasetCaseView[];
}

type RunDeps = Parameters<typeof createRun>[0];

/**
 * Runs the agent over every reference case of its benchmark (B1), on one version or two side by
 * side: one run per (case, version), each benchmarked when it completes. Every case's variables
 * are checked against every version before anything starts, so a bad case starts nothing.
 */
export async function startDatasetRun(
  deps: RunDeps,
  actor: Actor,
  agentId: string,
  input: z.infer<typeof datasetRunInputSchema>,
): Promise<DatasetRunView> {
  const agent = await getAgentOrThrow(deps, actor, agentId);
  const benchmark = await readBenchmark(deps, actor.orgId, agentId);
  if (benchmark.cases.length === 0)
    throw new ConflictError(`agent ${agentId} has no reference cases; add some to its benchmark first`);
  const versions = input.versions ?? [agent.version];
  for (const [i, version] of versions.entries()) {
    if (version > agent.version)
      throw ValidationError.field(`versions[${i}]`, `agent ${agentId} has no version ${version}`);
    const definition = await getAgentVersionOrThrow(deps.store.db, actor.orgId, agentId, version);
    benchmark.cases.forEach((c, n) => {
      try {
        resolveVariables(definition.variables, c.variables);
      } catch (error) {
        if (!(error instanceof ValidationError)) throw error;
        throw new ValidationError(
          `case "${c.name}" on version ${version}: ${error.message}`,
          error.details.map((d) => ({ ...d, path: `cases[${n}].${d.path}` })),
        );
      }
    });
  }
  const id = deps.ids.next('dsr');
  await deps.store.db
    .insertInto('dataset_runs')
    .values({
      id,
      org_id: actor.orgId,
      agent_id: agentId,
      versions: JSON.stringify(versions),
      cases: JSON.stringify(benchmark.cases),
      created_by: actor.userId,
      created_at: deps.clock.now(),
    })
    .execute();
  for (const c of benchmark.cases)
    for (const version of versions)
      await createRun(
        deps,
        actor,
        agentId,
        {
          name: `${agent.name} — ${c.name} (v${version}, dataset)`,
          variables: c.variables,
          agentVersion: version,
          start: true,
        },
        { kind: 'benchmark', by: id },
        {
          within: async (trx, runId) => {
            await trx
              .insertInto('dataset_run_items')
              .values({
                dataset_run_id: id,
                case_id: c.id,
                agent_version: version,
                org_id: actor.orgId,
                run_id: runId,
              })
              .execute();
          },
        },
      );
  return getDatasetRunOrThrow(deps, actor, id);
}

/** A dataset run with each case's run and benchmark per version. Throws NotFoundError outside the org. */
export async function getDatasetRunOrThrow(
  deps: Pick<Deps, 'store'>,
  actor: Actor,
  id: string,
): Promise<DatasetRunView> {
  const row = await deps.store.db
    .selectFrom('dataset_runs')
    .selectAll()
    .where('id', '=', id)
    .where('org_id', '=', actor.orgId)
    .executeTakeFirst();
  if (!row) throw new NotFoundError('dataset run', id);
  const [items, results] = await Promise.all([
    deps.store.db
      .selectFrom('dataset_run_items')
      .leftJoin('runs', 'runs.id', 'dataset_run_items.run_id')
      .select([
        'dataset_run_items.case_id',
        'dataset_run_items.agent_version',
        'dataset_run_items.run_id',
        'runs.status',
      ])
      .where('dataset_run_items.dataset_run_id', '=', id)
      .execute(),
    deps.store.db
      .selectFrom('benchmark_results')
      .selectAll()
      .where('dataset_run_id', '=', id)
      .orderBy('id')
      .execute(),
  ]);
  // The latest benchmark of each run counts (a rerun of the benchmark replaces the earlier one here).
  const latest = new Map<string, BenchmarkResultView>();
  for (const r of results) latest.set(r.run_id, toResultView(r));
  const versions = JSON.parse(row.versions) as number[];
  const cases = (JSON.parse(row.cases) as ReferenceCase[]).map(
    (c): DatasetCaseView => ({
      caseId: c.id,
      name: c.name,
      variables: c.variables,
      expected: c.expected,
      results: versions.flatMap((version) => {
        const item = items.find((i) => i.case_id === c.id && i.agent_version === version);
        return item
          ? [
              {
                version,
                runId: item.run_id,
                runStatus: item.status ?? null,
                benchmark: latest.get(item.run_id) ?? null,
              },
            ]
          : [];
      }),
    }),
  );
  const summary = versions.map((version): VersionSummary => {
    const of = cases.flatMap((c) => c.results.filter((r) => r.version === version));
    const scored = of.flatMap((r) => (r.benchmark?.status === 'done' ? [r.benchmark] : []));
    const withScore = scored.filter((b) => b.score !== null);
    return {
      version,
      runs: of.length,
      scored: scored.length,
      passRate: scored.length === 0 ? null : scored.filter((b) => b.passed).length / scored.length,
      meanScore:
        withScore.length === 0 ? null : withScore.reduce((s, b) => s + (b.score ?? 0), 0) / withScore.length,
    };
  });
  return {
    id: row.id,
    agentId: row.agent_id,
    versions,
    createdAt: new Date(Number(row.created_at)).toISOString(),
    createdBy: row.created_by,
    summary,
    cases,
  };
}

/** The agent's dataset runs, newest first (at most 50), each with its summary. */
export async function listDatasetRuns(
  deps: Pick<Deps, 'store'>,
  actor: Actor,
  agentId: string,
): Promise<{ items: DatasetRunView[] }> {
  await getAgentOrThrow(deps, actor, agentId);
  const rows = await deps.store.db
    .selectFrom('dataset_runs')
    .select('id')
    .where('agent_id', '=', agentId)
    .where('org_id', '=', actor.orgId)
    .orderBy('id', 'desc')
    .limit(50)
    .execute();
  return { items: await Promise.all(rows.map((r) => getDatasetRunOrThrow(deps, actor, r.id))) };
}
