import { type ChildProcess, fork } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const DEFAULT_CACHE_DIR = path.join(REPO_ROOT, 'node_modules', '.cache', 'agentruns');

export interface ForkModuleOptions {
  /** Where bundles are written; must sit under the project, so their package imports resolve. */
  cacheDir?: string;
  /** Node flags for the child (heap sizes, say). */
  execArgv?: string[];
}

/**
 * Starts a TypeScript module (`src/…`) in its own Node process with an IPC channel, as plain
 * JavaScript: bundled once per process by esbuild (our sources in one file, packages left as
 * imports) into `node_modules/.cache/agentruns/`, named by its content, so a bundle is never older
 * than the sources of the process that starts it. Running the module through tsx's loader instead
 * costs ~50 MiB of RSS (the loader's thread, the transformed sources): most of the 150 MB an evidence
 * export may use (issue 09). When the bundle cannot be built or written (a read-only install), the
 * module runs through tsx as everything else does.
 */
export async function forkModule(moduleUrl: URL, options: ForkModuleOptions = {}): Promise<ChildProcess> {
  const source = fileURLToPath(moduleUrl);
  const bundle = await bundleOf(source, options.cacheDir ?? DEFAULT_CACHE_DIR);
  const execArgv = options.execArgv ?? [];
  return bundle
    ? fork(bundle, [], { execArgv, serialization: 'advanced' })
    : fork(source, [], { execArgv: [...execArgv, '--import', 'tsx'], serialization: 'advanced' });
}

const bundles = new Map<string, Promise<string | null>>();

function bundleOf(source: string, cacheDir: string): Promise<string | null> {
  const key = `${cacheDir}\0${source}`;
  let bundle = bundles.get(key);
  if (!bundle) {
    bundle = buildBundle(source, cacheDir).catch(() => null);
    bundles.set(key, bundle);
  }
  return bundle;
}

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
