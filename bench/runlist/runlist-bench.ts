import { fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import pino from 'pino';
import { monotonicFactory } from 'ulidx';
import { Pool } from 'undici';
import { createAgent } from '../../src/agents/agent-service.ts';
import { createApp } from '../../src/api/create-app.ts';
import { createDeps } from '../../src/create-deps.ts';
import type { Actor } from '../../src/identity/actor.ts';
import { createApiToken } from '../../src/identity/api-tokens.ts';
import { bootstrap } from '../../src/identity/bootstrap.ts';
import { loadConfig } from '../../src/platform/config.ts';
import { createRun } from '../../src/runs/create-run.ts';
import { filteredRuns, listRunsQuerySchema } from '../../src/runs/list-runs.ts';
import type { RunsTable } from '../../src/store/schema.ts';
import type { StoreKind } from '../../src/store/store-kind.ts';
import { percentile } from '../engine/bench-stats.ts';
import { markdownTable } from '../engine/engine-table.ts';

/**
 * The run list at scale (issue 11): `runs` runs seeded by bulk SQL into a fresh store built by the
 * composition root, then eight query shapes of `GET /api/runs` over real HTTP on loopback (undici,
 * an API token), one request at a time, while a writer creates 200 runs/s through `createRun` in
 * another process on the same store. Targets: p95 ≤ 5 ms without search, ≤ 50 ms with.
 */
export interface RunListOptions {
  runs: number;
  /** Timed requests per query shape (after warm-up). */
  queries: number;
  /** Runs the writer adds per second while the queries run. */
  writesPerSecond: number;
  stores: StoreKind[];
  postgresUrl: string;
  log: (line: string) => void;
}

export interface ShapeResult {
  store: StoreKind;
  shape: string;
  search: boolean;
  requests: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Mean rows per page returned (a shape that always returns nothing would measure little). */
  meanItems: number;
  targetMs: number;
  met: boolean;
}

export interface RunListResult {
  kind: 'runlist';
  at: string;
  machine: { cpus: number; model: string; node: string };
  options: { runs: number; queries: number; writesPerSecond: number; pageSize: number };
  stores: Record<string, { seedSeconds: number; seedRowsPerSecond: number; writesPerSecondAchieved: number }>;
  shapes: ShapeResult[];
}

const PAGE = 50;
const AGENTS = 8;

/** Deterministic pseudo-random numbers (mulberry32), so every run seeds the same corpus. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** 4,000 pronounceable words; word k is drawn with Zipf frequency ∝ 1/(k+1)^1.1. */
function vocabulary(): { words: string[]; draw: (r: number) => string } {
  const on = ['b', 'c', 'd', 'f', 'g', 'k', 'l', 'm', 'n', 'p', 'r', 's', 't', 'v', 'z', 'br', 'st', 'tr'];
  const nu = ['a', 'e', 'i', 'o', 'u', 'ai', 'ou'];
  const co = ['', 'n', 'r', 'l', 's', 'x', 'm'];
  const words: string[] = [];
  const seen = new Set<string>();
  const random = rng(7);
  while (words.length < 4000) {
    const syllables = 2 + Math.floor(random() * 2);
    let w = '';
    for (let s = 0; s < syllables; s++)
      w += (on[Math.floor(random() * on.length)] ?? '') + (nu[Math.floor(random() * nu.length)] ?? '');
    w += co[Math.floor(random() * co.length)];
    if (!seen.has(w)) {
      seen.add(w);
      words.push(w);
    }
  }
  const cumulative: number[] = [];
  let sum = 0;
  for (let k = 0; k < words.length; k++) {
    sum += 1 / (k + 1) ** 1.1;
    cumulative.push(sum);
  }
  const draw = (r: number): string => {
    const x = r * sum;
    let lo = 0;
    let hi = cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((cumulative[mid] ?? 0) < x) lo = mid + 1;
      else hi = mid;
    }
    return words[lo] ?? words[0] ?? 'word';
  };
  return { words, draw };
}

