#!/usr/bin/env node
// The `agentruns` command. Our TypeScript sources run as one bundle esbuild makes of them
// (src/platform/bundle-sources.js: remade when a source changes, so there is no build step to
// forget and no stale output), without a loader: through tsx's loader, every module, ours and the
// packages', went by the loader's thread, and a command took ~1.5 s longer to start (3.4–4.0 s
// against 2.0–2.1 s for `agentruns --help` on a 2-core machine). Where the bundle cannot be
// written (a read-only install), through tsx as before.
import { fileURLToPath, pathToFileURL } from 'node:url';
import { bundleSources } from '../src/platform/bundle-sources.js';

const main = new URL('../src/cli/main.ts', import.meta.url);
const cacheDir = fileURLToPath(new URL('../node_modules/.cache/agentruns/', import.meta.url));
const bundle = await bundleSources(fileURLToPath(main), cacheDir).catch(() => undefined);
if (bundle) await import(pathToFileURL(bundle).href);
else {
  const { register } = await import('tsx/esm/api');
  register();
  await import(main.href);
}
