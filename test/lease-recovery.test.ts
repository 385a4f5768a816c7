import { afterEach, describe, expect, it } from 'vitest';
import { createAgent } from '../src/agents/agent-service.ts';
import { createWorker, HEARTBEAT_BATCH } from '../src/engine/worker.ts';
import { createManualClock } from '../src/platform/clock.ts';
import { createRun } from '../src/runs/create-run.ts';
import { getRunOrThrow } from '../src/runs/get-run.ts';
import { createProbeProvider } from './support/probe-provider.ts';
import { createTestDeps, reportAgent, storeKinds, type TestDeps } from './support/test-deps.ts';

const LEASE_MS = 10_000;

describe.each(storeKinds)('recovering attempts whose lease expired on %s', (kind) => {
  let deps: TestDeps;
  afterEach(async () => {
    await deps.close();
  });

  async function setup() {
    const probe = createProbeProvider();
    const clock = createManualClock(Date.UTC(2026, 10, 25, 9));
    deps = await createTestDeps(kind, { clock, providers: () => [probe.provider] });
    const agent = await createAgent(deps, deps.admin, {
      ...reportAgent,
      modelSettings: { model: 'probe/block-once-at-2' },
    });
    const run = await createRun(
      deps,
      deps.admin,
      agent.id,
      { variables: { customer: 'Acme' }, start: true },
      { kind: 'manual', by: deps.admin.userId },
    );
    return { probe, clock, run };
  }

  async function resultsOf(runId: string) {
    return deps.store.db
      .selectFrom('step_results')
      .select(['attempt_id', 'number', 'status', 'output'])
      .where('run_id', '=', runId)
      .orderBy('number')
      .execute();
  }

  it('resumes a dead worker’s attempt at the first unfinished step, recording each step once', async () => {
    const { probe, clock, run } = await setup();
    const first = createWorker(deps, { id: 'first', leaseMs: LEASE_MS });
    const firstDone = first.runOnce();
    await probe.waitFor((calls) => calls.some((c) => c.step === 2));
    first.kill();
    await firstDone;

    // Before the lease expires nobody may take the attempt.
    const second = createWorker(deps, { id: 'second', leaseMs: LEASE_MS });
    await second.runOnce();
    expect((await getRunOrThrow(deps, deps.admin, run.id)).status).toBe('running');

    clock.advance(LEASE_MS + 1);
    await second.runOnce();
    const after = await getRunOrThrow(deps, deps.admin, run.id);
    expect(after.status).toBe('completed');
    expect(probe.calls.map((c) => c.step)).toEqual([1, 2, 2, 3]);
    const results = await resultsOf(run.id);
    expect(results.map((r) => r.number)).toEqual([1, 2, 3]);
    expect(new Set(results.map((r) => r.attempt_id)).size).toBe(1);
  });

  it('refuses the commit of a worker that lost its lease while still alive (fencing)', async () => {
    const { probe, clock, run } = await setup();
    const stale = createWorker(deps, { id: 'stale', leaseMs: LEASE_MS });
    const staleDone = stale.runOnce();
    await probe.waitFor((calls) => calls.some((c) => c.step === 2));

    clock.advance(LEASE_MS + 1);
    await createWorker(deps, { id: 'owner', leaseMs: LEASE_MS }).runOnce();
    const owned = await getRunOrThrow(deps, deps.admin, run.id);
    expect(owned.status).toBe('completed');

    // The stale worker's model now answers; its commit must not land.
    probe.calls.find((c) => c.step === 2)?.release();
    await staleDone;
    const after = await getRunOrThrow(deps, deps.admin, run.id);
    expect(after.steps.map((s) => s.output)).toEqual(owned.steps.map((s) => s.output));
    expect((await resultsOf(run.id)).map((r) => r.number)).toEqual([1, 2, 3]);
    const events = await deps.store.db
      .selectFrom('run_events')
      .select('type')
      .where('run_id', '=', run.id)
      .where('type', '=', 'step.finished')
      .execute();
    expect(events).toHaveLength(3);
  });

  it('keeps a lease alive with heartbeats, and tells a worker which attempts it lost', async () => {
    const { probe, clock, run } = await setup();
    const holder = createWorker(deps, { id: 'holder', leaseMs: LEASE_MS });
    const holderDone = holder.runOnce();
    await probe.waitFor((calls) => calls.some((c) => c.step === 2));
    clock.advance(LEASE_MS - 1000);
    await holder.heartbeat();
    clock.advance(LEASE_MS - 1000);
    // Still held: the heartbeat moved the expiry.
    await createWorker(deps, { id: 'other', leaseMs: LEASE_MS }).runOnce();
    expect(probe.calls.filter((c) => c.step === 2)).toHaveLength(1);

    clock.advance(LEASE_MS + 1);
    await createWorker(deps, { id: 'other', leaseMs: LEASE_MS }).runOnce();
    await holder.heartbeat();
    await holderDone;
    expect(probe.calls.find((c) => c.step === 2)?.abortedWith).toBe('lease lost');
    expect((await getRunOrThrow(deps, deps.admin, run.id)).status).toBe('completed');
  });

  it('extends every lease a worker holds, a statement per few hundred', async () => {
    const { probe, clock } = await setup();
    const agent = await createAgent(deps, deps.admin, {
      ...reportAgent,
      modelSettings: { model: 'probe/block-at-2' },
    });
    const count = HEARTBEAT_BATCH + 50;
    for (let i = 0; i < count; i++) {
      await createRun(
        deps,
        deps.admin,
        agent.id,
        { variables: { customer: `Customer ${i}` }, start: true },
        { kind: 'manual', by: deps.admin.userId },
      );
    }
    const blocked = (calls: typeof probe.calls) =>
      calls.filter((c) => c.model === 'probe/block-at-2' && c.step === 2);
    const holder = createWorker(deps, { id: 'holder', leaseMs: LEASE_MS, concurrency: count + 1 });
    const holderDone = holder.runOnce();
    await probe.waitFor((calls) => blocked(calls).length === count);

    clock.advance(LEASE_MS - 1000);
    await holder.heartbeat();
    clock.advance(LEASE_MS - 1000);
    // Every lease moved, the last batch's too: another worker finds nothing to take over.
    await createWorker(deps, { id: 'other', leaseMs: LEASE_MS }).runOnce();
    expect(blocked(probe.calls)).toHaveLength(count);
    expect(blocked(probe.calls).every((c) => c.abortedWith === undefined)).toBe(true);

    // The blocked calls answer, the setup's run among them.
    for (const call of probe.calls) call.release();
    await holderDone;
    const finished = await deps.store.db
      .selectFrom('runs')
      .select(({ fn }) => fn.countAll<number>().as('n'))
      .where('agent_id', '=', agent.id)
      .where('status', '=', 'completed')
      .executeTakeFirstOrThrow();
    expect(Number(finished.n)).toBe(count);
  });
});
