import { type SealDeps, sealPendingAttempts } from '../../src/governance/seal-attempts.ts';

export interface SealedFile {
  name: string;
  mediaType: string;
  sizeBytes: number;
  sha256: string;
}

/**
 * Gives a finished run's step `stepNumber` (every step when unset) the generated `files` (blobs
 * already stored) and seals the organization's records anew, as a crash before sealing would leave
 * them: the evidence tests' and benchmark's way to a governed record with files, whatever model ran.
 */
export async function resealWithFiles(
  deps: SealDeps,
  runId: string,
  files: SealedFile[],
  stepNumber?: number,
): Promise<void> {
  const attempt = await deps.store.db
    .selectFrom('attempts')
    .select('id')
    .where('run_id', '=', runId)
    .executeTakeFirstOrThrow();
  let update = deps.store.db
    .updateTable('step_results')
    .set({ files: JSON.stringify(files) })
    .where('attempt_id', '=', attempt.id);
  if (stepNumber !== undefined) update = update.where('number', '=', stepNumber);
  await update.execute();
  await deps.store.db.deleteFrom('governed_records').execute();
  await deps.store.db.updateTable('attempts').set({ sealed: 0 }).execute();
  await deps.store.db.deleteFrom('audit_events').where('action', '=', 'record.sealed').execute();
  await sealPendingAttempts(deps);
}
