import { describe, expect, it } from 'vitest';
import { batchSlices } from './batch-slices.ts';

const lengths = (n: number, most: number) =>
  [
    ...batchSlices(
      Array.from({ length: n }, (_, i) => i),
      most,
    ),
  ].map((s) => s.length);

describe('batchSlices', () => {
  it('slices by the most, then by powers of two, in order and without losing an item', () => {
    expect(lengths(37, 100)).toEqual([32, 4, 1]);
    expect(lengths(100, 100)).toEqual([100]);
    expect(lengths(237, 100)).toEqual([100, 100, 32, 4, 1]);
    expect(lengths(0, 100)).toEqual([]);
    expect([...batchSlices([1, 2, 3, 4, 5, 6, 7], 4)].flat()).toEqual([1, 2, 3, 4, 5, 6, 7]);
  });

  it('has at most eight lengths for any count up to 1,000 at a most of 100', () => {
    const seen = new Set<number>();
    for (let n = 1; n <= 1000; n++) for (const l of lengths(n, 100)) seen.add(l);
    expect([...seen].sort((a, b) => a - b)).toEqual([1, 2, 4, 8, 16, 32, 64, 100]);
  });
});
