import type { Kysely } from 'kysely';
import { type AgentDefinition, type ModelSettings, modelSettingsSchema } from '../agents/agent-definition.ts';
import { assertActive, getAgentVersionOrThrow } from '../agents/agent-service.ts';
import type { Deps } from '../deps.ts';
import { auditRows } from '../governance/audit-log.ts';
import type { Actor } from '../identity/actor.ts';
import { assertModelsPermitted } from '../identity/policy-rules.ts';
import { currentPolicyAndCreditRate, type PolicyAndCreditRate } from '../identity/policy-versions.ts';
import { estimateRun } from '../models/estimate-run.ts';
import { ValidationError } from '../platform/errors.ts';
import { parseOrThrow } from '../platform/zod-issues.ts';
import { selectedSites } from '../sites/run-source-context.ts';
import { previewStepSources } from '../sites/step-sources.ts';
import { executeTogether, rowsInsert } from '../store/execute-together.ts';
import type { AttemptsTable, Database, RunEstimatesTable, RunsTable } from '../store/schema.ts';
import { agentAndPolicyOrThrow } from './agent-and-policy.ts';
import { runDetailsOf } from './get-run.ts';
import { type RunVariable, resolveVariables } from './resolve-variables.ts';
import { runEventRows } from './run-events.ts';
import type { CreateRunInput } from './run-input.ts';
import type { RunDetails, RunTrigger, StepOverride } from './run-view.ts';
import { statusText } from './status-text.ts';

type RunDeps = Pick<
  Deps,
  'store' | 'ids' | 'clock' | 'templates' | 'models' | 'bus' | 'pricing' | 'usageHistory'
>;

/** Where a child run (a step of kind `agent`, T4) came from. */
export interface ParentLink {
  runId: string;
  /** The parent attempt that started the child: an `agent` step, or the `invoke_agent` tool. */
  attemptId: string | null;
  step: number;
  /**
   * Set for a child of the `invoke_agent` tool: which call of the step it answers. Such a child is
   * not the one an `agent` step waits on (its parent waits in the tool call itself).
   */
  toolCall?: string;
  /** The child's depth: 1 for a child of a top-level run. */
  depth: number;
}

/** What a trigger adds to a run's creation (issue 05). */
export interface CreateRunOptions {
  parent?: ParentLink;
  /**
   * Runs inside the transaction that inserts the run, with its id: a trigger claims its key there
   * (a schedule's fire, a webhook's message id), so the claim and the run exist together or not at all.
   */
  within?: (trx: Kysely<Database>, runId: string) => Promise<void>;
}

/**
 * Creates a run of an agent (R1, R3, R4): resolves its variables and settings against the pinned
 * version, estimates its credits (R5), and enqueues its first attempt unless `start` is false.
 */
export async function createRun(
  deps: RunDeps,
  actor: Actor,
  agentId: string,
  input: CreateRunInput,
  trigger: RunTrigger,
  options: CreateRunOptions = {},
): Promise<RunDetails> {
  const { agent, inForce } = await agentAndPolicyOrThrow(deps.store.reads, actor, agentId);
  assertActive(agent);
  const version = input.agentVersion ?? agent.version;
  const definition =
    version === agent.version
      ? agent
      : await getAgentVersionOrThrow(deps.store.db, actor.orgId, agentId, version);
  const variables = resolveVariables(definition.variables, input.variables);
  const modelSettings = parseOrThrow(
    modelSettingsSchema,
    { ...definition.modelSettings, ...input.modelSettings },
    'modelSettings',
  );
  const stepOverrides = resolveStepOverrides(definition, input.stepOverrides ?? []);
  checkProviders(await deps.models.knownForOrg(actor.orgId), modelSettings, stepOverrides);
  const name = input.name ?? defaultRunName(agent.name, variables);
  const siteIds = input.siteIds ?? definition.siteIds;
  const notification = input.notification ?? definition.notification;
  const inserted = await insertRun(deps, actor, {
    agentId,
    version,
    definition,
    name,
    variables,
    modelSettings,
    stepOverrides,
    siteIds,
    notification,
    start: input.start,
    trigger,
    inForce,
    ...options,
  });
  // The run as written: a read back would cost ~7 statements to find what is known here (no
  // results, benchmarks or children yet), a third of a create.
  return runDetailsOf(deps, {
    ...inserted,
    agentName: agent.name,
    definition,
    results: [],
    sources: new Map(),
    toolCalls: new Map(),
    sites: await selectedSites(deps.store.db, actor.orgId, siteIds),
    benchmarks: [],
    children: [],
    values: { modelSettings, variables, stepOverrides, notification, estimate: inserted.estimateDetail },
  });
}

