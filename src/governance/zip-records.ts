/**
 * The records of a ZIP archive (APPNOTE 6.3.10) as `evidence-zip.ts` writes them: local headers,
 * data descriptors for streamed entries, the central directory, and ZIP64 past 4 GiB.
 */
export const UTF8 = 1 << 11;
export const DATA_DESCRIPTOR = 1 << 3;
const VERSION_MADE_BY = (3 << 8) | 63;
const VERSION_UTF8 = 20;
const VERSION_ZIP64 = 45;
const MAX32 = 0xffffffff;

export interface ZipEntry {
  name: Buffer;
  method: 0 | 8;
  flags: number;
  crc: number;
  size: number;
  compressedSize: number;
  offset: number;
}

export function localHeader(entry: ZipEntry, time: number, date: number): Buffer {
  const known = (entry.flags & DATA_DESCRIPTOR) === 0;
  const header = Buffer.alloc(30);
  header.writeUInt32LE(0x04034b50, 0);
  header.writeUInt16LE(VERSION_UTF8, 4);
  header.writeUInt16LE(entry.flags, 6);
  header.writeUInt16LE(entry.method, 8);
  header.writeUInt16LE(time, 10);
  header.writeUInt16LE(date, 12);
  header.writeUInt32LE(known ? entry.crc : 0, 14);
  header.writeUInt32LE(known ? entry.compressedSize : 0, 18);
  header.writeUInt32LE(known ? entry.size : 0, 22);
  header.writeUInt16LE(entry.name.length, 26);
  header.writeUInt16LE(0, 28);
  return Buffer.concat([header, entry.name]);
}

function needsZip64(entry: ZipEntry): boolean {
  return entry.size >= MAX32 || entry.compressedSize >= MAX32 || entry.offset >= MAX32;
}

export function dataDescriptor(entry: ZipEntry): Buffer {
  if (entry.size < MAX32 && entry.compressedSize < MAX32) {
    const d = Buffer.alloc(16);
    d.writeUInt32LE(0x08074b50, 0);
    d.writeUInt32LE(entry.crc, 4);
    d.writeUInt32LE(entry.compressedSize, 8);
    d.writeUInt32LE(entry.size, 12);
    return d;
  }
  const d = Buffer.alloc(24);
  d.writeUInt32LE(0x08074b50, 0);
  d.writeUInt32LE(entry.crc, 4);
  d.writeBigUInt64LE(BigInt(entry.compressedSize), 8);
  d.writeBigUInt64LE(BigInt(entry.size), 16);
  return d;
}

export function centralRecord(entry: ZipEntry, time: number, date: number): Buffer {
  const zip64 = needsZip64(entry);
  const extra = Buffer.alloc(zip64 ? 28 : 0);
  if (zip64) {
    extra.writeUInt16LE(0x0001, 0);
    extra.writeUInt16LE(24, 2);
    extra.writeBigUInt64LE(BigInt(entry.size), 4);
    extra.writeBigUInt64LE(BigInt(entry.compressedSize), 12);
    extra.writeBigUInt64LE(BigInt(entry.offset), 20);
  }
  const r = Buffer.alloc(46);
  r.writeUInt32LE(0x02014b50, 0);
  r.writeUInt16LE(VERSION_MADE_BY, 4);
  r.writeUInt16LE(zip64 ? VERSION_ZIP64 : VERSION_UTF8, 6);
  r.writeUInt16LE(entry.flags, 8);
  r.writeUInt16LE(entry.method, 10);
  r.writeUInt16LE(time, 12);
  r.writeUInt16LE(date, 14);
  r.writeUInt32LE(entry.crc, 16);
  r.writeUInt32LE(zip64 ? MAX32 : entry.compressedSize, 20);
  r.writeUInt32LE(zip64 ? MAX32 : entry.size, 24);
  r.writeUInt16LE(entry.name.length, 28);
  r.writeUInt16LE(extra.length, 30);
  r.writeUInt16LE(0, 32); // comment
  r.writeUInt16LE(0, 34); // disk
  r.writeUInt16LE(0, 36); // internal attributes
  r.writeUInt32LE((0o100644 << 16) >>> 0, 38);
  r.writeUInt32LE(zip64 ? MAX32 : entry.offset, 42);
  return Buffer.concat([r, entry.name, extra]);
}

export function endOfCentralDirectory(count: number, offset: number, size: number): Buffer {
  const zip64 = count >= 0xffff || offset >= MAX32 || size >= MAX32;
  const eocd = Buffer.alloc(22);
  eocd.writeUInt32LE(0x06054b50, 0);
  eocd.writeUInt16LE(zip64 ? 0xffff : count, 8);
  eocd.writeUInt16LE(zip64 ? 0xffff : count, 10);
  eocd.writeUInt32LE(zip64 ? MAX32 : size, 12);
  eocd.writeUInt32LE(zip64 ? MAX32 : offset, 16);
  if (!zip64) return eocd;
  const record = Buffer.alloc(56);
  record.writeUInt32LE(0x06064b50, 0);
  record.writeBigUInt64LE(44n, 4);
  record.writeUInt16LE(VERSION_MADE_BY, 12);
  record.writeUInt16LE(VERSION_ZIP64, 14);
  record.writeBigUInt64LE(BigInt(count), 24);
  record.writeBigUInt64LE(BigInt(count), 32);
  record.writeBigUInt64LE(BigInt(size), 40);
  record.writeBigUInt64LE(BigInt(offset), 48);
  const locator = Buffer.alloc(20);
  locator.writeUInt32LE(0x07064b50, 0);
  locator.writeBigUInt64LE(BigInt(offset + size), 8);
  locator.writeUInt32LE(1, 16);
  return Buffer.concat([record, locator, eocd]);
}

/** MS-DOS date and time (local time, 2-second resolution), as zip(1) writes them. */
export function dosDateTime(d: Date): { time: number; date: number } {
  const year = Math.max(1980, Math.min(2107, d.getFullYear()));
  return {
    time: (d.getHours() << 11) | (d.getMinutes() << 5) | Math.floor(d.getSeconds() / 2),
    date: ((year - 1980) << 9) | ((d.getMonth() + 1) << 5) | d.getDate(),
  };
}
