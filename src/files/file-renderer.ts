import os from 'node:os';
import { Piscina } from 'piscina';
import type { FileSpec } from './file-spec.ts';
import type { RenderFileResult, RenderFileTask } from './render-file-task.ts';

/** Renders a parsed file spec somewhere other than the caller's event loop. */
export interface FileRenderer {
  /**
   * The file's bytes and the thread that rendered them. A spec the library refuses throws an
   * error with the library's message; `signal` aborting stops the rendering.
   */
  render(file: FileSpec, at: Date, signal?: AbortSignal): Promise<{ bytes: Buffer; threadId: number }>;
  /** Ends the threads; renderings in flight finish first. */
  close(): Promise<void>;
}

export interface ThreadRendererOptions {
  /** Threads at most. Default: one fewer than the cores, at least 1 and at most 2. */
  maxThreads?: number;
  /** An idle thread exits after this long. */
  idleTimeoutMs?: number;
}

/**
 * Rendering in a small pool of worker threads (piscina). exceljs, docx, pptxgenjs, pdfkit and
 * Vega + resvg are synchronous CPU work: a spreadsheet of thousands of rows or a presentation of
 * dozens of slides held the worker's event loop for a second or more, so every other attempt and
 * the API of the same process waited behind it. A thread per core but one, at most two, so a core
 * stays with the engine and the API. The spec is cloned into the thread; the bytes come back
 * transferred, not copied.
 */
export function createThreadRenderer(options: ThreadRendererOptions = {}): FileRenderer {
  const maxThreads = options.maxThreads ?? Math.max(1, Math.min(2, os.availableParallelism() - 1));
  let pool: Piscina<RenderFileTask, RenderFileResult> | undefined;
  const poolOrNew = () => {
    pool ??= new Piscina<RenderFileTask, RenderFileResult>({
      filename: new URL('./render-thread.js', import.meta.url).href,
      minThreads: 0,
      maxThreads,
      idleTimeout: options.idleTimeoutMs ?? 30_000,
    });
    return pool;
  };
  return {
    async render(file, at, signal) {
      const result = await poolOrNew().run({ file, at: at.getTime() }, signal ? { signal } : {});
      return { bytes: Buffer.from(result.bytes), threadId: result.threadId };
    },
    async close() {
      const closing = pool;
      pool = undefined;
      await closing?.close();
    },
  };
}
