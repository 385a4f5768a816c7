import { createHash } from 'node:crypto';

/**
 * SHA-256 as lowercase hex, synchronously, for the server's sealing path. `digest.ts`'s
 * `sha256Hex` is Web Crypto (it runs in the browser verifier too) and goes to the thread pool and
 * back for every hash: inside a seal transaction that gap let SQLite's one write lock sit idle
 * while the engine's step commits queued behind it. Both give the same hex for the same bytes.
 */
export function sha256HexSync(data: Uint8Array | string): string {
  return createHash('sha256').update(data).digest('hex');
}
