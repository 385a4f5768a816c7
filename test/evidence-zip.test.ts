import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import zlib from 'node:zlib';
import { unzipSync } from 'fflate';
import { afterEach, describe, expect, it } from 'vitest';
import { type ChunkReader, createEvidenceZip } from '../src/governance/evidence-zip.ts';

const text = Buffer.from(
  Array.from({ length: 60_000 }, (_, i) => `north,${i % 977},margin,${(i * 7) % 1000}\n`).join(''),
);
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/** A `ChunkReader` over bytes in memory, filling the caller's buffer the way the blob store does. */
function readerOf(bytes: Buffer): ChunkReader {
  let at = 0;
  return {
    async read(into) {
      const n = bytes.copy(into, 0, at);
      at += n;
      return n;
    },
    close: async () => {},
  };
}

describe('evidence ZIP writer', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
  });

  async function write(level: number) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'evidence-zip-'));
    dirs.push(dir);
    const random = randomBytes(300_000);
    fs.writeFileSync(path.join(dir, 'random.bin'), random);
    const file = path.join(dir, 'out.zip');
    // Small chunks and a small in-flight bound, so entries span many parallel deflate jobs.
    const zip = createEvidenceZip(fs.createWriteStream(file), {
      level,
      chunkBytes: 64 * 1024,
      maxInFlightBytes: 128 * 1024,
    });
    const small = zip.addBytes('records/a.json', Buffer.from('{"a":1}'));
    zip.addBytes('empty.txt', Buffer.alloc(0));
    const streamed = zip.addStream('files/table.csv', () =>
      Readable.from([text.subarray(0, 1000), text.subarray(1000, 200_000), text.subarray(200_000)]),
    );
    const stored = zip.addStream(
      'files/random.bin',
      () => fs.createReadStream(path.join(dir, 'random.bin')),
      {
        compress: false,
      },
    );
    zip.addBytes('big-bytes.csv', text);
    zip.addStream('empty-stream', () => Readable.from([]));
    // Read straight into the pooled chunks; random bytes fail the probe and go out as stored blocks.
    zip.addStream('files/random-deflated.bin', () => readerOf(random));
    // A whole number of chunks: the last one ends on a flush and an empty final block follows.
    zip.addStream('files/exact.csv', () => readerOf(text.subarray(0, 4 * 64 * 1024)));
    const entries = await zip.drain();
    const result = await zip.end();
    return { file, random, small, streamed: await streamed, stored: await stored, entries, result };
  }

  it('writes entries deflated in parallel chunks as one standard archive, in order, with their hashes', async () => {
    const { file, random, small, streamed, stored, entries, result } = await write(6);
    const bytes = fs.readFileSync(file);
    expect(result).toEqual({ sizeBytes: bytes.length, sha256: sha(bytes) });
    expect(entries.map((e) => e.path)).toEqual([
      'records/a.json',
      'empty.txt',
      'files/table.csv',
      'files/random.bin',
      'big-bytes.csv',
      'empty-stream',
      'files/random-deflated.bin',
      'files/exact.csv',
    ]);
    expect(small).toEqual({ path: 'records/a.json', sha256: sha(Buffer.from('{"a":1}')), sizeBytes: 7 });
    expect(streamed).toEqual({ path: 'files/table.csv', sha256: sha(text), sizeBytes: text.length });
    expect(stored).toEqual({ path: 'files/random.bin', sha256: sha(random), sizeBytes: random.length });

    const files = unzipSync(bytes);
    expect(Object.keys(files)).toEqual(entries.map((e) => e.path));
    for (const e of entries) expect(sha(files[e.path] as Uint8Array)).toBe(e.sha256);

    // Chunks primed with the previous 32 KiB compress as well as one serial deflate stream.
    const serial = zlib.deflateRawSync(text, { level: 6 }).length;
    const listing = spawnSync('unzip', ['-v', file], { encoding: 'utf8' });
    if (listing.status === 0) {
      const row = listing.stdout.split('\n').find((l) => l.endsWith('files/table.csv')) ?? '';
      const compressed = Number(row.trim().split(/\s+/)[2]);
      expect(compressed).toBeLessThanOrEqual(serial * 1.01);
      expect(row).toContain('Defl:N');
      // Incompressible chunks cost 5 bytes per 64 KiB stored block, about what zlib itself writes.
      const randomRow = listing.stdout.split('\n').find((l) => l.endsWith('files/random-deflated.bin')) ?? '';
      expect(randomRow).toContain('Defl:N');
      expect(Number(randomRow.trim().split(/\s+/)[2])).toBeLessThanOrEqual(random.length * 1.001);
      const test = spawnSync('unzip', ['-t', file], { encoding: 'utf8' });
      expect(test.stdout).toContain('No errors detected');
    }
  });

  it('stores every entry uncompressed at level 0', async () => {
    const { file, entries } = await write(0);
    const bytes = fs.readFileSync(file);
    const files = unzipSync(bytes);
    for (const e of entries) expect(sha(files[e.path] as Uint8Array)).toBe(e.sha256);
    // Stored: the archive holds every byte of every entry plus headers.
    const total = entries.reduce((n, e) => n + e.sizeBytes, 0);
    expect(bytes.length).toBeGreaterThan(total);
  });

  it('fails the archive, naming the cause, when a streamed entry cannot be read', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'evidence-zip-'));
    dirs.push(dir);
    const zip = createEvidenceZip(fs.createWriteStream(path.join(dir, 'out.zip')));
    const missing = zip.addStream('files/missing.bin', () => fs.createReadStream(path.join(dir, 'nope')));
    await expect(missing).rejects.toThrow(/ENOENT/);
    await expect(zip.drain()).rejects.toThrow(/ENOENT/);
    await expect(zip.end()).rejects.toThrow(/ENOENT/);
  });
});
