import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import type { Updateable } from 'kysely';
import { z } from 'zod';
import type { Deps } from '../deps.ts';
import type { Actor } from '../identity/actor.ts';
import { ConflictError, messageOf, NotFoundError } from '../platform/errors.ts';
import type { EvidenceExportsTable } from '../store/schema.ts';
import { appendAudit } from './audit-log.ts';
import { sha256Hex } from './digest.ts';
import {
  BUNDLE_FORMAT,
  CHAIN,
  type EvidenceManifest,
  keyEntryName,
  MANIFEST,
  MANIFEST_BUNDLE,
  MANIFEST_PREDICATE_TYPE,
  type ManifestEntry,
  SUMS,
  signedReceiptName,
  unsignedReceiptName,
  VERIFY_GUIDE,
} from './evidence-layout.ts';
import { createEvidenceZip } from './evidence-zip.ts';
import type { RecordBody } from './governed-record.ts';
import { IN_TOTO_STATEMENT_TYPE, type InTotoStatement } from './in-toto-statement.ts';
import { createReceipt, fileEntryName, recordEntryName } from './receipt.ts';
import { listKeys, signingStateFor } from './signing-keys.ts';
import { type GuideRecord, verifyGuide } from './verify-guide.ts';

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

/** Media types whose bytes are already compressed: deflating them again costs time and saves nothing. */
const precompressed =
  /^(image\/(png|jpeg|gif|webp)|application\/(zip|gzip|pdf|vnd\.openxmlformats-officedocument\..*))$/;

const PAGE = 200;

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

export async function getExportOrThrow(
  deps: Pick<Deps, 'store'>,
  actor: Actor,
  id: string,
): Promise<ExportView> {
  const row = await deps.store.db
    .selectFrom('evidence_exports')
    .selectAll()
    .where('id', '=', id)
    .where('org_id', '=', actor.orgId)
    .executeTakeFirst();
  if (!row) throw new NotFoundError('export', id);
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
export async function openExportOrThrow(deps: Pick<Deps, 'store' | 'config'>, actor: Actor, id: string) {
  const view = await getExportOrThrow(deps, actor, id);
  if (view.status !== 'completed')
    throw new ConflictError(`export ${id} is ${view.status}; download it once completed`);
  return { view, stream: fs.createReadStream(exportFileOf(deps, id)) };
}

function recordsQuery(deps: ExportDeps, orgId: string, selection: ExportInput) {
  let query = deps.store.db.selectFrom('governed_records').where('org_id', '=', orgId);
  if (selection.runIds) query = query.where('run_id', 'in', selection.runIds);
  if (selection.agentId) query = query.where('agent_id', '=', selection.agentId);
  if (selection.from) query = query.where('created_at', '>=', Date.parse(selection.from));
  if (selection.to) query = query.where('created_at', '<=', Date.parse(selection.to));
  return query;
}

async function runExport(deps: ExportDeps, orgId: string, id: string): Promise<void> {
  const file = exportFileOf(deps, id);
  const setRow = (values: Updateable<EvidenceExportsTable>) =>
    deps.store.db.updateTable('evidence_exports').set(values).where('id', '=', id).execute();
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
    const result = await writeBundle(
      deps,
      orgId,
      id,
      selection,
      (runsDone) => setRow({ runs_done: runsDone }),
      fs.createWriteStream(file),
    );
    await setRow({
      status: 'completed',
      size_bytes: result.sizeBytes,
      sha256: result.sha256,
      finished_at: deps.clock.now(),
    });
  } catch (error) {
    fs.rmSync(file, { force: true });
    await setRow({ status: 'failed', error: messageOf(error), finished_at: deps.clock.now() });
    throw error;
  }
}

/**
 * Writes the bundle (layout in `evidence-layout.ts`) to `out`, a page of records at a time, so
 * memory holds one page and the entry list, never the files.
 */
