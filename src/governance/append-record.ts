import { type Insertable, type Kysely, sql } from 'kysely';
import type { Deps } from '../deps.ts';
import { batchSlices } from '../store/batch-slices.ts';
import { executeTogether, rowsInsert } from '../store/execute-together.ts';
import type { Database, GovernedRecordsTable } from '../store/schema.ts';
import { canonicalJson, GENESIS_HASH } from './digest.ts';
import type { RecordBody, RecordLink } from './governed-record.ts';
import { createReceipt, recordStatement } from './receipt.ts';
import { sha256HexSync } from './sha256-sync.ts';
import { type SigningState, signingStateFor } from './signing-keys.ts';

type AppendDeps = Pick<Deps, 'store' | 'ids' | 'clock' | 'config'>;

/** The organization's newest record (its chain's head), if it has any. */
export const chainHead = (db: Kysely<Database>, orgId: string) =>
  db
    .selectFrom('governed_records')
    .select(['seq', 'hash'])
    .where('org_id', '=', orgId)
    .orderBy('seq', 'desc')
    .limit(1)
    .executeTakeFirst();

export interface AppendInput {
  orgId: string;
  kind: RecordBody['kind'];
  runId: string;
  attemptId: string | null;
  agentId: string;
  /** The body for the link it gets; its `files` become the receipt's subjects. */
  body: (link: RecordLink) => RecordBody;
}

export interface AppendedRecord {
  id: string;
  seq: number;
  hash: string;
}

/**
 * Rows in one multi-row INSERT, a sealing transaction's worth (13 columns each stays far below
 * SQLite's parameter limit); fewer go in `batchSlices`.
 */
const INSERT_CHUNK = 100;

/**
 * Appends one record to its organization's chain inside `trx`: the next seq, the head's hash as
 * the previous hash, the canonical body's SHA-256, and a receipt (signed when signing is on).
 */
export async function appendRecord(
  trx: Kysely<Database>,
  deps: AppendDeps,
  input: AppendInput,
): Promise<AppendedRecord> {
  const [record] = await appendRecords(trx, deps, [input]);
  if (!record) throw new Error('appendRecords returned no record');
  return record;
}

/** An organization's chain as a seal found it: the head (seq 0 and the genesis hash when empty) and signing. */
export interface ChainHead {
  seq: number;
  hash: string;
  signing: SigningState;
}

/**
 * Records chained ahead of their transaction (`chainRecords`): the heads they were linked to and
 * their rows, which hold everything but the row id. Computing them is most of a seal (canonical
 * JSON, SHA-256, the receipt and its signature), so a sealer does it before it takes the writer
 * lock and, inside, checks the heads have not moved.
 */
export interface ChainedRecords {
  heads: ReadonlyMap<string, ChainHead>;
  rows: ReadonlyArray<Omit<Insertable<GovernedRecordsTable>, 'id'>>;
}

/**
 * Each organization's chain head and signing state. Inside the appending transaction on
 * PostgreSQL, `lock` takes the organization's advisory lock first, held to the end of the
 * transaction: it orders the writers, and the unique (org_id, seq) refuses a fork whatever happens;
 * SQLite has one writer.
 */
export async function readChainHeads(
  db: Kysely<Database>,
  deps: Pick<AppendDeps, 'store' | 'config'>,
  orgIds: Iterable<string>,
  options: { lock: boolean },
): Promise<Map<string, ChainHead>> {
  const heads = new Map<string, ChainHead>();
  for (const orgId of new Set(orgIds)) {
    if (options.lock && deps.store.kind === 'postgres')
      await sql`SELECT pg_advisory_xact_lock(hashtextextended(${`agentruns.chain:${orgId}`}, 0))`.execute(db);
    const head = await chainHead(db, orgId);
    heads.set(orgId, {
      seq: head ? Number(head.seq) : 0,
      hash: head?.hash ?? GENESIS_HASH,
      signing: await signingStateFor(db, deps.config, orgId),
    });
  }
  return heads;
}

