import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type BlobStore, createDiskBlobStore } from '../src/store/blob-store.ts';

/** Blob keys carry the organization; blobs of the layout without it are still read. */
describe('disk blob store', () => {
  let root: string;
  let blobs: BlobStore;
  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'agentruns-blobs-'));
    blobs = createDiskBlobStore(root);
  });
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  it("keys each blob by organization: one organization's digest does not reach another's", async () => {
    const bytes = Buffer.from('quarterly figures');
    const { sha256 } = await blobs.put('org_a', bytes);
    expect(sha256).toBe(createHash('sha256').update(bytes).digest('hex'));
    expect(
      fs.existsSync(path.join(root, 'orgs', 'org_a', sha256.slice(0, 2), sha256.slice(2, 4), sha256)),
    ).toBe(true);
    expect(await blobs.has('org_a', sha256)).toBe(true);
    expect(await blobs.has('org_b', sha256)).toBe(false);
    await expect(blobs.getOrThrow('org_b', sha256)).rejects.toThrow(/ENOENT/);
    await expect(text(blobs.openRead('org_b', sha256))).rejects.toThrow(/ENOENT/);
    // The same bytes in another organization are its own copy; deleting one leaves the other.
    await blobs.putStream('org_b', Readable.from([bytes]));
    await blobs.delete('org_a', sha256);
    expect([await blobs.has('org_a', sha256), await blobs.has('org_b', sha256)]).toEqual([false, true]);
    expect((await blobs.getOrThrow('org_b', sha256)).toString()).toBe('quarterly figures');
  });

  it("reads a blob into the caller's buffer, reused across reads, and refuses another organization's", async () => {
    const bytes = Buffer.from('0123456789abcdefghij'.repeat(1000));
    const { sha256 } = await blobs.put('org_a', bytes);
    await expect(blobs.openReader('org_b', sha256)).rejects.toThrow(/ENOENT/);
    const reader = await blobs.openReader('org_a', sha256);
    const into = Buffer.alloc(7000);
    const pieces: Buffer[] = [];
    for (let n = await reader.read(into); n > 0; n = await reader.read(into))
      pieces.push(Buffer.from(into.subarray(0, n)));
    await reader.close();
    expect(pieces.map((p) => p.length)).toEqual([7000, 7000, 6000]);
    expect(Buffer.concat(pieces).equals(bytes)).toBe(true);
  });

  it('reads a blob stored before keys carried the organization, until it is deleted', async () => {
    const bytes = Buffer.from('written by an older version');
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const legacy = path.join(root, sha256.slice(0, 2), sha256.slice(2, 4), sha256);
    fs.mkdirSync(path.dirname(legacy), { recursive: true });
    fs.writeFileSync(legacy, bytes);
    expect(await blobs.has('org_a', sha256)).toBe(true);
    expect((await blobs.getOrThrow('org_a', sha256)).toString()).toBe('written by an older version');
    expect(await text(blobs.openRead('org_a', sha256))).toBe('written by an older version');
    await blobs.delete('org_a', sha256);
    expect(fs.existsSync(legacy)).toBe(true);
    await blobs.deleteLegacy(sha256);
    expect(await blobs.has('org_a', sha256)).toBe(false);
  });

  it('refuses a key that is not an organization id and a digest', async () => {
    await expect(blobs.put('../escape', Buffer.from('x'))).rejects.toThrow(/not an organization id/);
    await expect(blobs.getOrThrow('org_a', '../../etc/passwd')).rejects.toThrow(/not a SHA-256 digest/);
  });
});
