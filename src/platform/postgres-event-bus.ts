import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { Logger } from 'pino';
import { createEventBus, type EventBus } from './event-bus.ts';

/**
 * The event bus across processes: every publish reaches this process's subscribers at once and,
 * through PostgreSQL `NOTIFY`, every other process sharing the database (one `LISTEN` connection
 * each). So an attempt enqueued by `serve` wakes an idle `worker`, a cancel reaches the worker
 * running the attempt, and an SSE follower in one process sees the events a worker in another commits.
 *
 * Publishes are gathered for `gatherMs` and sent as few `NOTIFY`s as fit the 8,000-byte payload
 * limit, with duplicates dropped (a busy worker commits many steps of the same run in that time).
 * A message too large for one payload (a long output delta) stays local: deltas are live hints,
 * and everything durable is in the run's event log, which followers re-read anyway.
 *
 * The connection is re-opened after it is lost, with backoff. What was published meanwhile is not
 * replayed; workers and followers poll as a fallback, and a reconnect wakes the workers at once.
 */
export interface PostgresEventBus extends EventBus {
  /** True while the LISTEN connection is up. */
  readonly listening: boolean;
  /** How many times the LISTEN connection was (re)established. */
  readonly connections: number;
  /** Resolves once listening (for tests and start-up). */
  ready(): Promise<void>;
  close(): Promise<void>;
}

export interface PostgresEventBusOptions {
  connectionString: string;
  /** The NOTIFY channel; processes sharing it share events (tests use one per schema). */
  channel: string;
  logger: Logger;
  reconnectMinMs?: number;
  reconnectMaxMs?: number;
  /**
   * How long publishes gather before they go out as one NOTIFY (0: one turn of the event loop).
   * Every statement costs the busy engine's one thread a round trip, and every NOTIFY comes back
   * to each listener, this process too: a 1,000-run loop sent one per turn, ~300 a second.
   */
  gatherMs?: number;
}

/** Other processes hear of a publish this much later at most, beyond the NOTIFY itself. */
const GATHER_MS = 10;

/** NOTIFY payloads must stay under 8,000 bytes. */
const MAX_PAYLOAD_BYTES = 7900;

export function notifyChannelFor(schema: string | undefined): string {
  return schema ? `agentruns_${schema}` : 'agentruns_events';
}

