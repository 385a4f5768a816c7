import fs from 'node:fs';
import path from 'node:path';
import type { Updateable } from 'kysely';
import { z } from 'zod';
import type { Deps } from '../deps.ts';
import type { Actor } from '../identity/actor.ts';
import { ConflictError, messageOf, NotFoundError } from '../platform/errors.ts';
import { forkModule } from '../platform/fork-module.ts';
import type { EvidenceExportsTable } from '../store/schema.ts';
import { runInOrganization } from '../store/tenant-scope.ts';
import { appendAudit } from './audit-log.ts';
import { type BundleJob, recordsQuery, writeBundle } from './evidence-bundle-writer.ts';
import type { ExportProcessJob, ExportProcessMessage, ExportProcessResult } from './export-process.ts';

export const exportInputSchema = z
  .object({
    runIds: z.array(z.string().min(1)).min(1).max(10_000).optional(),
    agentId: z.string().min(1).optional(),
    from: z.iso.datetime({ offset: true }).optional(),
    to: z.iso.datetime({ offset: true }).optional(),
  })
  .refine(
    (v) => v.runIds !== undefined || v.agentId !== undefined || v.from !== undefined || v.to !== undefined,
    {
      message: 'choose runs: runIds, agentId, or a date range (from, to)',
      path: ['runIds'],
    },
  );
export type ExportInput = z.infer<typeof exportInputSchema>;

export interface ExportView {
  id: string;
  status: 'queued' | 'running' | 'completed' | 'failed';
  selection: ExportInput;
  progress: { runsDone: number; runsTotal: number };
  sizeBytes: number | null;
  sha256: string | null;
  error: string | null;
  createdAt: string;
  finishedAt: string | null;
  downloadUrl: string | null;
}

type ExportDeps = Pick<Deps, 'store' | 'ids' | 'clock' | 'config' | 'blobs' | 'logger'>;

export const exportFileOf = (deps: Pick<Deps, 'config'>, id: string) =>
  path.join(deps.config.dataDir, 'exports', `${id}.zip`);

/** Queues an evidence export (SPEC G3) and starts it in the background; returns at once. */
export async function requestExport(deps: ExportDeps, actor: Actor, input: ExportInput): Promise<ExportView> {
  const id = deps.ids.next('exp');
  await deps.store.transaction(async (trx) => {
    const now = deps.clock.now();
    await trx
      .insertInto('evidence_exports')
      .values({
        id,
        org_id: actor.orgId,
        requested_by: actor.userId,
        selection: JSON.stringify(input),
        status: 'queued',
        created_at: now,
        heartbeat_at: now,
      })
      .execute();
    await appendAudit(trx, deps.ids, now, {
      orgId: actor.orgId,
      actor: actor.userId,
      action: 'evidence.exported',
      target: id,
      details: { selection: input },
    });
  });
  const job = runExport(deps, actor.orgId, id).catch((error: unknown) =>
    deps.logger.error({ err: error, exportId: id }, 'evidence export failed'),
  );
  exportJobs.set(id, job);
  void job.finally(() => exportJobs.delete(id));
  return getExportOrThrow(deps, actor, id);
}

/** The jobs this process runs now; tests await one with `waitForExport`. */
const exportJobs = new Map<string, Promise<void>>();
export async function waitForExport(id: string): Promise<void> {
  await exportJobs.get(id);
}

/**
 * The process writing an export beats every `HEARTBEAT_MS`; an export not finished and silent for
 * `INTERRUPTED_AFTER_MS` lost its process (a restart, a crash) and is failed when next read, so no
 * export stays `running` forever. A writer found interrupted that comes back cannot complete it.
 */
export const HEARTBEAT_MS = 10_000;
export const INTERRUPTED_AFTER_MS = 60_000;
export const INTERRUPTED_ERROR =
  'interrupted: the process writing the bundle stopped before it finished (a restart or a crash); export again';

export async function getExportOrThrow(
  deps: Pick<Deps, 'store' | 'clock'>,
  actor: Actor,
  id: string,
): Promise<ExportView> {
  const select = () =>
    deps.store.db
      .selectFrom('evidence_exports')
      .selectAll()
      .where('id', '=', id)
      .where('org_id', '=', actor.orgId)
      .executeTakeFirst();
  let row = await select();
  if (!row) throw new NotFoundError('export', id);
  const now = deps.clock.now();
  const silentSince = now - INTERRUPTED_AFTER_MS;
  if ((row.status === 'queued' || row.status === 'running') && Number(row.heartbeat_at ?? 0) < silentSince) {
    await deps.store.db
      .updateTable('evidence_exports')
      .set({ status: 'failed', error: INTERRUPTED_ERROR, finished_at: now })
      .where('id', '=', id)
      .where('status', 'in', ['queued', 'running'])
      .where((eb) => eb.or([eb('heartbeat_at', 'is', null), eb('heartbeat_at', '<', silentSince)]))
      .execute();
    row = await select();
    if (!row) throw new NotFoundError('export', id);
  }
  const status = row.status as ExportView['status'];
  return {
    id: row.id,
    status,
    selection: JSON.parse(row.selection) as ExportInput,
    progress: { runsDone: Number(row.runs_done), runsTotal: Number(row.runs_total) },
    sizeBytes: row.size_bytes === null ? null : Number(row.size_bytes),
    sha256: row.sha256,
    error: row.error,
    createdAt: new Date(Number(row.created_at)).toISOString(),
    finishedAt: row.finished_at === null ? null : new Date(Number(row.finished_at)).toISOString(),
    downloadUrl: status === 'completed' ? `/api/governance/exports/${row.id}/download` : null,
  };
}

