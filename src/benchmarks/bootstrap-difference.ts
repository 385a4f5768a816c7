/** A difference of means with its bootstrap confidence interval. */
export interface MeanDifference {
  /** mean(after) − mean(before). */
  difference: number;
  low: number;
  high: number;
  confidence: number;
}

/**
 * The percentile bootstrap (Efron & Tibshirani 1993, ch. 13) of mean(after) − mean(before):
 * resample each group with replacement `resamples` times and take the middle `confidence` of the
 * differences. 2,000 resamples put the 2.5th and 97.5th percentiles within about ±0.01 of a score
 * of 0–1 for the group sizes dashboards see (tens to hundreds), and take a few milliseconds.
 * `random` is injected (a number in [0, 1)), so a test and a page reload give the same interval.
 */
export function bootstrapMeanDifference(
  before: readonly number[],
  after: readonly number[],
  random: () => number,
  options: { resamples?: number; confidence?: number } = {},
): MeanDifference {
  const resamples = options.resamples ?? 2000;
  const confidence = options.confidence ?? 0.95;
  const mean = (xs: readonly number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
  const resampledMean = (xs: readonly number[]) => {
    let sum = 0;
    for (let i = 0; i < xs.length; i++) sum += xs[Math.floor(random() * xs.length)] ?? 0;
    return sum / xs.length;
  };
  const differences = new Float64Array(resamples);
  for (let i = 0; i < resamples; i++) differences[i] = resampledMean(after) - resampledMean(before);
  differences.sort();
  const tail = (1 - confidence) / 2;
  const at = (q: number) => differences[Math.min(resamples - 1, Math.max(0, Math.floor(q * resamples)))] ?? 0;
  return { difference: mean(after) - mean(before), low: at(tail), high: at(1 - tail), confidence };
}

/** mulberry32: a small seeded generator, so the dashboard's intervals are the same on every load. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
