import type { Readable } from 'node:stream';
import type { Deps } from '../deps.ts';
import { appendAudit } from '../governance/audit-log.ts';
import type { Actor } from '../identity/actor.ts';
import { AppError, ConflictError, ValidationError } from '../platform/errors.ts';
import { BlobTooLargeError } from '../store/blob-store.ts';
import { getDocumentViewOrThrow } from './document-service.ts';
import { sanitizeFileName } from './sanitize-file-name.ts';
import { getSiteRowOrThrow } from './site-service.ts';
import type { DocumentView } from './site-view.ts';
import { sniffMediaType } from './sniff-media-type.ts';

type UploadDeps = Pick<Deps, 'store' | 'ids' | 'clock' | 'blobs' | 'bus' | 'config'>;

export interface UploadedDocument {
  document: DocumentView;
  /** False when the same bytes were already the document's latest version (nothing new stored). */
  newVersion: boolean;
  versionId: string;
}

/** The bus channel that wakes the extraction worker. */
export const extractChannel = 'extract';

/**
 * Stores an uploaded file as a document of a site (D: Sites). The bytes stream to the blob store
 * in constant memory under their SHA-256; the type is sniffed from the stored content. A file whose
 * name is already a document of the site becomes that document's next version, unless its bytes
 * equal the latest version's; older versions stay for the runs that used them. The version is
 * queued for extraction.
 */
export async function uploadDocument(
  deps: UploadDeps,
  actor: Actor,
  siteId: string,
  file: { fileName: string; stream: Readable },
): Promise<UploadedDocument> {
  const site = await getSiteRowOrThrow(deps.store.db, actor, siteId);
  if (site.archived === 1) {
    file.stream.resume();
    throw new ConflictError(`site ${siteId} is archived; unarchive it to upload`);
  }
  const name = sanitizeFileName(file.fileName);
  let stored: { sha256: string; sizeBytes: number };
  try {
    stored = await deps.blobs.putStream(actor.orgId, file.stream, { maxBytes: deps.config.uploadLimitBytes });
  } catch (error) {
    if (error instanceof BlobTooLargeError || isMultipartTooLarge(error))
      throw new AppError(
        'payload_too_large',
        `file: larger than the upload limit of ${deps.config.uploadLimitBytes} bytes`,
        'user',
        [{ path: 'file', message: `must be at most ${deps.config.uploadLimitBytes} bytes` }],
      );
    throw error;
  }
  if (stored.sizeBytes === 0) throw ValidationError.field('file', 'is empty (0 bytes)');
  const mediaType = await sniffMediaType(() => deps.blobs.openRead(actor.orgId, stored.sha256), name);

  const now = deps.clock.now();
  const result = await deps.store.transaction(async (trx) => {
    const existing = await trx
      .selectFrom('documents')
      .selectAll()
      .where('site_id', '=', siteId)
      .where('name', '=', name)
      .where('deleted_at', 'is', null)
      .executeTakeFirst();
    if (existing) {
      const latest = await trx
        .selectFrom('document_versions')
        .select(['id', 'sha256'])
        .where('document_id', '=', existing.id)
        .where('number', '=', existing.latest_version)
        .executeTakeFirstOrThrow();
      if (latest.sha256 === stored.sha256)
        return { documentId: existing.id, versionId: latest.id, newVersion: false };
    }
    const documentId = existing?.id ?? deps.ids.next('doc');
    const number = (existing?.latest_version ?? 0) + 1;
    if (existing) {
      await trx
        .updateTable('documents')
        .set({ latest_version: number, updated_at: now })
        .where('id', '=', existing.id)
        .execute();
    } else {
      await trx
        .insertInto('documents')
        .values({
          id: documentId,
          org_id: actor.orgId,
          site_id: siteId,
          name,
          latest_version: 1,
          indexed_version_id: null,
          deleted_at: null,
          created_by: actor.userId,
          created_at: now,
          updated_at: now,
        })
        .execute();
    }
    const versionId = deps.ids.next('dov');
    await trx
      .insertInto('document_versions')
      .values({
        id: versionId,
        org_id: actor.orgId,
        site_id: siteId,
        document_id: documentId,
        number,
        file_name: name,
        sha256: stored.sha256,
        size_bytes: stored.sizeBytes,
        media_type: mediaType,
        status: 'queued',
        error: null,
        text_sha256: null,
        text_chars: null,
        chunk_count: null,
        lease_expires_at: null,
        created_by: actor.userId,
        created_at: now,
        extracted_at: null,
      })
      .execute();
    await appendAudit(trx, deps.ids, now, {
      orgId: actor.orgId,
      actor: actor.userId,
      action: 'document.uploaded',
      target: documentId,
      details: {
        siteId,
        name,
        version: number,
        sha256: stored.sha256,
        sizeBytes: stored.sizeBytes,
        mediaType,
      },
    });
    // T3: the upload's run is owed from here on; src/triggers/upload-runs.ts starts it once the
    // text is extracted. Written with the version, so no upload is lost between the two.
    if (site.upload_agent_id !== null)
      await trx
        .insertInto('upload_triggers')
        .values({
          version_id: versionId,
          org_id: actor.orgId,
          site_id: siteId,
          document_id: documentId,
          agent_id: site.upload_agent_id,
          uploaded_by: actor.userId,
          status: 'waiting',
          run_id: null,
          error: null,
          tries: 0,
          claimed_until: null,
          created_at: now,
          updated_at: now,
        })
        .execute();
    return { documentId, versionId, newVersion: true };
  });
  if (result.newVersion) deps.bus.publish(extractChannel, result.versionId);
  return {
    document: await getDocumentViewOrThrow(deps, actor, result.documentId),
    newVersion: result.newVersion,
    versionId: result.versionId,
  };
}

function isMultipartTooLarge(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === 'FST_REQ_FILE_TOO_LARGE';
}
