import { z } from 'zod';
import type { Deps } from '../../deps.ts';
import { contentDisposition } from '../../files/content-disposition.ts';
import { fileKindInfo } from '../../files/file-kind.ts';
import { previewOf } from '../../files/file-preview.ts';
import { getFileOrThrow, readFileBytes, readFileSpec } from '../../files/file-service.ts';
import { defineRoute, type Route } from '../route.ts';

const idParams = z.object({ id: z.string().min(1) });

const binary = { schema: { type: 'string', format: 'binary' } };
const downloadContent = Object.fromEntries(
  Object.values(fileKindInfo).map((info) => [info.contentType, binary]),
);

/** Generated files (SPEC D6): download and preview, for whoever may read the run. */
export function fileRoutes(deps: Deps): Route[] {
  return [
    defineRoute({
      method: 'GET',
      url: '/api/files/:id',
      summary: 'Download a generated file (its own Content-Type, as an attachment)',
      tag: 'files',
      permission: 'runs.read',
      params: idParams,
      responseContent: downloadContent,
      handler: async ({ actor, params, reply }) => {
        const file = await getFileOrThrow(deps, actor, params.id);
        const bytes = await readFileBytes(deps, actor, file);
        reply
          .header('content-type', file.contentType)
          .header('content-disposition', contentDisposition('attachment', file.name))
          .header('etag', `"${file.sha256}"`)
          .header('x-content-type-options', 'nosniff')
          .header('cache-control', 'private, no-cache');
        return bytes;
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/api/files/:id/preview',
      summary: 'Preview a generated file: an image inline, else its first sheet, page or slide as JSON',
      tag: 'files',
      permission: 'runs.read',
      params: idParams,
      responseContent: { 'image/png': binary, 'application/json': { schema: { type: 'object' } } },
      handler: async ({ actor, params, reply }) => {
        const file = await getFileOrThrow(deps, actor, params.id);
        if (file.kind === 'image') {
          reply
            .header('content-type', file.contentType)
            .header('content-disposition', contentDisposition('inline', file.name))
            .header('x-content-type-options', 'nosniff')
            .header('cache-control', 'private, no-cache');
          return readFileBytes(deps, actor, file);
        }
        const spec = await readFileSpec(deps, file);
        return { file, preview: previewOf(spec) };
      },
    }),
  ];
}
