import { Readable } from 'node:stream';
import type { Deps } from '../deps.ts';
import { chainHead } from './append-record.ts';
import { sha256Hex } from './digest.ts';
import type { ExportInput } from './evidence-export.ts';
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

export type BundleDeps = Pick<Deps, 'store' | 'blobs' | 'config'>;

/** What to put in a bundle; plain data, so a job crosses to the export's own process as it is. */
export interface BundleJob {
  orgId: string;
  exportId: string;
  selection: ExportInput;
  /** The manifest's `createdAt` (epoch ms): when the export was asked for. */
  createdAt: number;
  options?: { compressionLevel?: number; probeIncompressible?: boolean };
}

/** Media types whose bytes are already compressed: deflating them again costs time and saves nothing. */
const precompressed =
  /^(image\/(png|jpeg|gif|webp)|application\/(zip|gzip|pdf|vnd\.openxmlformats-officedocument\..*))$/;

const PAGE = 200;

export function recordsQuery(deps: Pick<Deps, 'store'>, orgId: string, selection: ExportInput) {
  let query = deps.store.db.selectFrom('governed_records').where('org_id', '=', orgId);
  if (selection.runIds) query = query.where('run_id', 'in', selection.runIds);
  if (selection.agentId) query = query.where('agent_id', '=', selection.agentId);
  if (selection.from) query = query.where('created_at', '>=', Date.parse(selection.from));
  if (selection.to) query = query.where('created_at', '<=', Date.parse(selection.to));
  return query;
}

/**
 * Writes the bundle (layout in `evidence-layout.ts`) to `out`, a page of records at a time, so
 * memory holds one page and the entry list, never the files.
 */
export async function writeBundle(
  deps: BundleDeps,
  job: BundleJob,
  progress: (runsDone: number) => Promise<unknown>,
  out: NodeJS.WritableStream,
): Promise<{ sizeBytes: number; sha256: string }> {
  const { orgId, exportId, selection, options = {} } = job;
  const zip = createEvidenceZip(out as import('node:stream').Writable, {
    ...(options.compressionLevel === undefined ? {} : { level: options.compressionLevel }),
    ...(options.probeIncompressible === undefined
      ? {}
      : { probeIncompressible: options.probeIncompressible }),
  });
  const keys = await listKeys(deps, { orgId });
  const keyPath = new Map(keys.map((k) => [k.id, keyEntryName(k.fingerprint)]));
  const head = await chainHead(deps.store.db, orgId);
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
    createdAt: new Date(job.createdAt).toISOString(),
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
