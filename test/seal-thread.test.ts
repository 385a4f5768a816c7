import { afterEach, describe, expect, it } from 'vitest';
import { createWorker } from '../src/engine/worker.ts';
import {
  appendRecords,
  chainedSlice,
  chainRecords,
  readChainHeads,
} from '../src/governance/append-record.ts';
import { checkStoredChain } from '../src/governance/check-stored-chain.ts';
import type { AttemptRecordBody } from '../src/governance/governed-record.ts';
import { createRecordSealer } from '../src/governance/record-sealer.ts';
import { startSealThread } from '../src/governance/seal-thread.ts';
import { setSigning } from '../src/governance/signing-keys.ts';
import type { Store } from '../src/store/open-store.ts';
import {
  createReportRun,
  createTestDeps,
  governedRecords,
  storeKinds,
  type TestDeps,
} from './support/test-deps.ts';

describe.each(storeKinds)('sealing in a thread on %s', (kind) => {
  let deps: TestDeps;
  afterEach(async () => {
    await deps.close();
  });

  const records = () => governedRecords(deps);

  /** Three attempts sealed, then their records removed: what appending them again takes. */
  const threeRecordsToAppendAgain = async () => {
    for (const customer of ['Acme', 'Globex', 'Initech']) await createReportRun(deps, { customer });
    await createWorker(deps).runOnce();
    const sealed = await records();
    await deps.store.db.deleteFrom('governed_records').execute();
    return sealed.map((r) => ({
      orgId: r.org_id,
      kind: 'attempt' as const,
      runId: r.run_id,
      attemptId: r.attempt_id,
      agentId: r.agent_id,
      body: (link: object) => ({ ...(JSON.parse(r.body ?? '{}') as AttemptRecordBody), ...link }),
    }));
  };

  /**
   * The store, counting the writer locks lent out (each is one seal transaction of the thread) and
   * the looks at whether one was handed back.
   */
  const countingLends = (store: Store) => {
    const counted = { lends: 0, reclaims: 0 };
    return {
      counted,
      store: {
        ...store,
        lendWriter: (returned: Int32Array, onLent: () => void) => {
          counted.lends++;
          store.lendWriter(returned, onLent);
        },
        reclaimWriter: () => {
          counted.reclaims++;
          store.reclaimWriter();
        },
      },
    };
  };

  it('seals every attempt a worker ran, signed, chained in order, with the ids and time of the caller', async () => {
    deps = await createTestDeps(kind);
    await setSigning(deps, deps.admin, true);
    const runs = [];
    for (let i = 0; i < 30; i++) runs.push((await createReportRun(deps, { customer: `Customer ${i}` })).run);
    const { store, counted } = countingLends(deps.store);
    const issued: string[] = [];
    const invalidated: string[] = [];
    const worker = createWorker(
      {
        ...deps,
        store,
        ids: {
          ...deps.ids,
          next(kind) {
            const id = deps.ids.next(kind);
            if (kind === 'grc') issued.push(id);
            return id;
          },
        },
        usageHistory: {
          ...deps.usageHistory,
          invalidate(orgId, agentId) {
            invalidated.push(`${orgId}/${agentId}`);
            deps.usageHistory.invalidate(orgId, agentId);
          },
        },
      },
      { concurrency: 10, sealThread: true },
    );
    await worker.ready();
    const before = Date.now();
    await worker.runOnce();

    const all = await records();
    expect(all.map((r) => r.seq)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    expect(new Set(all.map((r) => r.run_id))).toEqual(new Set(runs.map((r) => r.id)));
    expect(all.every((r, i) => i === 0 || r.prev_hash === all[i - 1]?.hash)).toBe(true);
    // The records' ids were made here, by the injected `ids`; the thread only used them.
    expect(all.every((r) => issued.includes(r.id))).toBe(true);
    const body = JSON.parse(all[0]?.body ?? '{}') as AttemptRecordBody;
    expect(Date.parse(body.sealedAt)).toBeGreaterThanOrEqual(before - 1);
    expect(JSON.parse(all[0]?.receipt ?? '{}')).toHaveProperty('dsseEnvelope');
    expect(all.every((r) => r.key_id !== null)).toBe(true);
    // SQLite lends its writer lock for each seal transaction; PostgreSQL needs none.
    if (kind === 'sqlite') expect(counted.lends).toBeGreaterThan(0);
    else expect(counted.lends).toBe(0);
    // Every step commit looks for a lock the thread handed back, not waiting for its message.
    expect(counted.reclaims).toBeGreaterThanOrEqual(30);
    // The records added to the agent's estimate history, and this process's cache forgot it.
    expect(invalidated.length).toBeGreaterThan(0);
    expect(await deps.store.db.selectFrom('usage_history').select('attempt_id').execute()).toHaveLength(30);
    const audits = await deps.store.db
      .selectFrom('audit_events')
      .select('id')
      .where('action', '=', 'record.sealed')
      .execute();
    expect(audits).toHaveLength(30);
    expect((await checkStoredChain(deps, deps.admin)).ok).toBe(true);
  });

  it('seals what it is asked to once; asked again, it claims nothing', async () => {
    deps = await createTestDeps(kind);
    const seal = startSealThread(deps, deps.logger, new Map());
    expect(await seal.ready).toBe(true);
    await createReportRun(deps);
    // A worker sealing on this thread leaves the attempt to the sealing thread's claim.
    await createWorker(deps).runOnce();
    await deps.store.db.deleteFrom('governed_records').execute();
    await deps.store.db.updateTable('attempts').set({ sealed: 0 }).execute();
    const ids = (await deps.store.db.selectFrom('attempts').select('id').execute()).map((r) => r.id);
    expect(await seal.seal(ids)).toBe(1);
    expect(await seal.seal(ids)).toBe(0);
    await seal.close();
    expect((await records()).map((r) => r.seq)).toEqual([1]);
  });

  it('sweeps what a crash left unsealed through the thread, leaving what was asked for to its batch', async () => {
    deps = await createTestDeps(kind);
    for (const customer of ['Acme', 'Globex', 'Initech']) await createReportRun(deps, { customer });
    await createWorker(deps).runOnce();
    await deps.store.db.deleteFrom('governed_records').execute();
    await deps.store.db.updateTable('attempts').set({ sealed: 0 }).execute();
    const ids = (await deps.store.db.selectFrom('attempts').select('id').orderBy('id').execute()).map(
      (r) => r.id,
    );
    // Seal transactions on this thread's connection: none, the thread seals on its own.
    let inline = 0;
    const store = {
      ...deps.store,
      transaction: <T>(fn: Parameters<typeof deps.store.transaction<T>>[0]): Promise<T> => {
        inline++;
        return deps.store.transaction(fn);
      },
    };
    const sealer = createRecordSealer({ ...deps, store }, { thread: true });
    await sealer.open();
    // The first attempt is asked for (its batch not yet sent) when the sweep starts.
    const asked = sealer.seal(ids[0] ?? '');
    await sealer.sweep();
    await asked;
    await sealer.close();
    const all = await records();
    // The sweep sealed the other two first; the asked one came with its own batch, once.
    expect(all.map((r) => r.attempt_id)).toEqual([ids[1], ids[2], ids[0]]);
    expect(all.map((r) => r.seq)).toEqual([1, 2, 3]);
    expect(inline).toBe(0);
    expect((await checkStoredChain(deps, deps.admin)).ok).toBe(true);
  });

  it('chains again inside the transaction when another sealer moved the head in between', async () => {
    deps = await createTestDeps(kind);
    const inputs = await threeRecordsToAppendAgain();
    const [first, ...later] = inputs;
    if (!first) throw new Error('no record');
    // Chained ahead against the empty chain, then another sealer appends first.
    const heads = await readChainHeads(deps.store.db, deps, [deps.admin.orgId], { lock: false });
    const stale = await chainRecords(heads, later, deps.clock.now());
    await deps.store.transaction((trx) => appendRecords(trx, deps, [first]));
    await deps.store.transaction((trx) => appendRecords(trx, deps, later, stale));
    const all = await records();
    expect(all.map((r) => r.seq)).toEqual([1, 2, 3]);
    expect(all[1]?.prev_hash).toBe(all[0]?.hash);
    expect(all[1]?.hash).not.toBe(stale.rows[0]?.hash);
    expect((await checkStoredChain(deps, deps.admin)).ok).toBe(true);
  });

  it('chains slices of records ahead, each against the heads the rows before it leave', async () => {
    deps = await createTestDeps(kind);
    const inputs = await threeRecordsToAppendAgain();
    const heads = await readChainHeads(deps.store.db, deps, [deps.admin.orgId], { lock: false });
    // A minute back: rows chained again inside would differ in `sealedAt`, so in their hashes.
    const chained = await chainRecords(heads, inputs, deps.clock.now() - 60_000);
    const tail = chainedSlice(chained, 1, 3);
    expect(tail.heads.get(deps.admin.orgId)).toMatchObject({ seq: 1, hash: chained.rows[0]?.hash });
    await deps.store.transaction((trx) =>
      appendRecords(trx, deps, inputs.slice(0, 1), chainedSlice(chained, 0, 1)),
    );
    await deps.store.transaction((trx) => appendRecords(trx, deps, inputs.slice(1), tail));
    // The rows chained ahead are the rows written.
    expect((await records()).map((r) => r.hash)).toEqual(chained.rows.map((r) => r.hash));
    expect((await checkStoredChain(deps, deps.admin)).ok).toBe(true);
  });
});

describe('sealing in a thread that cannot open the store', () => {
  let deps: TestDeps;
  afterEach(async () => {
    await deps.close();
  });

  it('seals on the event loop instead', async () => {
    deps = await createTestDeps('sqlite');
    await createReportRun(deps);
    await createWorker(deps).runOnce();
    await deps.store.db.deleteFrom('governed_records').execute();
    await deps.store.db.updateTable('attempts').set({ sealed: 0 }).execute();
    const ids = (await deps.store.db.selectFrom('attempts').select('id').execute()).map((r) => r.id);
    const unreachable = { ...deps.store, reopen: { sqlitePath: '/dev/null/agentruns.db' } };
    const seal = startSealThread({ ...deps, store: unreachable }, deps.logger, new Map());
    expect(await seal.ready).toBe(false);
    expect(await seal.seal(ids)).toBe(1);
    await seal.close();
    expect(await deps.store.db.selectFrom('governed_records').select('seq').execute()).toEqual([{ seq: 1 }]);
  });
});