export async function writeBundle(
  deps: ExportDeps,
  orgId: string,
  exportId: string,
  selection: ExportInput,
  progress: (runsDone: number) => Promise<unknown>,
  out: NodeJS.WritableStream,
  options: { compressionLevel?: number; probeIncompressible?: boolean } = {},
): Promise<{ sizeBytes: number; sha256: string }> {
  const zip = createEvidenceZip(out as import('node:stream').Writable, {
    ...(options.compressionLevel === undefined ? {} : { level: options.compressionLevel }),
    ...(options.probeIncompressible === undefined
      ? {}
      : { probeIncompressible: options.probeIncompressible }),
  });
  const keys = await listKeys(deps, { orgId });
  const keyPath = new Map(keys.map((k) => [k.id, keyEntryName(k.fingerprint)]));
  const head = await deps.store.db
    .selectFrom('governed_records')
    .select(['seq', 'hash'])
    .where('org_id', '=', orgId)
    .orderBy('seq', 'desc')
    .limit(1)
    .executeTakeFirst();
  const runs = new Set<string>();
  const seqs: number[] = [];
  const filesAdded = new Set<string>();
  const guide: GuideRecord[] = [];
  let after = 0;
  for (;;) {
    const page = await recordsQuery(deps, orgId, selection)
      .select(['seq', 'run_id', 'body', 'receipt', 'key_id'])
      .where('seq', '>', after)
      .orderBy('seq')
      .limit(PAGE)
      .execute();
    if (page.length === 0) break;
    for (const r of page) {
      const seq = Number(r.seq);
      after = seq;
      runs.add(r.run_id);
      // A deleted run's records keep only their link; its tombstone carries the digests.
      if (r.body === null) continue;
      seqs.push(seq);
      const body = JSON.parse(r.body) as RecordBody;
      const recordPath = recordEntryName(seq);
      zip.addBytes(recordPath, Buffer.from(r.body));
      const signed = r.key_id !== null;
      const receiptPath = signed ? signedReceiptName(seq) : unsignedReceiptName(seq);
      zip.addBytes(receiptPath, Buffer.from(r.receipt));
      guide.push({
        seq,
        recordPath,
        receiptPath,
        signed,
        keyPath: r.key_id ? (keyPath.get(r.key_id) ?? null) : null,
      });
      if (body.kind === 'attempt') {
        for (const s of body.steps)
          zip.addBytes(
            `steps/${body.run.id}/attempt-${body.attempt.number}/${String(s.number).padStart(2, '0')}-${s.key}.txt`,
            Buffer.from(s.output ?? s.error ?? ''),
          );
      }
      for (const f of body.files) {
        const entry = fileEntryName(f);
        if (filesAdded.has(entry) || !(await deps.blobs.has(orgId, f.sha256))) continue;
        filesAdded.add(entry);
        void zip.addStream(entry, () => deps.blobs.openReader(orgId, f.sha256), {
          compress: !precompressed.test(f.mediaType),
        });
      }
    }
    // Bound what is queued in memory: one page of entries at a time.
    await zip.drain();
    await progress(runs.size);
  }

  void zip.addStream(CHAIN, () => Readable.from(chainLines(deps, orgId, head ? Number(head.seq) : 0)));
  for (const k of keys) zip.addBytes(keyEntryName(k.fingerprint), Buffer.from(k.publicKeyPem));
  const signing = await signingStateFor(deps.store.db, deps.config, orgId);
  const manifestKey = signing.signer ? keyEntryName(signing.signer.fingerprint) : null;
  zip.addBytes(VERIFY_GUIDE, Buffer.from(verifyGuide(guide, manifestKey)));
  const entries: ManifestEntry[] = await zip.drain();
  const manifest: EvidenceManifest = {
    format: BUNDLE_FORMAT,
    exportId,
    orgId,
    createdAt: new Date(deps.clock.now()).toISOString(),
    selection,
    runs: [...runs].sort(),
    chain: { head: head ? { seq: Number(head.seq), hash: head.hash } : null, records: seqs },
    keys: keys.map((k) => ({
      fingerprint: k.fingerprint,
      status: k.status,
      path: keyEntryName(k.fingerprint),
    })),
    entries,
  };
  const manifestBytes = Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`);
  const all = [...entries, zip.addBytes(MANIFEST, manifestBytes)];
  if (signing.signer) {
    const statement: InTotoStatement = {
      _type: IN_TOTO_STATEMENT_TYPE,
      subject: [{ name: MANIFEST, digest: { sha256: await sha256Hex(manifestBytes) } }],
      predicateType: MANIFEST_PREDICATE_TYPE,
      predicate: { exportId, orgId, head: manifest.chain.head },
    };
    const bundle = await createReceipt(statement, signing.signer, '');
    all.push(zip.addBytes(MANIFEST_BUNDLE, Buffer.from(JSON.stringify(bundle))));
  }
  zip.addBytes(SUMS, Buffer.from(`${all.map((e) => `${e.sha256}  ${e.path}`).join('\n')}\n`));
  return zip.end();
}

async function* chainLines(
  deps: Pick<Deps, 'store'>,
  orgId: string,
  headSeq: number,
): AsyncGenerator<Buffer> {
  let after = 0;
  while (after < headSeq) {
    const rows = await deps.store.db
      .selectFrom('governed_records')
      .select(['seq', 'hash', 'prev_hash'])
      .where('org_id', '=', orgId)
      .where('seq', '>', after)
      .where('seq', '<=', headSeq)
      .orderBy('seq')
      .limit(1000)
      .execute();
    if (rows.length === 0) return;
    yield Buffer.from(
      rows
        .map((r) => `${JSON.stringify({ seq: Number(r.seq), hash: r.hash, prevHash: r.prev_hash })}\n`)
        .join(''),
    );
    after = Number(rows.at(-1)?.seq);
  }
}