const TASKS = [
  'Invoice review',
  'Contract summary',
  'Support triage',
  'Lead research',
  'Weekly report',
  'Translate',
];
const STATUSES: Array<[string, number]> = [
  ['completed', 0.8],
  ['failed', 0.08],
  ['canceled', 0.04],
  ['new', 0.04],
  ['enqueued', 0.02],
  ['running', 0.02],
];
const TRIGGERS: Array<[string, number]> = [
  ['manual', 0.5],
  ['schedule', 0.25],
  ['webhook', 0.15],
  ['upload', 0.06],
  ['agent', 0.03],
  ['benchmark', 0.01],
];

function pick(table: Array<[string, number]>, r: number): string {
  let acc = 0;
  for (const [value, p] of table) {
    acc += p;
    if (r < acc) return value;
  }
  return table[0]?.[0] ?? '';
}

/** The varied columns of seeded run `i` of `total`; the rest are the template's. */
function seedRows(template: RunsTable, agentIds: string[], total: number, now: number) {
  const random = rng(42);
  const { draw } = vocabulary();
  const ulid = monotonicFactory();
  // Runs spread over the past 30 days, oldest first, so ids (ULIDs) grow with created_at.
  const span = 30 * 24 * 3600 * 1000;
  return function* rows(): Generator<RunsTable> {
    for (let i = 0; i < total; i++) {
      const createdAt = now - span + Math.floor((i / total) * span);
      const status = pick(STATUSES, random());
      const name = `${TASKS[Math.floor(random() * TASKS.length)]} ${draw(random())} ${i}`;
      const final = status === 'completed' || status === 'failed' || status === 'canceled';
      const output =
        status === 'completed' ? Array.from({ length: 12 }, () => draw(random())).join(' ') : null;
      const updatedAt = createdAt + Math.floor(random() * 600_000);
      yield {
        ...template,
        id: `run_${ulid(createdAt)}`,
        agent_id: agentIds[Math.floor(random() ** 2 * agentIds.length)] ?? template.agent_id,
        name,
        status,
        status_text: status,
        trigger_kind: pick(TRIGGERS, random()),
        output,
        search_text: output ? `${name}\n${output}` : name,
        archived: random() < 0.05 ? 1 : 0,
        created_at: createdAt,
        updated_at: updatedAt,
        last_completed_at: final ? updatedAt : null,
      };
    }
  };
}

async function seedSqlite(
  sqlite: NonNullable<Awaited<ReturnType<typeof createDeps>>['store']['sqlite']>,
  rows: () => Generator<RunsTable>,
  columns: string[],
): Promise<void> {
  const insert = sqlite.prepare(
    `INSERT INTO runs (${columns.join(', ')}) VALUES (${columns.map((c) => `@${c}`).join(', ')})`,
  );
  const batch = sqlite.transaction((chunk: RunsTable[]) => {
    for (const row of chunk) insert.run(row);
  });
  let chunk: RunsTable[] = [];
  for (const row of rows()) {
    chunk.push(row);
    if (chunk.length === 50_000) {
      batch(chunk);
      chunk = [];
    }
  }
  if (chunk.length > 0) batch(chunk);
  sqlite.exec('ANALYZE');
}

async function seedPostgres(
  url: string,
  schema: string,
  rows: () => Generator<RunsTable>,
  columns: string[],
): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`SET search_path TO ${schema}`);
    await client.query(`SELECT set_config('agentruns.scope', 'system', false)`);
    // One statement per 5,000 rows: the rows travel as one JSON array and become table rows in the
    // server (json_populate_recordset); the BEFORE INSERT trigger fills search_vector as it does
    // for every run the product writes.
    const list = columns.join(', ');
    const sqlText = `INSERT INTO runs (${list}) SELECT ${list} FROM json_populate_recordset(null::runs, $1::json)`;
    let chunk: RunsTable[] = [];
    for (const row of rows()) {
      chunk.push(row);
      if (chunk.length === 5000) {
        await client.query(sqlText, [JSON.stringify(chunk)]);
        chunk = [];
      }
    }
    if (chunk.length > 0) await client.query(sqlText, [JSON.stringify(chunk)]);
    // autovacuum would analyze a table grown by a million rows; do it now rather than wait.
    await client.query('VACUUM ANALYZE runs');
  } finally {
    await client.end();
  }
}

interface Shape {
  name: string;
  search: boolean;
  query: (i: number) => Record<string, string>;
}

