import { createParser } from 'eventsource-parser';
import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AgentView } from '../src/agents/agent-service.ts';
import { createApp } from '../src/api/create-app.ts';
import { createWorker, type Worker } from '../src/engine/worker.ts';
import type { RunDetails } from '../src/runs/run-view.ts';
import { createTestDeps, reportAgent, storeKinds, type TestDeps } from './support/test-deps.ts';

interface StreamedEvent {
  id: number;
  event: string;
  data: { seq: number; type: string; runId: string; at: string; data: Record<string, unknown> };
}

interface StreamResult {
  events: StreamedEvent[];
  /** True when the server ended the stream; false when the reader stopped it. */
  endedByServer: boolean;
}

/** Longest any read waits; a hung stream fails the test instead of hanging it. */
const STREAM_TIMEOUT_MS = 10_000;

describe.each(storeKinds)('run event stream on %s', (kind) => {
  let deps: TestDeps;
  let app: FastifyInstance;
  let worker: Worker;
  let baseUrl: string;
  let agent: AgentView;
  beforeEach(async () => {
    deps = await createTestDeps(kind);
    app = await createApp(deps);
    await app.listen({ port: 0, host: '127.0.0.1' });
    const address = app.server.address();
    if (address === null || typeof address === 'string') throw new Error('no TCP address');
    baseUrl = `http://127.0.0.1:${address.port}`;
    worker = createWorker(deps, { pollIntervalMs: 50 });
    agent = await request<AgentView>('POST', '/api/agents', {
      ...reportAgent,
      modelSettings: { model: 'simulated/delay-50' },
    });
  });
  afterEach(async () => {
    await worker.stop(1000);
    // fetch (undici) may keep a spare socket that never carries a request; Node waits for it
    // (4 s) before a close completes. Every stream of a test has ended by now.
    app.server.closeAllConnections();
    await app.close();
    await deps.close();
  });

  async function request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await fetch(`${baseUrl}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${deps.token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(STREAM_TIMEOUT_MS),
    });
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
    return (await res.json()) as T;
  }

  /** Reads the stream until `stop` says so or the server ends it; bounded by STREAM_TIMEOUT_MS. */
  async function readEvents(
    path: string,
    options: { headers?: Record<string, string>; stop?: (event: StreamedEvent) => boolean } = {},
  ): Promise<StreamResult> {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(new Error('timed out')), STREAM_TIMEOUT_MS);
    const events: StreamedEvent[] = [];
    let stopped = false;
    try {
      const res = await fetch(`${baseUrl}${path}`, {
        headers: { authorization: `Bearer ${deps.token}`, accept: 'text/event-stream', ...options.headers },
        signal: controller.signal,
      });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toContain('text/event-stream');
      if (!res.body) throw new Error('no body');
      const parser = createParser({
        onEvent(message) {
          if (stopped) return;
          const event = {
            id: Number(message.id),
            event: message.event ?? 'message',
            data: JSON.parse(message.data) as StreamedEvent['data'],
          };
          events.push(event);
          if (options.stop?.(event)) {
            stopped = true;
            controller.abort();
          }
        },
      });
      const decoder = new TextDecoder();
      try {
        for await (const chunk of res.body) parser.feed(decoder.decode(chunk, { stream: true }));
      } catch (error) {
        if (!stopped) throw error;
      }
      return { events, endedByServer: !stopped };
    } finally {
      clearTimeout(timer);
    }
  }

  const isFinal = (event: StreamedEvent) =>
    event.event === 'run.status' &&
    ['completed', 'failed', 'canceled'].includes(String(event.data.data.status));

  it('streams the run from enqueued to completed, each step started and finished, ids increasing', async () => {
    const run = await request<RunDetails>('POST', `/api/agents/${agent.id}/runs`, {
      variables: { customer: 'Acme' },
    });
    const reading = readEvents(`/api/runs/${run.id}/events`, { stop: isFinal });
    worker.start();
    const { events } = await reading;

    const ids = events.map((e) => e.id);
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids[0]).toBe(1);
    for (const e of events) {
      expect(e.data).toMatchObject({ seq: e.id, type: e.event, runId: run.id, at: expect.any(String) });
    }
    const statuses = events.filter((e) => e.event === 'run.status').map((e) => e.data.data.status);
    expect(statuses).toEqual(['enqueued', 'running', 'completed']);
    const steps = events
      .filter((e) => e.event.startsWith('step.'))
      .map((e) => [e.event, e.data.data.number, e.data.data.name]);
    expect(steps).toEqual([
      ['step.started', 1, 'Gather'],
      ['step.finished', 1, 'Gather'],
      ['step.started', 2, 'Summarize'],
      ['step.finished', 2, 'Summarize'],
      ['step.started', 3, 'Report'],
      ['step.finished', 3, 'Report'],
    ]);
    const finished = events.filter((e) => e.event === 'step.finished').map((e) => e.data.data);
    for (const step of finished) {
      expect(step).toMatchObject({
        status: 'completed',
        output: expect.stringContaining('Simulated answer'),
      });
    }
    const started = events.find((e) => e.event === 'step.started');
    expect(started?.data.data.statusText).toBe('Step 1 of 3: Gather');
    expect(events.at(-1)?.data.data.statusText).toBe('Completed 3 of 3 steps');
  });

  it('resumes after Last-Event-ID with only the later events', async () => {
    const run = await request<RunDetails>('POST', `/api/agents/${agent.id}/runs`, {
      variables: { customer: 'Acme' },
    });
    worker.start();
    const first = await readEvents(`/api/runs/${run.id}/events`, {
      stop: (e) => e.event === 'step.finished' && e.data.data.number === 1,
    });
    const lastSeen = first.events.at(-1)?.id ?? 0;
    expect(lastSeen).toBeGreaterThan(2);

    const rest = await readEvents(`/api/runs/${run.id}/events`, {
      headers: { 'last-event-id': String(lastSeen) },
      stop: isFinal,
    });
    expect(rest.events[0]?.id).toBe(lastSeen + 1);
    expect(rest.events.every((e) => e.id > lastSeen)).toBe(true);
    const all = [...first.events, ...rest.events];
    expect(all.map((e) => e.id)).toEqual(all.map((_, i) => i + 1));
    expect(rest.events.map((e) => e.event)).toContain('step.finished');
    expect(rest.events.at(-1)?.data.data.status).toBe('completed');

    const viaQuery = await readEvents(`/api/runs/${run.id}/events?after=${lastSeen}&untilDone=1`);
    expect(viaQuery.events.map((e) => e.id)).toEqual(rest.events.map((e) => e.id));
  });

  it('ends the stream itself once the run is done when asked with untilDone=1', async () => {
    const run = await request<RunDetails>('POST', `/api/agents/${agent.id}/runs`, {
      variables: { customer: 'Acme' },
    });
    const reading = readEvents(`/api/runs/${run.id}/events?untilDone=1`);
    worker.start();
    const { events, endedByServer } = await reading;
    expect(endedByServer).toBe(true);
    expect(events.at(-1)).toMatchObject({ event: 'run.status', data: { data: { status: 'completed' } } });

    const again = await readEvents(`/api/runs/${run.id}/events?untilDone=1`);
    expect(again.endedByServer).toBe(true);
    expect(again.events.map((e) => e.id)).toEqual(events.map((e) => e.id));

    const caughtUp = await readEvents(`/api/runs/${run.id}/events?untilDone=1`, {
      headers: { 'last-event-id': String(events.at(-1)?.id) },
    });
    expect(caughtUp).toEqual({ events: [], endedByServer: true });
  });

  it('ends a replay of a finished run even when the client has seen its final status', async () => {
    const run = await request<RunDetails>('POST', `/api/agents/${agent.id}/runs`, {
      variables: { customer: 'Acme' },
    });
    worker.start();
    const { events } = await readEvents(`/api/runs/${run.id}/events?untilDone=1`);
    const finalId = events.at(-1)?.id ?? 0;
    await request('PATCH', `/api/runs/${run.id}`, { archived: true });
    const after = await readEvents(`/api/runs/${run.id}/events?untilDone=1`, {
      headers: { 'last-event-id': String(finalId) },
    });
    expect(after.endedByServer).toBe(true);
    expect(after.events.map((e) => [e.id, e.event])).toEqual([[finalId + 1, 'run.updated']]);
  });

  it('ends with the failure when a step fails', async () => {
    const failing = await request<AgentView>('POST', '/api/agents', {
      ...reportAgent,
      name: 'Fails',
      modelSettings: { model: 'simulated/fail-at-step-2' },
    });
    const run = await request<RunDetails>('POST', `/api/agents/${failing.id}/runs`, {
      variables: { customer: 'Acme' },
    });
    worker.start();
    const { events, endedByServer } = await readEvents(`/api/runs/${run.id}/events?untilDone=1`);
    expect(endedByServer).toBe(true);
    const failed = events.find((e) => e.event === 'step.finished' && e.data.data.status === 'failed');
    expect(failed?.data.data).toMatchObject({ number: 2, error: expect.stringContaining('step 2') });
    expect(events.at(-1)?.data.data).toMatchObject({ status: 'failed' });
  });

  it('streams a cancel to a client that is following the run', async () => {
    const slow = await request<AgentView>('POST', '/api/agents', {
      ...reportAgent,
      name: 'Slow',
      modelSettings: { model: 'simulated/slow' },
    });
    const run = await request<RunDetails>('POST', `/api/agents/${slow.id}/runs`, {
      variables: { customer: 'Acme' },
    });
    let canceling: Promise<unknown> | undefined;
    const reading = readEvents(`/api/runs/${run.id}/events?untilDone=1`, {
      stop: (e) => {
        if (e.event === 'step.started') canceling ??= request('POST', `/api/runs/${run.id}/cancel`);
        return false;
      },
    });
    worker.start();
    const { events, endedByServer } = await reading;
    await canceling;
    expect(endedByServer).toBe(true);
    expect(events.at(-1)?.data.data).toMatchObject({ status: 'canceled' });
  });

  it('lets the server close while a client is still following a run', async () => {
    const run = await request<RunDetails>('POST', `/api/agents/${agent.id}/runs`, {
      variables: { customer: 'Acme' },
      start: false,
    });
    const reading = readEvents(`/api/runs/${run.id}/events`);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const closed = app.close().then(() => 'closed');
    const timeout = new Promise((resolve) => setTimeout(() => resolve('still open'), 3000));
    expect(await Promise.race([closed, timeout])).toBe('closed');
    const { events, endedByServer } = await reading;
    expect(endedByServer).toBe(true);
    expect(events.map((e) => e.event)).toEqual(['run.created']);
  });
});
