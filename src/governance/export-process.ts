import fs from 'node:fs';
import type { Config } from '../platform/config.ts';
import { messageOf } from '../platform/errors.ts';
import { peakRssBytes } from '../platform/peak-rss.ts';
import { createDiskBlobStore } from '../store/blob-store.ts';
import { openStore, type Store, type StoreOptions } from '../store/open-store.ts';
import { runInOrganization } from '../store/tenant-scope.ts';
import { type BundleJob, writeBundle } from './evidence-bundle-writer.ts';

/**
 * An evidence export in a process of its own (started by `evidence-export.ts` through
 * `platform/fork-module.ts`): it loads the store, the blob store and the bundle writer and nothing
 * else of the product, so its memory is the export's (issue 09: RSS ≤ 150 MB, flat from 1 to 4 GiB),
 * and the compression it runs never competes with the server's event loop. It receives one job,
 * writes the ZIP to `file`, reports progress, and exits; the parent records every state.
 */
export interface ExportProcessJob extends BundleJob {
  /** Where the ZIP goes. */
  file: string;
  config: Config;
  store: StoreOptions;
  blobsRoot: string;
}

/** The bundle, and what writing it cost the process (its peak RSS: the whole process's, imports included). */
export interface ExportProcessResult {
  sizeBytes: number;
  sha256: string;
  peakRssBytes: number;
  cpuSeconds: number;
}

export type ExportProcessMessage =
  | { type: 'progress'; runsDone: number }
  | ({ type: 'done' } & ExportProcessResult)
  | { type: 'failed'; message: string };

const send = (message: ExportProcessMessage) =>
  new Promise<void>((resolve, reject) =>
    process.send?.(message, undefined, {}, (error) => (error ? reject(error) : resolve())),
  );

async function run(job: ExportProcessJob): Promise<void> {
  let store: Store | undefined;
  try {
    store = await openStore({ ...job.store, poolSize: 2, migrate: false });
    const deps = { store, blobs: createDiskBlobStore(job.blobsRoot), config: job.config };
    const result = await runInOrganization(job.orgId, () =>
      writeBundle(
        deps,
        job,
        (runsDone) => send({ type: 'progress', runsDone }),
        fs.createWriteStream(job.file),
      ),
    );
    const cpu = process.cpuUsage();
    await send({
      type: 'done',
      ...result,
      peakRssBytes: peakRssBytes(),
      cpuSeconds: (cpu.user + cpu.system) / 1e6,
    });
  } catch (error) {
    await send({ type: 'failed', message: messageOf(error) });
  } finally {
    await store?.close();
  }
  process.exit(0);
}

// The parent gone, no one would record the result: stop rather than write an orphan file.
process.on('disconnect', () => process.exit(1));
process.once('message', (job) => void run(job as ExportProcessJob));
