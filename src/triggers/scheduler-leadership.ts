import type pg from 'pg';
import type { Store } from '../store/open-store.ts';

/**
 * Which scheduler ticks. On PostgreSQL any number of `agentruns serve` processes run a scheduler and
 * one leads: it holds a session advisory lock on a connection of its own, so the lock goes when the
 * process or its connection dies and another scheduler takes over at its next tick. The key is
 * derived from the schema, so schedulers of different schemas (tests, tenants) never block each other.
 * SQLite has one process per database file: it always leads. Leading only saves work; exactly-once
 * firing rests on the `schedule_fires` key, not on the lock.
 */
export interface SchedulerLeadership {
  /** True when this scheduler leads now (taking the lead if it is free). */
  acquire(): Promise<boolean>;
  release(): Promise<void>;
}

export function createSchedulerLeadership(store: Pick<Store, 'kind' | 'pool'>): SchedulerLeadership {
  const pool = store.pool;
  if (store.kind === 'sqlite' || !pool) return { acquire: async () => true, release: async () => {} };
  let client: pg.PoolClient | undefined;
  const drop = (broken: boolean) => {
    client?.release(broken);
    client = undefined;
  };
  const lockSql = `SELECT pg_try_advisory_lock(hashtext('agentruns.scheduler.' || current_schema())) AS ok`;
  return {
    async acquire() {
      if (client) {
        try {
          await client.query('SELECT 1');
          return true;
        } catch {
          // The connection died and with it the lock; try again as anyone would.
          drop(true);
        }
      }
      const candidate = await pool.connect();
      try {
        const { rows } = await candidate.query<{ ok: boolean }>(lockSql);
        if (rows[0]?.ok) {
          client = candidate;
          client.on('error', () => drop(true));
          return true;
        }
        candidate.release();
        return false;
      } catch (error) {
        candidate.release(true);
        throw error;
      }
    },
    async release() {
      if (!client) return;
      try {
        await client.query(`SELECT pg_advisory_unlock(hashtext('agentruns.scheduler.' || current_schema()))`);
        drop(false);
      } catch {
        drop(true);
      }
    },
  };
}
