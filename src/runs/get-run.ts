import type { AgentDefinition, ModelSettings, Notification } from '../agents/agent-definition.ts';
import { getAgentVersionOrThrow } from '../agents/agent-service.ts';
import { withoutWebhookSecret } from '../agents/notification-secret.ts';
import { type BenchmarkResultView, listRunBenchmarks } from '../benchmarks/benchmark-results.ts';
import type { Deps } from '../deps.ts';
import type { RunStatus } from '../engine/statuses.ts';
import type { Actor } from '../identity/actor.ts';
import { estimateErrorOf } from '../models/estimate-accuracy.ts';
import { NotFoundError } from '../platform/errors.ts';
import {
  type SelectedSite,
  type SourceUse,
  selectedSites,
  sourcesByStep,
} from '../sites/run-source-context.ts';
import type { AttemptsTable, RunEstimatesTable, RunsTable, StepResultsTable } from '../store/schema.ts';
import { type ToolCallView, toolCallsByStep } from '../tools/tool-call-log.ts';
import type { RunVariable } from './resolve-variables.ts';
import {
  iso,
  type RunDetails,
  type StepOverride,
  type StepView,
  toRunSummary,
  toStepView,
} from './run-view.ts';
import { stepSettings } from './step-settings.ts';

type ReadDeps = Pick<Deps, 'store' | 'models'>;

/** Throws NotFoundError when the run does not exist in the actor's organization. */
export async function getRunRowOrThrow(
  deps: Pick<Deps, 'store'>,
  actor: Actor,
  runId: string,
): Promise<RunsTable> {
  const row = await deps.store.reads
    .selectFrom('runs')
    .selectAll()
    .where('id', '=', runId)
    .where('org_id', '=', actor.orgId)
    .executeTakeFirst();
  if (!row) throw new NotFoundError('run', runId);
  return row;
}

/** The run with its latest attempt's steps (D1–D5). */
export async function getRunOrThrow(deps: ReadDeps, actor: Actor, runId: string): Promise<RunDetails> {
  const row = await getRunRowOrThrow(deps, actor, runId);
  const [agent, attempt, estimate] = await Promise.all([
    deps.store.reads.selectFrom('agents').select('name').where('id', '=', row.agent_id).executeTakeFirst(),
    row.attempt > 0
      ? deps.store.reads
          .selectFrom('attempts')
          .selectAll()
          .where('run_id', '=', runId)
          .where('number', '=', row.attempt)
          .executeTakeFirst()
      : undefined,
    deps.store.reads.selectFrom('run_estimates').selectAll().where('run_id', '=', runId).executeTakeFirst(),
  ]);
  // At most four statements at once: each takes a connection of the pool for itself.
  const [results, definition, children] = await Promise.all([
    attempt
      ? deps.store.reads
          .selectFrom('step_results')
          .selectAll()
          .where('attempt_id', '=', attempt.id)
          .orderBy('number')
          .execute()
      : [],
    getAgentVersionOrThrow(
      deps.store.reads,
      row.org_id,
      row.agent_id,
      attempt?.agent_version ?? row.agent_version,
    ),
    deps.store.reads
      .selectFrom('runs')
      .select(['id', 'name', 'agent_id', 'status', 'parent_step'])
      .where('parent_run_id', '=', runId)
      .orderBy('id')
      .execute(),
  ]);
  const [sources, sites, benchmarks, toolCalls] = await Promise.all([
    attempt ? sourcesByStep(deps.store.reads, attempt.id) : new Map<number, SourceUse[]>(),
    selectedSites(deps.store.reads, row.org_id, JSON.parse(row.site_ids) as string[]),
    listRunBenchmarks(deps, row.org_id, runId),
    attempt ? toolCallsByStep(deps.store.reads, attempt.id) : new Map<number, ToolCallView[]>(),
  ]);
  return runDetailsOf(deps, {
    row,
    agentName: agent?.name ?? '',
    definition,
    attempt,
    estimate,
    results,
    sources,
    toolCalls,
    sites,
    benchmarks,
    children,
  });
}

/** What a run's view is made of: read by `getRunOrThrow`, or known to the code that just wrote the run. */
export interface RunParts {
  row: RunsTable;
  agentName: string;
  /** The agent version the latest attempt runs (the run's own when it has no attempt). */
  definition: AgentDefinition;
  attempt: AttemptsTable | undefined;
  estimate: RunEstimatesTable | undefined;
  results: StepResultsTable[];
  sources: Map<number, SourceUse[]>;
  toolCalls: Map<number, ToolCallView[]>;
  sites: SelectedSite[];
  benchmarks: BenchmarkResultView[];
  children: Array<Pick<RunsTable, 'id' | 'name' | 'agent_id' | 'status' | 'parent_step'>>;
  /** The row's JSON columns as values, when the caller has them (it just wrote them): not parsed again. */
  values?: RunValues;
}

/** What a run row keeps as JSON text, as values. */
export interface RunValues {
  modelSettings: ModelSettings;
  variables: RunVariable[];
  stepOverrides: StepOverride[];
  notification: Notification;
  /** The estimate's detail (`run_estimates.detail`); null without an estimate. */
  estimate: unknown;
}

