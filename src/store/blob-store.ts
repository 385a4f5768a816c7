import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';

/** Files by content: the key is the SHA-256 of the bytes, so equal files are stored once. */
export interface BlobStore {
  /** Stores `bytes` and returns its SHA-256 (hex) and size. */
  put(bytes: Uint8Array): Promise<{ sha256: string; sizeBytes: number }>;
  /** Throws when no blob has that digest. */
  getOrThrow(sha256: string): Promise<Buffer>;
  has(sha256: string): Promise<boolean>;
  /** Streams a blob (evidence exports read gigabytes without holding them); errors on a missing digest. */
  openReadStream(sha256: string): Readable;
  delete(sha256: string): Promise<void>;
}

const digestPattern = /^[0-9a-f]{64}$/;

export function createDiskBlobStore(root: string): BlobStore {
  const fileOf = (sha256: string) => {
    if (!digestPattern.test(sha256)) throw new Error(`not a SHA-256 digest: ${sha256}`);
    return path.join(root, sha256.slice(0, 2), sha256.slice(2, 4), sha256);
  };
  return {
    async put(bytes) {
      const sha256 = createHash('sha256').update(bytes).digest('hex');
      const file = fileOf(sha256);
      await fs.mkdir(path.dirname(file), { recursive: true });
      // Write then rename: a reader never sees half a blob, and a crash leaves only a temp file.
      const temp = `${file}.${process.pid}.${Date.now()}.tmp`;
      await fs.writeFile(temp, bytes);
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
    openReadStream: (sha256) => createReadStream(fileOf(sha256)),
  };
}