export function createPostgresEventBus(options: PostgresEventBusOptions): PostgresEventBus {
  const local = createEventBus();
  const origin = randomBytes(6).toString('hex');
  const logger = options.logger.child({ component: 'event-bus' });
  const minDelay = options.reconnectMinMs ?? 100;
  const maxDelay = options.reconnectMaxMs ?? 2000;
  if (!/^[a-z_][a-z0-9_]*$/.test(options.channel)) throw new Error(`bad channel name ${options.channel}`);
  const channel = options.channel;
  const gatherMs = options.gatherMs ?? GATHER_MS;
  /** This process's own messages, which come back to its listening connection: not parsed. */
  const ownPrefix = `{"o":"${origin}"`;

  let client: pg.Client | undefined;
  let listening = false;
  let connections = 0;
  let closed = false;
  let delay = minDelay;
  let reconnectTimer: NodeJS.Timeout | undefined;
  let readyWaiters: Array<() => void> = [];
  let pending: Array<[string, string]> = [];
  let flushScheduled = false;
  /** The NOTIFY in flight: the next batch waits for it, so the client never has two queries queued. */
  let sending: Promise<unknown> = Promise.resolve();

  const deliver = (text: string) => {
    if (text.startsWith(ownPrefix)) return;
    let message: { o: string; m: Array<[string, string]> };
    try {
      message = JSON.parse(text);
    } catch {
      return;
    }
    for (const [name, payload] of message.m) local.publish(name, payload);
  };

  const connect = async () => {
    if (closed) return;
    const next = new pg.Client({ connectionString: options.connectionString });
    const lost = (error?: Error) => {
      if (client !== next) return;
      client = undefined;
      listening = false;
      next.removeAllListeners('notification');
      void next.end().catch(() => undefined);
      if (closed) return;
      logger.warn({ err: error }, 'event bus connection lost; reconnecting');
      scheduleReconnect();
    };
    next.on('error', lost);
    next.on('end', () => lost());
    next.on('notification', (n) => {
      if (n.channel === channel && n.payload) deliver(n.payload);
    });
    client = next;
    try {
      await next.connect();
      await next.query(`LISTEN ${channel}`);
    } catch (error) {
      if (client === next) lost(error as Error);
      return;
    }
    if (client !== next || closed) return;
    listening = true;
    connections += 1;
    delay = minDelay;
    if (connections === 1) logger.info({ channel }, 'event bus listening for other processes');
    if (connections > 1) {
      logger.info({ channel }, 'event bus reconnected');
      // Work may have been enqueued while nobody heard: the workers look now, not at their next poll.
      local.publish('queue', '');
    }
    for (const wake of readyWaiters.splice(0)) wake();
  };

  const scheduleReconnect = () => {
    if (closed || reconnectTimer) return;
    reconnectTimer = setTimeout(() => {
      reconnectTimer = undefined;
      void connect();
    }, delay);
    reconnectTimer.unref();
    delay = Math.min(maxDelay, delay * 2);
  };

  const flush = (): Promise<unknown> => {
    flushScheduled = false;
    const batch = pending;
    pending = [];
    const target = client;
    if (!target || !listening) return Promise.resolve();
    const seen = new Set<string>();
    const payloads: string[] = [];
    let current: Array<[string, string]> = [];
    let size = 0;
    const head = `{"o":"${origin}","m":[`.length + 2;
    for (const entry of batch) {
      const key = `${entry[0]}\u0000${entry[1]}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const bytes = Buffer.byteLength(JSON.stringify(entry)) + 1;
      if (bytes + head > MAX_PAYLOAD_BYTES) continue;
      if (size + bytes + head > MAX_PAYLOAD_BYTES) {
        payloads.push(JSON.stringify({ o: origin, m: current }));
        current = [];
        size = 0;
      }
      current.push(entry);
      size += bytes;
    }
    if (current.length > 0) payloads.push(JSON.stringify({ o: origin, m: current }));
    if (payloads.length === 0) return Promise.resolve();
    // One statement for the whole batch: a client runs one query at a time, and queuing several
    // on the listening connection is deprecated in pg 8 (and an error in pg 9).
    return target
      .query(
        'SELECT pg_notify($1, payload) FROM unnest($2::text[]) WITH ORDINALITY AS t(payload, n) ORDER BY n',
        [channel, payloads],
      )
      .catch((error: unknown) => {
        logger.warn({ err: error }, 'NOTIFY failed; other processes catch up by polling');
      });
  };

  void connect();

  return {
    get listening() {
      return listening;
    },
    get connections() {
      return connections;
    },
    publish(name, payload = '') {
      local.publish(name, payload);
      if (closed) return;
      pending.push([name, payload]);
      if (!flushScheduled) {
        flushScheduled = true;
        const send = () => {
          sending = sending.then(flush);
        };
        if (gatherMs > 0) setTimeout(send, gatherMs).unref();
        else setImmediate(send);
      }
    },
    subscribe: (name, listener) => local.subscribe(name, listener),
    ready() {
      if (listening) return Promise.resolve();
      return new Promise((resolve) => readyWaiters.push(resolve));
    },
    async close() {
      if (reconnectTimer) clearTimeout(reconnectTimer);
      await sending;
      if (pending.length > 0) await flush();
      closed = true;
      if (reconnectTimer) clearTimeout(reconnectTimer);
      const last = client;
      client = undefined;
      listening = false;
      for (const wake of readyWaiters.splice(0)) wake();
      readyWaiters = [];
      await last?.end().catch(() => undefined);
    },
  };
}
