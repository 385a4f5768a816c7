import type { StepDefinition } from '../agents/agent-definition.ts';
import type { TemplateContext } from '../agents/templates.ts';
import type { Deps } from '../deps.ts';
import { isRole } from '../identity/actor.ts';
import type { ClaimedAttempt } from '../queue/queue-store.ts';
import { createRun } from '../runs/create-run.ts';
import { appendRunEvents } from '../runs/run-events.ts';

/** What an `agent` step came to: the child's output, or the attempt now waits (or was lost). */
export type AgentStepOutcome =
  | { kind: 'completed'; output: string; childRunId: string }
  | { kind: 'waiting'; childRunId: string }
  | { kind: 'lost' };

export interface AgentStepCall {
  attempt: ClaimedAttempt;
  step: StepDefinition;
  number: number;
  stepCount: number;
  templateContext: TemplateContext;
}

/**
 * Runs a step of kind `agent` (T4). Throws (failing the step) when the child cannot start (depth
 * limit, a cycle, bad variables) or when it failed or was canceled.
 */
export interface AgentStepRunner {
  run(call: AgentStepCall): Promise<AgentStepOutcome>;
}

type RunnerDeps = Pick<
  Deps,
  'store' | 'ids' | 'clock' | 'templates' | 'models' | 'bus' | 'pricing' | 'usageHistory'
>;

/**
 * A child run is found by its parent attempt and step (a unique key), so a parent resumed after a
 * crash finds the child it started instead of starting another. While the child works the parent
 * attempt is `waiting`: no lease, no worker slot; `wakeWaitingParents` re-enqueues it once the
 * child has ended, and the resumed attempt comes back here and takes the child's outcome.
 */
export function createAgentStepRunner(
  deps: RunnerDeps,
  options: { depthLimit?: number } = {},
): AgentStepRunner {
  const depthLimit = options.depthLimit ?? 5;
  const db = deps.store.db;

  const findChild = (attemptId: string, step: number) =>
    db
      .selectFrom('runs')
      .select(['id', 'status', 'output', 'attempt'])
      .where('parent_attempt_id', '=', attemptId)
      .where('parent_step', '=', step)
      .where('parent_tool_call', 'is', null)
      .executeTakeFirst();

  const startChild = async (call: AgentStepCall): Promise<string> => {
    const { attempt, step, number } = call;
    const childAgentId = step.agentId ?? '';
    const parent = await db
      .selectFrom('runs')
      .select(['id', 'agent_id', 'depth', 'parent_run_id', 'created_by', 'org_id'])
      .where('id', '=', attempt.runId)
      .executeTakeFirstOrThrow();
    const depth = parent.depth + 1;
    if (depth > depthLimit)
      throw new Error(`a child run at depth ${depth} is over the limit of ${depthLimit} nested runs`);
    const chain = [parent.agent_id];
    for (let up = parent.parent_run_id; up !== null; ) {
      const row = await db
        .selectFrom('runs')
        .select(['agent_id', 'parent_run_id'])
        .where('id', '=', up)
        .executeTakeFirst();
      if (!row) break;
      chain.unshift(row.agent_id);
      up = row.parent_run_id;
    }
    // Saving refuses cycles, but an agent edited since the parent's version was pinned can make one.
    if (chain.includes(childAgentId))
      throw new Error(
        `running agent ${childAgentId} here makes a cycle: ${[...chain, childAgentId].join(' → ')}`,
      );
    const variables = Object.fromEntries(
      Object.entries(step.variables ?? {}).map(([name, template]) => [
        name,
        deps.templates.render(template, call.templateContext),
      ]),
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
      childAgentId,
      { variables, start: true },
      { kind: 'agent', by: parent.id },
      { parent: { runId: parent.id, attemptId: attempt.id, step: number, depth } },
    );
    return child.id;
  };

  return {
    async run(call) {
      const { attempt, number } = call;
      let child = await findChild(attempt.id, number);
      if (!child) {
        try {
          await startChild(call);
        } catch (error) {
          // Another holder of this attempt (a lease takeover) started it first: use that one.
          if (!(await findChild(attempt.id, number))) throw error;
        }
        child = await findChild(attempt.id, number);
        if (!child) throw new Error('the child run vanished after it was created');
      }
      if (child.status === 'completed')
        return { kind: 'completed', output: child.output ?? '', childRunId: child.id };
      if (child.status === 'failed' || child.status === 'canceled') {
        const last = await db
          .selectFrom('attempts')
          .select('error')
          .where('run_id', '=', child.id)
          .where('number', '=', child.attempt)
          .executeTakeFirst();
        throw new Error(
          child.status === 'failed'
            ? `child run ${child.id} failed: ${last?.error ?? 'no error recorded'}`
            : `child run ${child.id} was canceled`,
        );
      }
      const childRunId = child.id;
      const now = deps.clock.now();
      const statusText = `Waiting for child run ${childRunId} (step ${number} of ${call.stepCount})`;
      const waiting = await deps.store.transaction(async (trx) => {
        const moved = await trx
          .updateTable('attempts')
          .set({ status: 'waiting', lease_owner: null, lease_expires_at: null })
          .where('id', '=', attempt.id)
          .where('lease_generation', '=', attempt.leaseGeneration)
          .where('status', '=', 'running')
          .executeTakeFirst();
        if (Number(moved.numUpdatedRows) === 0) return false;
        await trx
          .updateTable('runs')
          .set({ status_text: statusText, updated_at: now })
          .where('id', '=', attempt.runId)
          .execute();
        await appendRunEvents(trx, { id: attempt.runId, orgId: attempt.orgId }, now, [
          { type: 'step.waiting', data: { number, childRunId, statusText } },
        ]);
        return true;
      });
      if (!waiting) return { kind: 'lost' };
      deps.bus.publish(`run:${attempt.runId}`);
      return { kind: 'waiting', childRunId };
    },
  };
}
