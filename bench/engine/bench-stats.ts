/** What one round of one system measured. Latencies are in milliseconds. */
export interface RoundResult {
  round: number;
  chains: number;
  steps: number;
  /** From the worker's start to the last step's commit. */
  seconds: number;
  stepsPerSecond: number;
  /** Durable write of step n's "runnable" → start of step n (see step-timeline.ts). */
  commitToStartP50Ms: number;
  commitToStartP99Ms: number;
  /** Start of step n−1 → start of step n: the whole cycle of one durable step. */
  startToStartP50Ms: number;
  startToStartP99Ms: number;
  /** CPU time of this process (user + system) per step during the drain: the worker's own cost. */
  cpuMicrosPerStep: number;
  /** Agent Runs only: the group committer's transactions per step (`committer.stats`). */
  commitTransactionsPerStep: number | null;
  /** PostgreSQL only: statements (round trips) of the whole worker per step, claims and reads included. */
  statementsPerStep: number | null;
  /** Seconds spent creating the runs or enqueueing the jobs (not part of the throughput). */
  enqueueSeconds: number;
}

/** A peer's round from what it measured: its gaps, its CPU over the drain, its statements if counted. */
export function peerRound(measured: {
  round: number;
  chains: number;
  seconds: number;
  cpu: NodeJS.CpuUsage;
  gaps: { commitToStartMs: number[]; startToStartMs: number[] };
  statements: number | null;
  enqueueSeconds: number;
}): RoundResult {
  const steps = measured.chains * 3;
  const { commitToStartMs, startToStartMs } = measured.gaps;
  return {
    round: measured.round,
    chains: measured.chains,
    steps,
    seconds: measured.seconds,
    stepsPerSecond: steps / measured.seconds,
    commitToStartP50Ms: percentile(commitToStartMs, 50),
    commitToStartP99Ms: percentile(commitToStartMs, 99),
    startToStartP50Ms: percentile(startToStartMs, 50),
    startToStartP99Ms: percentile(startToStartMs, 99),
    cpuMicrosPerStep: (measured.cpu.user + measured.cpu.system) / steps,
    commitTransactionsPerStep: null,
    statementsPerStep: measured.statements === null ? null : measured.statements / steps,
    enqueueSeconds: measured.enqueueSeconds,
  };
}

export interface Spread {
  median: number;
  min: number;
  max: number;
}

/** Nearest-rank percentile (`p` in 0…100) of unsorted values; NaN for none. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1] ?? Number.NaN;
}

/** The middle value; the mean of the two middle ones for an even count. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  if (sorted.length % 2 === 1) return sorted[mid] ?? Number.NaN;
  return ((sorted[mid - 1] ?? Number.NaN) + (sorted[mid] ?? Number.NaN)) / 2;
}

export function spread(values: readonly number[]): Spread {
  return { median: median(values), min: Math.min(...values), max: Math.max(...values) };
}

export function summarize(rounds: readonly RoundResult[]): Record<string, Spread | null> {
  const keys = [
    'stepsPerSecond',
    'commitToStartP50Ms',
    'commitToStartP99Ms',
    'startToStartP50Ms',
    'startToStartP99Ms',
    'cpuMicrosPerStep',
    'commitTransactionsPerStep',
    'statementsPerStep',
    'enqueueSeconds',
  ] as const;
  const summary: Record<string, Spread | null> = {};
  for (const key of keys) {
    const values = rounds.map((r) => r[key]).filter((v): v is number => v !== null);
    summary[key] = values.length > 0 ? spread(values) : null;
  }
  return summary;
}
