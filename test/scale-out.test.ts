import { describe, expect, it } from 'vitest';
import { createAgent } from '../src/agents/agent-service.ts';
import { type Cluster, callApi, usePostgresCluster } from './support/cluster.ts';
import { hasPostgres } from './support/environment.ts';
import { type AgentrunsProcess, eventually } from './support/processes.ts';
import { reportAgent, type TestDeps } from './support/test-deps.ts';

/**
 * `agentruns serve --no-worker` and `agentruns worker` as separate processes on one PostgreSQL:
 * what one process does reaches the others through LISTEN/NOTIFY. The workers here poll once a
 * minute and renew leases every 20 s, so a run that completes, or a cancel that stops a worker,
 * within the bounded waits below got there by a notification.
 */
describe.skipIf(!hasPostgres)('many processes on one PostgreSQL', () => {
  let deps: TestDeps;
  let cluster: Cluster;
  let api: string;
  let firstWorker: AgentrunsProcess | undefined;
  const quietWorker = {
    AGENTRUNS_WORKER_POLL_MS: '60000',
    AGENTRUNS_WORKER_LEASE_MS: '60000',
    AGENTRUNS_SHUTDOWN_GRACE_MS: '60000',
  };

  const agentOn = async (model: string) =>
    (await createAgent(deps, deps.admin, { ...reportAgent, modelSettings: { model } })).id;
  const startRun = async (agentId: string) => {
    const res = await callApi<{ id: string }>(api, deps.token, 'POST', `/api/agents/${agentId}/runs`, {
      variables: { customer: 'Acme' },
      start: true,
    });
    expect(res.status).toBe(201);
    return res.body.id;
  };
  const statusOf = async (runId: string) =>
    (await callApi<{ status: string }>(api, deps.token, 'GET', `/api/runs/${runId}`)).body.status;

  usePostgresCluster(async (d, c) => {
    deps = d;
    cluster = c;
    api = (await cluster.serve('serve')).url;
  });

  it('wakes an idle worker in another process and streams its events from the serving one', async () => {
    firstWorker = (await cluster.worker('worker-1', quietWorker)).process;
    const agentId = await agentOn('simulated/delay-200');
    const runId = await startRun(agentId);
    const res = await fetch(`${api}/api/runs/${runId}/events?untilDone=1`, {
      headers: { authorization: `Bearer ${deps.token}` },
      signal: AbortSignal.timeout(30_000),
    });
    const text = await res.text();
    const types = [...text.matchAll(/^event: (.+)$/gm)].map((m) => m[1]);
    expect(types.filter((t) => t === 'step.finished')).toHaveLength(3);
    expect(text).toMatch(/"status":"completed"/);
    expect(await statusOf(runId)).toBe('completed');
  }, 60_000);

  it('stops the attempt in the worker process when the run is canceled through serve', async () => {
    // The first test's worker would answer the wake-up too: from here on one worker runs at a time.
    firstWorker?.kill('SIGTERM');
    await firstWorker?.exited;
    const { process: worker } = await cluster.worker('worker-2', quietWorker);
    const agentId = await agentOn('simulated/delay-120000');
    const runId = await startRun(agentId);
    await eventually('the run to start', async () =>
      (await statusOf(runId)) === 'running' ? true : undefined,
    );
    const canceled = await callApi(api, deps.token, 'POST', `/api/runs/${runId}/cancel`);
    expect(canceled.status).toBe(200);
    // Shutting down waits (up to its 60 s grace) for attempts in flight: the worker exits within
    // the bound only if the cancel reached it and aborted the two-minute model call.
    await eventually('the worker to hold nothing', async () => {
      const row = await deps.store.db
        .selectFrom('attempts')
        .select(['status'])
        .where('run_id', '=', runId)
        .executeTakeFirstOrThrow();
      return row.status === 'canceled' ? true : undefined;
    });
    worker.kill('SIGTERM');
    const code = await Promise.race([
      worker.exited,
      new Promise((r) => setTimeout(() => r('still running'), 20_000)),
    ]);
    expect(code).toBe(0);
    expect(worker.output()).not.toMatch(/handed unfinished attempts back/);
    expect(await statusOf(runId)).toBe('canceled');
  }, 90_000);

  it('hands an unfinished attempt back on SIGTERM, and another worker resumes it at once', async () => {
    const { process: leaving } = await cluster.worker('leaving', {
      ...quietWorker,
      AGENTRUNS_SHUTDOWN_GRACE_MS: '300',
    });
    const agentId = await agentOn('simulated/delay-120000');
    const runId = await startRun(agentId);
    await eventually('the run to start', async () =>
      (await statusOf(runId)) === 'running' ? true : undefined,
    );
    leaving.kill('SIGTERM');
    expect(await leaving.exited).toBe(0);
    expect(leaving.output()).toMatch(/handed unfinished attempts back/);
    const handedBack = await deps.store.db
      .selectFrom('attempts')
      .select(['status', 'lease_expires_at', 'lease_generation'])
      .where('run_id', '=', runId)
      .executeTakeFirstOrThrow();
    expect(handedBack).toMatchObject({ status: 'running', lease_expires_at: 0 });
    // A worker with a minute-long lease takes it on its first look, not after the old lease ran out.
    await cluster.worker('taking-over', quietWorker);
    const taken = await eventually('another worker to take the attempt', async () => {
      const row = await deps.store.db
        .selectFrom('attempts')
        .select(['lease_generation', 'lease_expires_at'])
        .where('run_id', '=', runId)
        .executeTakeFirstOrThrow();
      return row.lease_generation > handedBack.lease_generation ? row : undefined;
    });
    expect(taken.lease_expires_at).toBeGreaterThan(0);
    await callApi(api, deps.token, 'POST', `/api/runs/${runId}/cancel`);
  }, 120_000);
});
