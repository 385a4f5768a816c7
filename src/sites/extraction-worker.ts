import { sql } from 'kysely';
import type { Deps } from '../deps.ts';
import { messageOf } from '../platform/errors.ts';
import type { DocumentVersionsTable } from '../store/schema.ts';
import { chunkText } from './chunk-text.ts';
import { ExtractionError } from './extraction-error.ts';
import { createThreadExtractor, type TextExtractor } from './text-extractor.ts';
import { extractChannel } from './upload-document.ts';

type ExtractionDeps = Pick<Deps, 'store' | 'blobs' | 'clock' | 'bus' | 'logger' | 'config'>;

export interface ExtractionWorker {
  /** Extracts every queued version, one after another, then resolves: what tests call. */
  runOnce(): Promise<number>;
  /** Extracts in the background: woken by uploads in this process, and polling for other processes'. */
  start(): void;
  stop(): Promise<void>;
}

export interface ExtractionWorkerOptions {
  /** Where the CPU work happens. Default: a small pool of worker threads, ended by `stop` (or after `runOnce` when not started). */
  extractor?: TextExtractor;
  /** Called with each extracted version and the thread that parsed it: how tests see it left the event loop. */
  onExtracted?: (versionId: string, threadId: number) => void;
  /** How long a claimed version stays claimed; a process that dies mid-extraction is retried after it. */
  leaseMs?: number;
  pollIntervalMs?: number;
}

/** Chunks inserted per statement: 9 columns × 500 rows stays under both stores' parameter limits. */
const insertBatch = 500;

/**
 * The background job that turns uploaded versions into text and chunks. The version row is the job:
 * `queued` → `extracting` (claimed with a lease) → `ready` or `failed` with a reason. Extraction is
 * CPU work: it runs in worker threads (`text-extractor.ts`) so the API's event loop keeps answering,
 * one version at a time per process; any error is recorded on the version, none escapes.
 */
export function createExtractionWorker(
  deps: ExtractionDeps,
  options: ExtractionWorkerOptions = {},
): ExtractionWorker {
  const leaseMs = options.leaseMs ?? 10 * 60_000;
  const pollIntervalMs = options.pollIntervalMs ?? 2000;
  let running: Promise<number> | undefined;
  let again = false;
  let timer: NodeJS.Timeout | undefined;
  let unsubscribe: (() => void) | undefined;
  let started = false;
  const extractor = options.extractor ?? createThreadExtractor();
  const onExtracted = options.onExtracted ?? (() => {});

  const drain = async (): Promise<number> => {
    let done = 0;
    for (;;) {
      const version = await claim(deps, leaseMs);
      if (!version) return done;
      await extractVersion(deps, extractor, version, onExtracted);
      done++;
    }
  };

  const pump = (): Promise<number> => {
    if (running) {
      again = true;
      return running;
    }
    running = drain()
      .catch((error: unknown) => {
        deps.logger.error({ err: error }, 'extraction worker');
        return 0;
      })
      .finally(() => {
        running = undefined;
        if (again) {
          again = false;
          void pump();
        }
      });
    return running;
  };

  return {
    async runOnce() {
      if (running) await running;
      const done = await pump();
      // A caller that only drains (tests, a one-off command) leaves no thread behind.
      if (!started && !options.extractor) await extractor.close();
      return done;
    },
    start() {
      started = true;
      unsubscribe = deps.bus.subscribe(extractChannel, () => void pump());
      timer = setInterval(() => void pump(), pollIntervalMs);
      timer.unref();
      void pump();
    },
    async stop() {
      unsubscribe?.();
      if (timer) clearInterval(timer);
      await running;
      started = false;
      if (!options.extractor) await extractor.close();
    },
  };
}

/** Claims the oldest queued version (or one whose claimer's lease ran out) in one statement. */
async function claim(deps: ExtractionDeps, leaseMs: number): Promise<DocumentVersionsTable | undefined> {
  const now = deps.clock.now();
  const skipLocked = deps.store.kind === 'postgres' ? sql`FOR UPDATE SKIP LOCKED` : sql``;
  return deps.store.transaction(async (trx) => {
    const result = await sql<DocumentVersionsTable>`
      UPDATE document_versions SET status = 'extracting', lease_expires_at = ${now + leaseMs}
      WHERE id = (
        SELECT id FROM document_versions
        WHERE status = 'queued' OR (status = 'extracting' AND lease_expires_at < ${now})
        ORDER BY id LIMIT 1 ${skipLocked}
      )
      RETURNING *`.execute(trx);
    return result.rows[0];
  });
}

