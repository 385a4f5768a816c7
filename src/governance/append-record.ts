import { type Insertable, type Kysely, sql } from 'kysely';
import type { Deps } from '../deps.ts';
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

/** Rows in one multi-row INSERT: 13 columns each stays far below SQLite's parameter limit. */
const INSERT_CHUNK = 200;

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

/**
 * Appends records in the given order, each organization's to its own chain, inside `trx`: per
 * organization one head read and one signing-key read, then one multi-row INSERT for all of them
 * (sealing 500 attempts that finished together costs a handful of statements, not 2,500).
 * On PostgreSQL a per-organization advisory lock held to the end of the transaction orders the
 * writers, and the unique (org_id, seq) refuses a fork whatever happens; SQLite has one writer.
 */
export async function appendRecords(
  trx: Kysely<Database>,
  deps: AppendDeps,
  inputs: readonly AppendInput[],
): Promise<AppendedRecord[]> {
  const heads = new Map<string, { seq: number; hash: string; signing: SigningState }>();
  for (const orgId of new Set(inputs.map((i) => i.orgId))) {
    if (deps.store.kind === 'postgres')
      await sql`SELECT pg_advisory_xact_lock(hashtextextended(${`agentruns.chain:${orgId}`}, 0))`.execute(
        trx,
      );
    const head = await chainHead(trx, orgId);
    heads.set(orgId, {
      seq: head ? Number(head.seq) : 0,
      hash: head?.hash ?? GENESIS_HASH,
      signing: await signingStateFor(trx, deps.config, orgId),
    });
  }
  const now = deps.clock.now();
  const sealedAt = new Date(now).toISOString();
  const rows: Insertable<GovernedRecordsTable>[] = [];
  for (const input of inputs) {
    const head = heads.get(input.orgId);
    if (!head) throw new Error(`no chain head read for ${input.orgId}`);
    const link: RecordLink = { orgId: input.orgId, seq: head.seq + 1, prevHash: head.hash, sealedAt };
    const value = input.body(link);
    const body = canonicalJson(value);
    const hash = sha256HexSync(body);
    const { signing } = head;
    const statement = recordStatement({ ...link, hash, kind: input.kind, runId: input.runId }, value.files);
    const receipt = await createReceipt(
      statement,
      signing.signer,
      signing.enabled
        ? 'signing is enabled but the organization has no active key'
        : 'signing is disabled for this organization',
    );
    rows.push({
      id: deps.ids.next('grc'),
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
    head.seq = link.seq;
    head.hash = hash;
  }
  for (let i = 0; i < rows.length; i += INSERT_CHUNK)
    await trx
      .insertInto('governed_records')
      .values(rows.slice(i, i + INSERT_CHUNK))
      .execute();
  return rows.map((r) => ({ id: r.id, seq: Number(r.seq), hash: r.hash }));
}
