import type { Kysely } from 'kysely';
import type { Database, RunEventsTable } from '../store/schema.ts';

export interface RunEvent {
  seq: number;
  type: string;
  data: unknown;
  at: string;
}

/**
 * Appends events to a run's log (outside the engine's hot path, which writes its own) and
 * bumps the run's `updated_at`. Call inside the transaction that made the change.
 */
export async function appendRunEvents(
  trx: Kysely<Database>,
  run: { id: string; orgId: string },
  at: number,
  events: Array<{ type: string; data: unknown }>,
): Promise<void> {
  const row = await trx
    .updateTable('runs')
    .set((eb) => ({ event_seq: eb('event_seq', '+', events.length), updated_at: at }))
    .where('id', '=', run.id)
    .returning('event_seq')
    .executeTakeFirstOrThrow();
  await writeRunEvents(trx, run, at, events, row.event_seq - events.length + 1);
}

/**
 * Writes events numbered from `firstSeq`, for a run whose `event_seq` already counts them (a new
 * run is inserted with its first events counted, sparing an update of the row just written).
 */
export async function writeRunEvents(
  trx: Kysely<Database>,
  run: { id: string; orgId: string },
  at: number,
  events: Array<{ type: string; data: unknown }>,
  firstSeq: number,
): Promise<void> {
  await trx
    .insertInto('run_events')
    .values(runEventRows(run, at, events, firstSeq))
    .execute();
}

/** The rows `writeRunEvents` writes (for `executeTogether`). */
export function runEventRows(
  run: { id: string; orgId: string },
  at: number,
  events: Array<{ type: string; data: unknown }>,
  firstSeq: number,
): RunEventsTable[] {
  return events.map((event, i) => ({
    run_id: run.id,
    seq: firstSeq + i,
    org_id: run.orgId,
    type: event.type,
    data: JSON.stringify(event.data),
    created_at: at,
  }));
}

/** Events of a run with a sequence number above `afterSeq`, oldest first. */
export async function readRunEvents(
  db: Kysely<Database>,
  orgId: string,
  runId: string,
  afterSeq: number,
  limit = 500,
): Promise<RunEvent[]> {
  const rows = await db
    .selectFrom('run_events')
    .select(['seq', 'type', 'data', 'created_at'])
    .where('run_id', '=', runId)
    .where('org_id', '=', orgId)
    .where('seq', '>', afterSeq)
    .orderBy('seq')
    .limit(limit)
    .execute();
  return rows.map((r) => ({
    seq: r.seq,
    type: r.type,
    data: JSON.parse(r.data),
    at: new Date(r.created_at).toISOString(),
  }));
}