/**
 * Extracts (in `extractor`'s threads), chunks and indexes one version; records `ready` or `failed`
 * with the reason. Chunking stays here: it is linear in the text and takes milliseconds.
 */
async function extractVersion(
  deps: ExtractionDeps,
  extractor: TextExtractor,
  version: DocumentVersionsTable,
  onExtracted: (versionId: string, threadId: number) => void,
): Promise<void> {
  let text: string;
  try {
    if (version.size_bytes > deps.config.extractLimitBytes)
      throw new ExtractionError(
        `too large to extract: ${version.size_bytes} bytes (the limit is ${deps.config.extractLimitBytes}); the file is stored`,
      );
    const bytes = await deps.blobs.getOrThrow(version.org_id, version.sha256);
    const extracted = await extractor.extract(bytes, version.media_type, {
      maxUncompressedBytes: deps.config.unzipLimitBytes,
    });
    onExtracted(version.id, extracted.threadId);
    text = normalize(extracted.text);
    if (text.trim() === '') throw new ExtractionError('the document contains no text');
  } catch (error) {
    const reason =
      error instanceof ExtractionError ? error.message : `extraction failed: ${messageOf(error)}`;
    if (!(error instanceof ExtractionError))
      deps.logger.warn({ err: error, versionId: version.id }, 'document extraction failed');
    await fail(deps, version, reason);
    return;
  }
  try {
    const chunks = chunkText(text);
    const textBlob = await deps.blobs.put(version.org_id, Buffer.from(text, 'utf8'));
    const now = deps.clock.now();
    await deps.store.transaction(async (trx) => {
      // A retried extraction (lease expired mid-way) replaces what the first one wrote.
      await trx.deleteFrom('chunks').where('version_id', '=', version.id).execute();
      for (let i = 0; i < chunks.length; i += insertBatch) {
        await trx
          .insertInto('chunks')
          .values(
            chunks.slice(i, i + insertBatch).map((c) => ({
              org_id: version.org_id,
              site_id: version.site_id,
              document_id: version.document_id,
              version_id: version.id,
              idx: c.index,
              start_char: c.startChar,
              end_char: c.endChar,
              text: c.text,
            })),
          )
          .execute();
      }
      await trx
        .updateTable('document_versions')
        .set({
          status: 'ready',
          error: null,
          text_sha256: textBlob.sha256,
          text_chars: text.length,
          chunk_count: chunks.length,
          lease_expires_at: null,
          extracted_at: now,
        })
        .where('id', '=', version.id)
        .execute();
      // Retrieval searches the newest extracted version: an older one finishing late does not win.
      const doc = await trx
        .selectFrom('documents')
        .leftJoin('document_versions as indexed', 'indexed.id', 'documents.indexed_version_id')
        .select(['indexed.number as indexedNumber'])
        .where('documents.id', '=', version.document_id)
        .executeTakeFirst();
      if (!doc || doc.indexedNumber === null || doc.indexedNumber < version.number)
        await trx
          .updateTable('documents')
          .set({ indexed_version_id: version.id, updated_at: now })
          .where('id', '=', version.document_id)
          .execute();
    });
  } catch (error) {
    deps.logger.warn({ err: error, versionId: version.id }, 'document indexing failed');
    await fail(deps, version, `indexing failed: ${messageOf(error)}`);
  }
}

async function fail(deps: ExtractionDeps, version: DocumentVersionsTable, reason: string): Promise<void> {
  const now = deps.clock.now();
  await deps.store.transaction((trx) =>
    trx
      .updateTable('document_versions')
      .set({ status: 'failed', error: reason, lease_expires_at: null, extracted_at: now })
      .where('id', '=', version.id)
      .execute(),
  );
}

/** One line-ending convention and no NUL characters (PostgreSQL text refuses them). */
function normalize(text: string): string {
  return text.replace(/\r\n?/g, '\n').replaceAll('\u0000', '');
}
