import fs from 'node:fs';
import { createDeps } from '../../src/create-deps.ts';
import { writeBundle } from '../../src/governance/evidence-export.ts';
import { loadConfig } from '../../src/platform/config.ts';

/**
 * The measured part of the export benchmark, in its own process so its peak RSS is the export's:
 * `export-child.ts <dataDir> <orgId> <out.zip>`;
 * `AGENTRUNS_BENCH_EXPORT_LEVEL` sets the deflate level (0: store mode). Prints one JSON line.
 */
const [dataDir, orgId, out] = process.argv.slice(2);
if (!dataDir || !orgId || !out) throw new Error('usage: export-child.ts <dataDir> <orgId> <out.zip>');
const deps = await createDeps({ ...loadConfig({}), dataDir, logLevel: 'silent' });
const rssBeforeBytes = process.memoryUsage().rss;
let peakRssBytes = rssBeforeBytes;
const sampler = setInterval(() => {
  peakRssBytes = Math.max(peakRssBytes, process.memoryUsage().rss);
}, 20);
const started = performance.now();
const result = await writeBundle(
  deps,
  orgId,
  'exp_bench',
  { from: '2000-01-01T00:00:00Z' },
  async () => {},
  fs.createWriteStream(out),
  { compressionLevel: Number(process.env.AGENTRUNS_BENCH_EXPORT_LEVEL ?? 6) },
);
const seconds = (performance.now() - started) / 1000;
clearInterval(sampler);
await deps.close();
console.log(
  JSON.stringify({
    seconds,
    zipBytes: result.sizeBytes,
    rssBeforeBytes,
    peakRssBytes: Math.max(peakRssBytes, process.resourceUsage().maxRSS * 1024),
  }),
);
