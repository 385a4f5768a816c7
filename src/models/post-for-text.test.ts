import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { postForText, postTarget, type ResponseHead } from './post-for-text.ts';

interface Served {
  url: string;
  /** Bodies the server received, in order. */
  bodies: string[];
  /** Resolves when the server sees a request's connection close before its answer ended. */
  cutOff: Promise<void>;
  close(): Promise<void>;
}

/** A server that answers each POST with `answer`, writing as it likes; `res.end()` is up to it. */
async function serve(answer: (res: http.ServerResponse) => void): Promise<Served> {
  const bodies: string[] = [];
  let cut: () => void = () => {};
  const cutOff = new Promise<void>((resolve) => {
    cut = resolve;
  });
  const server = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (piece: string) => {
      body += piece;
    });
    req.on('end', () => {
      bodies.push(body);
      res.on('close', () => {
        if (!res.writableFinished) cut();
      });
      answer(res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1/chat/completions?api-version=1`,
    bodies,
    cutOff,
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

const post = (signal = new AbortController().signal) => ({
  headers: { 'content-type': 'application/json' },
  body: '{"q":"Café"}',
  signal,
});

describe('postForText (undici dispatcher, no Readable)', () => {
  let served: Served | undefined;
  afterEach(async () => {
    await served?.close();
    served = undefined;
  });

  it('sends the body to the path and query, and hands over the head and the text as it comes', async () => {
    served = await serve((res) => {
      res.writeHead(201, [
        ['Content-Type', 'text/plain'],
        ['X-Part', 'a'],
        ['X-Part', 'b'],
      ]);
      res.write('Hello, ');
      setTimeout(() => res.end('world'), 20);
    });
    const pieces: string[] = [];
    let head: ResponseHead | undefined;
    await postForText(postTarget(served.url), post(), (h) => {
      head = h;
      return (text) => pieces.push(text) > 0;
    });
    expect(served.bodies).toEqual(['{"q":"Café"}']);
    expect(head?.status).toBe(201);
    expect(head?.header('content-type')).toBe('text/plain');
    expect(head?.header('x-missing')).toBeUndefined();
    expect(head?.headers()).toMatchObject({ 'content-type': 'text/plain', 'x-part': 'a, b' });
    expect(pieces).toEqual(['Hello, ', 'world']);
  });

  it('stops reading when the sink says so: the post resolves and the request ends', async () => {
    served = await serve((res) => {
      res.writeHead(500, { 'content-type': 'text/plain' });
      // An error answer that never ends.
      const timer = setInterval(() => res.write('x'.repeat(16 * 1024)), 5);
      res.on('close', () => clearInterval(timer));
    });
    let read = 0;
    await postForText(postTarget(served.url), post(), () => (text) => {
      read += text.length;
      return read < 64 * 1024;
    });
    expect(read).toBeGreaterThanOrEqual(64 * 1024);
    await served.cutOff;
  });

  it('rejects with the signal’s reason and ends the request when the call is canceled mid-answer', async () => {
    served = await serve((res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: {}\n\n');
    });
    const controller = new AbortController();
    const reason = new Error('run canceled');
    const pending = postForText(postTarget(served.url), post(controller.signal), () => (text) => {
      if (text !== '') controller.abort(reason);
      return true;
    });
    await expect(pending).rejects.toBe(reason);
    await served.cutOff;
  });

  it('sends nothing for a call already canceled', async () => {
    served = await serve((res) => res.end());
    const controller = new AbortController();
    controller.abort(new Error('canceled before'));
    await expect(
      postForText(postTarget(served.url), post(controller.signal), () => () => true),
    ).rejects.toThrow('canceled before');
    expect(served.bodies).toEqual([]);
  });

  it('rejects with what the sink threw and ends the request', async () => {
    served = await serve((res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: not json\n\n');
    });
    const thrown = new Error('could not read the answer');
    const pending = postForText(postTarget(served.url), post(), () => () => {
      throw thrown;
    });
    await expect(pending).rejects.toBe(thrown);
    await served.cutOff;
  });

  it('rejects with the network’s error when nothing listens', async () => {
    served = await serve((res) => res.end());
    const url = served.url;
    await served.close();
    served = undefined;
    await expect(postForText(postTarget(url), post(), () => () => true)).rejects.toMatchObject({
      code: 'ECONNREFUSED',
    });
  });
});
