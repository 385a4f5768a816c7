import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/platform/config.ts';
import { createGrowthSteering, setHeapGrowth, steerHeapGrowth } from '../src/platform/heap-growth.ts';

const run = promisify(execFile);

/** The last line of a child's output, as JSON. */
async function child<T>(script: string, arg: string): Promise<T> {
  const { stdout } = await run(process.execPath, [path.resolve('bin/run-ts.js'), path.resolve(script), arg]);
  return JSON.parse(stdout.trim().split('\n').at(-1) ?? '') as T;
}

/** The largest heap V8 reserved in a process that keeps ~94 MB live and promotes garbage. */
async function peakHeapMB(percent: number): Promise<number> {
  return (await child<{ peakMB: number }>('test/support/heap-growth-child.ts', String(percent))).peakMB;
}

describe('heap growth of serve and worker', () => {
  it('keeps the heap near twice its live data at 100, where V8 alone lets it grow further', async () => {
    const [own, twice] = await Promise.all([peakHeapMB(0), peakHeapMB(100)]);
    expect(twice).toBeLessThan(own * 0.75);
  }, 60_000);

  it('sets nothing at 0, or when the process was started with a heap growth flag of its own', () => {
    expect(setHeapGrowth(0)).toBe(false);
    expect(setHeapGrowth(100, ['--heap-growing-percent=300'])).toBe(false);
    expect(setHeapGrowth(100, ['--heap_growing_percent', '300'])).toBe(false);
  });

  it('is auto unless AGENTRUNS_HEAP_GROWTH_PERCENT says otherwise, and names the variable when it is wrong', () => {
    expect(loadConfig({}).heapGrowthPercent).toBe('auto');
    expect(loadConfig({ AGENTRUNS_HEAP_GROWTH_PERCENT: '' }).heapGrowthPercent).toBe('auto');
    expect(loadConfig({ AGENTRUNS_HEAP_GROWTH_PERCENT: 'auto' }).heapGrowthPercent).toBe('auto');
    expect(loadConfig({ AGENTRUNS_HEAP_GROWTH_PERCENT: '100' }).heapGrowthPercent).toBe(100);
    expect(loadConfig({ AGENTRUNS_HEAP_GROWTH_PERCENT: '0' }).heapGrowthPercent).toBe(0);
    expect(loadConfig({ AGENTRUNS_HEAP_GROWTH_PERCENT: '50' }).heapGrowthPercent).toBe(50);
    expect(() => loadConfig({ AGENTRUNS_HEAP_GROWTH_PERCENT: 'half' })).toThrow(
      'AGENTRUNS_HEAP_GROWTH_PERCENT must be auto or a whole number, got "half"',
    );
    expect(() => loadConfig({ AGENTRUNS_HEAP_GROWTH_PERCENT: '-10' })).toThrow(
      'AGENTRUNS_HEAP_GROWTH_PERCENT must be auto or a whole number, got "-10"',
    );
    expect(() => loadConfig({ AGENTRUNS_HEAP_GROWTH_PERCENT: '400' })).toThrow(
      'AGENTRUNS_HEAP_GROWTH_PERCENT must be at most 300, got 400',
    );
  });

  describe('steered by the event loop (auto)', () => {
    const steer = (loads: number[]) => {
      const applied: number[] = [];
      const steering = createGrowthSteering({
        spare: 25,
        busy: 100,
        utilization: () => loads.shift() ?? 0,
        apply: (p) => applied.push(p),
      });
      return { steering, applied };
    };

    it('starts at the busy growth, falls to the spare one while the loop idles, and rises as it saturates', () => {
      const { steering, applied } = steer([0.1, 0.1, 0.1, 0.95, 0.95, 0.95, 0.95]);
      expect(applied).toEqual([100]);
      steering.tick();
      expect(steering.percent).toBe(25);
      steering.tick();
      steering.tick();
      expect(applied).toEqual([100, 25]); // unchanged load, no new flag
      steering.tick(); // smoothed (0.1 + 0.95) / 2 = 0.525: just past the spare threshold
      expect(steering.percent).toBe(30);
      steering.tick(); // 0.7375
      steering.tick(); // 0.84375: saturated
      expect(steering.percent).toBe(100);
      steering.tick();
      expect(applied).toEqual([100, 25, 30, 85, 100]);
    });

    it('follows the utilization linearly between the thresholds, in steps of 5', () => {
      const { steering } = steer([0.65, 0.65]);
      steering.tick();
      expect(steering.percent).toBe(65); // 25 + 75 × (0.65 − 0.5) / 0.3 = 62.5 → 65
    });

    it('steers nothing when the process was started with a heap growth flag of its own', () => {
      expect(
        steerHeapGrowth({ spare: 25, busy: 100, execArgv: ['--heap-growing-percent=300'] }),
      ).toBeUndefined();
    });

    it('keeps the heap of a process with time to spare smaller than a fixed growth of 100 does', async () => {
      type Measured = { peakMB: number; percent?: number; fullCollections: number };
      const [steered, fixed] = await Promise.all([
        child<Measured>('test/support/heap-steering-child.ts', 'auto'),
        child<Measured>('test/support/heap-steering-child.ts', '100'),
      ]);
      console.log(
        `peak heap ${steered.peakMB.toFixed(0)} MB steered (growth ${steered.percent}), ${fixed.peakMB.toFixed(0)} at 100`,
      );
      expect(steered.percent).toBe(25);
      // Measured over full collections made with the growth in force, or the numbers mean nothing.
      expect(steered.fullCollections).toBeGreaterThanOrEqual(2);
      expect(fixed.fullCollections).toBeGreaterThanOrEqual(2);
      expect(steered.peakMB).toBeLessThan(fixed.peakMB * 0.85);
    }, 60_000);
  });
});
