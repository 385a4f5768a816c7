import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestDeps, reportAgent, storeKinds, type TestDeps } from '../../test/support/test-deps.ts';
import { createAgent } from '../agents/agent-service.ts';
import { createManualClock, type ManualClock } from '../platform/clock.ts';
import { createRun } from '../runs/create-run.ts';
import { cancelRun } from '../runs/run-actions.ts';
import { createPostgresQueueStore } from './postgres-queue-store.ts';
import type { AttemptCommit, ClaimedAttempt, QueueStore, StepResultRecord } from './queue-store.ts';
import { createSqliteQueueStore } from './sqlite-queue-store.ts';

const LEASE_MS = 10_000;

/**
 * The rules every queue store keeps, run against each dialect's implementation. Runs are made by
 * the product's own `createRun`; the store is then driven directly, with the time handed in.
 */
describe.each(storeKinds)('queue store contract on %s', (kind) => {
  let deps: TestDeps;
  let clock: ManualClock;
  let queue: QueueStore;
  let refused: Array<{ attemptId: string; error: unknown }>;
  let agentId: string;

  beforeEach(async () => {
    clock = createManualClock(Date.UTC(2026, 10, 25, 9));
    deps = await createTestDeps(kind, { clock });
    refused = [];
    const onCommitError = (commit: AttemptCommit, error: unknown) =>
      refused.push({ attemptId: commit.attemptId, error });
    queue =
      kind === 'sqlite'
        ? createSqliteQueueStore(deps.store, onCommitError)
        : createPostgresQueueStore(deps.store, onCommitError);
    agentId = (await createAgent(deps, deps.admin, reportAgent)).id;
  });
  afterEach(async () => {
    await deps.close();
  });

  /** Creates `count` started runs, one millisecond apart, oldest first. */
  async function enqueue(count: number): Promise<string[]> {
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
      clock.advance(1);
    }
    return ids;
  }

  const claim = (workerId: string, limit: number, now = clock.now()) =>
    queue.claim({ workerId, limit, now, leaseMs: LEASE_MS });

  const attemptRow = (attemptId: string) =>
    deps.store.db.selectFrom('attempts').selectAll().where('id', '=', attemptId).executeTakeFirstOrThrow();
  const runRow = (runId: string) =>
    deps.store.db.selectFrom('runs').selectAll().where('id', '=', runId).executeTakeFirstOrThrow();
  const resultsOf = (attemptId: string) =>
    deps.store.db
      .selectFrom('step_results')
      .select(['number', 'status', 'output', 'credits'])
      .where('attempt_id', '=', attemptId)
      .orderBy('number')
      .execute();
  const eventsOf = (runId: string) =>
    deps.store.db
      .selectFrom('run_events')
      .select(['seq', 'type'])
      .where('run_id', '=', runId)
      .orderBy('seq')
      .execute();

  function result(number: number, credits = 0.5): StepResultRecord {
    const at = clock.now();
    return {
      number,
      key: `step${number}`,
      name: `Step ${number}`,
      status: 'completed',
      output: `output of step ${number}`,
      error: null,
      model: 'simulated/default',
      reasoningEffort: null,
      queuedAt: at,
      startedAt: at,
      finishedAt: at,
      usage: { inputTokens: 10, outputTokens: 20 },
      credits,
    };
  }

  const base = (a: ClaimedAttempt, leaseGeneration = a.leaseGeneration) => ({
    attemptId: a.id,
    runId: a.runId,
    orgId: a.orgId,
    leaseGeneration,
    at: clock.now(),
  });
  /** The first commit of a holder: the run is running, step 1 starts. */
  const startCommit = (a: ClaimedAttempt, leaseGeneration?: number): AttemptCommit => ({
    ...base(a, leaseGeneration),
    statusText: 'Step 1 of 3: Step 1',
    started: { attempt: a.number },
    next: { number: 1, name: 'Step 1' },
  });
  /** Step `number`'s result, and the next step starts. */
  const stepCommit = (a: ClaimedAttempt, number: number, leaseGeneration?: number): AttemptCommit => ({
    ...base(a, leaseGeneration),
    statusText: `Step ${number + 1} of 3: Step ${number + 1}`,
    result: result(number),
    next: { number: number + 1, name: `Step ${number + 1}` },
  });
  /** The last step's result, and the attempt completes. */
  const finishCommit = (a: ClaimedAttempt, number: number, leaseGeneration?: number): AttemptCommit => ({
    ...base(a, leaseGeneration),
    statusText: 'Completed 3 of 3 steps',
    result: result(number),
    finish: { status: 'completed', output: `output of step ${number}`, searchText: 'report', error: null },
  });

  describe('claim', () => {
    it('takes the due attempts oldest first, no more than the limit, each once', async () => {
      const runIds = await enqueue(3);
      const first = await claim('w1', 2);
      expect(first.map((a) => a.runId).sort()).toEqual(runIds.slice(0, 2).sort());
      const second = await claim('w1', 5);
      expect(second.map((a) => a.runId)).toEqual([runIds[2]]);
      expect(await claim('w1', 5)).toEqual([]);
    });

    it('returns the attempt with its lease generation and the run context a worker needs', async () => {
      const [runId] = await enqueue(1);
      const [claimed] = await claim('w1', 1);
      const org = await deps.store.db
        .selectFrom('organizations')
        .select('credit_rate')
        .executeTakeFirstOrThrow();
      expect(claimed).toMatchObject({
        runId,
        orgId: deps.admin.orgId,
        number: 1,
        agentVersion: 1,
        fromStep: 1,
        currentStep: null,
        leaseGeneration: 1,
        run: { name: 'Weekly account report — Customer 0', agentId, creditRate: org.credit_rate },
      });
      expect(JSON.parse(claimed?.run.variables ?? '')).toContainEqual(
        expect.objectContaining({ name: 'customer', value: 'Customer 0' }),
      );
      const row = await attemptRow(claimed?.id ?? '');
      expect(row).toMatchObject({
        status: 'running',
        lease_owner: 'w1',
        lease_expires_at: clock.now() + LEASE_MS,
        lease_generation: 1,
      });
    });

    it('leaves an attempt that is not yet due', async () => {
      const [runId] = await enqueue(1);
      await deps.store.db
        .updateTable('attempts')
        .set({ available_at: clock.now() + 5000 })
        .where('run_id', '=', runId ?? '')
        .execute();
      expect(await claim('w1', 10)).toEqual([]);
      expect((await claim('w1', 10, clock.now() + 5000)).map((a) => a.runId)).toEqual([runId]);
    });

    it('takes an attempt whose lease expired, first, and bumps its lease generation', async () => {
      await enqueue(1);
      const [held] = await claim('dead', 1);
      if (!held) throw new Error('nothing claimed');
      const waiting = await enqueue(2);
      // The lease still holds: the oldest waiting attempt is taken instead.
      const later = clock.now() + LEASE_MS / 2;
      expect((await claim('w2', 1, later)).map((a) => a.runId)).toEqual([waiting[0]]);

      // Once it expired, it goes before the attempt still waiting.
      const { lease_expires_at } = await attemptRow(held.id);
      const expiredAt = (lease_expires_at ?? 0) + 1;
      const [taken] = await claim('w2', 1, expiredAt);
      expect(taken).toMatchObject({ id: held.id, leaseGeneration: 2 });
      expect(await attemptRow(held.id)).toMatchObject({
        status: 'running',
        lease_owner: 'w2',
        lease_expires_at: expiredAt + LEASE_MS,
        lease_generation: 2,
      });
      expect((await claim('w2', 1, expiredAt)).map((a) => a.runId)).toEqual([waiting[1]]);
    });

    it('takes expired leases and enqueued attempts together within one limit', async () => {
      await enqueue(1);
      const [held] = await claim('dead', 1);
      const waiting = await enqueue(3);
      const taken = await claim('w2', 2, clock.now() + LEASE_MS + 1);
      expect(taken.map((a) => a.runId).sort()).toEqual([held?.runId, waiting[0]].sort());
    });
  });

  describe('heartbeat', () => {
    it('extends the leases still held and reports the ones lost', async () => {
      const runIds = await enqueue(3);
      const claimed = await claim('w1', 3);
      const [kept, canceled, takenOver] = runIds.map((id) => claimed.find((a) => a.runId === id));
      if (!kept || !canceled || !takenOver) throw new Error('claim did not return all three');

      await cancelRun(deps, deps.admin, canceled.runId);
      const takeoverAt = clock.now() + LEASE_MS + 1;
      // Let only `takenOver` expire: the others are extended first.
      const renewed = await queue.heartbeat({
        leases: [kept, canceled].map((a) => ({ attemptId: a.id, leaseGeneration: a.leaseGeneration })),
        now: clock.now() + LEASE_MS / 2,
        leaseMs: LEASE_MS,
      });
      expect(renewed).toEqual([canceled.id]);
      expect((await attemptRow(kept.id)).lease_expires_at).toBe(clock.now() + LEASE_MS / 2 + LEASE_MS);
      expect((await claim('w2', 1, takeoverAt)).map((a) => a.id)).toEqual([takenOver.id]);

      const lost = await queue.heartbeat({
        leases: claimed.map((a) => ({ attemptId: a.id, leaseGeneration: a.leaseGeneration })),
        now: takeoverAt,
        leaseMs: LEASE_MS,
      });
      expect(lost.sort()).toEqual([canceled.id, takenOver.id].sort());
      expect((await attemptRow(takenOver.id)).lease_owner).toBe('w2');
      expect((await attemptRow(kept.id)).lease_expires_at).toBe(takeoverAt + LEASE_MS);
    });

    it('does nothing for no leases', async () => {
      expect(await queue.heartbeat({ leases: [], now: clock.now(), leaseMs: LEASE_MS })).toEqual([]);
    });
  });

  describe('release', () => {
    it('hands a lease back so the next claim takes the attempt at once, but not under a stale generation', async () => {
      await enqueue(2);
      const [first, second] = await claim('leaving', 2);
      if (!first || !second) throw new Error('nothing claimed');
      // `second` was taken over meanwhile: releasing the old generation must not touch the new owner.
      await queue.heartbeat({
        leases: [{ attemptId: first.id, leaseGeneration: first.leaseGeneration }],
        now: clock.now() + LEASE_MS,
        leaseMs: LEASE_MS,
      });
      const [owner] = await claim('owner', 1, clock.now() + LEASE_MS + 1);
      expect(owner).toMatchObject({ id: second.id, leaseGeneration: 2 });

      await queue.release(
        [first, second].map((a) => ({ attemptId: a.id, leaseGeneration: a.leaseGeneration })),
      );
      expect(await attemptRow(first.id)).toMatchObject({ status: 'running', lease_expires_at: 0 });
      expect(await attemptRow(second.id)).toMatchObject({ lease_owner: 'owner', lease_generation: 2 });
      expect((await attemptRow(second.id)).lease_expires_at).toBeGreaterThan(clock.now());
      // Long before its lease would have run out, another worker takes the handed-back attempt.
      const [resumed] = await claim('next', 1);
      expect(resumed).toMatchObject({ id: first.id, leaseGeneration: 2 });
    });

    it('does nothing for no leases', async () => {
      await expect(queue.release([])).resolves.toBeUndefined();
    });
  });

  describe('commit', () => {
    it('writes a step: the attempt advances, the result is recorded, the run and its events follow', async () => {
      const [runId] = await enqueue(1);
      const [a] = await claim('w1', 1);
      if (!a) throw new Error('nothing claimed');
      expect(await queue.commit([startCommit(a)])).toEqual(new Set([a.id]));
      expect(await runRow(runId ?? '')).toMatchObject({
        status: 'running',
        status_text: 'Step 1 of 3: Step 1',
      });
      clock.advance(5);
      expect(await queue.commit([stepCommit(a, 1)])).toEqual(new Set([a.id]));
      expect(await attemptRow(a.id)).toMatchObject({ current_step: 2, current_step_started_at: clock.now() });
      expect(await resultsOf(a.id)).toEqual([
        { number: 1, status: 'completed', output: 'output of step 1', credits: 0.5 },
      ]);
      expect(await runRow(runId ?? '')).toMatchObject({
        updated_at: clock.now(),
        status_text: 'Step 2 of 3: Step 2',
      });
    });

    it('finishes the attempt and the run, totalling the credits of every step', async () => {
      const [runId] = await enqueue(1);
      const [a] = await claim('w1', 1);
      if (!a) throw new Error('nothing claimed');
      await queue.commit([startCommit(a)]);
      await queue.commit([stepCommit(a, 1)]);
      await queue.commit([stepCommit(a, 2)]);
      clock.advance(7);
      expect(await queue.commit([finishCommit(a, 3)])).toEqual(new Set([a.id]));
      expect(await attemptRow(a.id)).toMatchObject({
        status: 'completed',
        finished_at: clock.now(),
        lease_owner: null,
        lease_expires_at: null,
      });
      const run = await runRow(runId ?? '');
      expect(run).toMatchObject({
        status: 'completed',
        output: 'output of step 3',
        search_text: 'report',
        last_completed_at: clock.now(),
      });
      expect(run.actual_credits).toBeCloseTo(1.5, 9);
      expect(await claim('w1', 1, clock.now() + 10 * LEASE_MS)).toEqual([]);
    });

    it('writes nothing for a holder whose lease generation is stale (fencing)', async () => {
      const [runId] = await enqueue(1);
      const [stale] = await claim('stale', 1);
      if (!stale) throw new Error('nothing claimed');
      await queue.commit([startCommit(stale)]);
      const [fresh] = await claim('fresh', 1, clock.now() + LEASE_MS + 1);
      if (!fresh) throw new Error('the expired lease was not taken');
      const before = {
        attempt: await attemptRow(stale.id),
        run: await runRow(runId ?? ''),
        events: await eventsOf(runId ?? ''),
      };

      expect(await queue.commit([stepCommit(stale, 1)])).toEqual(new Set());
      expect(await queue.commit([finishCommit(stale, 1)])).toEqual(new Set());
      expect(await resultsOf(stale.id)).toEqual([]);
      expect(await attemptRow(stale.id)).toEqual(before.attempt);
      expect(await runRow(runId ?? '')).toEqual(before.run);
      expect(await eventsOf(runId ?? '')).toEqual(before.events);

      expect(await queue.commit([stepCommit(fresh, 1)])).toEqual(new Set([fresh.id]));
      expect((await resultsOf(fresh.id)).map((r) => r.number)).toEqual([1]);
    });

    it('writes nothing for an attempt that was canceled, and never completes it', async () => {
      const [runId] = await enqueue(1);
      const [a] = await claim('w1', 1);
      if (!a) throw new Error('nothing claimed');
      await queue.commit([startCommit(a)]);
      await cancelRun(deps, deps.admin, runId ?? '');
      const before = { run: await runRow(runId ?? ''), events: await eventsOf(runId ?? '') };

      expect(await queue.commit([stepCommit(a, 1)])).toEqual(new Set());
      expect(await queue.commit([finishCommit(a, 1)])).toEqual(new Set());
      // Even under the generation the cancel left behind, the status alone refuses: a canceled
      // attempt is never advanced nor completed.
      const { lease_generation } = await attemptRow(a.id);
      expect(await queue.commit([stepCommit(a, 2, lease_generation)])).toEqual(new Set());
      expect(await queue.commit([finishCommit(a, 3, lease_generation)])).toEqual(new Set());
      expect(refused).toEqual([]);
      expect(await attemptRow(a.id)).toMatchObject({ status: 'canceled', current_step: 1 });
      expect(await runRow(runId ?? '')).toEqual(before.run);
      expect(await eventsOf(runId ?? '')).toEqual(before.events);
      expect((await resultsOf(a.id)).map((r) => r.status)).toEqual(['canceled']);
    });

    it('stores a step’s text as it was given, half of a surrogate pair replaced by U+FFFD', async () => {
      await enqueue(1);
      const [a] = await claim('w1', 1);
      if (!a) throw new Error('nothing claimed');
      await queue.commit([startCommit(a)]);
      const text =
        'a "quoted" \\ud800 that is text, C:\\dir\\, emoji 🎉, tab\tnew\nline, and a lone \ud800 half';
      const usage = { inputTokens: 10, outputTokens: 20, note: 'x "y" \\z' };
      const commit = stepCommit(a, 1);
      await queue.commit([
        { ...commit, result: { ...(commit.result as StepResultRecord), output: text, usage } },
      ]);
      const row = await deps.store.db
        .selectFrom('step_results')
        .select(['output', 'usage'])
        .where('attempt_id', '=', a.id)
        .executeTakeFirstOrThrow();
      // Replaced: by one U+FFFD on PostgreSQL, by three on SQLite (its three bytes, each invalid).
      expect(row.output?.replace(/\ufffd+/, '\ufffd')).toBe(text.replace('\ud800 half', '\ufffd half'));
      expect(row.usage).toBe(JSON.stringify(usage));
    });

    it('writes the other commits of a batch when one of them fails', async () => {
      const runIds = await enqueue(3);
      const claimed = await claim('w1', 3);
      const [poisoned, ...healthy] = runIds.map((id) => claimed.find((a) => a.runId === id));
      if (!poisoned || healthy.some((a) => !a)) throw new Error('claim did not return all three');
      await queue.commit(claimed.map((a) => startCommit(a)));
      // A result for step 1 already exists: the poisoned commit breaks the one-result-per-step key.
      await deps.store.db
        .insertInto('step_results')
        .values({
          attempt_id: poisoned.id,
          number: 1,
          org_id: poisoned.orgId,
          run_id: poisoned.runId,
          key: 'step1',
          name: 'Step 1',
          status: 'completed',
          output: 'already here',
          error: null,
          model: 'simulated/default',
          reasoning_effort: null,
          reused: 0,
          queued_at: null,
          started_at: null,
          finished_at: clock.now(),
          usage: '{}',
          credits: 0,
          tool_calls: '[]',
          sources: '[]',
          files: '[]',
        })
        .execute();
      const before = { attempt: await attemptRow(poisoned.id), run: await runRow(poisoned.runId) };

      const written = await queue.commit(claimed.map((a) => stepCommit(a, 1)));
      expect([...written].sort()).toEqual(healthy.map((a) => a?.id).sort());
      expect(refused.map((r) => r.attemptId)).toEqual([poisoned.id]);
      for (const a of healthy) expect((await resultsOf(a?.id ?? '')).map((r) => r.number)).toEqual([1]);
      expect((await resultsOf(poisoned.id)).map((r) => r.output)).toEqual(['already here']);
      expect(await attemptRow(poisoned.id)).toEqual(before.attempt);
      expect(await runRow(poisoned.runId)).toEqual(before.run);
    });

    it('numbers each run’s events 1, 2, 3… without gaps, however the commits are batched', async () => {
      const runIds = await enqueue(3);
      const claimed = await claim('w1', 3);
      await queue.commit(claimed.map((a) => startCommit(a)));
      const [first, ...rest] = claimed;
      if (!first) throw new Error('nothing claimed');
      await queue.commit([stepCommit(first, 1)]);
      await queue.commit([stepCommit(first, 2), ...rest.map((a) => stepCommit(a, 1))]);
      await queue.commit(claimed.map((a) => (a === first ? finishCommit(a, 3) : stepCommit(a, 2))));
      await queue.commit(rest.map((a) => finishCommit(a, 3)));

      for (const runId of runIds) {
        const events = await eventsOf(runId);
        expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
        expect(events.map((e) => e.type)).toEqual([
          'run.created',
          'run.status',
          'run.status',
          'step.started',
          'step.finished',
          'step.started',
          'step.finished',
          'step.started',
          'step.finished',
          'run.status',
        ]);
        expect((await runRow(runId)).event_seq).toBe(events.length);
      }
    });

    it('does nothing for no commits', async () => {
      expect(await queue.commit([])).toEqual(new Set());
    });
  });
});
