import type { Kysely } from 'kysely';
import type { AgentDefinition, ModelSettings } from '../agents/agent-definition.ts';
import { getAgentVersionOrThrow } from '../agents/agent-service.ts';
import type { Deps } from '../deps.ts';
import {
  isCancelable,
  isFinalStatus,
  isRerunnable,
  isStartable,
  type RunStatus,
} from '../engine/statuses.ts';
import { appendAudit } from '../governance/audit-log.ts';
import { sealAttemptIn } from '../governance/seal-attempts.ts';
import { sealTombstone } from '../governance/seal-tombstone.ts';
import type { Actor } from '../identity/actor.ts';
import { assertModelsPermitted, assertRunDeletable, PolicyRefusal } from '../identity/policy-rules.ts';
import { currentPolicy } from '../identity/policy-versions.ts';
import { ConflictError, NotFoundError, ValidationError } from '../platform/errors.ts';
import type { Database, RunsTable } from '../store/schema.ts';
import { insertRun, newAttempt } from './create-run.ts';
import { getRunOrThrow, getRunRowOrThrow } from './get-run.ts';
import { type RunVariable, resolveVariables } from './resolve-variables.ts';
import { blobDigestsOfRun, deleteUnreferencedBlobs } from './run-blobs.ts';
import { appendRunEvents } from './run-events.ts';
import type { DuplicateInput, RerunInput, UpdateRunInput } from './run-input.ts';
import type { RunDetails, RunTrigger, StepOverride } from './run-view.ts';
import { statusText } from './status-text.ts';
import { stepSettings } from './step-settings.ts';

type ActionDeps = Pick<
  Deps,
  'store' | 'ids' | 'clock' | 'templates' | 'models' | 'bus' | 'pricing' | 'usageHistory' | 'config'
>;

/** Reads the run inside a transaction, so the status check and the change see the same row. */
async function lockRunOrThrow(
  trx: Kysely<Database>,
  deps: ActionDeps,
  actor: Actor,
  runId: string,
): Promise<RunsTable> {
  let query = trx.selectFrom('runs').selectAll().where('id', '=', runId).where('org_id', '=', actor.orgId);
  if (deps.store.kind === 'postgres') query = query.forUpdate();
  const row = await query.executeTakeFirst();
  if (!row) throw new NotFoundError('run', runId);
  return row;
}

function refuse(action: string, run: RunsTable, allowed: string): never {
  throw new ConflictError(
    `cannot ${action} run ${run.id}: it is ${run.status}; only ${allowed} runs can be ${action === 'rerun' ? 'rerun' : `${action}ed`}`,
  );
}

/** A run created under an earlier policy starts or reruns only if its models are still permitted. */
function assertRunModelsPermitted(policy: Awaited<ReturnType<typeof currentPolicy>>, run: RunsTable): void {
  assertModelsPermitted(
    policy,
    JSON.parse(run.model_settings) as ModelSettings,
    JSON.parse(run.step_overrides) as StepOverride[],
  );
}

/** new → enqueued. */
export async function startRun(deps: ActionDeps, actor: Actor, runId: string): Promise<RunDetails> {
  await deps.store.transaction(async (trx) => {
    const run = await lockRunOrThrow(trx, deps, actor, runId);
    if (!isStartable(run.status)) refuse('start', run, 'new');
    assertRunModelsPermitted(await currentPolicy(trx, actor.orgId), run);
    const now = deps.clock.now();
    await trx
      .insertInto('attempts')
      .values(newAttempt(deps, actor.orgId, runId, 1, run.agent_version, 1, now))
      .execute();
    const text = statusText('enqueued', run.step_count);
    await trx
      .updateTable('runs')
      .set({ status: 'enqueued', status_text: text, attempt: 1 })
      .where('id', '=', runId)
      .execute();
    await appendRunEvents(trx, { id: runId, orgId: actor.orgId }, now, [
      { type: 'run.status', data: { status: 'enqueued', attempt: 1, statusText: text } },
    ]);
    await appendAudit(trx, deps.ids, now, {
      orgId: actor.orgId,
      actor: actor.userId,
      action: 'run.started',
      target: runId,
    });
  });
  deps.bus.publish('queue');
  deps.bus.publish(`run:${runId}`);
  return getRunOrThrow(deps, actor, runId);
}

