import type { Kysely } from 'kysely';
import type { Deps } from '../deps.ts';
import { recordUsageHistory, type UsageHistoryBook } from '../models/usage-history.ts';
import { batchSlices } from '../store/batch-slices.ts';
import { compiledOnce } from '../store/compiled-once.ts';
import { executeTogether, rowsInsert } from '../store/execute-together.ts';
import type { AuditEventsTable, Database } from '../store/schema.ts';
import {
  type AppendInput,
  type ChainedRecords,
  chainedRows,
  chainedSlice,
  chainRecords,
  readChainHeads,
} from './append-record.ts';
import { auditRows } from './audit-log.ts';
import {
  attemptFinished,
  type BuiltRecord,
  buildAttemptRecords,
  type DefinitionCache,
} from './build-attempt-record.ts';

export type SealDeps = Pick<Deps, 'store' | 'ids' | 'clock' | 'config'> & {
  usageHistory: Pick<UsageHistoryBook, 'invalidate'>;
};

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
): Promise<boolean> {
  return (await sealAttemptsIn(trx, deps, [attemptId])) === 1;
}

export interface SealInOptions {
  /** Records read before the transaction (a finished attempt no longer changes); the rest are read here. */
  prebuilt?: ReadonlyMap<string, BuiltRecord>;
  definitions?: DefinitionCache | undefined;
  /** Every one of `attemptIds` chained before the transaction; used when all are claimed and the heads have not moved. */
  chained?: ChainedRecords;
}

/**
 * Seals finished attempts inside `trx`, in the given order: one UPDATE claims every seal (the
 * `sealed` flag, 0 → 1; on PostgreSQL the row locks make a concurrent sealer wait, then claim
 * nothing), then the records and their audit entries go in with multi-row INSERTs. Returns how
 * many records were written.
 */
export async function sealAttemptsIn(
  trx: Kysely<Database>,
  deps: SealDeps,
  attemptIds: readonly string[],
  options: SealInOptions = {},
): Promise<number> {
  const prebuilt = options.prebuilt ?? new Map<string, BuiltRecord>();
  const claimed = new Set<string>();
  for (const slice of batchSlices(attemptIds, WRITE_CHUNK))
    for (const r of await claimSeals(slice.length)(trx, ...slice)) claimed.add(r.id);
  if (claimed.size === 0) return 0;
  const unread = [...claimed].filter((id) => !prebuilt.has(id));
  const read = unread.length > 0 ? await buildAttemptRecords(trx, unread, options.definitions) : new Map();
  const records = attemptIds
    .filter((id) => claimed.has(id))
    .map((attemptId) => ({ attemptId, built: prebuilt.get(attemptId) ?? read.get(attemptId) }))
    .filter((r): r is { attemptId: string; built: BuiltRecord } => r.built !== undefined);
  const rows = await chainedRows(
    trx,
    deps,
    records.map(({ attemptId, built }) => appendInput(attemptId, built)),
    records.length === attemptIds.length ? options.chained : undefined,
  );
  const audits = auditRows(
    deps.ids,
    deps.clock.now(),
    records.map(({ attemptId, built }, i) => ({
      orgId: built.orgId,
      actor: 'system',
      action: 'record.sealed',
      target: built.runId,
      details: { seq: rows[i]?.seq, hash: rows[i]?.hash, attemptId, agentId: built.agentId },
    })),
  );
  // A record and its audit entry in one statement on PostgreSQL (`executeTogether`), from texts
  // made once per slice size: building these INSERTs with Kysely's builders was a sixth of the time
  // a seal holds SQLite's writer lock, which every step commit waits for.
  for (const slice of batchSlices(
    rows.map((row, i) => ({ row, audit: audits[i] as AuditEventsTable })),
    WRITE_CHUNK,
  ))
    await executeTogether(trx, deps.store.kind, [
      rowsInsert(
        'governed_records',
        slice.map((s) => s.row),
      ),
      rowsInsert(
        'audit_events',
        slice.map((s) => s.audit),
      ),
    ]);
  // The estimate's history (models/usage-history.ts) grows here: sealing is the step every
  // finished attempt passes once, after a crash too (the sweep), and it has the results at hand.
  await recordUsageHistory(
    trx,
    deps.store.kind,
    records.map(({ built }) => built.usage),
  );
  return records.length;
}

const appendInput = (attemptId: string, built: BuiltRecord): AppendInput => ({
  orgId: built.orgId,
  kind: 'attempt',
  runId: built.runId,
  attemptId,
  agentId: built.agentId,
  body: built.body,
});

/**
 * Attempts sealed in one transaction. On SQLite it holds the writer lock the engine's step commits
 * wait for: 500 at once held it ~14 ms, long enough for every attempt in flight to wait on its
 * commit and the event loop to sit idle (engine benchmark, sealing in its thread: ~10 % idle).
 */
const TRANSACTION_CHUNK = 100;

/** Attempts in one claiming UPDATE and one multi-row INSERT of records; fewer go in `batchSlices`. */
const WRITE_CHUNK = 100;

