import { constants, type PerformanceEntry, PerformanceObserver } from 'node:perf_hooks';
import { STEERED_GROWTH, setHeapGrowth, steerHeapGrowth } from '../../src/platform/heap-growth.ts';

/**
 * `node bin/run-ts.js test/support/heap-steering-child.ts auto|PERCENT`: keeps ~64 MB live, then
 * every 30 ms makes a burst of 4,000 objects that live long enough to be promoted and die in the
 * old generation (the event loop busy ~10 % of the time, as `serve` with time to spare). V8 sets
 * the old generation's next limit at each full collection, so the heap it reserves is measured only
 * after a full collection made with the growth in force: steered, once the steering is down to
 * `spare`. A fixed amount of work, not of time: on a loaded machine the bursts take longer, but
 * the heap sees the same objects. Prints the largest heap in that stretch, the growth set, and how
 * many full collections the stretch saw (at least two, or it runs on until it has).
 */
const mode = process.argv[2] ?? 'auto';
// The loop's utilization as a process with time to spare shows it: how busy this one looks depends
// on what else the machine runs (beside the fault suite it read 50 %), and the ticks' reading of it
// is tested on its own; here what is tested is that the growth the steering sets is what V8 grows by.
const spare = () => 0.1;
const steering =
  mode === 'auto' ? steerHeapGrowth({ ...STEERED_GROWTH, intervalMs: 100, utilization: spare }) : undefined;
if (mode !== 'auto') setHeapGrowth(Number(mode));
const settled = () => steering === undefined || steering.percent === STEERED_GROWTH.spare;

let fullCollections = 0;
const collections = new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    const { detail } = entry as PerformanceEntry & { detail?: { kind?: number } };
    if (detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR && settled()) fullCollections++;
  }
});
collections.observe({ entryTypes: ['gc'] });

const live = Array.from({ length: 64 }, (_, n) => Array.from({ length: 128 * 1024 }, (_, i) => n + i));
const ring: unknown[] = new Array(200_000);
const BURSTS = 300;
/** Past this, it stops without the collections it waited for (the test then says so). */
const MOST_MS = 40_000;
let i = 0;
let bursts = 0;
let peak = 0;
const started = performance.now();
const burst = () => {
  for (let k = 0; k < 4_000; k++, i++) ring[i % ring.length] = { i, values: [i, i + 1, i + 2, i + 3, i + 4] };
  bursts++;
  if (fullCollections >= 1) peak = Math.max(peak, process.memoryUsage().heapTotal);
  if ((bursts < BURSTS || fullCollections < 2) && performance.now() - started < MOST_MS)
    setTimeout(burst, 27);
  else {
    steering?.stop();
    collections.disconnect();
    console.log(
      JSON.stringify({
        peakMB: peak / 2 ** 20,
        percent: steering?.percent,
        fullCollections,
        live: live.length,
      }),
    );
  }
};
burst();
