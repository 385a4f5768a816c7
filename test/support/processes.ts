import { type ChildProcess, spawn } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';

const BIN = path.resolve('bin/agentruns.js');

/** A port nobody listens on now. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        address && typeof address === 'object' ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

/** One `agentruns` child process (`serve`, `worker`), its output kept for assertions and failures. */
export interface AgentrunsProcess {
  readonly child: ChildProcess;
  readonly name: string;
  output(): string;
  /** Resolves when the output matches `pattern`; rejects after `timeoutMs` or when the process exits. */
  waitForOutput(pattern: RegExp, timeoutMs?: number): Promise<void>;
  /** Resolves with the exit code (or signal) once the process has exited. */
  readonly exited: Promise<number | string>;
  kill(signal?: NodeJS.Signals): void;
}

export function spawnAgentruns(name: string, args: string[], env: NodeJS.ProcessEnv): AgentrunsProcess {
  const child = spawn(process.execPath, [BIN, ...args], {
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  const watchers = new Set<() => void>();
  const append = (chunk: Buffer) => {
    text += chunk.toString();
    for (const w of [...watchers]) w();
  };
  child.stdout?.on('data', append);
  child.stderr?.on('data', append);
  let exitedFlag = false;
  const exited = new Promise<number | string>((resolve) => {
    child.on('exit', (code, signal) => {
      exitedFlag = true;
      for (const w of [...watchers]) w();
      resolve(code ?? signal ?? 'unknown');
    });
  });
  return {
    child,
    name,
    output: () => text,
    exited,
    waitForOutput(pattern, timeoutMs = 30_000) {
      return new Promise<void>((resolve, reject) => {
        const check = () => {
          if (pattern.test(text)) {
            done();
            resolve();
          } else if (exitedFlag) {
            done();
            reject(new Error(`${name} exited before printing ${pattern}:\n${text}`));
          }
        };
        const timer = setTimeout(() => {
          done();
          reject(new Error(`${name} did not print ${pattern} within ${timeoutMs} ms:\n${text}`));
        }, timeoutMs);
        const done = () => {
          clearTimeout(timer);
          watchers.delete(check);
        };
        watchers.add(check);
        check();
      });
    },
    kill(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    },
  };
}

/**
 * A TCP proxy on loopback in front of PostgreSQL: `cut()` drops every connection through it and
 * refuses new ones (the network failing, or the database restarting), `restore()` lets them in
 * again. Lets a test take the database away from some processes without disturbing anyone else.
 */
export interface TcpProxy {
  readonly port: number;
  cut(): void;
  restore(): void;
  close(): Promise<void>;
}

export async function startTcpProxy(targetPort: number, targetHost = '127.0.0.1'): Promise<TcpProxy> {
  let open = true;
  const pairs = new Set<{ a: net.Socket; b: net.Socket }>();
  const server = net.createServer((client) => {
    if (!open) {
      client.destroy();
      return;
    }
    const upstream = net.connect(targetPort, targetHost);
    const pair = { a: client, b: upstream };
    pairs.add(pair);
    const end = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end);
    upstream.on('error', end);
    client.on('close', end);
    upstream.on('close', end);
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    port,
    cut() {
      open = false;
      for (const { a, b } of [...pairs]) {
        a.destroy();
        b.destroy();
      }
      pairs.clear();
    },
    restore() {
      open = true;
    },
    close() {
      open = false;
      for (const { a, b } of pairs) {
        a.destroy();
        b.destroy();
      }
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Polls `check` until it returns a value other than undefined; throws after `timeoutMs` with `what`. */
export async function eventually<T>(
  what: string,
  check: () => Promise<T | undefined>,
  timeoutMs = 30_000,
  intervalMs = 200,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline)
      throw new Error(`gave up waiting for ${what} after ${timeoutMs} ms${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
