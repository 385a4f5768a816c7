import type { Readable } from 'node:stream';
import type { Deps } from '../deps.ts';
import { appendAudit } from '../governance/audit-log.ts';
import type { Actor } from '../identity/actor.ts';
import { ConflictError, NotFoundError, ValidationError } from '../platform/errors.ts';
import type { DocumentsTable, DocumentVersionsTable } from '../store/schema.ts';
import { type DocumentView, toDocumentView } from './site-view.ts';
import { uploadRunsOf } from './upload-run-view.ts';

/** A live (not deleted) document of the actor's organization, in `siteId` when given. */
export async function getDocumentRowOrThrow(
  deps: Pick<Deps, 'store'>,
  actor: Pick<Actor, 'orgId'>,
  documentId: string,
  siteId?: string,
): Promise<DocumentsTable> {
  let query = deps.store.db
    .selectFrom('documents')
    .selectAll()
    .where('id', '=', documentId)
    .where('org_id', '=', actor.orgId)
    .where('deleted_at', 'is', null);
  if (siteId !== undefined) query = query.where('site_id', '=', siteId);
  const row = await query.executeTakeFirst();
  if (!row) throw new NotFoundError('document', documentId);
  return row;
}

/** A document with every version, newest first; NotFoundError when missing or deleted. */
export async function getDocumentViewOrThrow(
  deps: Pick<Deps, 'store'>,
  actor: Pick<Actor, 'orgId'>,
  documentId: string,
  siteId?: string,
): Promise<DocumentView> {
  const row = await getDocumentRowOrThrow(deps, actor, documentId, siteId);
  const versions = await deps.store.db
    .selectFrom('document_versions')
    .selectAll()
    .where('document_id', '=', documentId)
    .execute();
  const uploadRuns = await uploadRunsOf(
    deps.store.db,
    versions.map((v) => v.id),
  );
  return toDocumentView(row, versions, uploadRuns);
}

/**
 * A version of a document: `version` by number, or the latest. Versions of a deleted document stay
 * readable by id for the runs that used them, so this looks them up without the live check.
 */
export async function getVersionOrThrow(
  deps: Pick<Deps, 'store'>,
  actor: Pick<Actor, 'orgId'>,
  siteId: string,
  documentId: string,
  version?: number,
): Promise<DocumentVersionsTable> {
  const doc = await deps.store.db
    .selectFrom('documents')
    .select(['id', 'latest_version'])
    .where('id', '=', documentId)
    .where('site_id', '=', siteId)
    .where('org_id', '=', actor.orgId)
    .executeTakeFirst();
  if (!doc) throw new NotFoundError('document', documentId);
  const number = version ?? doc.latest_version;
  const row = await deps.store.db
    .selectFrom('document_versions')
    .selectAll()
    .where('document_id', '=', documentId)
    .where('number', '=', number)
    .executeTakeFirst();
  if (!row) throw new NotFoundError('document version', `${documentId} v${number}`);
  return row;
}

/** The original bytes of a version, streamed. */
export async function openVersionContent(
  deps: Pick<Deps, 'store' | 'blobs'>,
  actor: Actor,
  siteId: string,
  documentId: string,
  version?: number,
): Promise<{ version: DocumentVersionsTable; stream: Readable }> {
  const row = await getVersionOrThrow(deps, actor, siteId, documentId, version);
  return { version: row, stream: deps.blobs.openRead(actor.orgId, row.sha256) };
}

/** A window of a version's extracted text (the UI's text preview); 409 until extraction is done. */
export async function readVersionText(
  deps: Pick<Deps, 'store' | 'blobs'>,
  actor: Actor,
  siteId: string,
  documentId: string,
  options: { version?: number | undefined; offset: number; limit: number },
): Promise<{ version: number; status: string; totalChars: number; offset: number; text: string }> {
  const row = await getVersionOrThrow(deps, actor, siteId, documentId, options.version);
  if (row.status !== 'ready' || row.text_sha256 === null)
    throw new ConflictError(
      `version ${row.number} has no text yet: its extraction is ${row.status}${row.error ? ` (${row.error})` : ''}`,
    );
  const text = (await deps.blobs.getOrThrow(actor.orgId, row.text_sha256)).toString('utf8');
  if (options.offset > text.length) throw ValidationError.field('offset', `must be at most ${text.length}`);
  return {
    version: row.number,
    status: row.status,
    totalChars: text.length,
    offset: options.offset,
    text: text.slice(options.offset, options.offset + options.limit),
  };
}

/**
 * Deletes a document from its site: retrieval no longer finds it. Its versions, chunks and blobs
 * stay, because runs that used them keep citing them (G1 source usage).
 */
export async function deleteDocument(
  deps: Pick<Deps, 'store' | 'ids' | 'clock'>,
  actor: Actor,
  siteId: string,
  documentId: string,
): Promise<void> {
  await getDocumentRowOrThrow(deps, actor, documentId, siteId);
  const now = deps.clock.now();
  await deps.store.transaction(async (trx) => {
    await trx
      .updateTable('documents')
      .set({ deleted_at: now, updated_at: now })
      .where('id', '=', documentId)
      .execute();
    await appendAudit(trx, deps.ids, now, {
      orgId: actor.orgId,
      actor: actor.userId,
      action: 'document.deleted',
      target: documentId,
      details: { siteId },
    });
  });
}
