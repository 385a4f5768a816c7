import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createAgent } from '../src/agents/agent-service.ts';
import { isFinalStatus } from '../src/engine/statuses.ts';
import { createRun } from '../src/runs/create-run.ts';
import { getRunOrThrow } from '../src/runs/get-run.ts';
import { type Cluster, callApi, usePostgresCluster } from './support/cluster.ts';
import { hasPostgres } from './support/environment.ts';
import { startFakeProviderServer } from './support/fake-provider-server.ts';
import { type AgentrunsProcess, eventually } from './support/processes.ts';
import { reportAgent, type TestDeps } from './support/test-deps.ts';

/**
 * Faults with real processes on PostgreSQL: workers killed mid-step, the database taken away
 * under load, a provider that never answers, a full blob disk, a worker cut off longer than its
 * lease. Every wait is bounded; none asserts how long anything took.
 */

const fastWorker = {
  AGENTRUNS_WORKER_LEASE_MS: '1500',
  AGENTRUNS_WORKER_POLL_MS: '200',
  AGENTRUNS_WORKER_CONCURRENCY: '4',
};

async function agentOn(deps: TestDeps, model: string, steps: readonly unknown[] = reportAgent.steps) {
  return (await createAgent(deps, deps.admin, { ...reportAgent, steps, modelSettings: { model } })).id;
}

async function startRuns(deps: TestDeps, agentId: string, count: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const run = await createRun(
      deps,
      deps.admin,
      agentId,
      { variables: { customer: `Customer ${i}` }, start: true },
      { kind: 'manual', by: deps.admin.userId },
    );
    ids.push(run.id);
  }
  return ids;
}

async function waitUntilAllFinal(deps: TestDeps, runIds: string[], timeoutMs: number) {
  await eventually(
    `${runIds.length} runs to end`,
    async () => {
      const rows = await deps.store.db
        .selectFrom('runs')
        .select('status')
        .where('id', 'in', runIds)
        .execute();
      return rows.every((r) => isFinalStatus(r.status)) ? true : undefined;
    },
    timeoutMs,
    500,
  );
}

/** Each run's step results and `step.finished` events: exactly one per step. */
async function recordedSteps(deps: TestDeps, runIds: string[]) {
  const results = await deps.store.db
    .selectFrom('step_results')
    .select(['run_id', 'number'])
    .where('run_id', 'in', runIds)
    .orderBy('run_id')
    .orderBy('number')
    .execute();
  const events = await deps.store.db
    .selectFrom('run_events')
    .select(['run_id', 'data'])
    .where('run_id', 'in', runIds)
    .where('type', '=', 'step.finished')
    .execute();
  const byRun = new Map<string, { results: number[]; events: number[] }>();
  for (const id of runIds) byRun.set(id, { results: [], events: [] });
  for (const r of results) byRun.get(r.run_id)?.results.push(r.number);
  for (const e of events) {
    const data = typeof e.data === 'string' ? JSON.parse(e.data) : e.data;
    byRun.get(e.run_id)?.events.push((data as { number: number }).number);
  }
  for (const v of byRun.values()) v.events.sort((a, b) => a - b);
  return byRun;
}

