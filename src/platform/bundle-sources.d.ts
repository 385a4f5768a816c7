/** See bundle-sources.js. */
export function bundleSources(source: string, cacheDir: string): Promise<string>;
