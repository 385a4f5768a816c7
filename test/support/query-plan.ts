import { type Compilable, CompiledQuery } from 'kysely';
import type { TestDeps } from './test-deps.ts';

/**
 * The plan the store would run `query` (a Kysely query, or SQL text) with: SQLite's EXPLAIN QUERY
 * PLAN details, or PostgreSQL's EXPLAIN with sequential scans priced out of reach, since a table
 * this small is read whole otherwise. One line per plan node.
 */
export async function queryPlan(deps: TestDeps, query: Compilable | string): Promise<string> {
  const { sql, parameters } = typeof query === 'string' ? { sql: query, parameters: [] } : query.compile();
  const explain = <Row>(db: TestDeps['store']['db'], prefix: string) =>
    db.executeQuery<Row>(CompiledQuery.raw(`${prefix} ${sql}`, [...parameters]));
  if (deps.store.kind === 'sqlite') {
    const { rows } = await explain<{ detail: string }>(deps.store.db, 'EXPLAIN QUERY PLAN');
    return rows.map((r) => r.detail).join('\n');
  }
  return deps.store.db.connection().execute(async (db) => {
    await db.executeQuery(CompiledQuery.raw('SET enable_seqscan = off'));
    const { rows } = await explain<{ 'QUERY PLAN': string }>(db, 'EXPLAIN');
    await db.executeQuery(CompiledQuery.raw('RESET enable_seqscan'));
    return rows.map((r) => r['QUERY PLAN']).join('\n');
  });
}
