import { z } from 'zod';
import type { ToolSettings } from '../agents/agent-definition.ts';
import type { Deps } from '../deps.ts';
import { isFinalStatus, type RunStatus } from '../engine/statuses.ts';
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
  'store' | 'ids' | 'clock' | 'templates' | 'models' | 'bus' | 'pricing'
>;

export interface InvokeAgentOptions {
  depthLimit: number;
  /** How often the waiting tool looks at the child's status (it is also woken by the child's events). */
  pollIntervalMs: number;
}

/**
 * `invoke_agent` (C1): starts a child run of an agent the calling agent lists in
 * `toolSettings.invokableAgentIds`, through the same `createRun` as an `agent` step (T4): the
 * child links to its parent, counts against the nesting depth, and is canceled with it.
 *
 * Unlike an `agent` step, the tool waits for the child synchronously: the parent attempt keeps its
 * lease and its worker slot while the child runs (a model turn cannot be suspended and resumed
 * later the way a step can). A parent attempt taken over by another worker mid-call starts the
 * child again when it repeats the step.
 */
export async function invokeAgent(
  deps: InvokeAgentDeps,
  parentStep: { runId: string; number: number },
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
  const parent = await db
    .selectFrom('runs')
    .select(['id', 'depth', 'created_by', 'org_id'])
    .where('id', '=', parentStep.runId)
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
  const child = await createRun(
    deps,
    actor,
    input.agentId,
    { variables: input.variables, start: true },
    { kind: 'agent', by: parent.id },
    { parent: { runId: parent.id, attemptId: null, step: parentStep.number, depth } },
  );
  let wake = new AbortController();
  const unsubscribe = deps.bus.subscribe(`run:${child.id}`, () => wake.abort());
  try {
    for (;;) {
      // Renewed before the read: an event that lands after it cuts the next wait short.
      if (wake.signal.aborted) wake = new AbortController();
      const row = await db
        .selectFrom('runs')
        .select(['status', 'output', 'attempt'])
        .where('id', '=', child.id)
        .executeTakeFirstOrThrow();
      const status = row.status as RunStatus;
      if (status === 'completed') return { runId: child.id, status, output: row.output ?? '' };
      if (isFinalStatus(status)) {
        const last = await db
          .selectFrom('attempts')
          .select('error')
          .where('run_id', '=', child.id)
          .where('number', '=', row.attempt)
          .executeTakeFirst();
        throw new ToolFailure(
          `child run ${child.id} ${status === 'canceled' ? 'was canceled' : `failed: ${last?.error ?? 'no error recorded'}`}`,
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
