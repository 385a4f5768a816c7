import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/** Files by content: the key is the SHA-256 of the bytes, so equal files are stored once. */
export interface BlobStore {
  /** Stores `bytes` and returns its SHA-256 (hex) and size. */
  put(bytes: Uint8Array): Promise<{ sha256: string; sizeBytes: number }>;
  /** Throws when no blob has that digest. */
  getOrThrow(sha256: string): Promise<Buffer>;
  has(sha256: string): Promise<boolean>;
  delete(sha256: string): Promise<void>;
  /**
   * Streams `source` to the store in constant memory: hashed while written to a temp file, then
   * renamed to its SHA-256 key. Throws `BlobTooLargeError` (and keeps nothing) past `maxBytes`.
   */
  putStream(
    source: Readable,
    options?: { maxBytes?: number },
  ): Promise<{ sha256: string; sizeBytes: number }>;
  /** Reads a blob as a stream; throws (on first read) when no blob has that digest. */
  openRead(sha256: string): Readable;
}

/** A streamed blob passed its size limit; nothing was stored. */
export class BlobTooLargeError extends Error {
  constructor(readonly maxBytes: number) {
    super(`larger than ${maxBytes} bytes`);
    this.name = 'BlobTooLargeError';
  }
}

/** The disk under the blob store is full (ENOSPC) or over quota (EDQUOT): nothing was stored. */
export class BlobStoreFullError extends Error {
  constructor(
    readonly root: string,
    cause: unknown,
  ) {
    super(`the file store is full (no space left on the device under ${root}); the file was not stored`, {
      cause,
    });
    this.name = 'BlobStoreFullError';
  }
}

const isFull = (error: unknown) => {
  const code = (error as NodeJS.ErrnoException).code;
  return code === 'ENOSPC' || code === 'EDQUOT';
};

const digestPattern = /^[0-9a-f]{64}$/;
let tempCounter = 0;

export function createDiskBlobStore(root: string): BlobStore {
  const fileOf = (sha256: string) => {
    if (!digestPattern.test(sha256)) throw new Error(`not a SHA-256 digest: ${sha256}`);
    return path.join(root, sha256.slice(0, 2), sha256.slice(2, 4), sha256);
  };
  return {
    async put(bytes) {
      const sha256 = createHash('sha256').update(bytes).digest('hex');
      const file = fileOf(sha256);
      // Write then rename: a reader never sees half a blob, and a crash leaves only a temp file.
      const temp = `${file}.${process.pid}.${Date.now()}.tmp`;
      try {
        await fs.mkdir(path.dirname(file), { recursive: true });
        await fs.writeFile(temp, bytes);
      } catch (error) {
        // A partial temp file is only wasted space (and on a full disk, space is what is missing).
        await fs.rm(temp, { force: true });
        throw isFull(error) ? new BlobStoreFullError(root, error) : error;
      }
      await fs.rename(temp, file);
      return { sha256, sizeBytes: bytes.byteLength };
    },
    getOrThrow: (sha256) => fs.readFile(fileOf(sha256)),
    has: (sha256) =>
      fs.access(fileOf(sha256)).then(
        () => true,
        () => false,
      ),
    delete: (sha256) => fs.rm(fileOf(sha256), { force: true }),
    async putStream(source, options = {}) {
      const maxBytes = options.maxBytes ?? Number.POSITIVE_INFINITY;
      const tempDir = path.join(root, 'tmp');
      await fs.mkdir(tempDir, { recursive: true });
      const temp = path.join(
        tempDir,
        `${process.pid}-${tempCounter++}-${randomBytes(6).toString('hex')}.tmp`,
      );
      const hash = createHash('sha256');
      let sizeBytes = 0;
      const meter = new Transform({
        transform(chunk: Buffer, _encoding, done) {
          sizeBytes += chunk.byteLength;
          if (sizeBytes > maxBytes) return done(new BlobTooLargeError(maxBytes));
          hash.update(chunk);
          done(null, chunk);
        },
      });
      try {
        await pipeline(source, meter, createWriteStream(temp));
      } catch (error) {
        await fs.rm(temp, { force: true });
        throw isFull(error) ? new BlobStoreFullError(root, error) : error;
      }
      const sha256 = hash.digest('hex');
      const file = fileOf(sha256);
      await fs.mkdir(path.dirname(file), { recursive: true });
      await fs.rename(temp, file);
      return { sha256, sizeBytes };
    },
    openRead: (sha256) => createReadStream(fileOf(sha256)),
  };
}
