import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/platform/config.ts';
import { setHeapGrowth } from '../src/platform/heap-growth.ts';

const run = promisify(execFile);

/** The largest heap V8 reserved in a process that keeps ~94 MB live and promotes garbage. */
async function peakHeapMB(percent: number): Promise<number> {
  const { stdout } = await run(process.execPath, [
    path.resolve('bin/run-ts.js'),
    path.resolve('test/support/heap-growth-child.ts'),
    String(percent),
  ]);
  return (JSON.parse(stdout.trim().split('\n').at(-1) ?? '') as { peakMB: number }).peakMB;
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

  it('is 100 unless AGENTRUNS_HEAP_GROWTH_PERCENT says otherwise, and names the variable when it is wrong', () => {
    expect(loadConfig({}).heapGrowthPercent).toBe(100);
    expect(loadConfig({ AGENTRUNS_HEAP_GROWTH_PERCENT: '0' }).heapGrowthPercent).toBe(0);
    expect(loadConfig({ AGENTRUNS_HEAP_GROWTH_PERCENT: '50' }).heapGrowthPercent).toBe(50);
    expect(() => loadConfig({ AGENTRUNS_HEAP_GROWTH_PERCENT: 'half' })).toThrow(
      'AGENTRUNS_HEAP_GROWTH_PERCENT must be a whole number, got "half"',
    );
    expect(() => loadConfig({ AGENTRUNS_HEAP_GROWTH_PERCENT: '-10' })).toThrow(
      'AGENTRUNS_HEAP_GROWTH_PERCENT must be a whole number, got "-10"',
    );
    expect(() => loadConfig({ AGENTRUNS_HEAP_GROWTH_PERCENT: '400' })).toThrow(
      'AGENTRUNS_HEAP_GROWTH_PERCENT must be at most 300, got 400',
    );
  });
});
