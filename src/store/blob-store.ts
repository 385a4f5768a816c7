import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/**
 * Files by content, per organization: the key is the organization and the SHA-256 of the bytes,
 * so equal files of one organization are stored once and no organization's key reaches another's.
 * Blobs written before keys carried the organization (`<root>/ab/cd/<sha256>`) are still read
 * where the organization has no copy of its own; `deleteLegacy` removes one once nothing refers to it.
 */
export interface BlobStore {
  /** The directory the blobs live in: how another process (an evidence export's) opens the same store. */
  root: string;
  /** Stores `bytes` and returns its SHA-256 (hex) and size. */
  put(orgId: string, bytes: Uint8Array): Promise<{ sha256: string; sizeBytes: number }>;
  /** Throws when the organization has no blob of that digest. */
  getOrThrow(orgId: string, sha256: string): Promise<Buffer>;
  has(orgId: string, sha256: string): Promise<boolean>;
  delete(orgId: string, sha256: string): Promise<void>;
  /** Removes a blob of the layout without organizations (call when no organization refers to it). */
  deleteLegacy(sha256: string): Promise<void>;
  /**
   * Streams `source` to the store in constant memory: hashed while written to a temp file, then
   * renamed to its key. Throws `BlobTooLargeError` (and keeps nothing) past `maxBytes`.
   */
  putStream(
    orgId: string,
    source: Readable,
    options?: { maxBytes?: number },
  ): Promise<{ sha256: string; sizeBytes: number }>;
  /** Reads a blob as a stream; throws (on first read) when the organization has no blob of that digest. */
  openRead(orgId: string, sha256: string): Readable;
  /**
   * Reads a blob into buffers the caller owns and reuses (the evidence export's chunk pool), so a
   * long read allocates nothing per read; throws when the organization has no blob of that digest.
   */
  openReader(orgId: string, sha256: string): Promise<BlobReader>;
}

/** Sequential reads into the caller's buffer: `read` fills it from its start, resolving 0 at the end. */
export interface BlobReader {
  read(into: Buffer): Promise<number>;
  close(): Promise<void>;
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
const orgIdPattern = /^[A-Za-z0-9_-]{1,100}$/;
let tempCounter = 0;

export function createDiskBlobStore(root: string): BlobStore {
  const legacyFileOf = (sha256: string) => {
    if (!digestPattern.test(sha256)) throw new Error(`not a SHA-256 digest: ${sha256}`);
    return path.join(root, sha256.slice(0, 2), sha256.slice(2, 4), sha256);
  };
  // `<root>/orgs/<orgId>/ab/cd/<sha256>`: the organization is part of every key.
  const fileOf = (orgId: string, sha256: string) => {
    assertOrgId(orgId);
    if (!digestPattern.test(sha256)) throw new Error(`not a SHA-256 digest: ${sha256}`);
    return path.join(root, 'orgs', orgId, sha256.slice(0, 2), sha256.slice(2, 4), sha256);
  };
  /** The organization's own file, else one of the old layout, else the own path (to fail on). */
  const readableFileOf = (orgId: string, sha256: string) => {
    const own = fileOf(orgId, sha256);
    if (existsSync(own)) return own;
    const legacy = legacyFileOf(sha256);
    return existsSync(legacy) ? legacy : own;
  };
  return {
    root,
    async put(orgId, bytes) {
      const sha256 = createHash('sha256').update(bytes).digest('hex');
      const file = fileOf(orgId, sha256);
      // Write then rename: a reader never sees half a blob, and a crash leaves only a temp file.
      const temp = `${file}.${process.pid}.${Date.now()}.${tempCounter++}.tmp`;
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
    getOrThrow: async (orgId, sha256) => fs.readFile(readableFileOf(orgId, sha256)),
    has: async (orgId, sha256) => existsSync(readableFileOf(orgId, sha256)),
    delete: (orgId, sha256) => fs.rm(fileOf(orgId, sha256), { force: true }),
    deleteLegacy: (sha256) => fs.rm(legacyFileOf(sha256), { force: true }),
    async putStream(orgId, source, options = {}) {
      assertOrgId(orgId);
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
      const file = fileOf(orgId, sha256);
      await fs.mkdir(path.dirname(file), { recursive: true });
      await fs.rename(temp, file);
      return { sha256, sizeBytes };
    },
    openRead: (orgId, sha256) => createReadStream(readableFileOf(orgId, sha256)),
    async openReader(orgId, sha256) {
      const handle = await fs.open(readableFileOf(orgId, sha256), 'r');
      return {
        async read(into) {
          // Fill the buffer: a short read is not the end, only 0 is.
          let filled = 0;
          while (filled < into.length) {
            const { bytesRead } = await handle.read(into, filled, into.length - filled, null);
            if (bytesRead === 0) break;
            filled += bytesRead;
          }
          return filled;
        },
        close: () => handle.close(),
      };
    },
  };
}

function assertOrgId(orgId: string): void {
  if (!orgIdPattern.test(orgId)) throw new Error(`not an organization id: ${orgId}`);
}