describe.skipIf(!hasPostgres)('workers killed mid-step', () => {
  let deps: TestDeps;
  let cluster: Cluster;
  usePostgresCluster((d, c) => {
    deps = d;
    cluster = c;
  });

  it('SIGKILLed 20 times across three workers, every run still ends with exactly one result per step', async () => {
    const agentId = await agentOn(deps, 'simulated/delay-1000');
    const runIds = await startRuns(deps, agentId, 40);
    const began = Date.now();
    const progress = (what: string) => console.log(`[kill test +${Date.now() - began} ms] ${what}`);
    const idOf = (p: AgentrunsProcess) => /Worker (\S+) running/.exec(p.output())?.[1] ?? '';
    const slots: Array<Promise<AgentrunsProcess>> = [0, 1, 2].map((i) =>
      cluster.worker(`worker-${i}`, fastWorker).then((w) => w.process),
    );
    let kills = 0;
    for (let round = 0; round < 20; round++) {
      const slot = round % 3;
      const victim = await slots[slot]!;
      runIds.push(...(await startRuns(deps, agentId, 3)));
      // Killed while it holds attempts: in a step, since a step is almost all model wait.
      await eventually(
        `worker ${victim.name} to hold an attempt`,
        async () => {
          const held = await deps.store.db
            .selectFrom('attempts')
            .select('id')
            .where('status', '=', 'running')
            .where('lease_owner', '=', idOf(victim))
            .executeTakeFirst();
          return held ? true : undefined;
        },
        60_000,
      );
      await new Promise((r) => setTimeout(r, 50 + Math.floor(Math.random() * 300)));
      victim.kill('SIGKILL');
      expect(await victim.exited).toBe('SIGKILL');
      kills++;
      progress(`killed ${victim.name} (${kills})`);
      slots[slot] = cluster.worker(`worker-${slot}-${round}`, fastWorker).then((w) => w.process);
    }
    await Promise.all(slots);
    progress('waiting for the runs to end');
    await waitUntilAllFinal(deps, runIds, 120_000);
    progress('all ended');

    expect(kills).toBe(20);
    const runs = await deps.store.db
      .selectFrom('runs')
      .select(['id', 'status'])
      .where('id', 'in', runIds)
      .execute();
    expect(runs.filter((r) => r.status !== 'completed')).toEqual([]);
    for (const [runId, steps] of await recordedSteps(deps, runIds)) {
      expect({ runId, ...steps }).toEqual({ runId, results: [1, 2, 3], events: [1, 2, 3] });
    }
    // The kills landed on attempts in flight: some were taken over by another worker.
    const resumed = await deps.store.db
      .selectFrom('attempts')
      .select('id')
      .where('run_id', 'in', runIds)
      .where('lease_generation', '>', 1)
      .execute();
    expect(resumed.length).toBeGreaterThan(0);
  }, 480_000);
});

describe.skipIf(!hasPostgres)('a worker killed while invoke_agent waits for its child', () => {
  let deps: TestDeps;
  let cluster: Cluster;
  usePostgresCluster((d, c) => {
    deps = d;
    cluster = c;
  });

  it('the worker that takes the parent over reattaches to the child: one child run, and the parent completes with its output', async () => {
    const child = await createAgent(deps, deps.admin, {
      name: 'Child',
      variables: [{ name: 'text', type: 'string', required: true }],
      steps: [{ name: 'Echo', prompt: 'Child got {{ vars.text }}' }],
    });
    const parent = await createAgent(deps, deps.admin, {
      name: 'Parent',
      toolSettings: { invokableAgentIds: [child.id] },
      steps: [
        {
          name: 'Delegate',
          tools: ['invoke_agent'],
          prompt: `[[call invoke_agent {"agentId":"${child.id}","variables":{"text":"killed"}}]]`,
        },
      ],
    });
    // One slot: the doomed worker holds the parent, so the child it starts waits in the queue.
    const doomed = await cluster.worker('doomed', { ...fastWorker, AGENTRUNS_WORKER_CONCURRENCY: '1' });
    const run = await createRun(
      deps,
      deps.admin,
      parent.id,
      { variables: {}, start: true },
      { kind: 'manual', by: deps.admin.userId },
    );
    const childrenOf = () =>
      deps.store.db
        .selectFrom('runs')
        .select(['id', 'status', 'output'])
        .where('parent_run_id', '=', run.id)
        .execute();
    const [started] = await eventually('the tool call to start the child', async () => {
      const rows = await childrenOf();
      return rows.length > 0 ? rows : undefined;
    });
    doomed.process.kill('SIGKILL');
    expect(await doomed.process.exited).toBe('SIGKILL');
    expect(started?.status).toBe('enqueued');

    await cluster.worker('heir', fastWorker);
    await waitUntilAllFinal(deps, [run.id], 60_000);
    const children = await childrenOf();
    expect(children.map((c) => c.id)).toEqual([started?.id]);
    expect(children[0]?.status).toBe('completed');
    const after = await getRunOrThrow(deps, deps.admin, run.id);
    expect(after.status).toBe('completed');
    expect(after.steps[0]?.toolCalls[0]?.result).toMatchObject({
      runId: started?.id,
      output: children[0]?.output,
    });
    expect(after.steps[0]?.output).toContain('Child got killed');
    const attempt = await deps.store.db
      .selectFrom('attempts')
      .select('lease_generation')
      .where('run_id', '=', run.id)
      .executeTakeFirstOrThrow();
    expect(attempt.lease_generation).toBe(2);
  }, 120_000);
});

