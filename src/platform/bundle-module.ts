import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const DEFAULT_BUNDLE_DIR = path.join(REPO_ROOT, 'node_modules', '.cache', 'agentruns');

/**
 * A TypeScript module (`src/…`) as one plain JavaScript file that a child process or a worker
 * thread can run without tsx's loader: bundled once per process by esbuild (our sources in one
 * file, packages left as imports) into `cacheDir`, named by its content, so a bundle is never older
 * than the sources of the process that starts it. Running the module through tsx's loader instead
 * costs ~50 MiB of RSS (the loader's thread, the transformed sources). Null when the bundle cannot
 * be built or written (a read-only install): the caller runs the module through tsx instead.
 */
export function bundleModule(moduleUrl: URL, cacheDir = DEFAULT_BUNDLE_DIR): Promise<string | null> {
  const source = fileURLToPath(moduleUrl);
  const key = `${cacheDir}\0${source}`;
  let bundle = bundles.get(key);
  if (!bundle) {
    bundle = buildBundle(source, cacheDir).catch(() => null);
    bundles.set(key, bundle);
  }
  return bundle;
}

const bundles = new Map<string, Promise<string | null>>();

async function buildBundle(source: string, cacheDir: string): Promise<string> {
  const result = await build({
    entryPoints: [source],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: `node${process.versions.node.split('.')[0]}`,
    packages: 'external',
    write: false,
    logLevel: 'silent',
  });
  const code = result.outputFiles[0]?.contents;
  if (!code) throw new Error(`esbuild wrote nothing for ${source}`);
  // Named by content: a process started from other sources never runs this one's bundle.
  const digest = createHash('sha256').update(code).digest('hex').slice(0, 12);
  const file = path.join(cacheDir, `${path.basename(source, '.ts')}.${digest}.mjs`);
  if (fs.existsSync(file)) return file;
  fs.mkdirSync(cacheDir, { recursive: true });
  // Another process may be writing the same bundle: write aside, then rename in one step.
  const temp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(temp, code);
  fs.renameSync(temp, file);
  return file;
}