export interface NewRun {
  agentId: string;
  version: number;
  definition: AgentDefinition;
  name: string;
  variables: RunVariable[];
  modelSettings: ModelSettings;
  stepOverrides: StepOverride[];
  siteIds: string[];
  notification: AgentDefinition['notification'];
  start: boolean;
  trigger: RunTrigger;
  parent?: ParentLink;
  within?: CreateRunOptions['within'];
  /** The policy in force and the credit rate, when the caller read them with the agent; read here otherwise. */
  inForce?: PolicyAndCreditRate;
}

/** The rows `insertRun` wrote, as a read would return them. */
export interface InsertedRun {
  row: RunsTable;
  estimate: RunEstimatesTable;
  attempt: AttemptsTable | undefined;
  /** `estimate.detail` as the value it was written from. */
  estimateDetail: unknown;
}

/** Writes the run (and its first attempt when `start`), its events and the audit entry. */
export async function insertRun(deps: RunDeps, actor: Actor, run: NewRun): Promise<InsertedRun> {
  const now = deps.clock.now();
  const id = deps.ids.next('run');
  const stepCount = run.definition.steps.length;
  // The organization's policy in force, checked here and recorded on the run, and its credit
  // rate, in one read. A policy written between this read and the insert does not apply to this
  // run, which names the version it was checked against (on PostgreSQL a read inside the insert's
  // transaction, under READ COMMITTED, gave no more than that).
  const { policy, creditRate } =
    run.inForce ?? (await currentPolicyAndCreditRate(deps.store.reads, actor.orgId));
  assertModelsPermitted(policy, run.modelSettings, run.stepOverrides);
  const estimate = await estimateRun(deps, {
    orgId: actor.orgId,
    agentId: run.agentId,
    version: run.version,
    definition: run.definition,
    variables: run.variables,
    modelSettings: run.modelSettings,
    overrides: run.stepOverrides,
    creditRate,
    ...(run.siteIds.length > 0
      ? {
          sourcesFor: (step, context) =>
            previewStepSources(deps, { orgId: actor.orgId, siteIds: run.siteIds, step, context }),
        }
      : {}),
  });
  const estimatedCredits = estimate.credits;
  const status = run.start ? 'enqueued' : 'new';
  const write = async (trx: Kysely<Database>) => {
    await run.within?.(trx, id);
    const events: Array<{ type: string; data: unknown }> = [
      { type: 'run.created', data: { trigger: run.trigger } },
    ];
    if (run.start)
      events.push({
        type: 'run.status',
        data: { status: 'enqueued', attempt: 1, statusText: statusText('enqueued', stepCount) },
      });
    const row: RunsTable = {
      id,
      org_id: actor.orgId,
      agent_id: run.agentId,
      agent_version: run.version,
      name: run.name,
      status,
      status_text: statusText(status, stepCount),
      trigger: JSON.stringify(run.trigger),
      trigger_kind: run.trigger.kind,
      variables: JSON.stringify(run.variables),
      model_settings: JSON.stringify(run.modelSettings),
      step_overrides: JSON.stringify(run.stepOverrides),
      site_ids: JSON.stringify(run.siteIds),
      notification: JSON.stringify(run.notification),
      step_count: stepCount,
      estimated_credits: estimatedCredits,
      actual_credits: null,
      output: null,
      search_text: run.name,
      archived: 0,
      attempt: run.start ? 1 : 0,
      event_seq: events.length,
      created_by: actor.userId,
      created_at: now,
      updated_at: now,
      last_completed_at: null,
      policy_version: policy.version,
      parent_run_id: run.parent?.runId ?? null,
      parent_attempt_id: run.parent?.attemptId ?? null,
      parent_step: run.parent?.step ?? null,
      parent_tool_call: run.parent?.toolCall ?? null,
      depth: run.parent?.depth ?? 0,
    };
    const estimateRow: RunEstimatesTable = {
      run_id: id,
      org_id: actor.orgId,
      agent_id: run.agentId,
      agent_version: run.version,
      credits: estimate.credits,
      credits_low: estimate.range.low,
      credits_high: estimate.range.high,
      detail: JSON.stringify(estimate),
      created_at: now,
    };
    const attempt = run.start ? newAttempt(deps, actor.orgId, id, 1, run.version, 1, now) : undefined;
    // One statement on PostgreSQL: five round trips were half of what creating a run waited for.
    // Prepared: it has two shapes (with the first attempt or without), and planning it on every
    // create cost ~100 µs of the database's CPU.
    await executeTogether(
      trx,
      deps.store.kind,
      [
        rowsInsert('runs', [row]),
        rowsInsert('run_estimates', [estimateRow]),
        rowsInsert('attempts', attempt ? [attempt] : []),
        rowsInsert('run_events', runEventRows({ id, orgId: actor.orgId }, now, events, 1)),
        rowsInsert(
          'audit_events',
          auditRows(deps.ids, now, [
            {
              orgId: actor.orgId,
              actor: actor.userId,
              action: 'run.created',
              target: id,
              details: { agentId: run.agentId, agentVersion: run.version, trigger: run.trigger },
            },
          ]),
        ),
      ],
      { prepared: true },
    );
    return { row, estimate: estimateRow, attempt, estimateDetail: estimate };
  };
  // On PostgreSQL the run's rows are one statement, atomic without a transaction around it: that
  // spares BEGIN and COMMIT, two of a create's round trips. A trigger's claim (`within`) joins
  // the rows in a transaction; SQLite's group commit is the transaction that costs nothing extra.
  const written =
    deps.store.kind === 'postgres' && !run.within
      ? await write(deps.store.db)
      : await deps.store.transaction(write);
  if (run.start) deps.bus.publish('queue');
  deps.bus.publish(`run:${id}`);
  return written;
}

