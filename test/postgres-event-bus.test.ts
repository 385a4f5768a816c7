import pg from 'pg';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { createPostgresEventBus, type PostgresEventBus } from '../src/platform/postgres-event-bus.ts';
import { hasPostgres, POSTGRES_URL } from './support/environment.ts';

describe.runIf(hasPostgres)('event bus across processes (PostgreSQL LISTEN/NOTIFY)', () => {
  const channel = `agentruns_bus_test_${process.pid}`;
  const logger = pino({ level: 'silent' });
  const closing: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    for (const close of closing.splice(0).reverse()) await close();
  });

  const open = async (gatherMs: number): Promise<PostgresEventBus> => {
    const bus = createPostgresEventBus({ connectionString: POSTGRES_URL, channel, logger, gatherMs });
    closing.push(() => bus.close());
    await bus.ready();
    return bus;
  };

  it('sends what is published within gatherMs as one NOTIFY, in order, and delivers it to the other process', async () => {
    const notifications: string[] = [];
    const watcher = new pg.Client({ connectionString: POSTGRES_URL });
    await watcher.connect();
    closing.push(() => watcher.end());
    watcher.on('notification', (n) => notifications.push(n.payload ?? ''));
    await watcher.query(`LISTEN ${channel}`);

    const sender = await open(1000);
    const receiver = await open(0);
    const heard: string[] = [];
    receiver.subscribe('run:1', (payload) => heard.push(payload));
    const own: string[] = [];
    sender.subscribe('run:1', (payload) => own.push(payload));

    // Twenty publishes in twenty turns of the event loop, well inside the second.
    for (let i = 0; i < 20; i++) {
      sender.publish('run:1', `delta ${i}`);
      await new Promise((resolve) => setImmediate(resolve));
    }
    const expected = Array.from({ length: 20 }, (_, i) => `delta ${i}`);
    expect(own).toEqual(expected);
    await expect.poll(() => heard, { timeout: 5000 }).toEqual(expected);
    expect(notifications).toHaveLength(1);
    // The sender hears its own NOTIFY too, and leaves it: its subscribers had each publish at once.
    expect(own).toEqual(expected);
  });
});
