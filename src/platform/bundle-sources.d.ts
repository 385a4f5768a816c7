/** See bundle-sources.js. */
export const DEFAULT_BUNDLE_DIR: string;
export function bundleSources(source: string, cacheDir: string): Promise<string>;
export function importBundled(source: string): Promise<unknown>;