/** The row of a new attempt, due now. */
export function newAttempt(
  deps: Pick<Deps, 'ids'>,
  orgId: string,
  runId: string,
  number: number,
  agentVersion: number,
  fromStep: number,
  now: number,
): AttemptsTable {
  return {
    id: deps.ids.next('att'),
    org_id: orgId,
    run_id: runId,
    number,
    status: 'enqueued',
    agent_version: agentVersion,
    from_step: fromStep,
    current_step: null,
    current_step_started_at: null,
    lease_owner: null,
    lease_expires_at: null,
    lease_generation: 0,
    available_at: now,
    error: null,
    created_at: now,
    started_at: null,
    finished_at: null,
    settled: 0,
    finished_policy_version: null,
  };
}

/** The agent's own per-step settings, overlaid by what the run asks for. */
export function resolveStepOverrides(
  definition: AgentDefinition,
  requested: readonly StepOverride[],
): StepOverride[] {
  const byStep = new Map<number, StepOverride>();
  definition.steps.forEach((step, i) => {
    if (step.modelSettings && Object.keys(step.modelSettings).length > 0)
      byStep.set(i + 1, { step: i + 1, ...step.modelSettings });
  });
  requested.forEach((override, i) => {
    if (override.step > definition.steps.length) {
      throw ValidationError.field(
        `stepOverrides[${i}].step`,
        `this agent has ${definition.steps.length} steps`,
      );
    }
    byStep.set(override.step, { ...byStep.get(override.step), ...override });
  });
  return [...byStep.values()].sort((a, b) => a.step - b.step);
}

function checkProviders(
  known: ReadonlySet<string>,
  settings: ModelSettings,
  overrides: readonly StepOverride[],
): void {
  const check = (model: string | undefined, path: string) => {
    const provider = model?.split('/')[0];
    if (provider !== undefined && !known.has(provider)) {
      throw ValidationError.field(path, `unknown provider "${provider}"; known: ${[...known].join(', ')}`);
    }
  };
  check(settings.model, 'modelSettings.model');
  overrides.forEach((o, i) => {
    check(o.model, `stepOverrides[${i}].model`);
  });
}

/** "Weekly account report — Acme": the agent's name and the first text variable the run set. */
function defaultRunName(agentName: string, variables: readonly RunVariable[]): string {
  const first = variables.find(
    (v) => v.source === 'override' && typeof v.value === 'string' && v.value.trim() !== '',
  );
  if (!first) return agentName;
  const value = String(first.value).trim().replace(/\s+/g, ' ');
  return `${agentName} — ${value.length > 60 ? `${value.slice(0, 59)}…` : value}`;
}
