import { STEERED_GROWTH, setHeapGrowth, steerHeapGrowth } from '../../src/platform/heap-growth.ts';

/**
 * `node bin/run-ts.js test/support/heap-steering-child.ts auto|PERCENT`: keeps ~64 MB live, then
 * for a few seconds makes, every 30 ms, a short burst of objects that live long enough to be
 * promoted and die in the old generation (the event loop busy ~10 % of the time, as `serve` with
 * time to spare); prints the largest heap V8 reserved in the last half (the steering has set the limit by then), and the growth set.
 */
const mode = process.argv[2] ?? 'auto';
const steering = mode === 'auto' ? steerHeapGrowth({ ...STEERED_GROWTH, intervalMs: 100 }) : undefined;
if (mode !== 'auto') setHeapGrowth(Number(mode));

const live = Array.from({ length: 64 }, (_, n) => Array.from({ length: 128 * 1024 }, (_, i) => n + i));
const ring: unknown[] = new Array(200_000);
let i = 0;
let peak = 0;
const started = performance.now();
const burst = () => {
  const until = performance.now() + 3;
  while (performance.now() < until) {
    for (let k = 0; k < 500; k++, i++) ring[i % ring.length] = { i, values: [i, i + 1, i + 2, i + 3, i + 4] };
  }
  const elapsed = performance.now() - started;
  if (elapsed > 4000) peak = Math.max(peak, process.memoryUsage().heapTotal);
  if (elapsed < 8000) setTimeout(burst, 27);
  else {
    steering?.stop();
    console.log(JSON.stringify({ peakMB: peak / 2 ** 20, percent: steering?.percent, live: live.length }));
  }
};
burst();