/** The finished ZIP as a stream, for `GET /api/governance/exports/:id/download`. */
export async function openExportOrThrow(
  deps: Pick<Deps, 'store' | 'config' | 'clock'>,
  actor: Actor,
  id: string,
) {
  const view = await getExportOrThrow(deps, actor, id);
  if (view.status !== 'completed')
    throw new ConflictError(`export ${id} is ${view.status}; download it once completed`);
  return { view, stream: fs.createReadStream(exportFileOf(deps, id)) };
}

async function runExport(deps: ExportDeps, orgId: string, id: string): Promise<void> {
  const file = exportFileOf(deps, id);
  // Every write beats, and holds only while the export is unfinished: once read as interrupted
  // (`getExportOrThrow`), it is no longer this writer's to complete.
  const setRow = async (values: Updateable<EvidenceExportsTable>) => {
    const updated = await runInOrganization(orgId, () =>
      deps.store.db
        .updateTable('evidence_exports')
        .set({ ...values, heartbeat_at: deps.clock.now() })
        .where('id', '=', id)
        .where('status', 'in', ['queued', 'running'])
        .executeTakeFirst(),
    );
    if (Number(updated.numUpdatedRows) === 0)
      throw new ConflictError(`export ${id} was failed as interrupted while it was being written`);
  };
  const heartbeat = setInterval(() => void setRow({}).catch(() => undefined), HEARTBEAT_MS);
  try {
    const row = await deps.store.db
      .selectFrom('evidence_exports')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    const selection = JSON.parse(row.selection) as ExportInput;
    const total = await recordsQuery(deps, orgId, selection)
      .select((eb) => eb.fn.count<number>('run_id').distinct().as('runs'))
      .executeTakeFirstOrThrow();
    await setRow({ status: 'running', runs_total: Number(total.runs) });
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const job: BundleJob = { orgId, exportId: id, selection, createdAt: Number(row.created_at) };
    const progress = (runsDone: number) => setRow({ runs_done: runsDone });
    // In a process of its own, unless no other process can open the database (in-memory SQLite).
    const result = deps.store.reopen
      ? await writeBundleInOwnProcess(
          { ...job, file, config: deps.config, store: deps.store.reopen, blobsRoot: deps.blobs.root },
          progress,
        )
      : await writeBundle(deps, job, progress, fs.createWriteStream(file));
    deps.logger.info({ exportId: id, ...result }, 'evidence bundle written');
    await setRow({
      status: 'completed',
      size_bytes: result.sizeBytes,
      sha256: result.sha256,
      finished_at: deps.clock.now(),
    });
  } catch (error) {
    fs.rmSync(file, { force: true });
    await setRow({ status: 'failed', error: messageOf(error), finished_at: deps.clock.now() }).catch(
      () => undefined, // already failed as interrupted
    );
    throw error;
  } finally {
    clearInterval(heartbeat);
  }
}

/**
 * Runs the bundle writer in `export-process.ts`'s own process, so an export's memory and CPU stay
 * out of the server's. Progress is recorded in the order it comes, and all of it before the result.
 */
export async function writeBundleInOwnProcess(
  job: ExportProcessJob,
  progress: (runsDone: number) => Promise<unknown>,
): Promise<ExportProcessResult> {
  // The writer keeps little alive (pooled chunks, one page of records); what a young generation of
  // Node's default size (3 × 16 MiB) holds is garbage. 1 MiB semi-spaces: 120 → 88 MiB peak RSS at
  // 256 MiB exported, same MB/s (bench/export).
  const child = await forkModule(new URL('./export-process.ts', import.meta.url), {
    execArgv: ['--max-semi-space-size=1'],
  });
  let recorded: Promise<unknown> = Promise.resolve();
  let result: ExportProcessResult | undefined;
  let failure: Error | undefined;
  return new Promise((resolve, reject) => {
    child.on('message', (message: ExportProcessMessage) => {
      if (message.type === 'progress') {
        recorded = recorded.then(() => progress(message.runsDone));
        recorded.catch(() => undefined); // awaited at the end, with the result
      } else if (message.type === 'failed') failure = new Error(message.message);
      else {
        const { type: _, ...rest } = message;
        result = rest;
      }
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (result) recorded.then(() => resolve(result as ExportProcessResult), reject);
      else
        reject(
          failure ??
            new Error(
              `the export's process ended (${signal ?? `exit code ${code}`}) before the bundle was written`,
            ),
        );
    });
    child.send(job);
  });
}
