import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { type RoundResult, type Spread, spread, summarize } from './bench-stats.ts';
import { type AddedLatencyResult, measureAddedLatency } from './measure-added-latency.ts';
import { measureAgentRuns } from './measure-agent-runs.ts';
import { measureGraphileWorker } from './measure-graphile-worker.ts';
import { measureMastra } from './measure-mastra.ts';
import { measurePgBoss } from './measure-pg-boss.ts';

export interface EngineBenchOptions {
  runs: number;
  rounds: number;
  /** Agent Runs worker concurrency. */
  concurrency: number;
  graphileConcurrency: number;
  /** Runs, one at a time, of the added-latency measurement per store. */
  latencyRuns: number;
  postgresUrl: string;
  /** A directory for CPU profiles of the Agent Runs drains (`<system>-round<n>.cpuprofile`). */
  profileDir?: string | undefined;
  /** Progress lines go here. */
  log: (line: string) => void;
}

export const systems = [
  'agentruns-sqlite',
  'mastra-libsql',
  'agentruns-postgres',
  'graphile-worker',
  'pg-boss-batched',
  'pg-boss-unbatched',
] as const;
export type SystemName = (typeof systems)[number];

export interface EngineBenchResult {
  benchmark: 'engine';
  date: string;
  node: string;
  cpus: number;
  cpuModel: string;
  platform: string;
  postgres: string;
  config: Omit<EngineBenchOptions, 'log' | 'postgresUrl' | 'profileDir'> & {
    stepsPerRun: 3;
    model: 'simulated/default';
  };
  results: Record<SystemName, { rounds: RoundResult[]; summary: Record<string, Spread | null> }>;
  /** Agent Runs on PostgreSQL over graphile-worker, steps per second: of the medians, and per round. */
  ratio: { ofMedians: number; perRound: Spread };
  /** What the engine adds to each model call, runs one at a time, per store. */
  addedLatency: AddedLatencyResult[];
  targets: Array<{ name: string; target: number; atMost?: true; measured: number; met: boolean }>;
}

/**
 * The engine benchmark: every round measures Agent Runs on SQLite, then Agent Runs on
 * PostgreSQL and graphile-worker on the same PostgreSQL, so the two PostgreSQL systems alternate
 * A B A B and share whatever the machine is doing in that stretch.
 */
