import { sql } from 'kysely';
import type { Notification } from '../agents/agent-definition.ts';
import { enqueueFinishedAttempts } from '../benchmarks/benchmark-results.ts';
import type { Deps } from '../deps.ts';
import type { NotificationOutboxTable } from '../store/schema.ts';

/** What a notification says, the same for email and webhook (`type` as Standard Webhooks name it). */
export interface NotificationPayload {
  type: 'run.completed' | 'run.failed' | 'run.canceled';
  timestamp: string;
  data: {
    runId: string;
    name: string;
    agentId: string;
    status: string;
    error: string | null;
    output: string | null;
    url: string;
  };
}

/** N1: `failure` on failed, `completion` on completed, `always` on any end (canceled too). */
export function wantsNotification(on: Notification['on'], status: string): boolean {
  switch (on) {
    case 'none':
      return false;
    case 'failure':
      return status === 'failed';
    case 'completion':
      return status === 'completed';
    case 'always':
      return true;
    default: {
      const unreachable: never = on;
      return unreachable;
    }
  }
}

/**
 * Writes the outbox rows of every finished attempt not yet settled, and marks it settled, in one
 * transaction per batch. This runs right after the finishing commit rather than inside it, so the
 * engine's hot path (one statement per batch of step commits) stays as it is; the `settled` flag
 * makes it a recovery sweep too: an attempt that finished just before a crash is still unsettled,
 * and the next sweep, in any process, writes its notifications. The outbox key
 * (attempt, channel, target) keeps two sweepers from writing one twice.
 */
export async function settleFinishedAttempts(
  deps: Pick<Deps, 'store' | 'ids' | 'clock' | 'config'>,
  limit = 200,
): Promise<number> {
  const finished = await deps.store.db
    .selectFrom('attempts')
    .innerJoin('runs', 'runs.id', 'attempts.run_id')
    .select([
      'attempts.id',
      'attempts.status',
      'attempts.error',
      'attempts.finished_at',
      'attempts.org_id',
      'attempts.number',
      'attempts.agent_version',
    ])
    .select(['runs.id as run_id', 'runs.name', 'runs.agent_id', 'runs.notification', 'runs.output'])
    // A literal, so PostgreSQL plans it against the partial index `attempts_unsettled`.
    .where('attempts.settled', '=', sql<number>`0`)
    .where('attempts.status', 'in', ['completed', 'failed', 'canceled'])
    .limit(limit)
    .execute();
  if (finished.length === 0) return 0;
  const now = deps.clock.now();
  const rows: NotificationOutboxTable[] = [];
  for (const attempt of finished) {
    const notification = JSON.parse(attempt.notification) as Notification;
    if (!wantsNotification(notification.on, attempt.status)) continue;
    const payload: NotificationPayload = {
      type: `run.${attempt.status}` as NotificationPayload['type'],
      timestamp: new Date(attempt.finished_at ?? now).toISOString(),
      data: {
        runId: attempt.run_id,
        name: attempt.name,
        agentId: attempt.agent_id,
        status: attempt.status,
        error: attempt.error,
        output: attempt.output,
        url: `${deps.config.publicUrl}/runs/${attempt.run_id}`,
      },
    };
    const row = (channel: string, target: string): NotificationOutboxTable => ({
      id: deps.ids.next('ntf'),
      org_id: attempt.org_id,
      run_id: attempt.run_id,
      attempt_id: attempt.id,
      channel,
      target,
      payload: JSON.stringify(payload),
      status: 'pending',
      tries: 0,
      next_try_at: now,
      last_error: null,
      created_at: now,
      sent_at: null,
    });
    for (const email of notification.email ?? []) rows.push(row('email', email));
    if (notification.webhook) rows.push(row('webhook', notification.webhook));
  }
  await deps.store.transaction(async (trx) => {
    if (rows.length > 0)
      await trx
        .insertInto('notification_outbox')
        .values(rows)
        .onConflict((oc) => oc.columns(['attempt_id', 'channel', 'target']).doNothing())
        .execute();
    // Benchmarks (B2) follow a completion the same way: queued here, judged by the benchmark loop.
    await enqueueFinishedAttempts(trx, deps.ids, now, finished);
    await trx
      .updateTable('attempts')
      .set({ settled: 1 })
      .where(
        'id',
        'in',
        finished.map((a) => a.id),
      )
      .execute();
  });
  return finished.length;
}