/**
 * enqueued | running → canceled (M4). The attempt's lease generation is bumped in the same
 * transaction, so a model answer that arrives later cannot commit: a canceled run stays canceled.
 * The step in flight is recorded as canceled; workers holding the attempt are told to abort.
 */
export async function cancelRun(deps: ActionDeps, actor: Actor, runId: string): Promise<RunDetails> {
  const attemptId = await deps.store.transaction(async (trx) => {
    const run = await lockRunOrThrow(trx, deps, actor, runId);
    if (!isCancelable(run.status)) refuse('cancel', run, 'enqueued or running');
    const attempt = await trx
      .selectFrom('attempts')
      .selectAll()
      .where('run_id', '=', runId)
      .where('number', '=', run.attempt)
      .executeTakeFirstOrThrow();
    const now = deps.clock.now();
    const changed = await trx
      .updateTable('attempts')
      .set((eb) => ({
        status: 'canceled',
        finished_at: now,
        lease_generation: eb('lease_generation', '+', 1),
        lease_owner: null,
        lease_expires_at: null,
      }))
      .where('id', '=', attempt.id)
      // `waiting`: the attempt gave its worker slot back while a child run works (issue 05).
      .where('status', 'in', ['enqueued', 'running', 'waiting'])
      .executeTakeFirst();
    if (Number(changed.numUpdatedRows) === 0)
      refuse('cancel', { ...run, status: attempt.status }, 'enqueued or running');

    const definition = await getAgentVersionOrThrow(trx, actor.orgId, run.agent_id, attempt.agent_version);
    const inFlight =
      (attempt.status === 'running' || attempt.status === 'waiting') && attempt.current_step !== null
        ? attempt.current_step
        : null;
    const step = inFlight === null ? undefined : definition.steps[inFlight - 1];
    if (inFlight !== null && step) {
      const used = stepSettings(
        JSON.parse(run.model_settings) as ModelSettings,
        JSON.parse(run.step_overrides) as StepOverride[],
        inFlight,
      );
      await trx
        .insertInto('step_results')
        .values({
          attempt_id: attempt.id,
          number: inFlight,
          org_id: actor.orgId,
          run_id: runId,
          key: step.key,
          name: step.name,
          status: 'canceled',
          output: null,
          error: 'canceled while the step was running',
          model: used.model,
          reasoning_effort: used.reasoningEffort ?? null,
          reused: 0,
          queued_at: attempt.current_step_started_at,
          started_at: attempt.current_step_started_at,
          finished_at: now,
          usage: JSON.stringify({ inputTokens: 0, outputTokens: 0 }),
          credits: 0,
          tool_calls: '[]',
          sources: '[]',
          files: '[]',
        })
        .onConflict((oc) => oc.columns(['attempt_id', 'number']).doNothing())
        .execute();
    }
    const text = statusText(
      'canceled',
      run.step_count,
      step && inFlight !== null ? { number: inFlight, name: step.name } : undefined,
    );
    const spent = await trx
      .selectFrom('step_results')
      .select((eb) => eb.fn.coalesce(eb.fn.sum<number>('credits'), eb.lit(0)).as('credits'))
      .where('attempt_id', '=', attempt.id)
      .where('reused', '=', 0)
      .executeTakeFirstOrThrow();
    await trx
      .updateTable('runs')
      .set({ status: 'canceled', status_text: text, actual_credits: Number(spent.credits) })
      .where('id', '=', runId)
      .execute();
    await appendRunEvents(trx, { id: runId, orgId: actor.orgId }, now, [
      { type: 'run.status', data: { status: 'canceled', attempt: attempt.number, statusText: text } },
    ]);
    await appendAudit(trx, deps.ids, now, {
      orgId: actor.orgId,
      actor: actor.userId,
      action: 'run.canceled',
      target: runId,
    });
    // The canceled attempt's governed record, in the same transaction as the cancel.
    await sealAttemptIn(trx, deps, attempt.id);
    return attempt.id;
  });
  deps.bus.publish('cancel', attemptId);
  deps.bus.publish(`run:${runId}`);
  await cancelChildRuns(deps, actor, runId);
  return getRunOrThrow(deps, actor, runId);
}

