import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createAgent } from '../../src/agents/agent-service.ts';
import { createDeps } from '../../src/create-deps.ts';
import { createWorker } from '../../src/engine/worker.ts';
import { sealPendingAttempts } from '../../src/governance/seal-attempts.ts';
import { setSigning } from '../../src/governance/signing-keys.ts';
import { bootstrap } from '../../src/identity/bootstrap.ts';
import { loadConfig } from '../../src/platform/config.ts';
import { createRun } from '../../src/runs/create-run.ts';

/**
 * Evidence export benchmark (issue 09): export N MiB of generated files (half incompressible,
 * half compressible CSV-like text, 8 MiB each) as a signed evidence bundle, against `zip -r -6`
 * and `sha256sum` over the same files in the same run. MB/s of input and peak RSS of each.
 * `AGENTRUNS_BENCH_EXPORT_MIB` sets the size (default 256; 1024 for the 1 GiB of the issue).
 */
const benchDir = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const totalMiB = Number(process.env.AGENTRUNS_BENCH_EXPORT_MIB ?? 256);
const FILE_MIB = 8;
const fileCount = Math.max(2, Math.round(totalMiB / FILE_MIB));
const MiB = 1024 * 1024;

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

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'agentruns-export-bench-'));
try {
  console.log(
    `export bench: ${fileCount} files × ${FILE_MIB} MiB = ${fileCount * FILE_MIB} MiB in ${dataDir}`,
  );
  const config = {
    ...loadConfig({}),
    dataDir,
    logLevel: 'silent',
    examples: false,
    adminEmail: 'bench@localhost',
    adminPassword: 'bench-password',
  };
  const deps = await createDeps(config);
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
  const files: unknown[] = [];
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
  const attempt = await deps.store.db
    .selectFrom('attempts')
    .select('id')
    .where('run_id', '=', run.id)
    .executeTakeFirstOrThrow();
  await deps.store.db
    .updateTable('step_results')
    .set({ files: JSON.stringify(files) })
    .where('attempt_id', '=', attempt.id)
    .execute();
  await deps.store.db.deleteFrom('governed_records').execute();
  await deps.store.db.updateTable('attempts').set({ sealed: 0 }).execute();
  await sealPendingAttempts(deps);
  await deps.close();
  const inputBytes = fileCount * FILE_MIB * MiB;
  const blobDir = path.join(dataDir, 'blobs');
  const mbps = (seconds: number) => Math.round((inputBytes / 1e6 / seconds) * 10) / 10;

  // Warm the page cache equally for everyone.
  execFileSync('sh', ['-c', `cat $(find . -type f) > /dev/null`], { cwd: blobDir });

  const exportAt = (level: number) => {
    const out = path.join(dataDir, `bundle-${level}.zip`);
    const child = spawnSync(
      process.execPath,
      [
        path.join(benchDir, '..', 'bin', 'run-ts.js'),
        path.join(benchDir, 'export', 'export-child.ts'),
        dataDir,
        actor.orgId,
        out,
      ],
      { encoding: 'utf8', env: { ...process.env, AGENTRUNS_BENCH_EXPORT_LEVEL: String(level) } },
    );
    if (child.status !== 0) throw new Error(`export failed: ${child.stderr}`);
    fs.rmSync(out, { force: true });
    return JSON.parse(child.stdout.trim().split('\n').at(-1) ?? '{}') as {
      seconds: number;
      zipBytes: number;
      rssBeforeBytes: number;
      peakRssBytes: number;
    };
  };
  const ours = exportAt(6);
  const oursStored = exportAt(0);
  const zipOut = path.join(dataDir, 'zip-r.zip');
  const zip = timed('zip', ['-r', '-6', '-q', zipOut, '.'], blobDir);
  const zipBytes = fs.statSync(zipOut).size;
  fs.rmSync(zipOut);
  const zipStored = timed('zip', ['-r', '-0', '-q', zipOut, '.'], blobDir);
  fs.rmSync(zipOut);
  const sums = timed('sh', ['-c', 'find . -type f -print0 | xargs -0 sha256sum > /dev/null'], blobDir);

  const result = {
    date: new Date().toISOString(),
    node: process.version,
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    inputMiB: inputBytes / MiB,
    files: fileCount,
    mix: 'half random bytes (application/octet-stream, deflated), half CSV-like text; 8 MiB each',
    compressionLevel: 6,
    agentRuns: {
      seconds: ours.seconds,
      mbPerSecond: mbps(ours.seconds),
      peakRssMiB: Math.round(ours.peakRssBytes / MiB),
      rssBeforeExportMiB: Math.round(ours.rssBeforeBytes / MiB),
      zipMiB: Math.round(ours.zipBytes / MiB),
    },
    zipR: {
      seconds: zip.seconds,
      mbPerSecond: mbps(zip.seconds),
      peakRssMiB: zip.peakRssBytes === null ? null : Math.round(zip.peakRssBytes / MiB),
      zipMiB: Math.round(zipBytes / MiB),
    },
    storeMode: {
      agentRunsSeconds: oursStored.seconds,
      agentRunsMbPerSecond: mbps(oursStored.seconds),
      agentRunsPeakRssMiB: Math.round(oursStored.peakRssBytes / MiB),
      zip0Seconds: zipStored.seconds,
      zip0MbPerSecond: mbps(zipStored.seconds),
      ratioToZip0: Math.round((zipStored.seconds / oursStored.seconds) * 100) / 100,
    },
    sha256sum: { seconds: sums.seconds, mbPerSecond: mbps(sums.seconds) },
    speedupOverZipR: Math.round((zip.seconds / ours.seconds) * 100) / 100,
    loadAverage: os.loadavg().map((l) => Math.round(l * 100) / 100),
    targets: { speedupOverZipR: 1.5, storeModeRatioToZip0: 0.8, peakRssMiB: 150 },
  };
  console.log(JSON.stringify(result, null, 2));
  const line = `Evidence export of ${result.inputMiB} MiB (${fileCount} files, half incompressible): Agent Runs ${result.agentRuns.mbPerSecond} MB/s, peak RSS ${result.agentRuns.peakRssMiB} MiB (${result.agentRuns.rssBeforeExportMiB} MiB before the export); \`zip -r -6\` ${result.zipR.mbPerSecond} MB/s; \`sha256sum\` ${result.sha256sum.mbPerSecond} MB/s; ${result.speedupOverZipR}× zip -r (target 1.5×, RSS ≤ 150 MB); store mode ${result.storeMode.ratioToZip0}× \`zip -0\` (target 0.8×).`;
  console.log(`\n${line}\n`);
  if (process.env.AGENTRUNS_BENCH_NO_WRITE !== '1') {
    const resultsFile = path.join(benchDir, 'results', 'export.json');
    fs.writeFileSync(resultsFile, `${JSON.stringify(result, null, 2)}\n`);
    const readme = path.join(benchDir, 'README.md');
    const start = '<!-- export-line:start -->';
    const end = '<!-- export-line:end -->';
    const text = fs.readFileSync(readme, 'utf8');
    const from = text.indexOf(start);
    const to = text.indexOf(end);
    if (from >= 0 && to > from)
      fs.writeFileSync(readme, `${text.slice(0, from + start.length)}\n${line}\n${text.slice(to)}`);
    console.log('wrote bench/results/export.json and the line in bench/README.md');
  }
} finally {
  fs.rmSync(dataDir, { recursive: true, force: true });
}
