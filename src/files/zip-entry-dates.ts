/**
 * Dates every entry of a ZIP archive (an .xlsx) `at`, in place: the last-modified DOS time and
 * date of each central directory record and of the local header it points to. exceljs zips with
 * JSZip, which dates each entry with the clock when it renders, so the same spec rendered at the
 * same `at` gave other bytes a second later (and a renderer thread and the main thread could
 * disagree across a two-second boundary). Only the dates change: no CRC covers them.
 * Throws when the bytes are not a ZIP archive this can read (no end of central directory).
 */
export function dateZipEntries(zip: Buffer, at: Date): Buffer {
  const { time, date } = dosDateTime(at);
  const end = endOfCentralDirectory(zip);
  const entries = zip.readUInt16LE(end + 10);
  let record = zip.readUInt32LE(end + 16);
  for (let i = 0; i < entries; i++) {
    if (zip.readUInt32LE(record) !== CENTRAL_RECORD)
      throw new Error('a ZIP central directory record is broken');
    zip.writeUInt16LE(time, record + 12);
    zip.writeUInt16LE(date, record + 14);
    const local = zip.readUInt32LE(record + 42);
    if (zip.readUInt32LE(local) !== LOCAL_HEADER) throw new Error('a ZIP local header is broken');
    zip.writeUInt16LE(time, local + 10);
    zip.writeUInt16LE(date, local + 12);
    record +=
      46 + zip.readUInt16LE(record + 28) + zip.readUInt16LE(record + 30) + zip.readUInt16LE(record + 32);
  }
  return zip;
}

const LOCAL_HEADER = 0x04034b50;
const CENTRAL_RECORD = 0x02014b50;
const END_OF_CENTRAL_DIRECTORY = 0x06054b50;

/** The end record sits last, before a comment of at most 65,535 bytes. */
function endOfCentralDirectory(zip: Buffer): number {
  for (let at = zip.length - 22; at >= Math.max(0, zip.length - 22 - 0xffff); at--) {
    if (zip.readUInt32LE(at) === END_OF_CENTRAL_DIRECTORY) return at;
  }
  throw new Error('not a ZIP archive: no end of central directory');
}

/** MS-DOS time and date in UTC, as JSZip writes them: two-second resolution, years from 1980. */
function dosDateTime(at: Date): { time: number; date: number } {
  return {
    time: (at.getUTCHours() << 11) | (at.getUTCMinutes() << 5) | (at.getUTCSeconds() >> 1),
    date: (Math.max(0, at.getUTCFullYear() - 1980) << 9) | ((at.getUTCMonth() + 1) << 5) | at.getUTCDate(),
  };
}
