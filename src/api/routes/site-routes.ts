import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Deps } from '../../deps.ts';
import { ValidationError } from '../../platform/errors.ts';
import {
  deleteDocument,
  getDocumentViewOrThrow,
  getVersionOrThrow,
  openVersionContent,
  readVersionText,
} from '../../sites/document-service.ts';
import { searchChunks } from '../../sites/search-chunks.ts';
import {
  createSite,
  createSiteInputSchema,
  getSiteOrThrow,
  getSiteRowOrThrow,
  listSites,
  updateSite,
  updateSiteInputSchema,
} from '../../sites/site-service.ts';
import { documentUrl } from '../../sites/site-view.ts';
import { uploadDocument } from '../../sites/upload-document.ts';
import { defineRoute, type Route } from '../route.ts';

const siteParams = z.object({ id: z.string().min(1) });
const documentParams = z.object({ id: z.string().min(1), documentId: z.string().min(1) });
const versionQuery = z.object({ version: z.coerce.number().int().min(1).optional() });

/** The `file` part of a multipart upload; the request's other parts are ignored. */
async function filePartOrThrow(request: FastifyRequest) {
  if (!request.isMultipart())
    throw ValidationError.field('file', 'send multipart/form-data with the document in a part named "file"');
  const part = await request.file();
  if (!part) throw ValidationError.field('file', 'is required: a multipart part named "file"');
  if (part.fieldname !== 'file') {
    part.file.resume();
    throw ValidationError.field('file', `is required: got a part named "${part.fieldname}"`);
  }
  return part;
}

