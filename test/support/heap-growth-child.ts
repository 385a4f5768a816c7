import { setHeapGrowth } from '../../src/platform/heap-growth.ts';

/**
 * `node bin/run-ts.js test/support/heap-growth-child.ts PERCENT`: keeps ~64 MB live, then makes
 * objects that live long enough to be promoted and die in the old generation, as a model call's do;
 * prints the largest heap V8 reserved meanwhile, in MB.
 */
setHeapGrowth(Number(process.argv[2]));
const live = Array.from({ length: 64 }, (_, n) => Array.from({ length: 128 * 1024 }, (_, i) => n + i));
const ring: unknown[] = new Array(200_000);
let peak = 0;
for (let i = 0; i < 3_000_000; i++) {
  ring[i % ring.length] = { i, values: [i, i + 1, i + 2, i + 3, i + 4, i + 5, i + 6, i + 7] };
  if (i % 20_000 === 0) peak = Math.max(peak, process.memoryUsage().heapTotal);
}
console.log(JSON.stringify({ peakMB: peak / 2 ** 20, live: live.length + ring.length }));