/**
 * A new attempt of a finished run (M1), from step `fromStep` (M2): the steps before it keep
 * the previous attempt's results, copied and marked reused.
 */
export async function rerunRun(
  deps: ActionDeps,
  actor: Actor,
  runId: string,
  input: RerunInput,
): Promise<RunDetails> {
  await deps.store.transaction(async (trx) => {
    const run = await lockRunOrThrow(trx, deps, actor, runId);
    if (!isRerunnable(run.status)) refuse('rerun', run, 'completed, failed or canceled');
    assertRunModelsPermitted(await currentPolicy(trx, actor.orgId), run);
    const agent = await trx
      .selectFrom('agents')
      .select(['latest_version'])
      .where('id', '=', run.agent_id)
      .executeTakeFirstOrThrow();
    const version = input.latestVersion ? agent.latest_version : run.agent_version;
    const definition = await getAgentVersionOrThrow(trx, actor.orgId, run.agent_id, version);
    const fromStep = input.fromStep ?? 1;
    if (fromStep > definition.steps.length) {
      throw ValidationError.field('fromStep', `this agent version has ${definition.steps.length} steps`);
    }
    const now = deps.clock.now();
    const previous = await trx
      .selectFrom('attempts')
      .select(['id', 'agent_version'])
      .where('run_id', '=', runId)
      .where('number', '=', run.attempt)
      .executeTakeFirstOrThrow();
    const attempt = newAttempt(deps, actor.orgId, runId, run.attempt + 1, version, fromStep, now);
    await trx.insertInto('attempts').values(attempt).execute();
    if (fromStep > 1) await reuseEarlierSteps(trx, run, previous, attempt.id, definition, fromStep);
    const text = statusText('enqueued', definition.steps.length);
    await trx
      .updateTable('runs')
      .set({
        status: 'enqueued',
        status_text: text,
        attempt: attempt.number,
        agent_version: version,
        step_count: definition.steps.length,
        output: null,
        actual_credits: null,
      })
      .where('id', '=', runId)
      .execute();
    await appendRunEvents(trx, { id: runId, orgId: actor.orgId }, now, [
      {
        type: 'run.status',
        data: { status: 'enqueued', attempt: attempt.number, fromStep, statusText: text },
      },
    ]);
    await appendAudit(trx, deps.ids, now, {
      orgId: actor.orgId,
      actor: actor.userId,
      action: 'run.rerun',
      target: runId,
      details: { attempt: attempt.number, fromStep, agentVersion: version },
    });
  });
  deps.bus.publish('queue');
  deps.bus.publish(`run:${runId}`);
  return getRunOrThrow(deps, actor, runId);
}

async function reuseEarlierSteps(
  trx: Kysely<Database>,
  run: RunsTable,
  previous: { id: string; agent_version: number },
  attemptId: string,
  definition: AgentDefinition,
  fromStep: number,
): Promise<void> {
  const earlier = await trx
    .selectFrom('step_results')
    .selectAll()
    .where('attempt_id', '=', previous.id)
    .where('number', '<', fromStep)
    .orderBy('number')
    .execute();
  for (let number = 1; number < fromStep; number++) {
    const result = earlier.find((r) => r.number === number);
    const step = definition.steps[number - 1];
    if (result?.status !== 'completed') {
      throw new ConflictError(
        `cannot rerun run ${run.id} from step ${fromStep}: step ${number} has no completed result to reuse`,
      );
    }
    if (step && step.key !== result.key) {
      throw new ConflictError(
        `cannot rerun run ${run.id} from step ${fromStep}: step ${number} is now "${step.key}", it was "${result.key}"; rerun from step 1`,
      );
    }
  }
  await trx
    .insertInto('step_results')
    .values(earlier.map((r) => ({ ...r, attempt_id: attemptId, reused: 1 })))
    .execute();
}

