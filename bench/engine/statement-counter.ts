import type pg from 'pg';

/**
 * Counts the statements the pools' clients send (each one a round trip to PostgreSQL), so both
 * PostgreSQL systems report the same "statements per step" however they batch their writes.
 * Clients are wrapped on checkout, which every `pool.query` and `pool.connect` goes through.
 */
export interface StatementCounter {
  readonly count: number;
  reset(): void;
}

export function countStatements(pools: readonly pg.Pool[]): StatementCounter {
  const wrapped = new WeakSet<pg.PoolClient>();
  let count = 0;
  const wrap = (client: pg.PoolClient) => {
    if (wrapped.has(client)) return;
    wrapped.add(client);
    const query = client.query.bind(client) as (...args: unknown[]) => unknown;
    client.query = ((...args: unknown[]) => {
      count++;
      return query(...args);
    }) as typeof client.query;
  };
  for (const pool of pools) pool.on('acquire', wrap);
  return {
    get count() {
      return count;
    },
    reset() {
      count = 0;
    },
  };
}
