import type { Kysely } from 'kysely';
import type { Actor } from '../identity/actor.ts';
import type { Database, RunsTable } from '../store/schema.ts';
import { appendRecord } from './append-record.ts';
import type { RecordBody, RecordFile } from './governed-record.ts';
import { RECORD_TYPE } from './governed-record.ts';
import { type SealDeps, sealAttemptsIn } from './seal-attempts.ts';

/**
 * Called by the run delete path inside its transaction: seals what is still unsealed, appends a
 * signed tombstone listing the run's records (seq and hash) and generated files (by SHA-256), then
 * removes the records' content. The chain keeps every hash, so the chain and bundles exported
 * earlier still verify; the tombstone is what vouches for the removed bodies.
 */
export async function sealTombstone(
  trx: Kysely<Database>,
  deps: SealDeps,
  actor: Actor,
  run: Pick<RunsTable, 'id' | 'name' | 'agent_id' | 'org_id'>,
): Promise<void> {
  const unsealed = await trx
    .selectFrom('attempts')
    .select('id')
    .where('run_id', '=', run.id)
    .where('sealed', '=', 0)
    .orderBy('number')
    .execute();
  await sealAttemptsIn(
    trx,
    deps,
    unsealed.map((a) => a.id),
  );

  const records = await trx
    .selectFrom('governed_records')
    .select(['seq', 'hash', 'body'])
    .where('run_id', '=', run.id)
    .where('kind', '=', 'attempt')
    .orderBy('seq')
    .execute();
  const files = new Map<string, RecordFile>();
  for (const r of records) {
    if (r.body === null) continue;
    const body = JSON.parse(r.body) as RecordBody;
    for (const f of body.files) if (!files.has(f.sha256)) files.set(f.sha256, f);
  }
  const deletedAt = new Date(deps.clock.now()).toISOString();
  await appendRecord(trx, deps, {
    orgId: run.org_id,
    kind: 'tombstone',
    runId: run.id,
    attemptId: null,
    agentId: run.agent_id,
    body: (link) => ({
      type: RECORD_TYPE,
      kind: 'tombstone',
      ...link,
      run: { id: run.id, name: run.name, agentId: run.agent_id },
      deletedBy: actor.userId,
      deletedAt,
      records: records.map((r) => ({ seq: Number(r.seq), hash: r.hash })),
      files: [...files.values()],
    }),
  });
  await trx
    .updateTable('governed_records')
    .set({ body: null })
    .where('run_id', '=', run.id)
    .where('kind', '=', 'attempt')
    .execute();
}