describe.skipIf(!hasPostgres)('the database going away under load', () => {
  let deps: TestDeps;
  let cluster: Cluster;
  usePostgresCluster((d, c) => {
    deps = d;
    cluster = c;
  });

  it('loses no run, and every process reconnects', async () => {
    const serve = await cluster.serve('serve');
    const workers = [
      await cluster.worker('worker-a', { ...fastWorker, AGENTRUNS_WORKER_LEASE_MS: '2000' }),
      await cluster.worker('worker-b', { ...fastWorker, AGENTRUNS_WORKER_LEASE_MS: '2000' }),
    ];
    const agentId = await agentOn(deps, 'simulated/delay-300');
    const runIds: string[] = [];
    for (let i = 0; i < 20; i++) {
      const res = await callApi<{ id: string }>(
        serve.url,
        deps.token,
        'POST',
        `/api/agents/${agentId}/runs`,
        {
          variables: { customer: `C${i}` },
          start: true,
        },
      );
      expect(res.status).toBe(201);
      runIds.push(res.body.id);
    }
    await eventually('work in flight', async () => {
      const row = await deps.store.db
        .selectFrom('attempts')
        .select('id')
        .where('status', '=', 'running')
        .executeTakeFirst();
      return row ? true : undefined;
    });
    // PostgreSQL "restarts": every connection of every process drops, and none gets in for 4 s
    // (longer than the workers' leases).
    const proxies = [serve.proxy, ...workers.map((w) => w.proxy)];
    for (const p of proxies) p.cut();
    const during = await fetch(`${serve.url}/api/runs?limit=1`, {
      headers: { authorization: `Bearer ${deps.token}` },
      signal: AbortSignal.timeout(15_000),
    });
    expect(during.status).toBeGreaterThanOrEqual(500);
    await new Promise((r) => setTimeout(r, 4000));
    for (const p of proxies) p.restore();

    for (const p of [serve.process, ...workers.map((w) => w.process)])
      await p.waitForOutput(/event bus reconnected/, 30_000);
    // A run started after the outage goes through serve, NOTIFY and a worker as before.
    const after = await callApi<{ id: string }>(
      serve.url,
      deps.token,
      'POST',
      `/api/agents/${agentId}/runs`,
      {
        variables: { customer: 'After' },
        start: true,
      },
    );
    expect(after.status).toBe(201);
    runIds.push(after.body.id);
    await waitUntilAllFinal(deps, runIds, 90_000);
    const runs = await deps.store.db
      .selectFrom('runs')
      .select(['id', 'status'])
      .where('id', 'in', runIds)
      .execute();
    expect(runs.filter((r) => r.status !== 'completed')).toEqual([]);
    for (const [runId, steps] of await recordedSteps(deps, runIds))
      expect({ runId, ...steps }).toEqual({ runId, results: [1, 2, 3], events: [1, 2, 3] });
    for (const p of [serve.process, ...workers.map((w) => w.process)]) expect(p.child.exitCode).toBeNull();
  }, 240_000);
});

describe.skipIf(!hasPostgres)('a worker cut off from the database', () => {
  let deps: TestDeps;
  let cluster: Cluster;
  usePostgresCluster((d, c) => {
    deps = d;
    cluster = c;
  });

  it('cannot commit over the new owner once its lease expired (fencing)', async () => {
    // The cut-off worker's first model call is held by the test; every other call answers at once.
    const provider = await startFakeProviderServer('openai-chat');
    let letAnswer = () => {};
    provider.script({ kind: 'wait', until: new Promise<void>((r) => (letAnswer = r)), text: 'STALE ANSWER' });
    const env = {
      ...fastWorker,
      AGENTRUNS_WORKER_LEASE_MS: '1500',
      OPENAI_API_KEY: 'sk-test',
      OPENAI_BASE_URL: provider.baseUrl,
      OPENAI_API: 'chat',
      AGENTRUNS_MODEL_MAX_ATTEMPTS: '1',
    };
    try {
      const cutOff = await cluster.worker('cut-off', env);
      const agentId = await agentOn(deps, 'openai/gpt-4o-mini');
      const [runId] = await startRuns(deps, agentId, 1);
      await eventually('the cut-off worker to call the model', async () =>
        provider.requests.length === 1 ? true : undefined,
      );
      const first = await deps.store.db
        .selectFrom('attempts')
        .select(['id', 'lease_generation', 'lease_owner'])
        .where('run_id', '=', runId!)
        .executeTakeFirstOrThrow();
      await cluster.worker('new-owner', env);
      cutOff.proxy.cut();
      await eventually(
        'the new owner to take the attempt over and finish the run',
        async () => {
          const row = await deps.store.db
            .selectFrom('attempts')
            .select(['lease_generation', 'status'])
            .where('id', '=', first.id)
            .executeTakeFirstOrThrow();
          return row.lease_generation > first.lease_generation && row.status === 'completed'
            ? true
            : undefined;
        },
        60_000,
      );
      const owned = await getRunOrThrow(deps, deps.admin, runId!);
      // Back on the network, still running, and only now does its model answer.
      cutOff.proxy.restore();
      await cutOff.process.waitForOutput(/event bus reconnected/, 30_000);
      letAnswer();
      // Give its answer, or the abort its first heartbeat back causes, time to play out.
      await new Promise((r) => setTimeout(r, 3000));

      const after = await getRunOrThrow(deps, deps.admin, runId!);
      expect(after.status).toBe('completed');
      expect(after.steps.map((s) => s.output)).toEqual(owned.steps.map((s) => s.output));
      expect(after.steps.map((s) => s.output)).not.toContain('STALE ANSWER');
      const steps = await recordedSteps(deps, [runId!]);
      expect(steps.get(runId!)).toEqual({ results: [1, 2, 3], events: [1, 2, 3] });
      expect(cutOff.process.child.exitCode).toBeNull();
    } finally {
      await provider.close();
    }
  }, 180_000);
});

