import { threadId } from 'node:worker_threads';
import { move, transferableSymbol, valueSymbol } from 'piscina';
import type { FileSpec } from './file-spec.ts';
import { renderFile } from './render-file.ts';

export interface RenderFileTask {
  file: FileSpec;
  /** Epoch milliseconds: the file's date where its format records one. */
  at: number;
}

/**
 * What a thread answers: the file's bytes, moved (not copied) to the caller, and the thread that
 * rendered them. An error thrown while rendering crosses to the caller with its message.
 */
export interface RenderFileResult {
  bytes: ArrayBuffer;
  threadId: number;
}

/** Runs in a rendering thread: `renderFile` on a spec parsed on the main thread. */
export async function renderFileTask(task: RenderFileTask): Promise<RenderFileResult> {
  const rendered = await renderFile(task.file, new Date(task.at));
  const bytes = ownArrayBuffer(rendered);
  const result: RenderFileResult = { bytes, threadId };
  // Piscina transfers what `transferableSymbol` names and hands the caller what `valueSymbol` does.
  return move({
    get [transferableSymbol]() {
      return bytes;
    },
    get [valueSymbol]() {
      return result;
    },
  }) as unknown as RenderFileResult;
}

/**
 * The buffer's bytes as an ArrayBuffer of their own: a Buffer may be a view into a larger (pooled)
 * one, and transferring that would hand over, and detach, bytes that are not the file's.
 */
function ownArrayBuffer(bytes: Buffer): ArrayBuffer {
  if (
    bytes.byteOffset === 0 &&
    bytes.byteLength === bytes.buffer.byteLength &&
    bytes.buffer instanceof ArrayBuffer
  )
    return bytes.buffer;
  return new Uint8Array(bytes).buffer;
}
