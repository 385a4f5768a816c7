import type { Deps } from '../deps.ts';
import type { Actor } from '../identity/actor.ts';
import { type ChainCheck, type ChainLink, checkChain } from './check-chain.ts';

/**
 * Checks the organization's stored chain (`GET /api/governance/chain`): every link as
 * `checkChain` does, plus every sealed attempt still has its record (so a deleted last record,
 * which leaves no gap, shows too).
 */
export async function checkStoredChain(
  deps: Pick<Deps, 'store'>,
  actor: Pick<Actor, 'orgId'>,
): Promise<ChainCheck> {
  const rows = await deps.store.db
    .selectFrom('governed_records')
    .select(['seq', 'hash', 'prev_hash', 'body'])
    .where('org_id', '=', actor.orgId)
    // A swap of two records' contents shows as a body naming another seq than its row's.
    .orderBy('seq')
    .execute();
  const links: ChainLink[] = rows.map((r) => ({
    seq: Number(r.seq),
    hash: r.hash,
    prevHash: r.prev_hash,
    body: r.body,
  }));
  const result = await checkChain(links);
  const orphans = await deps.store.db
    .selectFrom('attempts')
    .leftJoin('governed_records', 'governed_records.attempt_id', 'attempts.id')
    .select(['attempts.id', 'attempts.run_id'])
    .where('attempts.org_id', '=', actor.orgId)
    .where('attempts.sealed', '=', 1)
    .where('governed_records.id', 'is', null)
    .execute();
  // A gap already names a deleted record; a missing record with no gap was the last one.
  const gaps = result.problems.filter((p) => p.kind === 'deleted').length;
  for (const o of gaps > 0 ? [] : orphans) {
    result.problems.push({
      kind: 'deleted',
      seq: (result.head?.seq ?? 0) + 1,
      message: `the record of attempt ${o.id} (run ${o.run_id}) was sealed and is missing`,
    });
  }
  result.ok = result.problems.length === 0;
  return result;
}
