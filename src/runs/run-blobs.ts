import type { Kysely } from 'kysely';
import type { Deps } from '../deps.ts';
import type { Database } from '../store/schema.ts';
import { runAsSystem } from '../store/tenant-scope.ts';

const digestPattern = /^[0-9a-f]{64}$/;

/** The blob digests a run's step results refer to (`files: [{ sha256 }]`, issue 06's generated files). */
export async function blobDigestsOfRun(db: Kysely<Database>, runId: string): Promise<string[]> {
  const rows = await db.selectFrom('step_results').select('files').where('run_id', '=', runId).execute();
  const digests = new Set<string>();
  for (const row of rows) {
    const files = JSON.parse(row.files) as unknown;
    if (!Array.isArray(files)) continue;
    for (const file of files) {
      const sha256 = (file as { sha256?: unknown } | null)?.sha256;
      if (typeof sha256 === 'string' && digestPattern.test(sha256)) digests.add(sha256);
    }
  }
  return [...digests];
}

/**
 * Deletes each of the organization's blobs none of its step results refers to any more. Blobs are
 * content-addressed per organization (two of its runs that made the same file store it once), so a
 * deleted run's blob stays while another run of the organization still refers to it. A blob of the
 * layout before keys carried the organization may be shared across organizations: it goes only
 * when no run of any organization refers to it, a check made in the system scope
 * (`store/tenant-scope.ts`), since row-level security hides other organizations' runs.
 * Called after the deleting transaction committed: a crash in between leaves an orphan blob
 * (wasted space), never a run with a missing file.
 */
export async function deleteUnreferencedBlobs(
  deps: Pick<Deps, 'store' | 'blobs'>,
  orgId: string,
  digests: readonly string[],
): Promise<string[]> {
  const deleted: string[] = [];
  const referrer = (digest: string, scope: 'organization' | 'any') => {
    let query = deps.store.db
      .selectFrom('step_results')
      .select('run_id')
      .where('files', 'like', `%${digest}%`);
    if (scope === 'organization') query = query.where('org_id', '=', orgId);
    return query.limit(1).executeTakeFirst();
  };
  for (const digest of digests) {
    if (await referrer(digest, 'organization')) continue;
    await deps.blobs.delete(orgId, digest);
    if (!(await runAsSystem(() => referrer(digest, 'any')))) await deps.blobs.deleteLegacy(digest);
    deleted.push(digest);
  }
  return deleted;
}