/** A new run with the same configuration and adjusted variables (M3). */
export async function duplicateRun(
  deps: ActionDeps,
  actor: Actor,
  runId: string,
  input: DuplicateInput,
): Promise<RunDetails> {
  const source = await getRunRowOrThrow(deps, actor, runId);
  const definition = await getAgentVersionOrThrow(
    deps.store.db,
    actor.orgId,
    source.agent_id,
    source.agent_version,
  );
  const previous = JSON.parse(source.variables) as RunVariable[];
  const overrides = Object.fromEntries(
    previous.filter((v) => v.source === 'override').map((v) => [v.name, v.value]),
  );
  const variables = resolveVariables(definition.variables, { ...overrides, ...input.variables });
  const trigger: RunTrigger = { kind: 'manual', by: actor.userId, duplicateOf: source.id };
  const { row } = await insertRun(deps, actor, {
    agentId: source.agent_id,
    version: source.agent_version,
    definition,
    name: input.name ?? `${source.name} (copy)`,
    variables,
    modelSettings: JSON.parse(source.model_settings) as ModelSettings,
    stepOverrides: JSON.parse(source.step_overrides) as StepOverride[],
    siteIds: JSON.parse(source.site_ids) as string[],
    notification: JSON.parse(source.notification) as AgentDefinition['notification'],
    start: input.start,
    trigger,
  });
  return getRunOrThrow(deps, actor, row.id);
}

/** Rename, archive or unarchive. */
export async function updateRun(
  deps: ActionDeps,
  actor: Actor,
  runId: string,
  input: UpdateRunInput,
): Promise<RunDetails> {
  await deps.store.transaction(async (trx) => {
    const run = await lockRunOrThrow(trx, deps, actor, runId);
    const now = deps.clock.now();
    const set: Partial<RunsTable> = {};
    if (input.name !== undefined && input.name !== run.name) {
      set.name = input.name;
      const newline = run.search_text.indexOf('\n');
      set.search_text = input.name + (newline >= 0 ? run.search_text.slice(newline) : '');
    }
    if (input.archived !== undefined) set.archived = input.archived ? 1 : 0;
    if (Object.keys(set).length === 0) return;
    await trx.updateTable('runs').set(set).where('id', '=', runId).execute();
    await appendRunEvents(trx, { id: runId, orgId: actor.orgId }, now, [
      { type: 'run.updated', data: input },
    ]);
    const action =
      input.archived === undefined ? 'run.renamed' : input.archived ? 'run.archived' : 'run.unarchived';
    await appendAudit(trx, deps.ids, now, {
      orgId: actor.orgId,
      actor: actor.userId,
      action,
      target: runId,
      details: input,
    });
  });
  deps.bus.publish(`run:${runId}`);
  return getRunOrThrow(deps, actor, runId);
}

/**
 * Deletes a run that is not in flight, with its attempts, results and events (L4), where the
 * policy in force permits it: the actor's role may delete, no legal hold covers it, and its
 * retention period has passed when retention is enforced. A refusal names the rule. The run's
 * blobs go too unless another run still refers to them.
 */
