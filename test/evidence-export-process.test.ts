import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { createWorker } from '../src/engine/worker.ts';
import {
  exportFileOf,
  INTERRUPTED_AFTER_MS,
  INTERRUPTED_ERROR,
  waitForExport,
  writeBundleInOwnProcess,
} from '../src/governance/evidence-export.ts';
import { verifyEvidenceBundle } from '../src/governance/verify-evidence-bundle.ts';
import { type ApiHarness, createApiHarness } from './support/api-harness.ts';
import { resealWithFiles } from './support/reseal-with-files.ts';
import { createReportRun, storeKinds } from './support/test-deps.ts';

interface ExportBody {
  id: string;
  status: string;
  error: string | null;
  progress: { runsDone: number; runsTotal: number };
  downloadUrl: string | null;
}

const MiB = 1024 * 1024;

/** Text that deflates, so an export of it takes long enough to be caught mid-write. */
function csv(size: number, seed: number): Buffer {
  const rows: string[] = [];
  let length = 0;
  for (let i = 0; length < size; i++) {
    const row = `${seed},${i},${(i * 7919) % 100_003},north,revenue\n`;
    rows.push(row);
    length += row.length;
  }
  return Buffer.from(rows.join('')).subarray(0, size);
}

/** The processes this one started whose command line names the export's entry. */
function exportProcesses(): number[] {
  const out = execFileSync('ps', ['-o', 'pid=,args=', '--ppid', String(process.pid)], { encoding: 'utf8' });
  return out
    .split('\n')
    .filter((line) => line.includes('export-process'))
    .map((line) => Number(line.trim().split(/\s+/)[0]));
}

