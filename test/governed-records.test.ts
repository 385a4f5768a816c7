import { afterEach, describe, expect, it } from 'vitest';
import { createWorker } from '../src/engine/worker.ts';
import { checkStoredChain } from '../src/governance/check-stored-chain.ts';
import { canonicalJson, GENESIS_HASH, sha256Hex } from '../src/governance/digest.ts';
import type { AttemptRecordBody, TombstoneRecordBody } from '../src/governance/governed-record.ts';
import { createRecordSealer } from '../src/governance/record-sealer.ts';
import { sealAttempts, sealPendingAttempts } from '../src/governance/seal-attempts.ts';
import { cancelRun, deleteRun, rerunRun } from '../src/runs/run-actions.ts';
import { createProbeProvider } from './support/probe-provider.ts';
import {
  createReportRun,
  createTestDeps,
  governedRecords,
  storeKinds,
  type TestDeps,
} from './support/test-deps.ts';

describe.each(storeKinds)('governed records on %s', (kind) => {
  let deps: TestDeps;
  afterEach(async () => {
    await deps.close();
  });

  const records = () => governedRecords(deps);

  it('seals a completed attempt as canonical JSON chained from the genesis hash', async () => {
    deps = await createTestDeps(kind);
    const { run, agent } = await createReportRun(deps);
    await createWorker(deps).runOnce();
    const [record, ...rest] = await records();
    expect(rest).toEqual([]);
    expect(record?.seq).toBe(1);
    expect(record?.prev_hash).toBe(GENESIS_HASH);
    const text = record?.body ?? '';
    expect(await sha256Hex(text)).toBe(record?.hash);
    const body = JSON.parse(text) as AttemptRecordBody;
    expect(canonicalJson(body)).toBe(text);
    expect(body.run.id).toBe(run.id);
    expect(body.agent).toMatchObject({ id: agent.id, version: 1 });
    expect(body.attempt.status).toBe('completed');
    expect(body.steps.map((s) => [s.number, s.model, s.reasoningEffort])).toEqual([
      [1, 'simulated/default', null],
      [2, 'simulated/default', 'high'],
      [3, 'simulated/default', null],
    ]);
    expect(body.output).toBe(body.steps[2]?.output);
    expect(body.variables).toContainEqual({ name: 'customer', value: 'Acme', source: 'override' });
    expect(body).toMatchObject({
      policyVersions: [],
      sources: [],
      files: [],
      modelsUsed: ['simulated/default'],
    });
    expect(body.credits.actual).toBeGreaterThan(0);
    expect(JSON.parse(record?.receipt ?? '{}')).toMatchObject({
      signed: false,
      reason: 'signing is disabled for this organization',
    });
    expect((await checkStoredChain(deps, deps.admin)).ok).toBe(true);
  });

  it('seals a canceled attempt in the cancel transaction, and a rerun links to it', async () => {
    const probe = createProbeProvider();
    deps = await createTestDeps(kind, { providers: () => [probe.provider] });
    const { run } = await createReportRun(deps, { model: 'probe/block-at-2' });
    const done = createWorker(deps).runOnce();
    await probe.waitFor((calls) => calls.some((c) => c.step === 2));
    await cancelRun(deps, deps.admin, run.id);
    const [canceled] = await records();
    expect(JSON.parse(canceled?.body ?? '{}')).toMatchObject({ attempt: { status: 'canceled' } });
    await done;
    await rerunRun(deps, deps.admin, run.id, { latestVersion: false });
    await sealPendingAttempts(deps);
    // The probe blocks step 2 again; cancel the rerun too.
    const again = createWorker(deps).runOnce();
    await probe.waitFor((calls) => calls.filter((c) => c.step === 2).length === 2);
    await cancelRun(deps, deps.admin, run.id);
    await again;
    const all = await records();
    expect(all.map((r) => r.seq)).toEqual([1, 2]);
    expect(all[1]?.prev_hash).toBe(all[0]?.hash);
    expect((await checkStoredChain(deps, deps.admin)).ok).toBe(true);
  });

  it('seals in transactions of 100, each forgetting the estimate history it added to once committed', async () => {
    deps = await createTestDeps(kind);
    for (let i = 0; i < 101; i++) await createReportRun(deps, { customer: `Customer ${i}` });
    await createWorker(deps).runOnce();
    await deps.store.db.deleteFrom('governed_records').execute();
    await deps.store.db.deleteFrom('usage_history').execute();
    await deps.store.db.updateTable('attempts').set({ sealed: 0 }).execute();
    const attempts = await deps.store.db
      .selectFrom('attempts')
      .innerJoin('runs', 'runs.id', 'attempts.run_id')
      .select(['attempts.id', 'runs.agent_id'])
      .orderBy('attempts.id')
      .execute();
    const ids = attempts.map((a) => a.id);
    // The second transaction fails: the first one's 100 records stay, and their agent is forgotten.
    let transactions = 0;
    const store = {
      ...deps.store,
      transaction: <T>(fn: Parameters<typeof deps.store.transaction<T>>[0]): Promise<T> =>
        ++transactions === 2 ? Promise.reject(new Error('disk full')) : deps.store.transaction(fn),
    };
    const forgotten: string[] = [];
    const usageHistory = { invalidate: (_orgId: string, agentId: string) => forgotten.push(agentId) };
    await expect(sealAttempts({ ...deps, store, usageHistory }, ids)).rejects.toThrow('disk full');
    expect(transactions).toBe(2);
    expect((await records()).map((r) => r.attempt_id)).toEqual(ids.slice(0, 100));
    // Each report run has an agent of its own: the first transaction's hundred, and not the last.
    expect(forgotten.sort()).toEqual(
      attempts
        .slice(0, 100)
        .map((a) => a.agent_id)
        .sort(),
    );
    expect((await checkStoredChain(deps, deps.admin)).ok).toBe(true);
  });

  it('seals a finished attempt left unsealed by a crash on the next sweep', async () => {
    deps = await createTestDeps(kind);
    await createReportRun(deps);
    await createWorker(deps).runOnce();
    // What a crash between the finishing commit and the seal leaves: the outbox flag still 0.
    await deps.store.db.deleteFrom('governed_records').execute();
    await deps.store.db.updateTable('attempts').set({ sealed: 0 }).execute();
    expect(await sealPendingAttempts(deps)).toBe(1);
    expect(await sealPendingAttempts(deps)).toBe(0);
    expect((await records()).map((r) => r.seq)).toEqual([1]);
  });

  it('seals the attempts that ended while a seal transaction ran as one batch after it', async () => {
    deps = await createTestDeps(kind);
    for (const customer of ['Acme', 'Globex', 'Initech', 'Umbrella'])
      await createReportRun(deps, { customer });
    await createWorker(deps).runOnce();
    await deps.store.db.deleteFrom('governed_records').execute();
    await deps.store.db.updateTable('attempts').set({ sealed: 0 }).execute();
    const ids = (await deps.store.db.selectFrom('attempts').select('id').orderBy('id').execute()).map(
      (r) => r.id,
    );
    // The first seal transaction waits at this gate while the other three attempts end, each in
    // a turn of its own.
    let open: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => {
      open = resolve;
    });
    let entered: () => void = () => undefined;
    const firstEntered = new Promise<void>((resolve) => {
      entered = resolve;
    });
    const batches: number[] = [];
    const store = {
      ...deps.store,
      transaction: async <T>(fn: Parameters<typeof deps.store.transaction<T>>[0]): Promise<T> => {
        if (batches.length === 0) {
          batches.push(0);
          entered();
          await gate;
        } else batches.push(0);
        return deps.store.transaction(fn);
      },
    };
    const sealer = createRecordSealer({ ...deps, store });
    const [first, ...rest] = ids;
    const sealed = [sealer.seal(first ?? '')];
    await firstEntered;
    for (const id of rest) {
      sealed.push(sealer.seal(id));
      await new Promise((resolve) => setImmediate(resolve));
    }
    open();
    await Promise.all(sealed);
    expect(batches.length).toBe(2);
    expect((await records()).map((r) => r.attempt_id)).toEqual(ids);
    expect((await checkStoredChain(deps, deps.admin)).ok).toBe(true);
  });

  it('leaves a tombstone with the digests when a run is deleted, and the chain still verifies', async () => {
    deps = await createTestDeps(kind);
    const { run } = await createReportRun(deps);
    await createReportRun(deps, { customer: 'Globex' });
    await createWorker(deps).runOnce();
    const before = await records();
    const mine = before.find((r) => r.run_id === run.id);
    await deleteRun(deps, deps.admin, run.id);
    const after = await records();
    expect(after.map((r) => r.kind)).toEqual(['attempt', 'attempt', 'tombstone']);
    expect(after.find((r) => r.run_id === run.id && r.kind === 'attempt')?.body).toBeNull();
    const tombstone = JSON.parse(after[2]?.body ?? '{}') as TombstoneRecordBody;
    expect(tombstone.records).toEqual([{ seq: mine?.seq, hash: mine?.hash }]);
    expect(tombstone.deletedBy).toBe(deps.admin.userId);
    expect((await checkStoredChain(deps, deps.admin)).ok).toBe(true);
  });

  it('names the record that was edited, deleted or swapped in the store', async () => {
    deps = await createTestDeps(kind);
    for (const customer of ['A', 'B', 'C', 'D']) await createReportRun(deps, { customer });
    await createWorker(deps).runOnce();
    const all = await records();
    expect(all.map((r) => r.seq)).toEqual([1, 2, 3, 4]);
    const r2 = all[1];
    const r3 = all[2];
    if (!r2 || !r3) throw new Error('four records expected');

    await deps.store.db
      .updateTable('governed_records')
      .set({ body: r2.body?.replace('"status":"completed"', '"status":"failed"') ?? null })
      .where('id', '=', r2.id)
      .execute();
    let check = await checkStoredChain(deps, deps.admin);
    expect(check.problems).toEqual([expect.objectContaining({ kind: 'edited', seq: 2 })]);
    await deps.store.db
      .updateTable('governed_records')
      .set({ body: r2.body })
      .where('id', '=', r2.id)
      .execute();

    await deps.store.db.deleteFrom('governed_records').where('id', '=', r3.id).execute();
    check = await checkStoredChain(deps, deps.admin);
    expect(check.problems).toEqual([expect.objectContaining({ kind: 'deleted', seq: 3 })]);
    await deps.store.db.insertInto('governed_records').values(r3).execute();

    // Swap the contents of records 2 and 3 (their seq column stays).
    for (const [row, other] of [
      [r2, r3],
      [r3, r2],
    ] as const)
      await deps.store.db
        .updateTable('governed_records')
        .set({ body: other.body, hash: other.hash, prev_hash: other.prev_hash })
        .where('id', '=', row.id)
        .execute();
    check = await checkStoredChain(deps, deps.admin);
    expect(check.problems.filter((p) => p.kind === 'reordered').map((p) => p.seq)).toEqual([2, 3]);
  });
});
