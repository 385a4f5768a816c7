import type { Readable } from 'node:stream';
import { fileTypeFromStream } from 'file-type';

/** The media types extraction understands. */
export const mediaTypes = {
  pdf: 'application/pdf',
  docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  csv: 'text/csv',
  markdown: 'text/markdown',
  text: 'text/plain',
} as const;

const textSampleBytes = 64 * 1024;

/**
 * The media type of a stored file, from its content (never from its name): `file-type` knows the
 * binary formats by their magic numbers (and a DOCX from an XLSX by the zip's entries). Content it
 * does not know is text when its first 64 KiB are valid UTF-8 without NUL bytes; only then does the
 * name's extension choose between CSV, Markdown and plain text, since all three are the same bytes.
 */
export async function sniffMediaType(open: () => Readable, fileName: string): Promise<string> {
  const detected = await fileTypeFromStream(open());
  if (detected) return detected.mime;
  const sample = await readHead(open(), textSampleBytes);
  if (!isUtf8Text(sample)) return 'application/octet-stream';
  const extension = fileName.toLowerCase().split('.').at(-1);
  if (extension === 'csv') return mediaTypes.csv;
  if (extension === 'md' || extension === 'markdown') return mediaTypes.markdown;
  return mediaTypes.text;
}

async function readHead(stream: Readable, maxBytes: number): Promise<Buffer> {
  const parts: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    parts.push(chunk);
    size += chunk.byteLength;
    if (size >= maxBytes) break;
  }
  stream.destroy();
  return Buffer.concat(parts).subarray(0, maxBytes);
}

/** Valid UTF-8 (a sequence cut at the sample's end is allowed) and no NUL byte. */
export function isUtf8Text(sample: Buffer): boolean {
  if (sample.includes(0)) return false;
  // Drop up to 3 trailing bytes of a multi-byte sequence the sample cut in two.
  for (let cut = 0; cut <= 3 && cut <= sample.byteLength; cut++) {
    try {
      new TextDecoder('utf-8', { fatal: true }).decode(sample.subarray(0, sample.byteLength - cut));
      return true;
    } catch {
      // try with fewer trailing bytes
    }
  }
  return false;
}
