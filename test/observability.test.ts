import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWorker } from '../src/engine/worker.ts';
import { createGrowthSteering } from '../src/platform/heap-growth.ts';
import { type ApiHarness, createApiHarness } from './support/api-harness.ts';
import { eventually } from './support/processes.ts';
import { createReportRun, storeKinds } from './support/test-deps.ts';

const METRICS_TOKEN = 'metrics-secret-0123456789';

/** An OTLP/HTTP receiver on loopback: keeps every span of every POST to /v1/traces. */
interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes: Array<{ key: string; value: Record<string, unknown> }>;
  status?: { code?: number };
}
async function startOtlpReceiver() {
  const spans: OtlpSpan[] = [];
  const contentTypes: string[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => {
      body += c.toString();
    });
    req.on('end', () => {
      if (req.method === 'POST' && req.url === '/v1/traces') {
        contentTypes.push(String(req.headers['content-type']));
        const parsed = JSON.parse(body) as {
          resourceSpans: Array<{ scopeSpans: Array<{ spans: OtlpSpan[] }> }>;
        };
        for (const rs of parsed.resourceSpans) for (const ss of rs.scopeSpans) spans.push(...ss.spans);
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    spans,
    contentTypes,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

const attr = (span: OtlpSpan, key: string) => {
  const value = span.attributes.find((a) => a.key === key)?.value;
  if (!value) return undefined;
  return value.stringValue ?? (value.intValue === undefined ? value.doubleValue : Number(value.intValue));
};

/** A sample's value from the Prometheus text format. */
const sample = (text: string, line: string): number | undefined => {
  const escaped = line.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const match = new RegExp(`^${escaped} (\\S+)$`, 'm').exec(text);
  return match ? Number(match[1]) : undefined;
};

describe.each(storeKinds)('metrics and traces on %s', (kind) => {
  let api: ApiHarness;
  let receiver: Awaited<ReturnType<typeof startOtlpReceiver>>;
  beforeAll(async () => {
    receiver = await startOtlpReceiver();
    api = await createApiHarness(kind, {
      config: { metricsToken: METRICS_TOKEN, otlpTracesUrl: `${receiver.url}/v1/traces` },
    });
  });
  afterAll(async () => {
    await api.close();
    await receiver.close();
  });

  const scrape = async () => {
    const res = await api.call<string>('GET', '/metrics', undefined, { token: METRICS_TOKEN });
    expect(res.status).toBe(200);
    expect(String(res.headers['content-type'])).toContain('text/plain');
    return res.body;
  };

  it('exports a run and its model calls over OTLP with GenAI attributes', async () => {
    const { run } = await createReportRun(api.deps);
    await createWorker(api.deps).runOnce();
    await api.deps.tracing?.flush();
    const spans = await eventually('the spans to arrive', async () =>
      receiver.spans.some((s) => s.name.startsWith('invoke_agent')) ? receiver.spans : undefined,
    );
    expect(receiver.contentTypes[0]).toContain('application/json');
    const agentSpan = spans.find((s) => attr(s, 'agentruns.run.id') === run.id);
    expect(agentSpan).toBeDefined();
    expect(agentSpan?.name).toBe('invoke_agent Weekly account report — Acme');
    expect(attr(agentSpan!, 'gen_ai.operation.name')).toBe('invoke_agent');
    expect(attr(agentSpan!, 'gen_ai.conversation.id')).toBe(run.id);
    const chats = spans.filter((s) => s.parentSpanId === agentSpan?.spanId);
    expect(chats.map((s) => s.name)).toEqual(['chat default', 'chat default', 'chat default']);
    for (const chat of chats) {
      expect(chat.traceId).toBe(agentSpan?.traceId);
      expect(chat.kind).toBe(3); // SPAN_KIND_CLIENT
      expect(attr(chat, 'gen_ai.operation.name')).toBe('chat');
      expect(attr(chat, 'gen_ai.provider.name')).toBe('simulated');
      expect(attr(chat, 'gen_ai.request.model')).toBe('default');
      expect(attr(chat, 'gen_ai.usage.input_tokens')).toBeGreaterThan(0);
      expect(attr(chat, 'gen_ai.usage.output_tokens')).toBeGreaterThan(0);
    }
    expect(chats.map((c) => attr(c, 'agentruns.step.number'))).toEqual([1, 2, 3]);
  });

  it('marks a failed model call on its span and counts it in /metrics', async () => {
    const { run } = await createReportRun(api.deps, { model: 'simulated/fail-at-step-2' });
    await createWorker(api.deps).runOnce();
    await api.deps.tracing?.flush();
    const failed = await eventually('the failed span', async () =>
      receiver.spans.find(
        (s) =>
          s.name === 'chat fail-at-step-2' &&
          attr(s, 'agentruns.step.number') === 2 &&
          receiver.spans.some((p) => p.spanId === s.parentSpanId && attr(p, 'agentruns.run.id') === run.id),
      ),
    );
    expect(failed.status?.code).toBe(2); // STATUS_CODE_ERROR
    expect(attr(failed, 'error.type')).toBeTruthy();
    const text = await scrape();
    expect(
      sample(
        text,
        `agentruns_model_call_errors_total{provider="simulated",kind="${attr(failed, 'error.type')}"}`,
      ),
    ).toBe(1);
  });

  it('reports runs by status, step durations, the queue and model latency to Prometheus', async () => {
    // One run waiting in the queue (no worker runs it).
    await createReportRun(api.deps, { customer: 'Waiting' });
    const text = await scrape();
    expect(sample(text, 'agentruns_runs{status="completed"}')).toBe(1);
    expect(sample(text, 'agentruns_runs{status="failed"}')).toBe(1);
    expect(sample(text, 'agentruns_runs{status="enqueued"}')).toBe(1);
    expect(sample(text, 'agentruns_queue_depth')).toBe(1);
    expect(sample(text, 'agentruns_queue_oldest_age_seconds')).toBeGreaterThanOrEqual(0);
    expect(sample(text, 'agentruns_attempts_running')).toBe(0);
    // 3 steps of the first run and 1 of the second completed; its second step failed.
    expect(sample(text, 'agentruns_step_duration_seconds_count{status="completed"}')).toBe(4);
    expect(sample(text, 'agentruns_step_duration_seconds_count{status="failed"}')).toBe(1);
    expect(
      sample(text, 'agentruns_model_call_duration_seconds_count{provider="simulated",outcome="ok"}'),
    ).toBe(4);
    expect(
      sample(text, 'agentruns_model_call_duration_seconds_count{provider="simulated",outcome="error"}'),
    ).toBe(1);
    expect(text).toContain('# TYPE agentruns_step_duration_seconds histogram');
    // Counts only: no organization, run or user appears.
    expect(text).not.toContain(api.deps.admin.orgId);
    expect(text).not.toContain('Acme');
  });

  it('reports the heap growth the steering sets, at each scrape, once a process reports it', async () => {
    expect(sample(await scrape(), 'agentruns_heap_growth_percent')).toBeUndefined();
    const loads = [0.1, 0.95, 0.95];
    const steering = createGrowthSteering({
      spare: 25,
      busy: 100,
      utilization: () => loads.shift() ?? 0.95,
      apply: () => {},
    });
    api.deps.metrics?.reportHeapGrowth(steering);
    expect(sample(await scrape(), 'agentruns_heap_growth_percent')).toBe(100);
    steering.tick();
    expect(sample(await scrape(), 'agentruns_heap_growth_percent')).toBe(25);
    steering.tick();
    steering.tick();
    expect(sample(await scrape(), 'agentruns_heap_growth_percent')).toBe(85);
  });

  it('answers only the metrics token: 401 without credentials, 403 to users, even administrators', async () => {
    expect((await api.call('GET', '/metrics', undefined, { token: null })).status).toBe(401);
    expect((await api.call('GET', '/metrics', undefined, { token: 'not-a-token' })).status).toBe(401);
    const admin = await api.call<{ error: { message: string } }>('GET', '/metrics');
    expect(admin.status).toBe(403);
    expect(admin.body.error.message).toContain('your role (admin) may not read metrics');
    // And the metrics token is no key to the API.
    expect((await api.call('GET', '/api/runs', undefined, { token: METRICS_TOKEN })).status).toBe(401);
  });
});
