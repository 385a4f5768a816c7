import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { homePage } from './home-page.ts';

/** Where `npm run build` puts the web UI: `dist/web` of this package, whatever the working directory. */
export const DEFAULT_WEB_DIR = fileURLToPath(new URL('../../dist/web/', import.meta.url));

/** Paths the single-page app must never answer: the API and its description. */
function isApiPath(url: string): boolean {
  return url === '/api' || url.startsWith('/api/') || url.startsWith('/openapi.json');
}

/**
 * Serves the built web UI: hashed assets cached for a year, `index.html` never cached, and
 * `index.html` for any other GET that asks for HTML (client-side routes such as `/runs/run_…`),
 * so a reload or a shared link opens the right page. `/api/*` and `/openapi.json` keep their 404s.
 * Without a build (`npm run build`), `/` says how to make one.
 */
export async function registerWebUi(
  app: FastifyInstance,
  webDir: string,
  storeKind: Parameters<typeof homePage>[0],
): Promise<{ notFound(request: FastifyRequest, reply: FastifyReply): boolean }> {
  const index = path.join(webDir, 'index.html');
  if (!fs.existsSync(index)) {
    app.get('/', async (_request, reply) => reply.type('text/html; charset=utf-8').send(homePage(storeKind)));
    return { notFound: () => false };
  }
  await app.register(fastifyStatic, {
    root: webDir,
    prefix: '/',
    // Files are listed once at start: no catch-all route that could shadow /api.
    wildcard: false,
    index: ['index.html'],
    setHeaders: (res, filePath) => {
      res.header(
        'cache-control',
        filePath.includes(`${path.sep}assets${path.sep}`)
          ? 'public, max-age=31536000, immutable'
          : 'no-cache',
      );
    },
  });
  return {
    notFound(request, reply) {
      const url = request.url.split('?')[0] ?? '/';
      const wantsHtml = String(request.headers.accept ?? '').includes('text/html');
      if ((request.method !== 'GET' && request.method !== 'HEAD') || isApiPath(url) || !wantsHtml)
        return false;
      // A missing asset (`/assets/old-hash.js`) is a real 404, not the app.
      if (url.startsWith('/assets/')) return false;
      void reply.header('cache-control', 'no-cache').sendFile('index.html');
      return true;
    },
  };
}
