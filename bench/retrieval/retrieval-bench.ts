import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import pg from 'pg';
import { searchChunks } from '../../src/sites/search-chunks.ts';
import { parseSearchQuery } from '../../src/sites/search-query.ts';
import { openStore, type Store } from '../../src/store/open-store.ts';
import { percentile } from '../engine/bench-stats.ts';
import { type Corpus, createCorpus } from './synthetic-corpus.ts';

export interface RetrievalBenchOptions {
  chunks: number;
  queries: number;
  /** Queries for the slow peers (LIKE scans), a subset of the same queries. */
  peerQueries: number;
  postgresUrl: string;
  log(line: string): void;
}

export interface Latency {
  system: string;
  store: 'sqlite' | 'postgres' | 'memory';
  queries: number;
  p50Ms: number;
  p95Ms: number;
  meanMs: number;
  /** Mean hits returned per query (the limit is 5). */
  meanHits: number;
}

export interface RetrievalBenchResult {
  date: string;
  node: string;
  cpus: number;
  cpuModel: string;
  chunks: number;
  documents: number;
  wordsPerChunk: number;
  limit: number;
  loadSeconds: Record<string, number>;
  results: Latency[];
}

const wordsPerChunk = 150;
const chunksPerDocument = 100;
const limit = 5;
const orgId = 'org_bench';
const siteId = 'sit_bench';

/**
 * Retrieval latency at `chunks` chunks: the product's `searchChunks` (FTS5 bm25 / tsvector ts_rank)
 * on both stores, against two peers measured in the same run on the same corpus and queries: a plain
 * `LIKE` scan in the same database (what a table without a full-text index does), and a brute-force
 * scan of every chunk held in memory, scored by term counts.
 */
export async function runRetrievalBench(options: RetrievalBenchOptions): Promise<RetrievalBenchResult> {
  const corpus = createCorpus();
  const texts: string[] = [];
  for (let i = 0; i < options.chunks; i++) texts.push(corpus.chunk(wordsPerChunk));
  const queries = makeQueries(corpus, options.queries);
  const results: Latency[] = [];
  const loadSeconds: Record<string, number> = {};

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'agentruns-retrieval-'));
  const schema = `bench_ret_${randomBytes(4).toString('hex')}`;
  try {
    for (const kind of ['sqlite', 'postgres'] as const) {
      const store = await openStore(
        kind === 'sqlite'
          ? { sqlitePath: path.join(dir, 'bench.db') }
          : { databaseUrl: options.postgresUrl, pgSchema: schema, poolSize: 4 },
      );
      try {
        const started = performance.now();
        await load(store, texts, options.log);
        loadSeconds[kind] = (performance.now() - started) / 1000;
        options.log(`${kind}: loaded ${texts.length} chunks in ${loadSeconds[kind]?.toFixed(1)} s`);
        // Warm the caches (both engines), then measure.
        for (const q of queries.slice(0, 20)) await search(store, q);
        results.push(
          await measure(
            `Agent Runs searchChunks (${kind === 'sqlite' ? 'FTS5 bm25' : 'tsvector ts_rank'})`,
            kind,
            queries,
            (q) => search(store, q),
          ),
        );
        results.push(
          await measure('LIKE scan, same database', kind, queries.slice(0, options.peerQueries), (q) =>
            likeScan(store, q),
          ),
        );
        options.log(`${kind}: measured`);
      } finally {
        await store.close();
      }
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
    const client = new pg.Client({ connectionString: options.postgresUrl });
    await client.connect();
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await client.end();
  }
  const lowered = texts.map((t) => t.toLowerCase());
  results.push(
    await measure('Brute-force scan in memory', 'memory', queries.slice(0, options.peerQueries), async (q) =>
      bruteForce(lowered, q),
    ),
  );
  const cpus = os.cpus();
  return {
    date: new Date().toISOString(),
    node: process.version,
    cpus: cpus.length,
    cpuModel: cpus[0]?.model ?? 'unknown',
    chunks: options.chunks,
    documents: Math.ceil(options.chunks / chunksPerDocument),
    wordsPerChunk,
    limit,
    loadSeconds,
    results,
  };
}

/** Queries of 1–3 words: common, middling and rare ones mixed, as a step's query would be. */
function makeQueries(corpus: Corpus, count: number): string[] {
  const pick = (from: number, to: number) =>
    corpus.vocabulary[from + Math.floor(corpus.random() * (to - from))] ?? '';
  const queries: string[] = [];
  for (let i = 0; i < count; i++) {
    const kind = i % 3;
    if (kind === 0) queries.push(`${pick(50, 500)} ${pick(500, 5000)}`);
    else if (kind === 1) queries.push(`${pick(500, 5000)} ${pick(5000, 20_000)} ${pick(100, 1000)}`);
    else queries.push(pick(1000, 10_000));
  }
  return queries;
}