function shapes(agentIds: string[], words: string[]): Shape[] {
  // Search words of three frequencies (rank 3 is in ~5% of outputs, rank 300 in ~0.1%, rank 3000 rare).
  const searchWords = [words[3], words[30], words[300], words[3000]].filter((w): w is string => !!w);
  const at = <T>(list: T[], i: number): T => list[i % list.length] as T;
  return [
    { name: 'no filter', search: false, query: () => ({}) },
    { name: 'agent filter', search: false, query: (i) => ({ agentId: at(agentIds, i) }) },
    {
      name: 'status filter',
      search: false,
      query: (i) => ({ status: at(['failed', 'completed', 'running,enqueued', 'canceled'], i) }),
    },
    {
      name: 'trigger filter',
      search: false,
      query: (i) => ({ trigger: at(['schedule', 'webhook', 'upload'], i) }),
    },
    { name: 'archived', search: false, query: () => ({ archived: 'true' }) },
    { name: 'sort by updated', search: false, query: () => ({ sort: 'updated_desc' }) },
    { name: 'search q=', search: true, query: (i) => ({ q: at(searchWords, i) }) },
    {
      name: 'search + status filter',
      search: true,
      query: (i) => ({ q: at(searchWords, i), status: at(['completed', 'failed'], i) }),
    },
  ];
}