function runValuesOf(row: RunsTable, estimate: RunEstimatesTable | undefined): RunValues {
  return {
    modelSettings: JSON.parse(row.model_settings) as ModelSettings,
    variables: JSON.parse(row.variables) as RunVariable[],
    stepOverrides: JSON.parse(row.step_overrides) as StepOverride[],
    notification: JSON.parse(row.notification) as Notification,
    estimate: estimate ? JSON.parse(estimate.detail) : null,
  };
}

/** The run's view from its parts. */
export function runDetailsOf(deps: Pick<Deps, 'models'>, parts: RunParts): RunDetails {
  const { row, attempt, estimate } = parts;
  const values = parts.values ?? runValuesOf(row, estimate);
  const steps = stepViews(deps, parts, values);
  for (const step of steps) {
    step.sources = parts.sources.get(step.number) ?? [];
    step.toolCalls = parts.toolCalls.get(step.number) ?? [];
  }
  // The summary's fields first, then the rest, added to it: spread into a new object, each view had
  // a hidden class of its own and cost ~19 KB (docs/ARCHITECTURE.md, "Hot paths build objects field
  // by field").
  return Object.assign(toRunSummary(row), {
    parentRunId: row.parent_run_id,
    childRuns: parts.children.map((c) => ({
      id: c.id,
      name: c.name,
      agentId: c.agent_id,
      status: c.status as RunStatus,
      step: c.parent_step,
    })),
    agentName: parts.agentName,
    variables: values.variables,
    modelSettings: values.modelSettings,
    stepOverrides: values.stepOverrides,
    estimatedCredits: row.estimated_credits,
    estimatedCreditsRange: estimate ? { low: estimate.credits_low, high: estimate.credits_high } : null,
    estimate: values.estimate,
    estimateError: estimateErrorOf(row.estimated_credits, row.actual_credits),
    actualCredits: row.actual_credits,
    notification: withoutWebhookSecret(values.notification),
    simulated: steps.some((s) => s.simulated),
    steps,
    output: row.output,
    error: attempt?.error ?? null,
    files: steps.flatMap((s) => s.files),
    policyVersion: row.policy_version,
    sites: parts.sites,
    benchmarks: parts.benchmarks,
  });
}

/** Every step of the attempt's agent version: its result where there is one, else pending or running. */
function stepViews(
  deps: Pick<Deps, 'models'>,
  { attempt, results, definition }: RunParts,
  { modelSettings: settings, stepOverrides: overrides }: RunValues,
): StepView[] {
  const byNumber = new Map(results.map((r) => [r.number, r]));
  return definition.steps.map((step, i) => {
    const number = i + 1;
    const result = byNumber.get(number);
    if (result) return toStepView(result, deps.models.isSimulated(result.model));
    const used = stepSettings(settings, overrides, number);
    const running = attempt?.status === 'running' && attempt.current_step === number;
    return {
      number,
      key: step.key,
      name: step.name,
      status: running ? 'running' : 'pending',
      output: null,
      error: null,
      model: used.model,
      reasoningEffort: used.reasoningEffort ?? null,
      simulated: deps.models.isSimulated(used.model),
      reused: false,
      queuedAt: running ? iso(attempt.current_step_started_at) : null,
      startedAt: running ? iso(attempt.current_step_started_at) : null,
      finishedAt: null,
      usage: null,
      credits: null,
      settingsUsed: null,
      pricing: null,
      modelCalls: null,
      files: [],
      toolCalls: [],
      sources: [],
    };
  });
}

export interface AttemptView {
  id: string;
  number: number;
  status: string;
  agentVersion: number;
  fromStep: number;
  error: string | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  /** The policy version in force when the attempt finished; null while it runs. */
  policyVersionAtFinish: number | null;
  steps: StepView[];
}

/** Every attempt of a run, newest first, with its step results (the attempts history). */
export async function listAttempts(deps: ReadDeps, actor: Actor, runId: string): Promise<AttemptView[]> {
  await getRunRowOrThrow(deps, actor, runId);
  const [attempts, results] = await Promise.all([
    deps.store.reads
      .selectFrom('attempts')
      .selectAll()
      .where('run_id', '=', runId)
      .orderBy('number', 'desc')
      .execute(),
    deps.store.reads
      .selectFrom('step_results')
      .selectAll()
      .where('run_id', '=', runId)
      .orderBy('number')
      .execute(),
  ]);
  const [sources, toolCalls] = await Promise.all([
    Promise.all(attempts.map((a) => sourcesByStep(deps.store.reads, a.id))),
    Promise.all(attempts.map((a) => toolCallsByStep(deps.store.reads, a.id))),
  ]);
  return attempts.map((a, i) => ({
    id: a.id,
    number: a.number,
    status: a.status,
    agentVersion: a.agent_version,
    fromStep: a.from_step,
    error: a.error,
    createdAt: new Date(a.created_at).toISOString(),
    startedAt: iso(a.started_at),
    finishedAt: iso(a.finished_at),
    policyVersionAtFinish: a.finished_policy_version,
    steps: results
      .filter((r) => r.attempt_id === a.id)
      .map((r) => ({
        ...toStepView(r, deps.models.isSimulated(r.model)),
        sources: sources[i]?.get(r.number) ?? [],
        toolCalls: toolCalls[i]?.get(r.number) ?? [],
      })),
  }));
}
