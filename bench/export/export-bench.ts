import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createAgent } from '../../src/agents/agent-service.ts';
import { createDeps } from '../../src/create-deps.ts';
import { createWorker } from '../../src/engine/worker.ts';
import { writeBundleInOwnProcess } from '../../src/governance/evidence-export.ts';
import { setSigning } from '../../src/governance/signing-keys.ts';
import { bootstrap } from '../../src/identity/bootstrap.ts';
import { loadConfig } from '../../src/platform/config.ts';
import { createRun } from '../../src/runs/create-run.ts';
import { resealWithFiles, type SealedFile } from '../../test/support/reseal-with-files.ts';

export interface ExportBenchOptions {
  /** Sizes to export, in MiB: `[1024, 4096]` is the 1 to 4 GiB flatness check of issue 11. */
  sizesMiB: number[];
  rounds: number;
  /** Off: every chunk is deflated, as `zip -r` deflates every file. */
  probeIncompressible: boolean;
  log: (line: string) => void;
}

const FILE_MIB = 8;
const MiB = 1024 * 1024;
const targets = { speedupOverZipR: 1.5, storeModeRatioToZip0: 0.8, peakRssMB: 150 };

function compressible(size: number, seed: number): Buffer {
  // CSV rows of repeated words and numbers: deflates about 4:1, like a generated report.
  const words = ['north', 'south', 'east', 'west', 'revenue', 'cost', 'margin', 'units', 'Acme', 'Globex'];
  const parts: string[] = [];
  let length = 0;
  let x = seed;
  while (length < size) {
    x = (x * 1103515245 + 12345) % 2147483648;
    const row = `${words[x % 10]},${words[(x >> 8) % 10]},${x % 100000},${(x % 997) / 10}\n`;
    parts.push(row);
    length += row.length;
  }
  return Buffer.from(parts.join('')).subarray(0, size);
}

/** Wall time and peak RSS of a command, through /usr/bin/time when it is there. */
function timed(
  command: string,
  args: string[],
  cwd: string,
): { seconds: number; peakRssBytes: number | null } {
  const hasTime = fs.existsSync('/usr/bin/time');
  const started = performance.now();
  const result = hasTime
    ? spawnSync('/usr/bin/time', ['-f', '%M', command, ...args], { cwd, encoding: 'utf8' })
    : spawnSync(command, args, { cwd, encoding: 'utf8' });
  const seconds = (performance.now() - started) / 1000;
  if (result.status !== 0) throw new Error(`${command} failed: ${result.stderr}`);
  const kb = hasTime ? Number(result.stderr.trim().split('\n').at(-1)) : Number.NaN;
  return { seconds, peakRssBytes: Number.isFinite(kb) ? kb * 1024 : null };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
};
const round1 = (n: number) => Math.round(n * 10) / 10;
const round2 = (n: number) => Math.round(n * 100) / 100;
const range = (xs: number[], f: (n: number) => number = round1) => [f(Math.min(...xs)), f(Math.max(...xs))];
const toMiB = (bytes: number) => Math.round(bytes / MiB);

interface ExportResult {
  seconds: number;
  cpuSeconds: number;
  zipBytes: number;
  peakRssBytes: number;
}

const benchConfig = (dataDir: string) => ({
  ...loadConfig({}),
  dataDir,
  logLevel: 'silent',
  examples: false,
  adminEmail: 'bench@localhost',
  adminPassword: 'bench-password',
});

/** Seeds a fresh data directory with `totalMiB` of files on one sealed run; returns where they are. */
async function seed(dataDir: string, totalMiB: number) {
  const fileCount = Math.max(2, Math.round(totalMiB / FILE_MIB));
  const deps = await createDeps(benchConfig(dataDir));
  await bootstrap(deps);
  const admin = await deps.store.db.selectFrom('users').selectAll().executeTakeFirstOrThrow();
  const actor = { orgId: admin.org_id, userId: admin.id, role: 'admin' as const };
  await setSigning(deps, actor, true);
  const agent = await createAgent(deps, actor, {
    name: 'Bench files',
    modelSettings: { model: 'simulated/default' },
    steps: [{ name: 'Make', prompt: 'Make the files.' }],
  });
  const run = await createRun(deps, actor, agent.id, { start: true }, { kind: 'manual', by: actor.userId });
  await createWorker(deps).runOnce();

  // The generated files, in the blob store (what `zip -r` and `sha256sum` read too).
  const files: SealedFile[] = [];
  for (let i = 0; i < fileCount; i++) {
    const incompressible = i % 2 === 0;
    const bytes = incompressible ? randomBytes(FILE_MIB * MiB) : compressible(FILE_MIB * MiB, i);
    const blob = await deps.blobs.put(actor.orgId, bytes);
    files.push({
      name: incompressible ? `image-${i}.bin` : `table-${i}.csv`,
      mediaType: incompressible ? 'application/octet-stream' : 'text/csv',
      sizeBytes: blob.sizeBytes,
      sha256: blob.sha256,
    });
  }
  await resealWithFiles(deps, run.id, files);
  await deps.close();
  return { orgId: actor.orgId, fileCount, inputBytes: fileCount * FILE_MIB * MiB };
}