describe.skipIf(!hasPostgres)('a provider that hangs, and a full blob disk', () => {
  let deps: TestDeps;
  let cluster: Cluster;
  let mounted: string | undefined;
  usePostgresCluster(
    (d, c) => {
      deps = d;
      cluster = c;
    },
    () => {
      if (mounted) execFileSync('umount', [mounted]);
    },
  );

  it('fails the step with the step timeout when the provider never answers', async () => {
    const provider = await startFakeProviderServer('openai-chat');
    try {
      provider.script({ kind: 'hang' });
      await cluster.worker('hang-worker', {
        ...fastWorker,
        OPENAI_API_KEY: 'sk-test',
        OPENAI_BASE_URL: provider.baseUrl,
        OPENAI_API: 'chat',
        AGENTRUNS_MODEL_TIMEOUT_MS: '1500',
        AGENTRUNS_MODEL_MAX_ATTEMPTS: '1',
      });
      const agentId = await agentOn(deps, 'openai/gpt-4o-mini');
      const [runId] = await startRuns(deps, agentId, 1);
      await waitUntilAllFinal(deps, [runId!], 60_000);
      const run = await getRunOrThrow(deps, deps.admin, runId!);
      expect(run.status).toBe('failed');
      expect(run.steps[0]?.error).toContain("took longer than the step's timeout of 1500 ms");
      // The deadline reached the HTTP request: the client hung up.
      await provider.requests[0]?.closed;
      expect(provider.requests[0]?.closedEarly).toBe(true);
    } finally {
      await provider.close();
    }
  }, 120_000);

  it('fails a file step clearly when the blob disk is full, and keeps the steps committed before it', async () => {
    const blobs = path.join(deps.config.dataDir, 'blobs');
    fs.mkdirSync(blobs, { recursive: true });
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', blobs], { stdio: 'pipe' });
    } catch (error) {
      throw new Error(`this test mounts a small tmpfs as the blob disk and needs root: ${String(error)}`);
    }
    mounted = blobs;
    // Fill it.
    const filler = fs.openSync(path.join(blobs, 'filler'), 'w');
    try {
      for (;;) fs.writeSync(filler, Buffer.alloc(4096, 1));
    } catch (error) {
      expect((error as NodeJS.ErrnoException).code).toBe('ENOSPC');
    } finally {
      fs.closeSync(filler);
    }
    await cluster.worker('disk-worker', fastWorker);
    const agentId = await agentOn(deps, 'simulated/default', [
      { name: 'Gather', prompt: 'List the facts about {{ vars.customer }}.' },
      {
        name: 'Sheet',
        prompt: 'Stock\n| Item | Count |\n| Bolts | 40 |\n| Nuts | 12 |',
        output: { format: 'file', kind: 'spreadsheet' },
      },
    ]);
    const [runId] = await startRuns(deps, agentId, 1);
    await waitUntilAllFinal(deps, [runId!], 60_000);
    const run = await getRunOrThrow(deps, deps.admin, runId!);
    expect(run.status).toBe('failed');
    expect(run.steps.map((s) => s.status)).toEqual(['completed', 'failed']);
    expect(run.steps[0]?.output).toContain('Customer 0');
    expect(run.steps[1]?.error).toContain('the file store is full (no space left on the device');
    const files = await deps.store.db.selectFrom('files').select('id').where('run_id', '=', runId!).execute();
    expect(files).toEqual([]);
  }, 120_000);
});
