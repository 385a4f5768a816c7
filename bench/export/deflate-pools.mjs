// Which pool deflates the export's chunks faster: zlib's async deflate on libuv's thread pool (what
// `src/governance/evidence-zip.ts` uses) or two piscina worker threads running deflateRawSync?
// 1 MiB chunks of 32 MiB random bytes and 32 MiB CSV-like text, twice, two jobs at a time, each primed
// with the previous 32 KiB. `node bench/export/deflate-pools.mjs zlib|piscina`; prints MiB/s and the RSS growth.
import { randomBytes } from 'node:crypto';
import zlib from 'node:zlib';
import { Piscina } from 'piscina';

const MiB = 1 << 20;
const mode = process.argv[2];
if (mode !== 'zlib' && mode !== 'piscina') throw new Error('usage: deflate-pools.mjs zlib|piscina');
const words = ['north', 'south', 'east', 'west', 'revenue', 'cost', 'margin', 'units', 'Acme', 'Globex'];
// Written straight into one buffer: strings would leave garbage whose collection blurs the RSS.
const text = Buffer.alloc(32 * MiB);
for (let x = 7, length = 0; length < text.length; ) {
  x = (x * 1103515245 + 12345) % 2147483648;
  length += text.write(`${words[x % 10]},${words[(x >> 8) % 10]},${x % 100000},${(x % 997) / 10}\n`, length);
}
const random = randomBytes(32 * MiB);
const chunks = [];
for (let round = 0; round < 2; round++)
  for (const b of [random, text]) for (let o = 0; o < b.length; o += MiB) chunks.push(b.subarray(o, o + MiB));

const piscina =
  mode === 'piscina'
    ? new Piscina({
        filename: new URL('./deflate-worker.mjs', import.meta.url).href,
        minThreads: 2,
        maxThreads: 2,
      })
    : null;
const deflate = (input, dictionary) => {
  if (piscina) {
    // Copies moved, not cloned: a view's structured clone would copy its whole 32 MiB buffer.
    const own = Buffer.from(input);
    const dict = dictionary ? Buffer.from(dictionary) : undefined;
    return piscina.run(
      { input: own, final: false, dictionary: dict, level: 6 },
      { transferList: [own.buffer, ...(dict ? [dict.buffer] : [])] },
    );
  }
  return new Promise((resolve, reject) =>
    zlib.deflateRaw(
      input,
      { level: 6, finishFlush: zlib.constants.Z_SYNC_FLUSH, ...(dictionary ? { dictionary } : {}) },
      (error, output) => (error ? reject(error) : resolve(output)),
    ),
  );
};
const before = process.memoryUsage().rss;
let peak = 0;
const sampler = setInterval(() => {
  peak = Math.max(peak, process.memoryUsage().rss);
}, 20);
const started = performance.now();
let next = 0;
const lane = async () => {
  while (next < chunks.length) {
    const i = next++;
    await deflate(chunks[i], i > 0 ? chunks[i - 1].subarray(-32 * 1024) : undefined);
  }
};
await Promise.all([lane(), lane()]);
clearInterval(sampler);
const seconds = (performance.now() - started) / 1000;
console.log(
  `${mode}: ${(chunks.length / seconds).toFixed(1)} MiB/s, peak RSS ${Math.round((peak - before) / MiB)} MiB over the ${Math.round(before / MiB)} MiB holding the data`,
);
await piscina?.destroy();
