import { z } from 'zod';
import type { ToolSettings } from '../agents/agent-definition.ts';
import type { Deps } from '../deps.ts';
import { isFinalStatus, type RunStatus } from '../engine/statuses.ts';
import { canonicalJson, sha256Hex } from '../governance/digest.ts';
import { isRole } from '../identity/actor.ts';
import { createRun } from '../runs/create-run.ts';
import { ToolFailure, ToolRefusal } from './tool-errors.ts';

export const invokeAgentInput = z.object({
  agentId: z.string().min(1).max(100).describe('The id of the agent to run'),
  variables: z.record(z.string(), z.unknown()).default({}),
});
export type InvokeAgentInput = z.infer<typeof invokeAgentInput>;

export type InvokeAgentDeps = Pick<
  Deps,
  'store' | 'ids' | 'clock' | 'templates' | 'models' | 'bus' | 'pricing' | 'usageHistory'
>;

export interface InvokeAgentOptions {
  depthLimit: number;
  /** How often the waiting tool looks at the child's status (it is also woken by the child's events). */
  pollIntervalMs: number;
}

/** The call of a step that invokes an agent: its attempt, step, and place among the step's calls. */
export interface InvokeAgentCall {
  runId: string;
  attemptId: string;
  number: number;
  /** 1 for the step's first `invoke_agent` call, 2 for the next… in the order the model made them. */
  ordinal: number;
}

/**
 * `invoke_agent` (C1): starts a child run of an agent the calling agent lists in
 * `toolSettings.invokableAgentIds`, through the same `createRun` as an `agent` step (T4): the
 * child links to its parent, counts against the nesting depth, and is canceled with it.
 *
 * Unlike an `agent` step, the tool waits for the child synchronously: the parent attempt keeps its
 * lease and its worker slot while the child runs (a model turn cannot be suspended and resumed
 * later the way a step can). The child is durable all the same: it is keyed by the parent attempt,
 * the step and the call (its ordinal in the step and a digest of its agent and variables, a unique
 * index), so a parent attempt taken over by another worker mid-call repeats the step, makes the
 * same call, and waits for the child already running (or takes its result) instead of starting
 * another. A call that differs on the repeat (a model that answers differently) starts its own child.
 */
export async function invokeAgent(
  deps: InvokeAgentDeps,
  call: InvokeAgentCall,
  settings: ToolSettings,
  input: InvokeAgentInput,
  options: InvokeAgentOptions,
  signal: AbortSignal,
): Promise<{ runId: string; status: 'completed'; output: string }> {
  if (!settings.invokableAgentIds.includes(input.agentId))
    throw new ToolRefusal(
      'toolSettings.invokableAgentIds',
      `agent ${input.agentId} is not one this agent may invoke (listed: ${settings.invokableAgentIds.join(', ') || 'none'})`,
    );
  const db = deps.store.db;
  const toolCall = `${call.ordinal}:${await sha256Hex(canonicalJson({ agentId: input.agentId, variables: input.variables }))}`;
  const findChild = () =>
    db
      .selectFrom('runs')
      .select('id')
      .where('parent_attempt_id', '=', call.attemptId)
      .where('parent_step', '=', call.number)
      .where('parent_tool_call', '=', toolCall)
      .executeTakeFirst();
  let child = await findChild();
  if (!child) {
    try {
      await startChild(deps, call, toolCall, input, options);
    } catch (error) {
      // Another holder of this attempt (a lease takeover) started it first: use that one.
      if (!(await findChild())) throw error;
    }
    child = await findChild();
    if (!child) throw new Error('the child run vanished after it was created');
  }
  return waitForChild(deps, child.id, options, signal);
}

async function startChild(
  deps: InvokeAgentDeps,
  call: InvokeAgentCall,
  toolCall: string,
  input: InvokeAgentInput,
  options: InvokeAgentOptions,
): Promise<void> {
  const db = deps.store.db;
  const parent = await db
    .selectFrom('runs')
    .select(['id', 'depth', 'created_by', 'org_id'])
    .where('id', '=', call.runId)
    .executeTakeFirstOrThrow();
  const depth = parent.depth + 1;
  if (depth > options.depthLimit)
    throw new ToolRefusal(
      'childRunDepthLimit',
      `a child run at depth ${depth} is over the limit of ${options.depthLimit} nested runs`,
    );
  const user = await db
    .selectFrom('users')
    .select('role')
    .where('id', '=', parent.created_by)
    .executeTakeFirst();
  const actor = {
    orgId: parent.org_id,
    userId: parent.created_by,
    role: user && isRole(user.role) ? user.role : ('runner' as const),
  };
  await createRun(
    deps,
    actor,
    input.agentId,
    { variables: input.variables, start: true },
    { kind: 'agent', by: parent.id },
    { parent: { runId: parent.id, attemptId: call.attemptId, step: call.number, toolCall, depth } },
  );
}

/** Waits until the child run ends: its output when it completed, a ToolFailure otherwise. */
async function waitForChild(
  deps: InvokeAgentDeps,
  childId: string,
  options: InvokeAgentOptions,
  signal: AbortSignal,
): Promise<{ runId: string; status: 'completed'; output: string }> {
  const db = deps.store.db;
  let wake = new AbortController();
  const unsubscribe = deps.bus.subscribe(`run:${childId}`, () => wake.abort());
  try {
    for (;;) {
      // Renewed before the read: an event that lands after it cuts the next wait short.
      if (wake.signal.aborted) wake = new AbortController();
      const row = await db
        .selectFrom('runs')
        .select(['status', 'output', 'attempt'])
        .where('id', '=', childId)
        .executeTakeFirstOrThrow();
      const status = row.status as RunStatus;
      if (status === 'completed') return { runId: childId, status, output: row.output ?? '' };
      if (isFinalStatus(status)) {
        const last = await db
          .selectFrom('attempts')
          .select('error')
          .where('run_id', '=', childId)
          .where('number', '=', row.attempt)
          .executeTakeFirst();
        throw new ToolFailure(
          `child run ${childId} ${status === 'canceled' ? 'was canceled' : `failed: ${last?.error ?? 'no error recorded'}`}`,
        );
      }
      const waitSignal = AbortSignal.any([signal, wake.signal]);
      await deps.clock.sleep(options.pollIntervalMs, waitSignal).catch((error: unknown) => {
        if (signal.aborted) throw error;
      });
    }
  } finally {
    unsubscribe();
  }
}