/** Claims the seals of finished attempts (their `sealed` flag, 0 → 1), returning the ids it claimed. */
export const claimSealsQuery = (db: Kysely<Database>, ...ids: string[]) =>
  db
    .updateTable('attempts')
    .set({ sealed: 1 })
    .where('id', 'in', ids)
    .where('sealed', '=', 0)
    .where(attemptFinished)
    .returning('id');

/** `claimSealsQuery` for `count` attempts: one statement text per count, compiled once (`compiledOnce`). */
function claimSeals(count: number) {
  let claim = claims.get(count);
  if (!claim) {
    claim = compiledOnce(claimSealsQuery);
    claims.set(count, claim);
  }
  return claim;
}

const claims = new Map<number, ReturnType<typeof compiledOnce<Database, string[], { id: string }>>>();

/** Seals the given attempts in one transaction; returns how many records were written. */
export async function sealAttempts(
  deps: SealDeps,
  attemptIds: readonly string[],
  definitions?: DefinitionCache,
): Promise<number> {
  if (attemptIds.length === 0) return 0;
  // A finished attempt no longer changes, so its record is read before the transaction: on
  // SQLite the transaction holds the one write lock the engine's step commits also need.
  const built = await buildAttemptRecords(deps.store.db, attemptIds, definitions);
  if (built.size === 0) return 0;
  const ordered = attemptIds.filter((id) => built.has(id));
  // Chained ahead too, against the heads as they are now: the transaction then only checks they
  // have not moved and inserts, and the writer lock (SQLite's one, PostgreSQL's advisory lock per
  // chain) is held for that alone. Another sealer in between (a cancel's, a deletion's tombstone)
  // moves a head, and the records are chained again inside.
  const inputs = ordered.flatMap((id) => {
    const record = built.get(id);
    return record ? [appendInput(id, record)] : [];
  });
  const heads = await readChainHeads(
    deps.store.db,
    deps,
    inputs.map((i) => i.orgId),
    { lock: false },
  );
  const chained = await chainRecords(heads, inputs, deps.clock.now());
  let written = 0;
  for (let from = 0; from < ordered.length; from += TRANSACTION_CHUNK) {
    const chunk = ordered.slice(from, from + TRANSACTION_CHUNK);
    written += await deps.store.transaction((trx) =>
      sealAttemptsIn(trx, deps, chunk, {
        prebuilt: built,
        definitions,
        chained: chainedSlice(chained, from, from + chunk.length),
      }),
    );
    // Once committed, each transaction's own: forgotten earlier, an estimate read before the commit
    // would cache the history without these attempts; forgotten after the last, a later one that
    // failed would leave the committed ones cached without. (The other sealers need not: a cancel's
    // attempt adds no samples, and a deleted run's go with it, which `deleteRun` forgets.)
    forgetCachedHistory(
      deps,
      chunk.flatMap((id) => built.get(id) ?? []),
    );
  }
  return written;
}

/** The estimates' cached history of each agent these records add samples to. */
function forgetCachedHistory(deps: Pick<SealDeps, 'usageHistory'>, records: Iterable<BuiltRecord>) {
  for (const { orgId, agentId, usage } of records) {
    if (usage.samples.length > 0) deps.usageHistory.invalidate(orgId, agentId);
  }
}

/** Where `sealPendingAttempts` sends each page, and what it leaves alone. */
export interface PendingSealOptions {
  /** Attempts per page (and per `seal`). */
  limit?: number;
  definitions?: DefinitionCache | undefined;
  /** Seals a page; `sealAttempts` on this thread by default (a worker's sealer passes its batches' way). */
  seal?: (attemptIds: readonly string[]) => Promise<number>;
  /** Attempts someone else is about to seal anyway (a sealer's batches waiting): not sealed twice. */
  skip?: (attemptId: string) => boolean;
}

/**
 * Seals every finished attempt that has no record yet. The engine's finishing commit sets the
 * status with `sealed = 0` in its own transaction, so such an attempt is a durable outbox entry: a
 * crash between that commit and the seal leaves exactly these rows, and this sweep (at worker
 * start and on its timer) seals them. Pages go in id order through the partial index
 * `attempts_unsealed`, each after the last id of the one before, so a page left unsealed (skipped,
 * or sealed by someone else meanwhile) does not come back. Returns how many records were written.
 */
export async function sealPendingAttempts(deps: SealDeps, options: PendingSealOptions = {}): Promise<number> {
  const limit = options.limit ?? 500;
  const seal = options.seal ?? ((ids: readonly string[]) => sealAttempts(deps, ids, options.definitions));
  let total = 0;
  for (let after = ''; ; ) {
    const rows = await deps.store.db
      .selectFrom('attempts')
      .select('id')
      .where('sealed', '=', 0)
      .where('status', 'in', ['completed', 'failed', 'canceled'])
      .where('id', '>', after)
      .orderBy('id')
      .limit(limit)
      .execute();
    const ids = rows.map((r) => r.id).filter((id) => !options.skip?.(id));
    if (ids.length > 0) total += await seal(ids);
    if (rows.length < limit) return total;
    after = rows.at(-1)?.id ?? after;
  }
}
