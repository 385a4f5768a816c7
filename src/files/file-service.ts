import { sql } from 'kysely';
import type { Deps } from '../deps.ts';
import type { Actor } from '../identity/actor.ts';
import { NotFoundError } from '../platform/errors.ts';
import type { FileKind } from './file-kind.ts';
import { type FileSpec, parseFileSpecOrThrow } from './file-spec.ts';
import type { StoredFileRef } from './stored-file.ts';

export interface FileRecord extends StoredFileRef {
  runId: string;
  attemptId: string;
  stepNumber: number;
  createdAt: string;
}

/**
 * A generated file of the actor's organization, by id. Throws NotFoundError when there is none,
 * when its run is gone, or when its step's result never committed (a file rendered by a worker
 * whose lease was lost, or by a step canceled before its result was written): only the files a
 * committed step lists exist for users.
 */
export async function getFileOrThrow(
  deps: Pick<Deps, 'store'>,
  actor: Actor,
  fileId: string,
): Promise<FileRecord> {
  const row = await deps.store.db
    .selectFrom('files')
    .innerJoin('runs', 'runs.id', 'files.run_id')
    .innerJoin('step_results', (join) =>
      join
        .onRef('step_results.attempt_id', '=', 'files.attempt_id')
        .onRef('step_results.number', '=', 'files.step_number'),
    )
    .selectAll('files')
    .where('files.id', '=', fileId)
    .where('files.org_id', '=', actor.orgId)
    .where('runs.org_id', '=', actor.orgId)
    .where('step_results.status', '=', 'completed')
    // The committed result names its file; ids are ULIDs, so no LIKE wildcard can occur in one.
    .where('step_results.files', 'like', sql<string>`${`%"${fileId}"%`}`)
    .executeTakeFirst();
  if (!row) throw new NotFoundError('file', fileId);
  return {
    id: row.id,
    name: row.name,
    kind: row.kind as FileKind,
    contentType: row.content_type,
    sizeBytes: Number(row.size_bytes),
    sha256: row.sha256,
    runId: row.run_id,
    attemptId: row.attempt_id,
    stepNumber: row.step_number,
    createdAt: new Date(Number(row.created_at)).toISOString(),
  };
}

/** The file's bytes from the blob store. */
export function readFileBytes(
  deps: Pick<Deps, 'blobs'>,
  actor: Pick<Actor, 'orgId'>,
  file: FileRecord,
): Promise<Buffer> {
  return deps.blobs.getOrThrow(actor.orgId, file.sha256);
}

/** The spec the file was rendered from: the answer its step recorded. */
export async function readFileSpec(deps: Pick<Deps, 'store'>, file: FileRecord): Promise<FileSpec> {
  const result = await deps.store.db
    .selectFrom('step_results')
    .select('output')
    .where('attempt_id', '=', file.attemptId)
    .where('number', '=', file.stepNumber)
    .executeTakeFirstOrThrow();
  return parseFileSpecOrThrow(file.kind, result.output ?? '');
}
