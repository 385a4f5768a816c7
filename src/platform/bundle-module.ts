import { fileURLToPath } from 'node:url';
import { bundleSources, DEFAULT_BUNDLE_DIR } from './bundle-sources.js';

/**
 * A TypeScript module (`src/…`) as one plain JavaScript file that a child process or a worker
 * thread can run without tsx's loader (`bundle-sources.js`), made once per process. Running the
 * module through tsx's loader instead costs ~50 MiB of RSS (the loader's thread, the transformed
 * sources). Null when the bundle cannot be built or written (a read-only install): the caller runs
 * the module through tsx instead.
 */
export function bundleModule(moduleUrl: URL, cacheDir = DEFAULT_BUNDLE_DIR): Promise<string | null> {
  const source = fileURLToPath(moduleUrl);
  const key = `${cacheDir}\0${source}`;
  let bundle = bundles.get(key);
  if (!bundle) {
    bundle = bundleSources(source, cacheDir).catch(() => null);
    bundles.set(key, bundle);
  }
  return bundle;
}

const bundles = new Map<string, Promise<string | null>>();
