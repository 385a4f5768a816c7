import type { Readable } from 'node:stream';
import yauzl from 'yauzl';
import { messageOf } from '../platform/errors.ts';
import { ExtractionError } from './extraction-error.ts';

export interface ZipLimits {
  /** Most bytes all entries may inflate to together. */
  maxUncompressedBytes: number;
  maxEntries?: number;
}

/**
 * Guards DOCX/XLSX (zip) files before mammoth or exceljs inflate them whole in memory: a 40 KB zip
 * bomb inflates to gigabytes. First the sizes the central directory declares are summed (cheap, and
 * catches an honest bomb); then every entry is inflated through a counting stream, so a directory that
 * lies about sizes is caught too (yauzl's `validateEntrySizes` also fails an entry whose real size
 * differs from the declared one). Nothing is kept: memory stays at one inflate window.
 */
export async function assertZipWithinLimits(bytes: Buffer, limits: ZipLimits): Promise<void> {
  const maxEntries = limits.maxEntries ?? 10_000;
  let zip: yauzl.ZipFile;
  try {
    zip = await yauzl.fromBufferPromise(bytes, { lazyEntries: true, validateEntrySizes: true });
  } catch (error) {
    throw new ExtractionError(`the file is not a readable zip container (corrupt): ${messageOf(error)}`, {
      cause: error,
    });
  }
  const tooBig = (size: number) =>
    new ExtractionError(
      `refused as a zip bomb: its contents inflate to more than ${limits.maxUncompressedBytes} bytes (${size}+ bytes)`,
    );
  if (zip.entryCount > maxEntries)
    throw new ExtractionError(`refused as a zip bomb: ${zip.entryCount} entries (at most ${maxEntries})`);
  const entries: yauzl.Entry[] = [];
  let declared = 0;
  await new Promise<void>((resolve, reject) => {
    zip.on('entry', (entry: yauzl.Entry) => {
      entries.push(entry);
      declared += entry.uncompressedSize;
      zip.readEntry();
    });
    zip.on('end', resolve);
    zip.on('error', reject);
    zip.readEntry();
  }).catch((error: unknown) => {
    throw new ExtractionError(`the zip container is corrupt: ${messageOf(error)}`, { cause: error });
  });
  if (declared > limits.maxUncompressedBytes) throw tooBig(declared);

  let inflated = 0;
  for (const entry of entries) {
    if (entry.fileName.endsWith('/')) continue;
    let stream: Readable;
    try {
      stream = await zip.openReadStreamPromise(entry);
    } catch (error) {
      throw new ExtractionError(`the zip entry ${entry.fileName} is corrupt: ${messageOf(error)}`, {
        cause: error,
      });
    }
    try {
      for await (const chunk of stream as AsyncIterable<Buffer>) {
        inflated += chunk.byteLength;
        if (inflated > limits.maxUncompressedBytes) {
          stream.destroy();
          throw tooBig(inflated);
        }
      }
    } catch (error) {
      if (error instanceof ExtractionError) throw error;
      throw new ExtractionError(`the zip entry ${entry.fileName} is corrupt: ${messageOf(error)}`, {
        cause: error,
      });
    }
  }
  zip.close();
}
