// Our TypeScript sources as one plain JavaScript file, for a process or thread to run without
// tsx's loader (bin/agentruns.js, src/platform/bundle-module.ts). Plain JavaScript so the command's
// entry can use it before any loader is registered.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** Where bundles are kept: beside the packages, which a clean install replaces too. */
export const DEFAULT_BUNDLE_DIR = fileURLToPath(
  new URL('../../node_modules/.cache/agentruns/', import.meta.url),
);

/**
 * Each source's `import.meta.url` (and `dirname`, `filename`) stays its own file's: `new
 * URL('./thread.js', import.meta.url)` then names the file next to the source, not next to the
 * bundle.
 */
const ownUrls = {
  name: 'own-import-meta',
  setup(build) {
    build.onLoad({ filter: /\.[cm]?[jt]s$/ }, async (args) => {
      const text = await fs.promises.readFile(args.path, 'utf8');
      if (!text.includes('import.meta.')) return undefined;
      const own = {
        url: pathToFileURL(args.path).href,
        dirname: path.dirname(args.path),
        filename: args.path,
      };
      return {
        contents: text.replace(/\bimport\.meta\.(url|dirname|filename)\b/g, (_, key) =>
          JSON.stringify(own[key]),
        ),
        loader: /\.[cm]?ts$/.test(args.path) ? 'ts' : 'js',
      };
    });
  },
};

/** A bundle another has replaced is deleted this long after, by a later build of the same source. */
const REPLACED_KEPT_MS = 10 * 60_000;

/**
 * Bundles `source` (our sources in one file, packages left as imports) into `cacheDir`, named by
 * its content, so a bundle is never older than the sources it was made from; returns its path.
 * The files it was made from are listed beside it with their sizes and modification times: while
 * none has changed, the bundle is reused without running esbuild (a command starts ~0.3 s sooner).
 * Throws when esbuild cannot build it or the directory cannot be written.
 */
export async function bundleSources(source, cacheDir, { keepReplacedMs = REPLACED_KEPT_MS } = {}) {
  const sourceKey = createHash('sha256').update(source).digest('hex').slice(0, 8);
  const listing = path.join(cacheDir, `${path.basename(source, '.ts')}.${sourceKey}.sources.json`);
  const listed = readListing(listing);
  const reused = listed?.source === source ? unchanged(listed) : undefined;
  if (reused) return reused;
  // Precise to the microsecond: a source saved just before the build is not taken for one saved during it.
  const started = performance.timeOrigin + performance.now();
  const { build } = await import('esbuild');
  const result = await build({
    entryPoints: [source],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: `node${process.versions.node.split('.')[0]}`,
    packages: 'external',
    plugins: [ownUrls],
    metafile: true,
    // Beside the bundle, for `node --enable-source-maps` (off by default: reading it costs a start).
    sourcemap: 'external',
    // In the directory the bundle goes to, so the map's paths to the sources resolve from there.
    outfile: path.join(cacheDir, 'bundle.mjs'),
    write: false,
    logLevel: 'silent',
  });
  const code = result.outputFiles.find((f) => f.path.endsWith('.mjs'))?.contents;
  const map = result.outputFiles.find((f) => f.path.endsWith('.map'))?.contents;
  if (!code || !map) throw new Error(`esbuild wrote nothing for ${source}`);
  // Named by content: a process started from other sources never runs this one's bundle.
  const digest = createHash('sha256').update(code).digest('hex').slice(0, 12);
  const file = path.join(cacheDir, `${path.basename(source, '.ts')}.${digest}.mjs`);
  fs.mkdirSync(cacheDir, { recursive: true });
  if (!fs.existsSync(file)) {
    writeAtomically(`${file}.map`, map);
    writeAtomically(
      file,
      Buffer.concat([code, Buffer.from(`//# sourceMappingURL=${path.basename(file)}.map\n`)]),
    );
  }
  // So are this file and esbuild's version: a bundle made another way is made again.
  const makers = [
    fileURLToPath(import.meta.url),
    createRequire(import.meta.url).resolve('esbuild/package.json'),
  ];
  const inputs = [...Object.keys(result.metafile.inputs), ...makers].map((input) => {
    const at = path.resolve(input);
    const { size, mtimeMs } = fs.statSync(at);
    // Saved while esbuild read it, it may be newer than the bundle: listed as changed, built next time.
    return [at, size, mtimeMs > started ? null : mtimeMs];
  });
  // The bundles this one replaces go once no process can still be about to start from them.
  const replaced = [...(listed?.replaced ?? [])];
  if (listed?.bundle && listed.bundle !== file) replaced.push([listed.bundle, started]);
  const kept = [];
  for (const [old, at] of replaced) {
    if (old === file) continue; // in use again (a change undone)
    if (started - at < keepReplacedMs) kept.push([old, at]);
    else for (const gone of [old, `${old}.map`]) fs.rmSync(gone, { force: true });
  }
  writeAtomically(listing, JSON.stringify({ source, bundle: file, inputs, replaced: kept }));
  return file;
}

function readListing(listing) {
  try {
    return JSON.parse(fs.readFileSync(listing, 'utf8'));
  } catch {
    return undefined;
  }
}

/** The listed bundle, when it and every file it was made from are as listed. */
function unchanged({ bundle, inputs }) {
  if (!fs.existsSync(bundle)) return undefined;
  for (const [at, size, mtimeMs] of inputs) {
    const now = fs.statSync(at, { throwIfNoEntry: false });
    if (now?.size !== size || now.mtimeMs !== mtimeMs) return undefined;
  }
  return bundle;
}

/** Another process may be writing the same file: write aside, then rename in one step. */
function writeAtomically(file, content) {
  const temp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(temp, content);
  fs.renameSync(temp, file);
}

/**
 * Runs a TypeScript module (`bin/agentruns.js`, `bin/run-ts.js`): its bundle, without a loader.
 * Through tsx's loader every module, ours and the packages', goes by the loader's thread: a command
 * took ~1.5 s longer to start (`agentruns --help` 3.4–4.0 s against 2.0–2.1 s on a 2-core
 * machine). Where the bundle cannot be written (a read-only install), through tsx as before.
 */
export async function importBundled(source) {
  const bundle = await bundleSources(source, DEFAULT_BUNDLE_DIR).catch(() => undefined);
  if (bundle) return import(pathToFileURL(bundle).href);
  const { register } = await import('tsx/esm/api');
  register();
  return import(pathToFileURL(source).href);
}