export async function deleteRun(
  deps: ActionDeps & Partial<Pick<Deps, 'blobs'>>,
  actor: Actor,
  runId: string,
): Promise<void> {
  let refused: { refusal: PolicyRefusal; policyVersion: number } | undefined;
  let agentId = '';
  const digests = await deps.store.transaction(async (trx) => {
    const run = await lockRunOrThrow(trx, deps, actor, runId);
    agentId = run.agent_id;
    const policy = await currentPolicy(trx, actor.orgId);
    try {
      assertRunDeletable(
        policy,
        actor.role,
        { agentId: run.agent_id, createdAtMs: run.created_at },
        deps.clock.now(),
      );
    } catch (error) {
      if (!(error instanceof PolicyRefusal)) throw error;
      refused = { refusal: error, policyVersion: policy.version };
      return [];
    }
    if (!isFinalStatus(run.status) && run.status !== 'new') {
      throw new ConflictError(`cannot delete run ${run.id}: it is ${run.status}; cancel it first`);
    }
    const digests = await blobDigestsOfRun(trx, runId);
    await sealTombstone(trx, deps, actor, run);
    await trx.deleteFrom('run_events').where('run_id', '=', runId).execute();
    await trx.deleteFrom('step_results').where('run_id', '=', runId).execute();
    await trx.deleteFrom('files').where('run_id', '=', runId).execute();
    await trx.deleteFrom('run_estimates').where('run_id', '=', runId).execute();
    await trx.deleteFrom('usage_history').where('run_id', '=', runId).execute();
    await trx.deleteFrom('benchmark_results').where('run_id', '=', runId).execute();
    await trx.deleteFrom('attempts').where('run_id', '=', runId).execute();
    await trx.deleteFrom('runs').where('id', '=', runId).execute();
    await appendAudit(trx, deps.ids, deps.clock.now(), {
      orgId: actor.orgId,
      actor: actor.userId,
      action: 'run.deleted',
      target: runId,
      details: {
        name: run.name,
        agentId: run.agent_id,
        status: run.status as RunStatus,
        policyVersion: policy.version,
        blobs: digests,
      },
    });
    return digests;
  });
  if (refused) {
    await recordRefusedDeletion(deps, actor, runId, {
      rule: `policy.${refused.refusal.rule}`,
      reason: refused.refusal.message,
      policyVersion: refused.policyVersion,
    });
    throw refused.refusal;
  }
  // Its samples left the estimates' history with it.
  deps.usageHistory.invalidate(actor.orgId, agentId);
  if (deps.blobs && digests.length > 0)
    await deleteUnreferencedBlobs({ store: deps.store, blobs: deps.blobs }, actor.orgId, digests);
}

/**
 * A refused deletion goes to the audit log too (`run.delete_refused`), naming the rule that
 * refused it: a policy rule (`policy.retentionDays`, `policy.legalHold`,
 * `policy.rolesAllowedToDelete`) or the permission matrix (`permissions.runs.delete`).
 * Written after the refused transaction rolled back, in the actor's own organization.
 */
export async function recordRefusedDeletion(
  deps: Pick<Deps, 'store' | 'ids' | 'clock'>,
  actor: Actor,
  target: string,
  details: { rule: string; reason: string; policyVersion?: number; runIds?: string[] },
): Promise<void> {
  await appendAudit(deps.store.db, deps.ids, deps.clock.now(), {
    orgId: actor.orgId,
    actor: actor.userId,
    action: 'run.delete_refused',
    target,
    details: { ...details, role: actor.role },
  });
}

/** Canceling a parent cancels its child runs that are still going, and theirs (M4, T4). */
async function cancelChildRuns(deps: ActionDeps, actor: Actor, parentRunId: string): Promise<void> {
  const children = await deps.store.db
    .selectFrom('runs')
    .select('id')
    .where('parent_run_id', '=', parentRunId)
    .where('status', 'in', ['enqueued', 'running'])
    .execute();
  for (const child of children) {
    try {
      await cancelRun(deps, actor, child.id);
    } catch (error) {
      // It ended between the read and the cancel: nothing left to stop.
      if (!(error instanceof ConflictError)) throw error;
    }
  }
}
