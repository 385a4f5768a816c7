import { Agent, Client, Dispatcher } from 'undici';

/**
 * One origin's HTTP/1.1 connections, each request given the connection that went idle last.
 * undici's `Pool` looks for a free connection by walking all of them from the first: with
 * thousands of model calls in flight to one self-hosted server, each request walked thousands of
 * busy connections (1.4–2.5 % of the engine's thread at 2,000 in flight, more at 4,000). Here the
 * idle ones wait on a stack: a connection goes back on it when its client says it can take a
 * request again (`drain`), and a request that finds none opens another, as `Pool` does without a
 * connection limit. A connection the server closed stays on the stack: its client connects again
 * for its next request.
 */
export class IdleStackPool extends Dispatcher {
  readonly #origin: string | URL;
  readonly #options: Client.Options;
  readonly #idle: Client[] = [];
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
    const client = this.#idle.pop() ?? this.#open();
    // True: the client can take another request at once (pipelining), so it stays idle.
    if (client.dispatch(options, handler)) this.#idle.push(client);
    // Never busy: a request that finds no idle connection opens one.
    return true;
  }

  #open(): Client {
    const client = new Client(this.#origin, this.#options);
    client.on('drain', () => {
      if (!this.#closed) this.#idle.push(client);
    });
    this.#clients.add(client);
    return client;
  }

  override close(): Promise<void>;
  override close(callback: () => void): void;
  override close(callback?: () => void): Promise<void> | void {
    this.#closed = true;
    this.#idle.length = 0;
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
    const destroyed = Promise.all([...this.#clients].map((c) => c.destroy(err))).then(() => undefined);
    if (!done) return destroyed;
    void destroyed.then(done);
  }
}

/** The model providers' HTTP agent: an `IdleStackPool` per origin. Closed with the process's deps. */
export function createModelHttpAgent(): Agent {
  return new Agent({ factory: (origin, options) => new IdleStackPool(origin, options) });
}
