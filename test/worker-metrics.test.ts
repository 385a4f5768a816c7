import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AgentrunsProcess, eventually, spawnAgentruns } from './support/processes.ts';
import { createReportRun, createTestDeps, type TestDeps } from './support/test-deps.ts';

const METRICS_TOKEN = 'worker-scrape-token';

const sample = (text: string, series: string): number | undefined => {
  const escaped = series.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const match = new RegExp(`^${escaped} (\\S+)$`, 'm').exec(text);
  return match ? Number(match[1]) : undefined;
};

/**
 * A separate `agentruns worker` (issue 11, Observability): the step and model-call histograms of
 * the attempts it runs live in its process, so it serves them on its own port.
 */
describe('agentruns worker metrics port', () => {
  let deps: TestDeps;
  let worker: AgentrunsProcess;
  let url: string;

  beforeAll(async () => {
    deps = await createTestDeps('sqlite');
    worker = spawnAgentruns('worker', ['worker'], {
      DATA_DIR: deps.config.dataDir,
      AGENTRUNS_EXAMPLES: '0',
      AGENTRUNS_WORKER_METRICS_PORT: '0',
      AGENTRUNS_METRICS_TOKEN: METRICS_TOKEN,
      AGENTRUNS_WORKER_POLL_MS: '100',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
    });
    await worker.waitForOutput(/Worker metrics on http:\/\/\S+\/metrics/, 60_000);
    url = /Worker metrics on (http:\/\/\S+\/metrics)/.exec(worker.output())?.[1] ?? '';
  }, 90_000);

  afterAll(async () => {
    worker?.kill('SIGKILL');
    await worker?.exited;
    await deps?.close();
  });

  const scrape = (token: string | null, at = url) =>
    fetch(at, token === null ? {} : { headers: { authorization: `Bearer ${token}` } });

  it('serves the histograms of the steps this worker ran', async () => {
    // Written by this process (as `serve` would), run by the worker process.
    const { run } = await createReportRun(deps, { customer: 'Scraped' });
    const text = await eventually('the worker to count three completed steps', async () => {
      const res = await scrape(METRICS_TOKEN);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toContain('text/plain');
      const body = await res.text();
      return sample(body, 'agentruns_step_duration_seconds_count{status="completed"}') === 3
        ? body
        : undefined;
    });
    expect(
      sample(text, 'agentruns_model_call_duration_seconds_count{provider="simulated",outcome="ok"}'),
    ).toBe(3);
    expect(sample(text, 'agentruns_runs{status="completed"}')).toBe(1);
    expect(text).toContain('agentruns_process_');
    expect(text).not.toContain(run.id);
    expect(text).not.toContain(deps.admin.orgId);
  });

  it('answers only the metrics token, and only at /metrics', async () => {
    const none = await scrape(null);
    expect(none.status).toBe(401);
    expect(((await none.json()) as { error: { message: string } }).error.message).toContain(
      'AGENTRUNS_METRICS_TOKEN',
    );
    const wrong = await scrape('not-the-token');
    expect(wrong.status).toBe(403);
    expect(((await wrong.json()) as { error: { code: string } }).error.code).toBe('forbidden');
    const elsewhere = await scrape(METRICS_TOKEN, url.replace(/\/metrics$/, '/api/runs'));
    expect(elsewhere.status).toBe(404);
  });

  it('refuses a port that is not a number, naming the variable', async () => {
    const bad = spawnAgentruns('bad-worker', ['worker'], {
      DATA_DIR: deps.config.dataDir,
      AGENTRUNS_WORKER_METRICS_PORT: 'ninety',
    });
    expect(await bad.exited).not.toBe(0);
    expect(bad.output()).toContain('AGENTRUNS_WORKER_METRICS_PORT must be a whole number, got "ninety"');
  });
});
