import { createHash } from 'node:crypto';
import { once } from 'node:events';
import os from 'node:os';
import type { Readable, Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import zlib from 'node:zlib';
import type { ManifestEntry } from './evidence-layout.ts';
import {
  centralRecord,
  DATA_DESCRIPTOR,
  dataDescriptor,
  dosDateTime,
  endOfCentralDirectory,
  localHeader,
  UTF8,
  type ZipEntry,
} from './zip-records.ts';

/**
 * A streamed ZIP whose entries are hashed as they pass and deflated in parallel (issue 12: ≥ 1.5×
 * `zip -r`, RSS ≤ 150 MB and flat from 1 to 4 GiB).
 *
 * Each entry is cut into chunks (1 MiB) that deflate at the same time on libuv's thread pool, pigz
 * style: every chunk but an entry's last ends on a sync flush and is primed with the previous 32 KiB
 * as its dictionary, so the concatenation is one ordinary deflate stream, as small as a serial one.
 * The main thread reads, hashes (SHA-256 and CRC-32) and writes the compressed chunks in entry order
 * as they complete.
 *
 * Memory is flat: input is read into a fixed pool of chunk buffers that are reused once their bytes
 * are written, so a 4 GiB export allocates no more input memory than a 4 MiB one. Garbage matters
 * here, not only what is live: V8 frees a dead Buffer only at its next collection, which external
 * memory triggers every ~64 MiB, so allocating a fresh Buffer per read (the first version did)
 * kept ~60 MiB of dead chunks resident. At most `parallelism` deflates run at once (leaving a pool
 * thread for file reads).
 *
 * A chunk that does not compress (a 16 KiB level-1 probe saves under 2 %: random bytes, media,
 * archives) is written as stored deflate blocks, which is what zlib ends up writing for it anyway,
 * without spending a level-6 search on it: the archive is the same size, and such chunks cost a copy.
 * The archive is a standard one (data descriptors for streamed entries, ZIP64 past 4 GiB).
 */
export interface EvidenceZip {
  /** A small entry held in memory (records, receipts, keys). */
  addBytes(path: string, bytes: Uint8Array, options?: { compress?: boolean }): ManifestEntry;
  /**
   * A large entry, opened only when the ZIP reaches it; resolves with its hash once read. A
   * `ChunkReader` is read straight into the pooled chunk buffers; a `Readable`'s pieces are copied in.
   */
  addStream(
    path: string,
    open: () => Readable | ChunkReader | Promise<ChunkReader>,
    options?: { compress?: boolean },
  ): Promise<ManifestEntry>;
  /** Waits for every entry added so far to be written. */
  drain(): Promise<ManifestEntry[]>;
  /** Ends the archive; resolves with its size and SHA-256 once all of it is written. */
  end(): Promise<{ sizeBytes: number; sha256: string }>;
}

/** Bytes read into a buffer the caller owns: no allocation per read (see `BlobStore.openReader`). */
export interface ChunkReader {
  /** Fills `into` from its start as far as it can; resolves with the byte count, 0 at the end. */
  read(into: Buffer): Promise<number>;
  close(): Promise<void>;
}

/** Deflate level 6: zip(1)'s default, so the benchmark compares like with like. */
export const DEFAULT_COMPRESSION_LEVEL = 6;

export interface EvidenceZipOptions {
  /** Deflate level; 0 stores every entry (method 0, no deflate). */
  level?: number;
  mtime?: Date;
  /** Input bytes per deflate job. */
  chunkBytes?: number;
  /** Input bytes read but not yet written, at most (the memory bound). */
  maxInFlightBytes?: number;
  /** Deflate jobs running at once. */
  parallelism?: number;
  /** Store chunks that a quick probe finds incompressible instead of deflating them (default on). */
  probeIncompressible?: boolean;
}

const WINDOW = 32 * 1024;
const SMALL = 64 * 1024;
const STORED_BLOCK = 65_535;
const PROBE = 8 * 1024;
/** A chunk is stored when its level-1 probes save less than this fraction. */
const PROBE_MIN_SAVING = 0.02;
/** An empty final fixed-Huffman block: ends a deflate stream whose last chunk ended on a flush. */
const EMPTY_FINAL_BLOCK = Buffer.from([0x03, 0x00]);
const noop = () => {};

/** A pooled input buffer; `refs` counts its pending write and the deflate using its tail as a dictionary. */
interface Chunk {
  buffer: Buffer;
  length: number;
  refs: number;
}

const isChunkReader = (source: Readable | ChunkReader): source is ChunkReader =>
  typeof (source as Partial<ChunkReader>).read === 'function' &&
  typeof (source as Partial<ChunkReader>).close === 'function' &&
  !(Symbol.asyncIterator in source);

export function createEvidenceZip(out: Writable, options: EvidenceZipOptions = {}): EvidenceZip {
  const level = options.level ?? DEFAULT_COMPRESSION_LEVEL;
  const chunkBytes = options.chunkBytes ?? 1024 * 1024;
  const maxInFlight = Math.max(options.maxInFlightBytes ?? 4 * chunkBytes, chunkBytes);
  // libuv's pool has 4 threads by default; file reads need one free or the reader starves.
  const poolSize = Number(process.env.UV_THREADPOOL_SIZE ?? 4);
  const parallelism = options.parallelism ?? Math.max(1, Math.min(os.availableParallelism(), poolSize - 1));
  const probeIncompressible = options.probeIncompressible ?? true;
  const { time, date } = dosDateTime(options.mtime ?? new Date());

  const entries: ZipEntry[] = [];
  const results: Array<Promise<ManifestEntry>> = [];
  const whole = createHash('sha256');
  let cursor = 0;
  let failure: unknown = null;
  const fail = (error: unknown) => {
    failure ??= error;
    wake();
  };
  // A failed write (or a stream destroyed after a failed entry) fails the archive, never the process.
  out.on('error', fail);

  // Output, in order: each piece is awaited then written, honouring the stream's backpressure;
  // `written` runs once the stream is done with the bytes (so their buffers can be reused).
  let writing: Promise<void> = Promise.resolve();
  const push = (piece: () => Buffer | Buffer[] | Promise<Buffer | Buffer[]>, written: () => void = noop) => {
    writing = writing.then(async () => {
      try {
        const got = await piece();
        const parts = Array.isArray(got) ? got : [got];
        let length = 0;
        for (const part of parts) {
          whole.update(part);
          length += part.length;
        }
        cursor += length;
        if (length === 0) return written();
        let ok = true;
        out.cork();
        parts.forEach((part, i) => {
          ok = out.write(part, i === parts.length - 1 ? (error) => (error ? fail(error) : written()) : noop);
        });
        out.uncork();
        if (!ok) await once(out, 'drain');
      } catch (error) {
        fail(error);
        throw error;
      }
    });
    writing.catch(noop);
  };

  // Something to wait for: room in the in-flight bound, a free chunk buffer, a failure.
  let waiters: Array<() => void> = [];
  const wake = () => {
    const w = waiters;
    waiters = [];
    for (const f of w) f();
  };
  const waitUntil = async (ready: () => boolean) => {
    while (!ready() && failure === null) await new Promise<void>((r) => waiters.push(r));
    if (failure !== null) throw failure;
  };

  // Memory bound for in-memory entries: bytes handed to `addBytes` but not yet written.
  let inFlight = 0;
  const room = () => waitUntil(() => inFlight < maxInFlight);

  // Memory bound for streamed entries: a fixed pool of chunk buffers, allocated on first use.
  const capacity = Math.max(2, Math.ceil(maxInFlight / chunkBytes)) + 1;
  const free: Buffer[] = [];
  let allocated = 0;
  const acquire = async (): Promise<Chunk> => {
    await waitUntil(() => free.length > 0 || allocated < capacity);
    let buffer = free.pop();
    if (!buffer) {
      allocated++;
      buffer = Buffer.allocUnsafeSlow(chunkBytes);
    }
    return { buffer, length: 0, refs: 1 };
  };
  const release = (chunk: Chunk) => {
    if (--chunk.refs > 0) return;
    free.push(chunk.buffer);
    wake();
  };

  // Deflate concurrency: a small semaphore in front of zlib's thread-pool jobs.
  let running = 0;
  const queued: Array<() => void> = [];
  const deflate = (input: Buffer, final: boolean, dictionary: Buffer | undefined) =>
    new Promise<Buffer>((resolve, reject) => {
      const start = () => {
        running++;
        zlib.deflateRaw(
          input,
          {
            level,
            finishFlush: final ? zlib.constants.Z_FINISH : zlib.constants.Z_SYNC_FLUSH,
            ...(dictionary ? { dictionary } : {}),
          },
          (error, output) => {
            running--;
            queued.shift()?.();
            if (error) reject(error);
            else resolve(output);
          },
        );
      };
      if (running < parallelism) start();
      else queued.push(start);
    });

  /** True when deflating `input` would save next to nothing: two level-1 probes, start and middle. */
  const incompressible = (input: Buffer) => {
    if (!probeIncompressible || input.length < 4 * PROBE) return false;
    const middle = input.length >> 1;
    const probes = [input.subarray(0, PROBE), input.subarray(middle, middle + PROBE)];
    const deflated = probes.reduce((n, p) => n + zlib.deflateRawSync(p, { level: 1 }).length, 0);
    return deflated >= 2 * PROBE * (1 - PROBE_MIN_SAVING);
  };

  /** Queues one chunk of `entry`'s data: deflated in the pool (or stored), written in order. */
  const emit = (entry: ZipEntry, chunk: Chunk, final: boolean, previous: Chunk | null) => {
    const input = chunk.buffer.subarray(0, chunk.length);
    let data: Promise<Buffer | Buffer[]>;
    if (entry.method === 0) data = Promise.resolve(input);
    else if (input.length === 0) data = Promise.resolve(final ? EMPTY_FINAL_BLOCK : input);
    else if (incompressible(input)) data = Promise.resolve(storedBlocks(input, final));
    else {
      let dictionary: Buffer | undefined;
      if (previous && previous.length > 0) {
        // The previous chunk's buffer stays out of the pool until this deflate has read its tail.
        previous.refs++;
        dictionary = previous.buffer.subarray(Math.max(0, previous.length - WINDOW), previous.length);
      }
      data = deflate(input, final, dictionary);
      if (previous && dictionary)
        void data.then(
          () => release(previous),
          () => release(previous),
        );
    }
    data.catch(noop);
    push(
      async () => {
        const bytes = await data;
        entry.compressedSize += Array.isArray(bytes) ? bytes.reduce((n, b) => n + b.length, 0) : bytes.length;
        return bytes;
      },
      () => release(chunk),
    );
  };

  // Entries are read one after the other, in the order added.
  let reading: Promise<void> = Promise.resolve();

  const newEntry = (path: string, compress: boolean, flags: number): ZipEntry => {
    const entry: ZipEntry = {
      name: Buffer.from(path),
      method: compress && level > 0 ? 8 : 0,
      flags: UTF8 | flags,
      crc: 0,
      size: 0,
      compressedSize: 0,
      offset: 0,
    };
    entries.push(entry);
    return entry;
  };

  async function readStream(
    entry: ZipEntry,
    path: string,
    open: () => Readable | ChunkReader | Promise<ChunkReader>,
  ): Promise<ManifestEntry> {
    const hash = createHash('sha256');
    push(() => {
      entry.offset = cursor;
      return localHeader(entry, time, date);
    });
    const took = (bytes: Buffer) => {
      hash.update(bytes);
      entry.crc = zlib.crc32(bytes, entry.crc);
      entry.size += bytes.length;
    };
    // The chunk before `current` is held (one ref) until `current` is emitted: its tail is the
    // dictionary, so its buffer must not return to the pool and be refilled before then.
    let previous: Chunk | null = null;
    let current = await acquire();
    const letGo = () => {
      if (previous) release(previous);
      previous = null;
    };
    // A full chunk goes out at once and ends on a flush; the entry's last (maybe empty) one finishes.
    const next = async () => {
      emit(entry, current, false, previous);
      letGo();
      current.refs++;
      previous = current;
      current = await acquire();
    };
    const source = await open();
    try {
      if (isChunkReader(source)) {
        for (;;) {
          const n = await source.read(current.buffer.subarray(current.length));
          if (n === 0) break;
          took(current.buffer.subarray(current.length, current.length + n));
          current.length += n;
          if (current.length === chunkBytes) await next();
        }
      } else {
        for await (const raw of source) {
          const piece = Buffer.isBuffer(raw) ? raw : Buffer.from(raw as Uint8Array | string);
          took(piece);
          let at = 0;
          while (at < piece.length) {
            const n = piece.copy(current.buffer, current.length, at);
            at += n;
            current.length += n;
            if (current.length === chunkBytes) await next();
          }
        }
      }
    } catch (error) {
      release(current);
      letGo();
      throw error;
    } finally {
      if (isChunkReader(source)) await source.close();
    }
    emit(entry, current, true, previous);
    letGo();
    push(() => dataDescriptor(entry));
    return { path, sha256: hash.digest('hex'), sizeBytes: entry.size };
  }

  const schedule = <T>(job: () => Promise<T>): Promise<T> => {
    const result = reading.then(job);
    reading = result.then(noop, (error: unknown) => {
      fail(error);
      throw error;
    });
    reading.catch(noop);
    result.catch(noop);
    return result;
  };

  return {
    addBytes(path, bytes, opts = {}) {
      const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      const manifest = {
        path,
        sha256: createHash('sha256').update(buffer).digest('hex'),
        sizeBytes: buffer.length,
      };
      const entry = newEntry(path, opts.compress ?? true, 0);
      entry.crc = zlib.crc32(buffer);
      entry.size = buffer.length;
      results.push(
        schedule(async () => {
          if (buffer.length > SMALL) await room();
          const data =
            entry.method === 0
              ? Promise.resolve(buffer)
              : buffer.length <= SMALL
                ? Promise.resolve(zlib.deflateRawSync(buffer, { level }))
                : deflate(buffer, true, undefined);
          data.catch(noop);
          inFlight += buffer.length;
          push(
            async () => {
              const compressed = await data;
              entry.compressedSize = compressed.length;
              entry.offset = cursor;
              return [localHeader(entry, time, date), compressed];
            },
            () => {
              inFlight -= buffer.length;
              wake();
            },
          );
          return manifest;
        }),
      );
      return manifest;
    },
    addStream(path, open, opts = {}) {
      const entry = newEntry(path, opts.compress ?? true, DATA_DESCRIPTOR);
      const result = schedule(() => readStream(entry, path, open));
      results.push(result);
      return result;
    },
    async drain() {
      const all = await Promise.all(results);
      await reading;
      await writing;
      return all;
    },
    async end() {
      try {
        await reading;
        await writing;
      } catch (error) {
        out.destroy();
        throw error;
      }
      const centralStart = cursor;
      const records = Buffer.concat(entries.map((e) => centralRecord(e, time, date)));
      const tail = endOfCentralDirectory(entries.length, centralStart, records.length);
      push(() => [records, tail]);
      await writing;
      out.end();
      await finished(out);
      return { sizeBytes: cursor, sha256: whole.digest('hex') };
    },
  };
}

/**
 * `input` as stored deflate blocks (BTYPE 00, at most 64 KiB each, RFC 1951 §3.2.4), the last one
 * final when `final`. Every chunk ends byte-aligned (a sync flush or a stored block), so a stored
 * block starts with its 3 header bits in a fresh byte.
 */
function storedBlocks(input: Buffer, final: boolean): Buffer[] {
  const parts: Buffer[] = [];
  for (let at = 0; at < input.length; at += STORED_BLOCK) {
    const length = Math.min(STORED_BLOCK, input.length - at);
    const header = Buffer.allocUnsafe(5);
    header[0] = final && at + length === input.length ? 1 : 0;
    header.writeUInt16LE(length, 1);
    header.writeUInt16LE(~length & 0xffff, 3);
    parts.push(header, input.subarray(at, at + length));
  }
  return parts;
}
