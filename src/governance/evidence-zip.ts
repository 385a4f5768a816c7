import { createHash } from 'node:crypto';
import { PassThrough, type Readable, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import yazl from 'yazl';
import type { ManifestEntry } from './evidence-layout.ts';

/**
 * A streamed ZIP whose entries are hashed as they pass: memory stays constant whatever the size of
 * the files (each entry is read lazily, when the ZIP reaches it, through one SHA-256 pass).
 * Deflate runs in libuv's thread pool while the main thread hashes, so the two overlap.
 */
export interface EvidenceZip {
  /** A small entry held in memory (records, receipts, keys). */
  addBytes(path: string, bytes: Uint8Array, options?: { compress?: boolean }): ManifestEntry;
  /** A large entry, opened only when the ZIP reaches it; resolves with its hash once written. */
  addStream(path: string, open: () => Readable, options?: { compress?: boolean }): Promise<ManifestEntry>;
  /** Waits for every entry added so far to be written. */
  drain(): Promise<ManifestEntry[]>;
  /** Ends the archive; resolves with its size and SHA-256 once all of it is written. */
  end(): Promise<{ sizeBytes: number; sha256: string }>;
}

/** Deflate level 6: zip(1)'s default, so the benchmark compares like with like. */
export const DEFAULT_COMPRESSION_LEVEL = 6;

export function createEvidenceZip(
  out: Writable,
  options: { level?: number; mtime?: Date } = {},
): EvidenceZip {
  const level = options.level ?? DEFAULT_COMPRESSION_LEVEL;
  const mtime = options.mtime ?? new Date();
  const zip = new yazl.ZipFile();
  const pending: Array<Promise<ManifestEntry>> = [];
  const whole = createHash('sha256');
  let sizeBytes = 0;
  const tap = new PassThrough();
  tap.on('data', (chunk: Buffer) => {
    whole.update(chunk);
    sizeBytes += chunk.length;
  });
  const written = pipeline(zip.outputStream as Readable, tap, out);
  const entryOptions = (compress: boolean) =>
    compress ? { compress: true, compressionLevel: level, mtime } : { compress: false, mtime };

  return {
    addBytes(path, bytes, opts = {}) {
      const entry = {
        path,
        sha256: createHash('sha256').update(bytes).digest('hex'),
        sizeBytes: bytes.length,
      };
      zip.addBuffer(
        Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength),
        path,
        entryOptions(opts.compress ?? true),
      );
      pending.push(Promise.resolve(entry));
      return entry;
    },
    addStream(path, open, opts = {}) {
      const result = new Promise<ManifestEntry>((resolve, reject) => {
        zip.addReadStreamLazy(path, entryOptions(opts.compress ?? true), (cb) => {
          const hash = createHash('sha256');
          let size = 0;
          const source = open();
          const hashing = new PassThrough();
          hashing.on('data', (chunk: Buffer) => {
            hash.update(chunk);
            size += chunk.length;
          });
          hashing.on('end', () => resolve({ path, sha256: hash.digest('hex'), sizeBytes: size }));
          source.on('error', (error) => {
            reject(error);
            hashing.destroy(error);
          });
          source.pipe(hashing);
          cb(null, hashing);
        });
      });
      pending.push(result);
      return result;
    },
    drain: () => Promise.all(pending),
    async end() {
      zip.end();
      await written;
      return { sizeBytes, sha256: whole.digest('hex') };
    },
  };
}
