import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const WEB_ROOT = fileURLToPath(new URL('../../web/', import.meta.url));

/**
 * Builds the web UI (React + Vite) into `outDir`. Vite is loaded only here, so the server and
 * the API tests never pay for it. About 2 s on this 2-core machine.
 */
export async function buildWebUi(outDir: string, options: { quiet?: boolean } = {}): Promise<void> {
  const { build } = await import('vite');
  await build({
    configFile: path.join(WEB_ROOT, 'vite.config.ts'),
    root: WEB_ROOT,
    logLevel: options.quiet ? 'warn' : 'info',
    build: { outDir, emptyOutDir: true },
  });
}

/** `npm start` on a fresh checkout: build the UI once when `outDir` has none. */
export async function ensureWebUi(outDir: string): Promise<void> {
  if (fs.existsSync(path.join(outDir, 'index.html'))) return;
  console.log(`Building the web UI into ${outDir} (once; \`npm run build\` rebuilds it)`);
  await buildWebUi(outDir, { quiet: true });
}
