import { type Kysely, sql } from 'kysely';
import type { Deps } from '../deps.ts';
import type { Database } from '../store/schema.ts';
import { canonicalJson, GENESIS_HASH, sha256Hex } from './digest.ts';
import type { RecordBody, RecordLink } from './governed-record.ts';
import { createReceipt, recordStatement } from './receipt.ts';
import { signingStateFor } from './signing-keys.ts';

type AppendDeps = Pick<Deps, 'store' | 'ids' | 'clock' | 'config'>;

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
 * Appends one record to its organization's chain inside `trx`: the next seq, the head's hash as
 * the previous hash, the canonical body's SHA-256, and a receipt (signed when signing is on).
 * On PostgreSQL a per-organization advisory lock held to the end of the transaction orders the
 * writers, and the unique (org_id, seq) refuses a fork whatever happens; SQLite has one writer.
 */
export async function appendRecord(
  trx: Kysely<Database>,
  deps: AppendDeps,
  input: AppendInput,
): Promise<AppendedRecord> {
  if (deps.store.kind === 'postgres')
    await sql`SELECT pg_advisory_xact_lock(hashtextextended(${`agentruns.chain:${input.orgId}`}, 0))`.execute(
      trx,
    );
  const head = await trx
    .selectFrom('governed_records')
    .select(['seq', 'hash'])
    .where('org_id', '=', input.orgId)
    .orderBy('seq', 'desc')
    .limit(1)
    .executeTakeFirst();
  const now = deps.clock.now();
  const link: RecordLink = {
    orgId: input.orgId,
    seq: (head ? Number(head.seq) : 0) + 1,
    prevHash: head?.hash ?? GENESIS_HASH,
    sealedAt: new Date(now).toISOString(),
  };
  const value = input.body(link);
  const body = canonicalJson(value);
  const hash = await sha256Hex(body);
  const signing = await signingStateFor(trx, deps.config, input.orgId);
  const statement = recordStatement({ ...link, hash, kind: input.kind, runId: input.runId }, value.files);
  const receipt = await createReceipt(
    statement,
    signing.signer,
    signing.enabled
      ? 'signing is enabled but the organization has no active key'
      : 'signing is disabled for this organization',
  );
  const id = deps.ids.next('grc');
  await trx
    .insertInto('governed_records')
    .values({
      id,
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
    })
    .execute();
  return { id, seq: link.seq, hash };
}