/** `attachment; filename*=UTF-8''…` (RFC 6266 / 5987) so any name, right-to-left included, survives. */
function contentDisposition(name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]|["\\]/g, '_');
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`;
}

/** Sites and documents (issue 06): `/api/sites…`. */
export function siteRoutes(deps: Deps): Route[] {
  return [
    defineRoute({
      method: 'GET',
      url: '/api/sites',
      summary: 'List Sites, newest first, each with its documents (latest version only)',
      tag: 'sites',
      permission: 'sites.read',
      query: z.object({
        limit: z.coerce.number().int().min(1).max(200).default(50),
        cursor: z.string().optional(),
        archived: z.enum(['true', 'false']).optional(),
      }),
      handler: ({ actor, query }) =>
        listSites(deps, actor, {
          limit: query.limit,
          cursor: query.cursor,
          archived: query.archived === undefined ? undefined : query.archived === 'true',
        }),
    }),
    defineRoute({
      method: 'POST',
      url: '/api/sites',
      summary: 'Create a Site',
      tag: 'sites',
      permission: 'sites.manage',
      status: 201,
      body: createSiteInputSchema,
      handler: ({ actor, body }) => createSite(deps, actor, body),
    }),
    defineRoute({
      method: 'GET',
      url: '/api/sites/:id',
      summary: 'A Site with its documents and every version, with extraction status',
      tag: 'sites',
      permission: 'sites.read',
      params: siteParams,
      handler: ({ actor, params }) => getSiteOrThrow(deps, actor, params.id),
    }),
    defineRoute({
      method: 'PATCH',
      url: '/api/sites/:id',
      summary: 'Rename, describe, archive or unarchive a Site, or set its upload agent',
      tag: 'sites',
      permission: 'sites.manage',
      params: siteParams,
      body: updateSiteInputSchema,
      handler: ({ actor, params, body }) => updateSite(deps, actor, params.id, body),
    }),
    defineRoute({
      method: 'POST',
      url: '/api/sites/:id/documents',
      summary:
        'Upload a document (multipart/form-data, part "file"); the same name again makes a new version when the bytes differ',
      tag: 'sites',
      permission: 'sites.manage',
      status: 201,
      params: siteParams,
      handler: async ({ actor, params, request }) => {
        await getSiteRowOrThrow(deps.store.db, actor, params.id);
        const part = await filePartOrThrow(request);
        const uploaded = await uploadDocument(deps, actor, params.id, {
          fileName: part.filename,
          stream: part.file,
        });
        return { ...uploaded.document, newVersion: uploaded.newVersion, versionId: uploaded.versionId };
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/api/sites/:id/documents/:documentId',
      summary: 'A document with every version (newest first) and its extraction status',
      tag: 'sites',
      permission: 'sites.read',
      params: documentParams,
      handler: ({ actor, params }) => getDocumentViewOrThrow(deps, actor, params.documentId, params.id),
    }),
    defineRoute({
      method: 'DELETE',
      url: '/api/sites/:id/documents/:documentId',
      summary: 'Delete a document: retrieval stops finding it; runs that used it keep their citations',
      tag: 'sites',
      permission: 'sites.manage',
      status: 204,
      params: documentParams,
      handler: ({ actor, params }) => deleteDocument(deps, actor, params.id, params.documentId),
    }),
    defineRoute({
      method: 'GET',
      url: '/api/sites/:id/documents/:documentId/content',
      summary: 'Download a version of a document (the latest unless ?version=)',
      tag: 'sites',
      permission: 'sites.read',
      params: documentParams,
      query: versionQuery,
      handler: async ({ actor, params, query, reply }) => {
        const { version, stream } = await openVersionContent(
          deps,
          actor,
          params.id,
          params.documentId,
          query.version,
        );
        reply.header('content-type', version.media_type);
        reply.header('content-length', String(version.size_bytes));
        reply.header('content-disposition', contentDisposition(version.file_name));
        reply.header('x-content-type-options', 'nosniff');
        reply.header('etag', `"${version.sha256}"`);
        return stream;
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/api/sites/:id/documents/:documentId/text',
      summary:
        'The extracted text of a version (the latest unless ?version=), a window of it: the text preview',
      tag: 'sites',
      permission: 'sites.read',
      params: documentParams,
      query: versionQuery.extend({
        offset: z.coerce.number().int().min(0).default(0),
        limit: z.coerce.number().int().min(1).max(1_000_000).default(20_000),
      }),
      handler: ({ actor, params, query }) =>
        readVersionText(deps, actor, params.id, params.documentId, {
          version: query.version,
          offset: query.offset,
          limit: query.limit,
        }),
    }),
    defineRoute({
      method: 'GET',
      url: '/api/sites/:id/documents/:documentId/versions/:version/chunks',
      summary: 'The chunks of a version, in order (what retrieval can cite)',
      tag: 'sites',
      permission: 'sites.read',
      params: documentParams.extend({ version: z.coerce.number().int().min(1) }),
      handler: async ({ actor, params }) => {
        const version = await getVersionOrThrow(deps, actor, params.id, params.documentId, params.version);
        const chunks = await deps.store.db
          .selectFrom('chunks')
          .select(['id', 'idx', 'start_char', 'end_char', 'text'])
          .where('version_id', '=', version.id)
          .orderBy('idx')
          .execute();
        return {
          items: chunks.map((c) => ({
            id: Number(c.id),
            index: c.idx,
            startChar: c.start_char,
            endChar: c.end_char,
            text: c.text,
          })),
        };
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/api/sites/:id/search',
      summary:
        'Ranked full-text search over the Site (what a step retrieves): words and "phrases", best first',
      tag: 'sites',
      permission: 'sites.read',
      params: siteParams,
      query: z.object({
        q: z.string().min(1, 'must not be empty').max(2000),
        limit: z.coerce.number().int().min(1).max(50).default(10),
      }),
      handler: async ({ actor, params, query }) => {
        await getSiteRowOrThrow(deps.store.db, actor, params.id);
        const hits = await searchChunks(deps.store.db, deps.store.kind, {
          orgId: actor.orgId,
          siteIds: [params.id],
          query: query.q,
          limit: query.limit,
        });
        return { items: hits.map((h) => ({ ...h, url: documentUrl(h.siteId, h.documentId) })) };
      },
    }),
  ];
}
