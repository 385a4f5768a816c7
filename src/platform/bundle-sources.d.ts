/** See bundle-sources.js. */
export const DEFAULT_BUNDLE_DIR: string;
export function bundleSources(
  source: string,
  cacheDir: string,
  options?: { keepReplacedMs?: number },
): Promise<string>;
export function importBundled(source: string): Promise<unknown>;
