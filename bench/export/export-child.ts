import fs from 'node:fs';

/**
 * The measured part of the export benchmark, in its own process so its peak RSS is the export's:
 * `export-child.ts <dataDir> <orgId> <out.zip>`;
 * `AGENTRUNS_BENCH_EXPORT_LEVEL` sets the deflate level (0: store mode);
 * `AGENTRUNS_BENCH_EXPORT_PROBE=0` deflates every chunk, incompressible or not. Prints one JSON line.
 *
 * The process is built as `serve` builds its dependencies (`createDeps`: the whole product is
 * loaded), so its RSS before the export is what an exporting `serve` carries; the RSS is sampled at
 * each stage (process start with the tsx loader, after the imports, after `createDeps`) to say
 * where that baseline goes, and the peak is the whole process's.
 */
const rssAtStartBytes = process.memoryUsage().rss;
const { createDeps } = await import('../../src/create-deps.ts');
const { writeBundle } = await import('../../src/governance/evidence-export.ts');
const { loadConfig } = await import('../../src/platform/config.ts');
const rssAfterImportsBytes = process.memoryUsage().rss;

const [dataDir, orgId, out] = process.argv.slice(2);
if (!dataDir || !orgId || !out) throw new Error('usage: export-child.ts <dataDir> <orgId> <out.zip>');
const deps = await createDeps({ ...loadConfig({}), dataDir, logLevel: 'silent' });
const rssBeforeBytes = process.memoryUsage().rss;
let peakRssBytes = rssBeforeBytes;
const sampler = setInterval(() => {
  peakRssBytes = Math.max(peakRssBytes, process.memoryUsage().rss);
}, 20);
const started = performance.now();
const cpuStarted = process.cpuUsage();
const result = await writeBundle(
  deps,
  orgId,
  'exp_bench',
  { from: '2000-01-01T00:00:00Z' },
  async () => {},
  fs.createWriteStream(out),
  {
    compressionLevel: Number(process.env.AGENTRUNS_BENCH_EXPORT_LEVEL ?? 6),
    probeIncompressible: process.env.AGENTRUNS_BENCH_EXPORT_PROBE !== '0',
  },
);
const seconds = (performance.now() - started) / 1000;
const cpu = process.cpuUsage(cpuStarted);
clearInterval(sampler);
await deps.close();
console.log(
  JSON.stringify({
    seconds,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    zipBytes: result.sizeBytes,
    rssAtStartBytes,
    rssAfterImportsBytes,
    rssBeforeBytes,
    peakRssBytes: Math.max(peakRssBytes, process.resourceUsage().maxRSS * 1024),
  }),
);
