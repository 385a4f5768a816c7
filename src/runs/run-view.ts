import type { ModelSettings, ModelSettingsPatch, Notification } from '../agents/agent-definition.ts';
import type { BenchmarkResultView } from '../benchmarks/benchmark-results.ts';
import type { RunStatus } from '../engine/statuses.ts';
import { type FileView, fileViewsOf } from '../files/stored-file.ts';
import type { Usage } from '../models/model-provider.ts';
import { type PricingUsed, type SettingsUsed, splitStepUsage } from '../models/step-usage.ts';
import type { SelectedSite } from '../sites/run-source-context.ts';
import type { RunsTable, StepResultsTable } from '../store/schema.ts';
import type { ToolCallView } from '../tools/tool-call-log.ts';
import type { RunVariable } from './resolve-variables.ts';

/** How a run came to be (R3). */
export interface RunTrigger {
  kind: 'manual' | 'schedule' | 'webhook' | 'upload' | 'agent' | 'benchmark';
  /** A user id, schedule id, webhook id… */
  by: string;
  /** Set on a duplicate: the run it was copied from. */
  duplicateOf?: string;
  /** Set by an upload trigger (T3, `by` is the version id): the document uploaded. */
  upload?: { siteId: string; documentId: string; version: number; name: string };
}

export interface StepOverride extends ModelSettingsPatch {
  /** 1-based step number. */
  step: number;
}

/** A row of the run list (L1). */
export interface RunSummary {
  id: string;
  name: string;
  agentId: string;
  agentVersion: number;
  status: RunStatus;
  statusText: string;
  trigger: RunTrigger;
  stepCount: number;
  siteIds: string[];
  archived: boolean;
  attempt: number;
  createdAt: string;
  updatedAt: string;
  lastCompletedAt: string | null;
}

export interface StepView {
  number: number;
  key: string;
  name: string;
  status: 'pending' | 'running' | 'completed' | 'failed' | 'canceled';
  output: string | null;
  error: string | null;
  model: string;
  reasoningEffort: string | null;
  simulated: boolean;
  reused: boolean;
  queuedAt: string | null;
  startedAt: string | null;
  finishedAt: string | null;
  usage: Usage | null;
  credits: number | null;
  /** What the step's model call actually ran with (settings after overrides, provider options). */
  settingsUsed: SettingsUsed | null;
  /** The price-table version and rates its credits came from. */
  pricing: PricingUsed | null;
  /** HTTP calls to the provider: 1, plus one per retry. */
  modelCalls: number | null;
  files: FileView[];
  /** Every tool call the step made, in order (issue 07). */
  toolCalls: ToolCallView[];
  sources: unknown[];
}

/** A child run started by a step of kind `agent` (T4). */
export interface ChildRunLink {
  id: string;
  name: string;
  agentId: string;
  status: RunStatus;
  /** The parent's step that started it. */
  step: number | null;
}

/** `GET /api/runs/:id` (SPEC "The shapes, by example"). */
export interface RunDetails extends RunSummary {
  /** Set on a child run: the run whose `agent` step started it. */
  parentRunId: string | null;
  childRuns: ChildRunLink[];
  agentName: string;
  variables: RunVariable[];
  modelSettings: ModelSettings;
  stepOverrides: StepOverride[];
  estimatedCredits: number;
  /** The estimate's range (R5): 10th to 90th percentile of past runs, or none-to-max without history. */
  estimatedCreditsRange: { low: number; high: number } | null;
  /** Each step's working: tokens counted, expected output, basis (history or max output tokens). */
  estimate: unknown;
  /** (actual − estimated) ÷ estimated, once the run has actual credits. */
  estimateError: number | null;
  actualCredits: number | null;
  notification: Notification;
  /** True when any step used (or will use) the offline simulated model. */
  simulated: boolean;
  steps: StepView[];
  output: string | null;
  error: string | null;
  /** Every file the run's steps generated (reused steps' included), in step order. */
  files: FileView[];
  /** The policy version in force when the run was created (0: before any policy). */
  policyVersion: number | null;
  /** D2: the Sites the run selected, as source context (each step's `sources` lists what it used). */
  sites: SelectedSite[];
  /** D7: every benchmark of the run's attempts, newest first (issue 10). */
  benchmarks: BenchmarkResultView[];
}

export const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

/** The columns a run summary is made of: a list reads these, not the run's variables, settings or output. */
export const runSummaryColumns = [
  'id',
  'name',
  'agent_id',
  'agent_version',
  'status',
  'status_text',
  'trigger',
  'step_count',
  'site_ids',
  'archived',
  'attempt',
  'created_at',
  'updated_at',
  'last_completed_at',
] as const satisfies ReadonlyArray<keyof RunsTable>;

export type RunSummaryRow = Pick<RunsTable, (typeof runSummaryColumns)[number]>;

export function toRunSummary(row: RunSummaryRow): RunSummary {
  return {
    id: row.id,
    name: row.name,
    agentId: row.agent_id,
    agentVersion: row.agent_version,
    status: row.status as RunStatus,
    statusText: row.status_text,
    trigger: JSON.parse(row.trigger) as RunTrigger,
    stepCount: row.step_count,
    siteIds: JSON.parse(row.site_ids) as string[],
    archived: row.archived === 1,
    attempt: row.attempt,
    createdAt: new Date(row.created_at).toISOString(),
    updatedAt: new Date(row.updated_at).toISOString(),
    lastCompletedAt: iso(row.last_completed_at),
  };
}

export function toStepView(row: StepResultsTable, simulated: boolean): StepView {
  const { usage, settingsUsed, pricing, modelCalls } = splitStepUsage(row.usage);
  return {
    number: row.number,
    key: row.key,
    name: row.name,
    status: row.status as StepView['status'],
    output: row.output,
    error: row.error,
    model: row.model,
    reasoningEffort: row.reasoning_effort,
    simulated,
    reused: row.reused === 1,
    queuedAt: iso(row.queued_at),
    startedAt: iso(row.started_at),
    finishedAt: iso(row.finished_at),
    usage,
    credits: row.credits,
    settingsUsed,
    pricing,
    modelCalls,
    files: fileViewsOf(row.files),
    toolCalls: JSON.parse(row.tool_calls) as ToolCallView[],
    sources: JSON.parse(row.sources) as unknown[],
  };
}
