import { parseArgs } from 'node:util';
import { concurrencyTable, runConcurrencyBench } from './concurrency/concurrency-bench.ts';
import { runEngineBench } from './engine/engine-bench.ts';
import { engineTable } from './engine/engine-table.ts';
import { runExportBench } from './export/export-bench.ts';
import { exportTable } from './export/export-table.ts';
import { loadTable, runLoadBench } from './load/load-bench.ts';
import { recordResults } from './record-results.ts';
import { runRetrievalBench } from './retrieval/retrieval-bench.ts';
import { retrievalTable } from './retrieval/retrieval-table.ts';
import { runListTable, runRunListBench } from './runlist/runlist-bench.ts';

/**
 * `npm run bench [-- --suite engine,retrieval --runs 10000 --rounds 3 --concurrency 500 --graphile-concurrency 10
 *  --latency-runs 500
 *  --chunks 100000 --queries 100 --connections 1000 --duration 10 --load-rounds 2
 *  --inflight 1000,2000,4000 --concurrency-duration 60 --concurrency-warmup 10 --stores sqlite,postgres
 *  --export-mib 256 --export-rounds 2 --export-probe on
 *  --profile DIR --allocation-profile DIR --no-write]`
 * Writes bench/results/engine.json, retrieval.json, load.json, concurrency.json, export.json and their
 * tables in bench/README.md. `--suite concurrency` runs that one alone; `runlist` (an hour's seeding of
 * a million runs per store) runs only when named.
 */
const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '10000' },
    rounds: { type: 'string', default: '3' },
    concurrency: { type: 'string', default: '500' },
    'graphile-concurrency': { type: 'string', default: '10' },
    'latency-runs': { type: 'string', default: '500' },
    'postgres-url': {
      type: 'string',
      default: process.env.AGENTRUNS_BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
    },
    /** Writes CPU profiles of the Agent Runs drains to this directory (and slows them). */
    profile: { type: 'string' },
    /** Concurrency: writes sampling allocation profiles of the rounds to this directory (and slows them). */
    'allocation-profile': { type: 'string' },
    'no-write': { type: 'boolean', default: false },
    /** Which benchmarks to run, comma-separated. */
    suite: { type: 'string', default: 'engine,retrieval,load,concurrency,export' },
    /** Load: concurrent clients, seconds per round, rounds (A B A B). */
    connections: { type: 'string', default: '1000' },
    duration: { type: 'string', default: '10' },
    'load-rounds': { type: 'string', default: '2' },
    chunks: { type: 'string', default: '100000' },
    /** Concurrency: runs in flight per round, seconds measured and warmed up, stores. */
    inflight: { type: 'string', default: '1000,2000,4000' },
    'concurrency-duration': { type: 'string', default: '60' },
    'concurrency-warmup': { type: 'string', default: '10' },
    stores: { type: 'string', default: 'sqlite,postgres' },
    queries: { type: 'string', default: '100' },
    /** Run list: runs seeded, requests per query shape, stores. */
    'list-runs': { type: 'string', default: '1000000' },
    'list-queries': { type: 'string', default: '200' },
    'list-stores': { type: 'string', default: 'sqlite,postgres' },
    'list-writes': { type: 'string', default: '200' },
    /** Export: MiB exported, or several (`1024,4096`: the 1 to 4 GiB flatness check, ~30 min); rounds. */
    'export-mib': { type: 'string', default: process.env.AGENTRUNS_BENCH_EXPORT_MIB ?? '256' },
    'export-rounds': { type: 'string', default: process.env.AGENTRUNS_BENCH_EXPORT_ROUNDS ?? '2' },
    /** `off` deflates every chunk, even incompressible ones, as `zip -r` deflates every file. */
    'export-probe': {
      type: 'string',
      default: process.env.AGENTRUNS_BENCH_EXPORT_PROBE === '0' ? 'off' : 'on',
    },
  },
});
const suites = new Set(values.suite.split(','));