/** One size: seed, then A B A B against zip -r -6, then store mode against zip -r -0, then sha256sum. */
async function benchSize(totalMiB: number, { rounds, probeIncompressible, log }: ExportBenchOptions) {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'agentruns-export-bench-'));
  try {
    const { orgId, fileCount, inputBytes } = await seed(dataDir, totalMiB);
    log(`export bench: ${fileCount} files × ${FILE_MIB} MiB = ${inputBytes / MiB} MiB, ${rounds} rounds`);
    const blobDir = path.join(dataDir, 'blobs');
    const mbps = (seconds: number) => round1(inputBytes / 1e6 / seconds);
    // Warm the page cache equally for everyone.
    execFileSync('sh', ['-c', `find . -type f -exec cat {} + > /dev/null`], { cwd: blobDir });

    // The export as the server runs it: `export-process.ts` in its own process, plain Node on
    // the bundled module; its peak RSS is that whole process's.
    const exportAt = async (level: number, check: boolean): Promise<ExportResult> => {
      const out = path.join(dataDir, `bundle-${level}.zip`);
      const started = performance.now();
      const result = await writeBundleInOwnProcess(
        {
          orgId,
          exportId: 'exp_bench',
          selection: { from: '2000-01-01T00:00:00Z' },
          createdAt: Date.now(),
          options: {
            compressionLevel: level,
            probeIncompressible,
          },
          file: out,
          config: benchConfig(dataDir),
          store: { sqlitePath: path.join(dataDir, 'agentruns.db') },
          blobsRoot: blobDir,
        },
        async () => undefined,
      );
      const seconds = (performance.now() - started) / 1000;
      // The bundle opens with a real reader (ZIP64 past 4 GiB included) and every entry's CRC checks.
      if (check) {
        const test = spawnSync('unzip', ['-tq', out], { encoding: 'utf8' });
        if (test.status !== 0 && test.error === undefined)
          throw new Error(`unzip -t failed on the level-${level} bundle: ${test.stdout}${test.stderr}`);
      }
      fs.rmSync(out, { force: true });
      return {
        seconds,
        cpuSeconds: result.cpuSeconds,
        zipBytes: result.sizeBytes,
        peakRssBytes: result.peakRssBytes,
      };
    };
    const zipR = (level: number) => {
      const out = path.join(dataDir, 'zip-r.zip');
      const result = timed('zip', ['-r', `-${level}`, '-q', out, '.'], blobDir);
      const zipBytes = fs.statSync(out).size;
      fs.rmSync(out);
      return { ...result, zipBytes };
    };

    const ours: ExportResult[] = [];
    const theirs: Array<ReturnType<typeof zipR>> = [];
    const oursStored: ExportResult[] = [];
    const theirsStored: Array<ReturnType<typeof zipR>> = [];
    const loads: number[] = [];
    for (let r = 0; r < rounds; r++) {
      loads.push(os.loadavg()[0] ?? 0);
      ours.push(await exportAt(6, r === 0));
      theirs.push(zipR(6));
      log(
        `  round ${r + 1}, level 6: ours ${ours.at(-1)?.seconds.toFixed(1)} s, zip -r ${theirs.at(-1)?.seconds.toFixed(1)} s`,
      );
    }
    for (let r = 0; r < rounds; r++) {
      oursStored.push(await exportAt(0, r === 0));
      theirsStored.push(zipR(0));
      log(
        `  round ${r + 1}, store: ours ${oursStored.at(-1)?.seconds.toFixed(1)} s, zip -0 ${theirsStored.at(-1)?.seconds.toFixed(1)} s`,
      );
    }
    const sums = timed('sh', ['-c', 'find . -type f -print0 | xargs -0 sha256sum > /dev/null'], blobDir);
    loads.push(os.loadavg()[0] ?? 0);

    // Each round's ratio pairs an export with the zip run right after it (A B A B).
    const speedups = ours.map((o, i) => (theirs[i]?.seconds ?? Number.NaN) / o.seconds);
    const storeRatios = oursStored.map((o, i) => (theirsStored[i]?.seconds ?? Number.NaN) / o.seconds);
    const peaks = [...ours, ...oursStored].map((o) => o.peakRssBytes);
    const first = ours[0] as ExportResult;
    return {
      inputMiB: inputBytes / MiB,
      files: fileCount,
      rounds,
      agentRuns: {
        seconds: round2(median(ours.map((o) => o.seconds))),
        mbPerSecond: mbps(median(ours.map((o) => o.seconds))),
        mbPerSecondRange: range(ours.map((o) => mbps(o.seconds))),
        cpuSeconds: round1(median(ours.map((o) => o.cpuSeconds))),
        peakRssMiB: toMiB(Math.max(...ours.map((o) => o.peakRssBytes))),
        zipMiB: toMiB(first.zipBytes),
      },
      zipR: {
        seconds: round2(median(theirs.map((z) => z.seconds))),
        mbPerSecond: mbps(median(theirs.map((z) => z.seconds))),
        mbPerSecondRange: range(theirs.map((z) => mbps(z.seconds))),
        peakRssMiB: theirs[0]?.peakRssBytes == null ? null : toMiB(theirs[0].peakRssBytes),
        zipMiB: toMiB(theirs[0]?.zipBytes ?? 0),
      },
      speedupOverZipR: round2(median(speedups)),
      speedupOverZipRRange: range(speedups, round2),
      storeMode: {
        agentRunsSeconds: round2(median(oursStored.map((o) => o.seconds))),
        agentRunsMbPerSecond: mbps(median(oursStored.map((o) => o.seconds))),
        agentRunsPeakRssMiB: toMiB(Math.max(...oursStored.map((o) => o.peakRssBytes))),
        zip0Seconds: round2(median(theirsStored.map((z) => z.seconds))),
        zip0MbPerSecond: mbps(median(theirsStored.map((z) => z.seconds))),
        ratioToZip0: round2(median(storeRatios)),
        ratioToZip0Range: range(storeRatios, round2),
      },
      sha256sum: { seconds: round2(sums.seconds), mbPerSecond: mbps(sums.seconds) },
      peakRssMiB: toMiB(Math.max(...peaks)),
      loadAverageDuring: range(loads, round2),
    };
  } finally {
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

/**
 * Evidence export benchmark (issues 09 and 11): export N MiB of generated files (half incompressible,
 * half compressible CSV-like text, 8 MiB each) as a signed evidence bundle, against `zip -r -6` and
 * `sha256sum` over the same files in the same run, A B A B; then store mode against `zip -r -0`.
 * MB/s of input and peak RSS of each; medians and ranges over the rounds.
 */
export async function runExportBench(options: ExportBenchOptions) {
  for (const size of options.sizesMiB)
    if (!Number.isFinite(size) || size < 2 * FILE_MIB)
      throw new Error(`--export-mib: each size must be a number of MiB ≥ ${2 * FILE_MIB}`);
  const sizes = [];
  for (const size of options.sizesMiB) sizes.push(await benchSize(size, options));
  const smallest = sizes[0];
  const largest = sizes.at(-1);
  return {
    date: new Date().toISOString(),
    node: process.version,
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    mix: 'half random bytes (application/octet-stream, deflated), half CSV-like text; 8 MiB each',
    compressionLevel: 6,
    probeIncompressible: options.probeIncompressible,
    sizes,
    // Issue 11: RSS flat from 1 to 4 GiB, the growth of the peak from the smallest size to the largest.
    rssGrowthMiB: smallest && largest && sizes.length > 1 ? largest.peakRssMiB - smallest.peakRssMiB : null,
    targets,
  };
}

export type ExportBenchResult = Awaited<ReturnType<typeof runExportBench>>;
