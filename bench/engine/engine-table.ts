import type { Spread } from './bench-stats.ts';
import { type EngineBenchResult, systems } from './engine-bench.ts';

const labels: Record<(typeof systems)[number], string> = {
  'agentruns-sqlite': 'Agent Runs, SQLite (WAL)',
  'mastra-libsql': 'Mastra 0.24 workflows, LibSQL',
  'agentruns-postgres': 'Agent Runs, PostgreSQL',
  'graphile-worker': 'graphile-worker 0.16, PostgreSQL',
  'pg-boss-batched': 'pg-boss 12, batches of 50',
  'pg-boss-unbatched': 'pg-boss 12, one job per fetch',
};

function fmt(value: number, digits: number): string {
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/** "12,345 (11,900–12,800)": the median and the range over the rounds. */
function cell(s: Spread | null | undefined, digits = 0): string {
  if (!s || Number.isNaN(s.median)) return '—';
  return s.min === s.max
    ? fmt(s.median, digits)
    : `${fmt(s.median, digits)} (${fmt(s.min, digits)}–${fmt(s.max, digits)})`;
}

/**
 * A Markdown table laid out the way Biome formats Markdown (cells padded to the column's width,
 * numbers right-aligned), so rewriting the README leaves `npm run check` clean.
 */
export function markdownTable(header: string[], rows: string[][]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join(' | ')} |`;
  const rule = widths.map((w, i) => (i === 0 ? '-'.repeat(w) : `${'-'.repeat(w - 1)}:`));
  return [line(header), `| ${rule.join(' | ')} |`, ...rows.map(line)];
}

/** The results as a Markdown table plus the ratio and target lines, for the console and the README. */
export function engineTable(result: EngineBenchResult): string {
  const lines = markdownTable(
    [
      'System',
      'Durable steps/s',
      'Commit→start p50 / p99 (ms)',
      'Start→start p50 / p99 (ms)',
      'Worker CPU per step (µs)',
      'Commit tx per step',
      'PG statements per step',
    ],
    systems.map((name) => {
      const s = result.results[name].summary;
      return [
        labels[name],
        cell(s.stepsPerSecond),
        `${cell(s.commitToStartP50Ms, 2)} / ${cell(s.commitToStartP99Ms, 2)}`,
        `${cell(s.startToStartP50Ms, 2)} / ${cell(s.startToStartP99Ms, 2)}`,
        cell(s.cpuMicrosPerStep),
        cell(s.commitTransactionsPerStep, 4),
        cell(s.statementsPerStep, 3),
      ];
    }),
  );
  const c = result.config;
  lines.push(
    '',
    `Agent Runs on PostgreSQL ÷ graphile-worker: **${fmt(result.ratio.ofMedians, 2)}×** ` +
      `(per round ${fmt(result.ratio.perRound.min, 2)}–${fmt(result.ratio.perRound.max, 2)}×).`,
    '',
    ...markdownTable(
      [
        'Added latency per model call (runs one at a time)',
        'p50 (ms)',
        'p99 (ms)',
        'the call itself p50 / p99 (ms)',
        'calls',
      ],
      result.addedLatency.map((l) => [
        l.kind === 'sqlite' ? 'Agent Runs, SQLite (WAL)' : 'Agent Runs, PostgreSQL',
        fmt(l.addedP50Ms, 2),
        fmt(l.addedP99Ms, 2),
        `${fmt(l.directP50Ms, 3)} / ${fmt(l.directP99Ms, 3)}`,
        fmt(l.calls, 0),
      ]),
    ),
    '',
    `${c.runs.toLocaleString('en-US')} runs × 3 steps per system and round, ${c.rounds} rounds; medians with ` +
      `(min–max). Agent Runs worker concurrency ${c.concurrency}, graphile-worker concurrency ` +
      `${c.graphileConcurrency}. ${result.date.slice(0, 10)}, Node ${result.node}, ${result.cpus} × ${result.cpuModel}, ` +
      `PostgreSQL ${result.postgres} on the same machine.`,
    '',
    ...result.targets.map(
      (t) =>
        `- ${t.met ? 'met' : 'MISSED'}: ${t.name} ${t.atMost ? '≤' : '≥'} ${fmt(t.target, t.target < 10 ? 1 : 0)} ` +
        `(measured ${fmt(t.measured, t.measured < 10 ? 2 : 0)})`,
    ),
  );
  return lines.join('\n');
}