/** Links `inputs`, in order, to the chains after `heads`: each record's body, hash and receipt. */
export async function chainRecords(
  heads: ReadonlyMap<string, ChainHead>,
  inputs: readonly AppendInput[],
  now: number,
): Promise<ChainedRecords> {
  const tips = new Map([...heads].map(([orgId, head]) => [orgId, { seq: head.seq, hash: head.hash }]));
  const sealedAt = new Date(now).toISOString();
  const rows: Array<Omit<Insertable<GovernedRecordsTable>, 'id'>> = [];
  for (const input of inputs) {
    const tip = tips.get(input.orgId);
    const signing = heads.get(input.orgId)?.signing;
    if (!tip || !signing) throw new Error(`no chain head read for ${input.orgId}`);
    const link: RecordLink = { orgId: input.orgId, seq: tip.seq + 1, prevHash: tip.hash, sealedAt };
    const value = input.body(link);
    const body = canonicalJson(value);
    const hash = sha256HexSync(body);
    const statement = recordStatement(
      {
        seq: link.seq,
        hash,
        prevHash: link.prevHash,
        orgId: link.orgId,
        kind: input.kind,
        runId: input.runId,
      },
      value.files,
    );
    const receipt = await createReceipt(
      statement,
      signing.signer,
      signing.enabled
        ? 'signing is enabled but the organization has no active key'
        : 'signing is disabled for this organization',
    );
    rows.push({
      org_id: input.orgId,
      seq: link.seq,
      kind: input.kind,
      run_id: input.runId,
      attempt_id: input.attemptId,
      agent_id: input.agentId,
      hash,
      prev_hash: link.prevHash,
      body,
      receipt: JSON.stringify(receipt),
      key_id: signing.signer?.keyId ?? null,
      created_at: now,
    });
    tip.seq = link.seq;
    tip.hash = hash;
  }
  return { heads, rows };
}

/** Rows `from`…`to` of `chained`, with the heads they link to: the initial ones moved past the rows before. */
export function chainedSlice(chained: ChainedRecords, from: number, to: number): ChainedRecords {
  const heads = new Map(chained.heads);
  for (const row of chained.rows.slice(0, from)) {
    const head = heads.get(row.org_id);
    if (head) heads.set(row.org_id, { ...head, seq: Number(row.seq), hash: row.hash });
  }
  return { heads, rows: chained.rows.slice(from, to) };
}

/** Whether records chained after `before` still link to `now` (same heads, same signing key). */
function sameHeads(before: ReadonlyMap<string, ChainHead>, now: ReadonlyMap<string, ChainHead>): boolean {
  if (before.size !== now.size) return false;
  for (const [orgId, head] of now) {
    const was = before.get(orgId);
    if (
      !was ||
      was.seq !== head.seq ||
      was.hash !== head.hash ||
      was.signing.enabled !== head.signing.enabled ||
      was.signing.signer?.keyId !== head.signing.signer?.keyId
    )
      return false;
  }
  return true;
}

/**
 * Appends records in the given order, each organization's to its own chain, inside `trx`
 * (`chainedRows`), then writes them with multi-row INSERTs: sealing 500 attempts that finished
 * together costs a handful of statements, not 2,500.
 */
export async function appendRecords(
  trx: Kysely<Database>,
  deps: AppendDeps,
  inputs: readonly AppendInput[],
  chained?: ChainedRecords,
): Promise<AppendedRecord[]> {
  const rows = await chainedRows(trx, deps, inputs, chained);
  for (const slice of batchSlices(rows, INSERT_CHUNK))
    await executeTogether(trx, deps.store.kind, [rowsInsert('governed_records', slice)]);
  return rows.map(appended);
}

/** What a written record row says of itself. */
const appended = (row: GovernedRecordRow): AppendedRecord => ({
  id: row.id,
  seq: Number(row.seq),
  hash: row.hash,
});

export type GovernedRecordRow = Insertable<GovernedRecordsTable> & { id: string };

/**
 * The rows of records appended in the given order, each organization's to its own chain, inside
 * `trx`: per organization one head read and one signing-key read (on PostgreSQL after its chain's
 * advisory lock). `chained`, the same inputs chained before the transaction, is used when the heads
 * have not moved since; otherwise the records are chained again here. The caller writes the rows.
 */
export async function chainedRows(
  trx: Kysely<Database>,
  deps: AppendDeps,
  inputs: readonly AppendInput[],
  chained?: ChainedRecords,
): Promise<GovernedRecordRow[]> {
  const heads = await readChainHeads(
    trx,
    deps,
    inputs.map((i) => i.orgId),
    { lock: true },
  );
  const { rows } =
    chained && chained.rows.length === inputs.length && sameHeads(chained.heads, heads)
      ? chained
      : await chainRecords(heads, inputs, deps.clock.now());
  return rows.map((row) => ({ id: deps.ids.next('grc'), ...row }));
}
