import { Agent, Client, Dispatcher } from 'undici';

/**
 * One origin's HTTP/1.1 connections, each request given the connection that went idle last.
 * undici's `Pool` looks for a free connection by walking all of them from the first: with
 * thousands of model calls in flight to one self-hosted server, each request walked thousands of
 * busy connections (1.4–2.5 % of the engine's thread at 2,000 in flight, more at 4,000). Here the
 * idle ones wait on a stack: a connection goes back on it when its client says it can take a
 * request again (`drain`), and a request that finds none opens another, as `Pool` does without a
 * connection limit. A connection that closes while idle (the server's or undici's keep-alive
 * timeout, 4 s) is let go: the pool shrinks back after a burst instead of keeping a client for
 * every call that was ever in flight at once (at 1,000 runs in flight the ramp-up left 817 idle
 * ones, ~2 KB of heap each).
 */
export class IdleStackPool extends Dispatcher {
  readonly #origin: string | URL;
  readonly #options: Client.Options;
  /** Idle clients, the last to go idle on top; may hold clients let go since, skipped when popped. */
  #idle: Client[] = [];
  /** The clients that are idle now: each is on the stack once. */
  readonly #idleNow = new Set<Client>();
  readonly #clients = new Set<Client>();
  #closed = false;

  constructor(origin: string | URL, options: Client.Options = {}) {
    super();
    this.#origin = origin;
    this.#options = options;
  }

  /** Connections opened and still kept, busy or idle. */
  get connections(): number {
    return this.#clients.size;
  }

  override dispatch(options: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandlers): boolean {
    let client = this.#idle.pop();
    while (client && !this.#idleNow.delete(client)) client = this.#idle.pop();
    client ??= this.#open();
    // True: the client can take another request at once (pipelining), so it stays idle.
    if (client.dispatch(options, handler)) this.#goIdle(client);
    // Never busy: a request that finds no idle connection opens one.
    return true;
  }

  #open(): Client {
    const client = new Client(this.#origin, this.#options);
    client.on('drain', () => this.#goIdle(client));
    client.on('disconnect', () => this.#letGoIfIdle(client));
    this.#clients.add(client);
    return client;
  }

  #goIdle(client: Client): void {
    if (this.#closed || this.#idleNow.has(client) || !this.#clients.has(client)) return;
    this.#idleNow.add(client);
    this.#idle.push(client);
  }

  /** A client whose connection closed while idle goes; one closed mid-request stays for its retry. */
  #letGoIfIdle(client: Client): void {
    if (!this.#idleNow.delete(client)) return;
    this.#clients.delete(client);
    void client.close().catch(() => undefined);
    // The stack keeps what it held until popped; past twice the idle clients it is rebuilt.
    if (this.#idle.length > 2 * this.#idleNow.size + 64)
      this.#idle = this.#idle.filter((c) => this.#idleNow.has(c));
  }

  override close(): Promise<void>;
  override close(callback: () => void): void;
  override close(callback?: () => void): Promise<void> | void {
    this.#closed = true;
    this.#idle.length = 0;
    this.#idleNow.clear();
    const closed = Promise.all([...this.#clients].map((c) => c.close())).then(() => undefined);
    if (!callback) return closed;
    void closed.then(callback);
  }

  override destroy(): Promise<void>;
  override destroy(err: Error | null): Promise<void>;
  override destroy(callback: () => void): void;
  override destroy(err: Error | null, callback: () => void): void;
  override destroy(errOrCallback?: Error | null | (() => void), callback?: () => void): Promise<void> | void {
    const err = typeof errOrCallback === 'function' ? null : (errOrCallback ?? null);
    const done = typeof errOrCallback === 'function' ? errOrCallback : callback;
    this.#closed = true;
    this.#idle.length = 0;
    this.#idleNow.clear();
    const destroyed = Promise.all([...this.#clients].map((c) => c.destroy(err))).then(() => undefined);
    if (!done) return destroyed;
    void destroyed.then(done);
  }
}

/** The model providers' HTTP agent: an `IdleStackPool` per origin. Closed with the process's deps. */
export function createModelHttpAgent(): Agent {
  return new Agent({ factory: (origin, options) => new IdleStackPool(origin, options) });
}
