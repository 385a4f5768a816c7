import { threadId } from 'node:worker_threads';
import { extractText } from './extract-text.ts';
import { ExtractionError } from './extraction-error.ts';

export interface ExtractTextTask {
  bytes: Uint8Array;
  mediaType: string;
  maxUncompressedBytes: number;
}

/**
 * What a thread answers: the text, or the user-facing reason extraction refused the document.
 * `ExtractionError` crosses the thread boundary as a value because a thrown error arrives as a
 * plain `Error` and loses its class; anything else is thrown and arrives with its message.
 */
export type ExtractTextResult =
  | { ok: true; text: string; threadId: number }
  | { ok: false; reason: string; threadId: number };

/** Runs in an extraction thread: `extractText` on bytes handed over from the main thread. */
export async function extractTextTask(task: ExtractTextTask): Promise<ExtractTextResult> {
  try {
    const text = await extractText(
      Buffer.from(task.bytes.buffer, task.bytes.byteOffset, task.bytes.byteLength),
      task.mediaType,
      {
        maxUncompressedBytes: task.maxUncompressedBytes,
      },
    );
    return { ok: true, text, threadId };
  } catch (error) {
    if (error instanceof ExtractionError) return { ok: false, reason: error.message, threadId };
    throw error;
  }
}