export async function runEngineBench(options: EngineBenchOptions): Promise<EngineBenchResult> {
  const postgres = await postgresVersion(options.postgresUrl);
  const rounds: Record<SystemName, RoundResult[]> = {
    'agentruns-sqlite': [],
    'mastra-libsql': [],
    'agentruns-postgres': [],
    'graphile-worker': [],
    'pg-boss-batched': [],
    'pg-boss-unbatched': [],
  };
  const report = (name: SystemName, r: RoundResult) => {
    rounds[name].push(r);
    options.log(
      `round ${r.round} ${name.padEnd(18)} ${Math.round(r.stepsPerSecond).toString().padStart(6)} steps/s` +
        `  commit→start p50 ${r.commitToStartP50Ms.toFixed(2)} ms p99 ${r.commitToStartP99Ms.toFixed(2)} ms` +
        (r.commitTransactionsPerStep === null ? '' : `  ${r.commitTransactionsPerStep.toFixed(4)} tx/step`) +
        (r.statementsPerStep === null ? '' : `  ${r.statementsPerStep.toFixed(2)} stmts/step`),
    );
  };
  for (let round = 1; round <= options.rounds; round++) {
    const common = { round, runs: options.runs, concurrency: options.concurrency };
    const profileFile = (name: SystemName) =>
      options.profileDir ? path.join(options.profileDir, `${name}-round${round}.cpuprofile`) : undefined;
    report(
      'agentruns-sqlite',
      await measureAgentRuns({
        ...common,
        kind: 'sqlite',
        postgresUrl: '',
        profileFile: profileFile('agentruns-sqlite'),
      }),
    );
    // The embedded peer right after: Mastra workflows on LibSQL, 50 runs in flight (its best here:
    // 10 → 3,703, 100 → 3,682, 500 → 3,340 steps/s at 3,000 runs).
    report('mastra-libsql', await measureMastra({ round, chains: options.runs, concurrency: 50 }));
    report(
      'agentruns-postgres',
      await measureAgentRuns({
        ...common,
        kind: 'postgres',
        postgresUrl: options.postgresUrl,
        profileFile: profileFile('agentruns-postgres'),
      }),
    );
    report(
      'graphile-worker',
      await measureGraphileWorker({
        round,
        chains: options.runs,
        concurrency: options.graphileConcurrency,
        postgresUrl: options.postgresUrl,
      }),
    );
    // pg-boss at its best here (batches of 50, two workers per queue, fetching without pause while
    // batches come back full), and unbatched as graphile-worker is measured: one job per fetch, 25
    // workers per queue, polling every 0.5 s (its floor). Unbatched it does ~150 steps/s, so it gets
    // a tenth of the chains.
    report(
      'pg-boss-batched',
      await measurePgBoss({
        round,
        chains: options.runs,
        batchSize: 50,
        workers: 2,
        postgresUrl: options.postgresUrl,
      }),
    );
    report(
      'pg-boss-unbatched',
      await measurePgBoss({
        round,
        chains: Math.max(100, Math.round(options.runs / 10)),
        batchSize: 1,
        workers: 25,
        postgresUrl: options.postgresUrl,
      }),
    );
  }

  const addedLatency: AddedLatencyResult[] = [];
  for (const kind of ['sqlite', 'postgres'] as const) {
    const latency = await measureAddedLatency({
      kind,
      runs: options.latencyRuns,
      postgresUrl: options.postgresUrl,
    });
    addedLatency.push(latency);
    options.log(
      `added latency per model call, ${kind}: p50 ${latency.addedP50Ms.toFixed(2)} ms p99 ${latency.addedP99Ms.toFixed(2)} ms` +
        ` (the call itself: p50 ${latency.directP50Ms.toFixed(3)} ms)`,
    );
  }

  const results = Object.fromEntries(
    systems.map((name) => [name, { rounds: rounds[name], summary: summarize(rounds[name]) }]),
  ) as EngineBenchResult['results'];
  const medianOf = (name: SystemName) => results[name].summary.stepsPerSecond?.median ?? Number.NaN;
  const ours = rounds['agentruns-postgres'];
  const peer = rounds['graphile-worker'];
  const ratio = {
    ofMedians: medianOf('agentruns-postgres') / medianOf('graphile-worker'),
    perRound: spread(ours.map((r, i) => r.stepsPerSecond / (peer[i]?.stepsPerSecond ?? Number.NaN))),
  };
  const target = (name: string, goal: number, measured: number) => ({
    name,
    target: goal,
    measured,
    met: measured >= goal,
  });
  const atMost = (name: string, goal: number, measured: number) => ({
    name,
    target: goal,
    atMost: true as const,
    measured,
    met: measured <= goal,
  });
  const { log: _log, postgresUrl: _url, profileDir: _profileDir, ...config } = options;
  return {
    benchmark: 'engine',
    date: new Date().toISOString(),
    node: process.version,
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    platform: `${os.platform()} ${os.release()}`,
    postgres,
    config: { ...config, stepsPerRun: 3, model: 'simulated/default' },
    results,
    ratio,
    addedLatency,
    targets: [
      target('SQLite steps/s', 10_000, medianOf('agentruns-sqlite')),
      target(
        'SQLite ÷ Mastra workflows on LibSQL',
        1,
        medianOf('agentruns-sqlite') / medianOf('mastra-libsql'),
      ),
      target('PostgreSQL steps/s', 2_500, medianOf('agentruns-postgres')),
      target('PostgreSQL ÷ graphile-worker', 1, ratio.ofMedians),
      target(
        'PostgreSQL ÷ pg-boss, one job per fetch',
        2,
        medianOf('agentruns-postgres') / medianOf('pg-boss-unbatched'),
      ),
      target(
        'PostgreSQL ÷ pg-boss, batches of 50',
        2,
        medianOf('agentruns-postgres') / medianOf('pg-boss-batched'),
      ),
      ...addedLatency.flatMap((l) => [
        atMost(`added latency per model call p50 (ms), ${l.kind}`, 1, l.addedP50Ms),
        atMost(`added latency per model call p99 (ms), ${l.kind}`, 2, l.addedP99Ms),
      ]),
    ],
  };
}

async function postgresVersion(url: string): Promise<string> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ v: string }>("SELECT current_setting('server_version') AS v");
    return rows[0]?.v ?? 'unknown';
  } finally {
    await client.end();
  }
}
