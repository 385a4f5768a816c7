import type { Deps } from '../deps.ts';

/**
 * Re-enqueues every waiting parent attempt whose child run (the one of the step it waits on) has
 * ended. Level-triggered on purpose: whether the child ended before or after its parent went to
 * `waiting`, and whoever crashed in between, the next pass finds the pair and wakes the parent.
 * Returns how many attempts it woke.
 */
export async function wakeWaitingParents(deps: Pick<Deps, 'store' | 'clock' | 'bus'>): Promise<number> {
  const woken = await deps.store.db
    .updateTable('attempts')
    .set({ status: 'enqueued', available_at: deps.clock.now() })
    .where('status', '=', 'waiting')
    .where(({ exists, selectFrom }) =>
      exists(
        selectFrom('runs as child')
          .select('child.id')
          // Said outright so both planners take the partial index (migration 0025).
          .where('child.parent_attempt_id', 'is not', null)
          .whereRef('child.parent_attempt_id', '=', 'attempts.id')
          .whereRef('child.parent_step', '=', 'attempts.current_step')
          .where('child.parent_tool_call', 'is', null)
          .where('child.status', 'in', ['completed', 'failed', 'canceled']),
      ),
    )
    .executeTakeFirst();
  const count = Number(woken.numUpdatedRows);
  if (count > 0) deps.bus.publish('queue');
  return count;
}