const positive = (name: string, value: string): number => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a positive whole number`);
  return n;
};

if (suites.has('engine')) {
  const result = await runEngineBench({
    runs: positive('runs', values.runs),
    rounds: positive('rounds', values.rounds),
    concurrency: positive('concurrency', values.concurrency),
    graphileConcurrency: positive('graphile-concurrency', values['graphile-concurrency']),
    latencyRuns: positive('latency-runs', values['latency-runs']),
    postgresUrl: values['postgres-url'],
    profileDir: values.profile,
    log: (line) => console.log(line),
  });
  const table = engineTable(result);
  console.log(`\n${table}\n`);

  // A profiled run is slower than a plain one: its numbers are printed, never recorded.
  if (!values['no-write'] && values.profile === undefined) {
    recordResults('engine', result, 'engine-table', table);
  }

  if (result.targets.some((t) => !t.met)) process.exitCode = 1;
}

if (suites.has('retrieval')) {
  const retrieval = await runRetrievalBench({
    chunks: positive('chunks', values.chunks),
    queries: positive('queries', values.queries),
    peerQueries: 30,
    postgresUrl: values['postgres-url'],
    log: (line) => console.log(line),
  });
  const table = retrievalTable(retrieval);
  console.log(`\n${table}\n`);
  if (!values['no-write']) {
    recordResults('retrieval', retrieval, 'retrieval-table', table);
  }
}

if (suites.has('load')) {
  const load = await runLoadBench({
    connections: positive('connections', values.connections),
    durationSeconds: positive('duration', values.duration),
    rounds: positive('load-rounds', values['load-rounds']),
    log: (line) => console.log(line),
  });
  const table = loadTable(load);
  console.log(`\n${table}\n`);
  if (!values['no-write']) {
    recordResults('load', load, 'load-table', table);
  }
  const failed = Object.values(load.summary).some((s) => s.errors > 0 || s.non2xx > 0);
  if (failed) process.exitCode = 1;
}

if (suites.has('runlist')) {
  const runlist = await runRunListBench({
    runs: positive('list-runs', values['list-runs']),
    queries: positive('list-queries', values['list-queries']),
    writesPerSecond: Number(values['list-writes']),
    stores: values['list-stores'].split(',').map((s) => {
      if (s !== 'sqlite' && s !== 'postgres') throw new Error('--list-stores takes sqlite and/or postgres');
      return s;
    }),
    postgresUrl: values['postgres-url'],
    log: (line) => console.log(line),
  });
  const table = runListTable(runlist);
  console.log(`\n${table}\n`);
  if (!values['no-write']) {
    recordResults('runlist', runlist, 'runlist-table', table);
  }
  if (runlist.shapes.some((s) => !s.met)) process.exitCode = 1;
}

if (suites.has('concurrency')) {
  const stores = values.stores.split(',').map((s) => {
    if (s !== 'sqlite' && s !== 'postgres') throw new Error('--stores must list sqlite and/or postgres');
    return s;
  });
  const concurrency = await runConcurrencyBench({
    inflight: values.inflight.split(',').map((n) => positive('inflight', n)),
    stores,
    durationSeconds: positive('concurrency-duration', values['concurrency-duration']),
    warmupSeconds: positive('concurrency-warmup', values['concurrency-warmup']),
    postgresUrl: values['postgres-url'],
    profileDir: values.profile,
    allocationProfileDir: values['allocation-profile'],
    log: (line) => console.log(line),
  });
  const table = concurrencyTable(concurrency);
  console.log(`\n${table}\n`);
  if (!values['no-write'] && values.profile === undefined && values['allocation-profile'] === undefined) {
    recordResults('concurrency', concurrency, 'concurrency-table', table);
  }
  if (concurrency.targets.some((t) => !t.met)) process.exitCode = 1;
}

if (suites.has('export')) {
  if (values['export-probe'] !== 'on' && values['export-probe'] !== 'off') {
    throw new Error('--export-probe must be on or off');
  }
  const exported = await runExportBench({
    sizesMiB: values['export-mib'].split(',').map((n) => positive('export-mib', n)),
    rounds: positive('export-rounds', values['export-rounds']),
    probeIncompressible: values['export-probe'] === 'on',
    log: (line) => console.log(line),
  });
  const table = exportTable(exported);
  console.log(`\n${table}\n`);
  if (!values['no-write']) {
    recordResults('export', exported, 'export-table', table);
  }
}