describe.each(storeKinds)('evidence exports in their own process on %s', (kind) => {
  let api: ApiHarness;
  afterEach(async () => {
    await api.close();
  });

  /** A sealed run whose step result holds `files` CSV files of `mib` MiB each. */
  async function seedRunWithFiles(files: number, mib: number) {
    const { deps } = api;
    const { run } = await createReportRun(deps);
    await createWorker(deps).runOnce();
    const entries = [];
    for (let i = 0; i < files; i++) {
      const blob = await deps.blobs.put(deps.admin.orgId, csv(mib * MiB, i));
      entries.push({
        name: `table-${i}.csv`,
        mediaType: 'text/csv',
        sizeBytes: blob.sizeBytes,
        sha256: blob.sha256,
      });
    }
    await resealWithFiles(deps, run.id, entries, 3);
    return run;
  }

  const startExport = async (runIds: string[]) => {
    const started = await api.call<ExportBody>('POST', '/api/governance/exports', { runIds });
    expect(started.status).toBe(202);
    return started.body.id;
  };
  const exportView = async (id: string) =>
    (await api.call<ExportBody>('GET', `/api/governance/exports/${id}`)).body;

  it('writes the bundle in a child process, which a SIGKILL fails cleanly; the next export completes', async () => {
    api = await createApiHarness(kind);
    const run = await seedRunWithFiles(6, 8);

    const killed = await startExport([run.id]);
    process.kill(await exportProcess(), 'SIGKILL');
    await waitForExport(killed);
    const view = await exportView(killed);
    expect(view.status).toBe('failed');
    expect(view.error).toBe("the export's process ended (SIGKILL) before the bundle was written");
    expect(view.downloadUrl).toBeNull();
    expect(fs.existsSync(exportFileOf(api.deps, killed))).toBe(false);

    const next = await startExport([run.id]);
    await waitForExport(next);
    expect(await exportView(next)).toMatchObject({
      status: 'completed',
      progress: { runsDone: 1, runsTotal: 1 },
    });
    expect(exportProcesses()).toEqual([]);
    const zip = await api.call('GET', `/api/governance/exports/${next}/download`);
    const report = await verifyEvidenceBundle(zip.raw.rawPayload);
    expect(report.problems).toEqual([]);
    expect(report.entries.filter((e) => e.path.startsWith('files/'))).toHaveLength(6);
  });

  /** The export's writer process, once it runs. */
  async function exportProcess(): Promise<number> {
    let pids: number[] = [];
    await expect
      .poll(
        () => {
          pids = exportProcesses();
          return pids.length;
        },
        { interval: 5, timeout: 20_000 },
      )
      .toBe(1);
    return pids[0] as number;
  }

  it('fails an export whose writer went silent (a restart), and its writer cannot complete it after', async () => {
    api = await createApiHarness(kind);
    const { deps } = api;
    const now = deps.clock.now();
    // What a server stopped mid-export leaves: rows that say running, and no one writing them.
    for (const [id, heartbeat] of [
      ['exp_silent', now - INTERRUPTED_AFTER_MS - 1_000],
      ['exp_alive', now - 5_000],
    ] as const)
      await deps.store.db
        .insertInto('evidence_exports')
        .values({
          id,
          org_id: deps.admin.orgId,
          requested_by: deps.admin.userId,
          selection: JSON.stringify({ agentId: 'agt_x' }),
          status: 'running',
          created_at: now - INTERRUPTED_AFTER_MS * 2,
          heartbeat_at: heartbeat,
        })
        .execute();
    expect(await exportView('exp_silent')).toMatchObject({ status: 'failed', error: INTERRUPTED_ERROR });
    expect(await exportView('exp_alive')).toMatchObject({ status: 'running', error: null });
    const download = await api.call('GET', '/api/governance/exports/exp_silent/download');
    expect(download.status).toBe(409);

    // A writer stalled past the silence (stopped, here) finds its export failed when it comes back.
    const run = await seedRunWithFiles(4, 8);
    const stalled = await startExport([run.id]);
    const pid = await exportProcess();
    process.kill(pid, 'SIGSTOP');
    await deps.store.db
      .updateTable('evidence_exports')
      .set({ heartbeat_at: now - INTERRUPTED_AFTER_MS - 1_000 })
      .where('id', '=', stalled)
      .execute();
    expect(await exportView(stalled)).toMatchObject({ status: 'failed', error: INTERRUPTED_ERROR });
    process.kill(pid, 'SIGCONT');
    await waitForExport(stalled);
    expect(await exportView(stalled)).toMatchObject({ status: 'failed', error: INTERRUPTED_ERROR });
    expect(fs.existsSync(exportFileOf(deps, stalled))).toBe(false);
  });

  it('reports what failed in the child, and records every progress before the result', async () => {
    api = await createApiHarness(kind);
    const run = await seedRunWithFiles(1, 1);
    const { deps } = api;
    // A store in a file (as every test's is) can be opened by the child; in-memory SQLite cannot.
    if (!deps.store.reopen) throw new Error('the test store should be reopenable from another process');
    const job = {
      orgId: deps.admin.orgId,
      exportId: 'exp_direct',
      selection: { runIds: [run.id] },
      createdAt: deps.clock.now(),
      config: deps.config,
      store: deps.store.reopen,
      blobsRoot: deps.blobs.root,
    };
    await expect(
      writeBundleInOwnProcess({ ...job, file: '/nonexistent/exports/bundle.zip' }, async () => undefined),
    ).rejects.toThrow(/ENOENT.*\/nonexistent\/exports\/bundle\.zip/);

    const recorded: number[] = [];
    const file = `${deps.config.dataDir}/direct.zip`;
    // The parent made large when it forks: the child's peak is its own memory, not the parent's
    // (Linux's maxRSS keeps the parent's across fork and exec).
    const ballast = Buffer.alloc(512 * MiB, 1);
    const result = await writeBundleInOwnProcess({ ...job, file }, async (runsDone) => {
      await new Promise((resolve) => setTimeout(resolve, 50));
      recorded.push(runsDone);
    });
    expect(ballast.length).toBe(512 * MiB);
    expect(recorded).toEqual([1]);
    expect(result.sizeBytes).toBe(fs.statSync(file).size);
    expect(result.peakRssBytes).toBeGreaterThan(20 * MiB);
    expect(result.peakRssBytes).toBeLessThan(process.memoryUsage().rss - 256 * MiB);
    const report = await verifyEvidenceBundle(fs.readFileSync(file));
    expect(report.problems).toEqual([]);
  });
});