async function measureStore(
  kind: StoreKind,
  options: RunListOptions,
): Promise<{
  shapes: ShapeResult[];
  seedSeconds: number;
  writesPerSecondAchieved: number;
}> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'agentruns-runlist-'));
  const schema = `bench_rl_${randomBytes(5).toString('hex')}`;
  const config = {
    ...loadConfig({}),
    dataDir,
    databaseUrl: kind === 'postgres' ? options.postgresUrl : undefined,
    adminEmail: 'bench@example.com',
    adminPassword: 'bench password',
    examples: false,
    logLevel: 'silent',
  };
  const deps = await createDeps(config, {
    logger: pino({ level: 'silent' }),
    storeOptions: { pgSchema: schema },
  });
  let app: Awaited<ReturnType<typeof createApp>> | undefined;
  try {
    await bootstrap(deps);
    const admin = await deps.store.db.selectFrom('users').selectAll().executeTakeFirstOrThrow();
    const actor: Actor = { orgId: admin.org_id, userId: admin.id, role: 'admin' };
    const agentIds: string[] = [];
    for (let a = 0; a < AGENTS; a++) {
      const agent = await createAgent(deps, actor, {
        name: `Run list agent ${a}`,
        modelSettings: { model: 'simulated/default' },
        steps: [{ name: 'Answer', prompt: 'Answer.' }],
      });
      agentIds.push(agent.id);
    }
    const first = agentIds[0] as string;
    const templateId = await createRun(
      deps,
      actor,
      first,
      { name: 'Template', start: false },
      { kind: 'manual', by: actor.userId },
    );
    const template = (await deps.store.db
      .selectFrom('runs')
      .selectAll()
      .where('id', '=', templateId.id)
      .executeTakeFirstOrThrow()) as RunsTable;
    const columns = Object.keys(template).filter((c) => c !== 'search_vector');
    const { words } = vocabulary();
    const rows = seedRows(template, agentIds, options.runs, Date.now() - 60_000);

    const seedStarted = performance.now();
    if (kind === 'sqlite') {
      if (!deps.store.sqlite) throw new Error('no SQLite handle');
      await seedSqlite(deps.store.sqlite, rows, columns);
    } else {
      await seedPostgres(options.postgresUrl, schema, rows, columns);
    }
    const seedSeconds = (performance.now() - seedStarted) / 1000;
    options.log(`${kind}: seeded ${options.runs.toLocaleString('en')} runs in ${seedSeconds.toFixed(1)} s`);

    if (process.env.AGENTRUNS_BENCH_EXPLAIN)
      await explainShapes(
        kind,
        deps,
        options.postgresUrl,
        schema,
        actor,
        shapes(agentIds, words),
        options.log,
      );

    const { token } = await createApiToken(deps, 'bench@example.com', 'runlist bench');
    app = await createApp(deps);
    const address = await app.listen({ port: 0, host: '127.0.0.1' });
    const client = new Pool(address, { connections: 1 });

    // The writer: createRun as the API does, 200 runs/s, in another process on the same store (a
    // second `serve`, or the worker's triggers): in this one its bursts would hold the event loop
    // the list requests are measured on, and the list's own latency would be lost in them.
    const writer = await startWriter({
      dataDir,
      databaseUrl: config.databaseUrl,
      schema,
      actor,
      agentIds,
      rate: options.writesPerSecond,
    });

    const list = shapes(agentIds, words);
    const latencies = list.map(() => [] as number[]);
    const items = list.map(() => 0);
    const request = async (query: Record<string, string>): Promise<{ ms: number; count: number }> => {
      const started = performance.now();
      const response = await client.request({
        method: 'GET',
        path: `/api/runs?${new URLSearchParams({ limit: String(PAGE), ...query })}`,
        headers: { authorization: `Bearer ${token}` },
      });
      const body = (await response.body.json()) as { items?: unknown[] };
      const ms = performance.now() - started;
      if (response.statusCode !== 200)
        throw new Error(`GET /api/runs answered ${response.statusCode}: ${JSON.stringify(body)}`);
      return { ms, count: body.items?.length ?? 0 };
    };
    // Warm-up, then the shapes interleaved so each sees the same machine and the same writer.
    for (let i = 0; i < 10; i++) for (const shape of list) await request(shape.query(i));
    for (let i = 0; i < options.queries; i++) {
      for (const [s, shape] of list.entries()) {
        const { ms, count } = await request(shape.query(i));
        latencies[s]?.push(ms);
        items[s] = (items[s] ?? 0) + count;
      }
    }
    const { written, seconds } = await writer.stop();
    const writesPerSecondAchieved = written / seconds;
    await client.close();

    const results = list.map((shape, s): ShapeResult => {
      const ms = latencies[s] ?? [];
      const targetMs = shape.search ? 50 : 5;
      const p95 = percentile(ms, 95);
      return {
        store: kind,
        shape: shape.name,
        search: shape.search,
        requests: ms.length,
        p50Ms: percentile(ms, 50),
        p95Ms: p95,
        p99Ms: percentile(ms, 99),
        maxMs: Math.max(...ms),
        meanItems: (items[s] ?? 0) / Math.max(1, ms.length),
        targetMs,
        met: p95 <= targetMs,
      };
    });
    for (const r of results)
      options.log(
        `${kind} ${r.shape.padEnd(24)} p50 ${r.p50Ms.toFixed(2)} p95 ${r.p95Ms.toFixed(2)} p99 ${r.p99Ms.toFixed(2)} ms, ${r.meanItems.toFixed(1)} rows ${r.met ? 'met' : 'MISSED'}`,
      );
    return { shapes: results, seedSeconds, writesPerSecondAchieved };
  } finally {
    await app?.close();
    await deps.close();
    if (kind === 'postgres') {
      const client = new pg.Client({ connectionString: options.postgresUrl });
      await client.connect();
      await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await client.end();
    }
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

/** Prints each shape's plan and its time in the database alone (AGENTRUNS_BENCH_EXPLAIN=1). */
async function explainShapes(
  kind: StoreKind,
  deps: Awaited<ReturnType<typeof createDeps>>,
  url: string,
  schema: string,
  actor: Actor,
  list: Shape[],
  log: (line: string) => void,
): Promise<void> {
  const client = kind === 'postgres' ? new pg.Client({ connectionString: url }) : undefined;
  if (client) {
    await client.connect();
    await client.query(`SET search_path TO ${schema}`);
  }
  try {
    for (const shape of list) {
      const query = listRunsQuerySchema.parse({ limit: String(PAGE), ...shape.query(0) });
      const { column, direction } =
        query.sort === 'updated_desc'
          ? { column: 'updated_at' as const, direction: 'desc' as const }
          : { column: 'id' as const, direction: 'desc' as const };
      let select = filteredRuns(deps.store.db, kind, actor, query)
        .selectAll('runs')
        .orderBy(`runs.${column}`, direction);
      if (column !== 'id') select = select.orderBy('runs.id', direction);
      const compiled = select.limit(PAGE + 1).compile();
      if (client) {
        const plan = await client.query(`EXPLAIN (ANALYZE, BUFFERS) ${compiled.sql}`, [
          ...compiled.parameters,
        ]);
        log(`--- ${kind} ${shape.name}\n${plan.rows.map((r) => r['QUERY PLAN']).join('\n')}`);
      } else if (deps.store.sqlite) {
        const plan = deps.store.sqlite
          .prepare(`EXPLAIN QUERY PLAN ${compiled.sql}`)
          .all(...compiled.parameters) as Array<{ detail: string }>;
        const started = performance.now();
        deps.store.sqlite.prepare(compiled.sql).all(...compiled.parameters);
        log(
          `--- ${kind} ${shape.name} ${(performance.now() - started).toFixed(2)} ms\n${plan.map((r) => r.detail).join('\n')}`,
        );
      }
    }
  } finally {
    await client?.end();
  }
}

export async function runRunListBench(options: RunListOptions): Promise<RunListResult> {
  const result: RunListResult = {
    kind: 'runlist',
    at: new Date().toISOString(),
    machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model ?? 'unknown', node: process.version },
    options: {
      runs: options.runs,
      queries: options.queries,
      writesPerSecond: options.writesPerSecond,
      pageSize: PAGE,
    },
    stores: {},
    shapes: [],
  };
  for (const kind of options.stores) {
    const measured = await measureStore(kind, options);
    result.stores[kind] = {
      seedSeconds: measured.seedSeconds,
      seedRowsPerSecond: options.runs / measured.seedSeconds,
      writesPerSecondAchieved: measured.writesPerSecondAchieved,
    };
    result.shapes.push(...measured.shapes);
  }
  return result;
}

