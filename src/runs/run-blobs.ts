import type { Kysely } from 'kysely';
import type { Deps } from '../deps.ts';
import type { Database } from '../store/schema.ts';

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
 * Deletes each blob no step result refers to any more. Blobs are content-addressed and shared
 * (two runs that made the same file store it once), so a deleted run's blob stays while any other
 * run, in any organization, still refers to it. Called after the deleting transaction committed:
 * a crash in between leaves an orphan blob (wasted space), never a run with a missing file.
 */
export async function deleteUnreferencedBlobs(
  deps: Pick<Deps, 'store' | 'blobs'>,
  digests: readonly string[],
): Promise<string[]> {
  const deleted: string[] = [];
  for (const digest of digests) {
    const stillUsed = await deps.store.db
      .selectFrom('step_results')
      .select('run_id')
      .where('files', 'like', `%${digest}%`)
      .limit(1)
      .executeTakeFirst();
    if (stillUsed) continue;
    await deps.blobs.delete(digest);
    deleted.push(digest);
  }
  return deleted;
}