function search(store: Store, query: string) {
  return searchChunks(store.db, store.kind, { orgId, siteIds: [siteId], query, limit });
}

/** Any chunk containing any query word, `LIMIT 5`: no ranking, which is all LIKE can do. */
async function likeScan(store: Store, query: string) {
  const words = parseSearchQuery(query).terms.map((t) => t.join(' '));
  const result = await sql<{ id: number }>`
    SELECT c.id FROM chunks c
    JOIN documents d ON d.indexed_version_id = c.version_id AND d.deleted_at IS NULL
    WHERE c.org_id = ${orgId} AND c.site_id = ${siteId}
      AND (${sql.join(
        words.map((w) => sql`c.text LIKE ${`%${w}%`}`),
        sql` OR `,
      )})
    LIMIT ${limit}`.execute(store.db);
  return result.rows;
}

/** Every chunk scored by how often the query words occur in it; the best five. */
function bruteForce(texts: readonly string[], query: string) {
  const words = parseSearchQuery(query).terms.map((t) => t.join(' '));
  const top: Array<{ i: number; score: number }> = [];
  for (let i = 0; i < texts.length; i++) {
    const text = texts[i] ?? '';
    let score = 0;
    for (const w of words) {
      let at = text.indexOf(w);
      while (at >= 0) {
        score++;
        at = text.indexOf(w, at + 1);
      }
    }
    if (score > 0 && (top.length < limit || score > (top.at(-1)?.score ?? 0))) {
      top.push({ i, score });
      top.sort((a, b) => b.score - a.score);
      if (top.length > limit) top.pop();
    }
  }
  return top;
}

async function measure(
  system: string,
  store: Latency['store'],
  queries: readonly string[],
  run: (query: string) => Promise<unknown[]>,
): Promise<Latency> {
  const times: number[] = [];
  let hits = 0;
  for (const q of queries) {
    const started = performance.now();
    const rows = await run(q);
    times.push(performance.now() - started);
    hits += rows.length;
  }
  return {
    system,
    store,
    queries: queries.length,
    p50Ms: percentile(times, 50),
    p95Ms: percentile(times, 95),
    meanMs: times.reduce((a, b) => a + b, 0) / times.length,
    meanHits: hits / queries.length,
  };
}

/** One site, `chunks / 100` documents with one ready version each, and the chunks (search index built by the store). */
async function load(store: Store, texts: readonly string[], log: (line: string) => void): Promise<void> {
  const documents = Math.ceil(texts.length / chunksPerDocument);
  await store.transaction(async (trx) => {
    await trx
      .insertInto('sites')
      .values({
        id: siteId,
        org_id: orgId,
        name: 'Bench',
        description: '',
        archived: 0,
        upload_agent_id: null,
        created_by: 'usr_bench',
        created_at: 0,
        updated_at: 0,
      })
      .execute();
    for (let d = 0; d < documents; d++) {
      const documentId = `doc_${String(d).padStart(6, '0')}`;
      const versionId = `dov_${String(d).padStart(6, '0')}`;
      await trx
        .insertInto('documents')
        .values({
          id: documentId,
          org_id: orgId,
          site_id: siteId,
          name: `document-${d}.txt`,
          latest_version: 1,
          indexed_version_id: versionId,
          deleted_at: null,
          created_by: 'usr_bench',
          created_at: 0,
          updated_at: 0,
        })
        .execute();
      await trx
        .insertInto('document_versions')
        .values({
          id: versionId,
          org_id: orgId,
          site_id: siteId,
          document_id: documentId,
          number: 1,
          file_name: `document-${d}.txt`,
          sha256: '0'.repeat(64),
          size_bytes: 0,
          media_type: 'text/plain',
          status: 'ready',
          error: null,
          text_sha256: null,
          text_chars: null,
          chunk_count: chunksPerDocument,
          lease_expires_at: null,
          created_by: 'usr_bench',
          created_at: 0,
          extracted_at: 0,
        })
        .execute();
    }
  });
  const batch = 500;
  for (let i = 0; i < texts.length; i += batch) {
    await store.transaction((trx) =>
      trx
        .insertInto('chunks')
        .values(
          texts.slice(i, i + batch).map((text, j) => {
            const n = i + j;
            const d = Math.floor(n / chunksPerDocument);
            return {
              org_id: orgId,
              site_id: siteId,
              document_id: `doc_${String(d).padStart(6, '0')}`,
              version_id: `dov_${String(d).padStart(6, '0')}`,
              idx: n % chunksPerDocument,
              start_char: 0,
              end_char: text.length,
              text,
            };
          }),
        )
        .execute(),
    );
    if ((i / batch) % 40 === 0) log(`  ${store.kind}: ${i + batch} chunks`);
  }
  if (store.kind === 'postgres') await sql`ANALYZE chunks`.execute(store.db);
  else await sql`ANALYZE`.execute(store.db);
}
