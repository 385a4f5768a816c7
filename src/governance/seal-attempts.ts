import type { Kysely } from 'kysely';
import type { Deps } from '../deps.ts';
import type { Database } from '../store/schema.ts';
import { appendRecord } from './append-record.ts';
import { appendAudit } from './audit-log.ts';
import { type BuiltRecord, buildAttemptRecord } from './build-attempt-record.ts';

export type SealDeps = Pick<Deps, 'store' | 'ids' | 'clock' | 'config'>;

/**
 * Seals one finished attempt as a governed record (SPEC G1) inside `trx`: claims the seal (the
 * attempt's `sealed` flag, 0 → 1), appends the record to the organization's chain and an audit
 * entry. An attempt already sealed or not finished is skipped, so sealing is idempotent.
 * Returns whether a record was written.
 */
export async function sealAttemptIn(
  trx: Kysely<Database>,
  deps: SealDeps,
  attemptId: string,
  /** The record read before the transaction (a finished attempt no longer changes). */
  prebuilt?: BuiltRecord,
): Promise<boolean> {
  // Claim first: on PostgreSQL the row lock makes a concurrent sealer wait, then update nothing.
  const claimed = await trx
    .updateTable('attempts')
    .set({ sealed: 1 })
    .where('id', '=', attemptId)
    .where('sealed', '=', 0)
    .where('status', 'in', ['completed', 'failed', 'canceled'])
    .executeTakeFirst();
  if (Number(claimed.numUpdatedRows) === 0) return false;
  const built = prebuilt ?? (await buildAttemptRecord(trx, attemptId));
  if (!built) return false;
  const record = await appendRecord(trx, deps, {
    orgId: built.orgId,
    kind: 'attempt',
    runId: built.runId,
    attemptId,
    agentId: built.agentId,
    body: built.body,
  });
  await appendAudit(trx, deps.ids, deps.clock.now(), {
    orgId: built.orgId,
    actor: 'system',
    action: 'record.sealed',
    target: built.runId,
    details: { seq: record.seq, hash: record.hash, attemptId, agentId: built.agentId },
  });
  return true;
}

/** Seals the given attempts in one transaction; returns how many records were written. */
export async function sealAttempts(deps: SealDeps, attemptIds: readonly string[]): Promise<number> {
  if (attemptIds.length === 0) return 0;
  // A finished attempt no longer changes, so its record is read before the transaction: on
  // SQLite the transaction holds the one write lock the engine's step commits also need.
  const built = new Map<string, BuiltRecord>();
  for (const attemptId of attemptIds) {
    const record = await buildAttemptRecord(deps.store.db, attemptId);
    if (record) built.set(attemptId, record);
  }
  if (built.size === 0) return 0;
  return deps.store.transaction(async (trx) => {
    let sealed = 0;
    for (const [attemptId, record] of built) if (await sealAttemptIn(trx, deps, attemptId, record)) sealed++;
    return sealed;
  });
}

/**
 * Seals every finished attempt that has no record yet. The engine's finishing commit sets the
 * status with `sealed = 0` in its own transaction, so such an attempt is a durable outbox entry: a
 * crash between that commit and the seal leaves exactly these rows, and this sweep (at worker
 * start and on its timer) seals them. Reads the partial index `attempts_unsealed`.
 */
export async function sealPendingAttempts(deps: SealDeps, limit = 500): Promise<number> {
  let total = 0;
  for (;;) {
    const rows = await deps.store.db
      .selectFrom('attempts')
      .select('id')
      .where('sealed', '=', 0)
      .where('status', 'in', ['completed', 'failed', 'canceled'])
      .orderBy('id')
      .limit(limit)
      .execute();
    if (rows.length === 0) return total;
    const written = await sealAttempts(
      deps,
      rows.map((r) => r.id),
    );
    total += written;
    if (rows.length < limit || written === 0) return total;
  }
}