export function runListTable(result: RunListResult): string {
  const lines = [
    `${result.options.runs.toLocaleString('en')} runs, ${result.options.queries} requests per shape (page of ${result.options.pageSize}) over HTTP on loopback, one at a time, while a writer adds ${result.options.writesPerSecond} runs/s; ${result.at.slice(0, 10)}, ${result.machine.cpus} × ${result.machine.model.split(' ').slice(0, 2).join(' ')}, Node ${result.machine.node}.`,
    '',
    ...markdownTable(
      ['Store', 'Query shape', 'p50 ms', 'p95 ms', 'p99 ms', 'rows/page', 'target p95', ''],
      result.shapes.map((r) => [
        r.store,
        r.shape,
        r.p50Ms.toFixed(2),
        r.p95Ms.toFixed(2),
        r.p99Ms.toFixed(2),
        r.meanItems.toFixed(1),
        `≤ ${r.targetMs}`,
        r.met ? 'met' : 'MISSED',
      ]),
    ),
    '',
  ];
  for (const [store, s] of Object.entries(result.stores))
    lines.push(
      `- ${store}: seeded in ${s.seedSeconds.toFixed(1)} s (${Math.round(s.seedRowsPerSecond).toLocaleString('en')} rows/s); writer achieved ${s.writesPerSecondAchieved.toFixed(0)} runs/s`,
    );
  return lines.join('\n');
}

/** Forks bench/runlist/runlist-writer.ts; `stop` resolves with what it wrote and over how long. */
/** What the writer process is told (as JSON in AGENTRUNS_BENCH_WRITER). */
export interface WriterInput {
  dataDir: string;
  databaseUrl: string | undefined;
  schema: string;
  actor: Actor;
  agentIds: string[];
  rate: number;
}

async function startWriter(input: WriterInput) {
  const child = fork(
    path.join(import.meta.dirname, '../../bin/run-ts.js'),
    [path.join(import.meta.dirname, 'runlist-writer.ts')],
    {
      env: { ...process.env, AGENTRUNS_BENCH_WRITER: JSON.stringify(input) },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    },
  );
  const exited = new Promise<never>((_, reject) =>
    child.once('exit', (code) => reject(new Error(`the run list writer exited with code ${code}`))),
  );
  const next = () =>
    Promise.race([new Promise<unknown>((resolve) => child.once('message', resolve)), exited]);
  await next();
  return {
    async stop(): Promise<{ written: number; seconds: number }> {
      child.send('stop');
      const report = (await next()) as { written: number; seconds: number };
      await new Promise((resolve) => child.once('exit', resolve));
      return report;
    },
  };
}
