import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { request } from 'undici';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createModelHttpAgent, IdleStackPool } from '../src/models/idle-stack-pool.ts';

describe('model calls over an idle-stack pool', () => {
  let server: http.Server;
  let sockets = 0;
  const open: Array<() => void> = [];
  afterEach(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  /** A server answering each request once `release` is called, counting the connections it accepted. */
  const start = async (hold: boolean, closeEach = false) => {
    sockets = 0;
    server = http.createServer((req, res) => {
      const answer = () => {
        if (closeEach) res.setHeader('connection', 'close');
        res.end(`answer to ${req.url}`);
      };
      if (hold) open.push(answer);
      else answer();
    });
    server.on('connection', () => sockets++);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  };

  /** A client says it is free again (`drain`) a moment after its answer was read. */
  const settle = () => new Promise((resolve) => setTimeout(resolve, 20));

  const get = async (pool: IdleStackPool | ReturnType<typeof createModelHttpAgent>, url: string) => {
    const response = await request(url, { dispatcher: pool });
    return response.body.text();
  };

  it('reuses the connection that went idle instead of opening another', async () => {
    const origin = await start(false);
    const pool = new IdleStackPool(origin);
    for (let i = 0; i < 5; i++) {
      expect(await get(pool, `${origin}/${i}`)).toBe(`answer to /${i}`);
      await settle();
    }
    expect(sockets).toBe(1);
    expect(pool.connections).toBe(1);
    await pool.close();
  });

  it('opens one connection per call in flight, and the next calls reuse them all', async () => {
    const origin = await start(true);
    const agent = createModelHttpAgent();
    const waitFor = async (n: number) => {
      while (open.length < n) await new Promise((resolve) => setTimeout(resolve, 5));
    };
    for (let round = 0; round < 2; round++) {
      const calls = Array.from({ length: 40 }, (_, i) => get(agent, `${origin}/${round}-${i}`));
      await waitFor(40);
      for (const answer of open.splice(0)) answer();
      const answers = await Promise.all(calls);
      expect(answers[39]).toBe(`answer to /${round}-39`);
      await settle();
    }
    expect(sockets).toBe(40);
    await agent.destroy();
  });

  it('lets the connections of a burst go once they close idle, and keeps serving', async () => {
    const origin = await start(true);
    // undici closes a connection idle this long; the server's own timeout would do the same.
    const pool = new IdleStackPool(origin, { keepAliveTimeout: 100, keepAliveMaxTimeout: 100 });
    const calls = Array.from({ length: 30 }, (_, i) => get(pool, `${origin}/${i}`));
    while (open.length < 30) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(pool.connections).toBe(30);
    for (const answer of open.splice(0)) answer();
    await Promise.all(calls);
    await vi.waitFor(() => expect(pool.connections).toBe(0), { timeout: 10_000 });
    const next = get(pool, `${origin}/after`);
    while (open.length < 1) await new Promise((resolve) => setTimeout(resolve, 5));
    for (const answer of open.splice(0)) answer();
    expect(await next).toBe('answer to /after');
    expect(pool.connections).toBe(1);
    await pool.close();
  });

  it('connects again when the server closed an idle connection', async () => {
    const origin = await start(false, true);
    const pool = new IdleStackPool(origin);
    expect(await get(pool, `${origin}/a`)).toBe('answer to /a');
    // The client sees the close before the next request.
    await settle();
    expect(await get(pool, `${origin}/b`)).toBe('answer to /b');
    expect(sockets).toBe(2);
    expect(pool.connections).toBe(1);
    await pool.destroy();
  });
});
