import os from 'node:os';
import { Piscina } from 'piscina';
import type { ExtractLimits } from './extract-text.ts';
import type { ExtractTextResult, ExtractTextTask } from './extract-text-task.ts';
import { ExtractionError } from './extraction-error.ts';

/** Turns a document's bytes into text somewhere other than the caller's event loop. */
export interface TextExtractor {
  /**
   * The text of `bytes` of `mediaType`, and the thread that extracted it. Throws ExtractionError
   * with the reason a user can act on, or another error when the extraction itself broke.
   */
  extract(
    bytes: Buffer,
    mediaType: string,
    limits: ExtractLimits,
  ): Promise<{ text: string; threadId: number }>;
  /** Ends the threads; tasks in flight finish first. */
  close(): Promise<void>;
}

export interface ThreadExtractorOptions {
  /** Threads at most. Default: one fewer than the cores, at least 1 and at most 2. */
  maxThreads?: number;
  /** An idle thread exits after this long. */
  idleTimeoutMs?: number;
}

/**
 * Extraction in a small pool of worker threads (piscina). Parsing a PDF, DOCX or XLSX is
 * synchronous CPU work: a 300-page PDF held the API's event loop for seconds on the main thread, so
 * every request waited behind it. A thread per core but one, at most two: extraction is background
 * work and must leave a core to the API and the engine on the 2-core machines this runs on. The
 * bytes are cloned into the task, not transferred: the caller keeps its buffer.
 */
export function createThreadExtractor(options: ThreadExtractorOptions = {}): TextExtractor {
  const maxThreads = options.maxThreads ?? Math.max(1, Math.min(2, os.availableParallelism() - 1));
  let pool: Piscina<ExtractTextTask, ExtractTextResult> | undefined;
  const poolOrNew = () => {
    pool ??= new Piscina<ExtractTextTask, ExtractTextResult>({
      filename: new URL('./extraction-thread.js', import.meta.url).href,
      minThreads: 0,
      maxThreads,
      idleTimeout: options.idleTimeoutMs ?? 30_000,
    });
    return pool;
  };
  return {
    async extract(bytes, mediaType, limits) {
      const result = await poolOrNew().run({
        bytes,
        mediaType,
        maxUncompressedBytes: limits.maxUncompressedBytes,
      });
      if (!result.ok) throw new ExtractionError(result.reason);
      return { text: result.text, threadId: result.threadId };
    },
    async close() {
      const closing = pool;
      pool = undefined;
      await closing?.close();
    },
  };
}
