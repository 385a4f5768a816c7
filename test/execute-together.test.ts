import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { executeTogether, rowsInsert } from '../src/store/execute-together.ts';
import { createTestDeps, storeKinds, type TestDeps } from './support/test-deps.ts';

describe.each(storeKinds)('executeTogether on %s', (kind) => {
  let deps: TestDeps;
  beforeAll(async () => {
    deps = await createTestDeps(kind);
  });
  afterAll(() => deps?.close());

  const kv = (prefix: string) => (i: number) => ({ key: `${prefix}-${i}`, value: `it's "${i}"` });
  const readKv = (prefix: string) =>
    deps.store.db.selectFrom('kv').selectAll().where('key', 'like', `${prefix}-%`).orderBy('key').execute();
  const audit = (id: string) => ({
    id,
    org_id: deps.admin.orgId,
    actor: deps.admin.userId,
    action: 'test.together',
    target: 'kv',
    details: '{}',
    created_at: 1,
  });

  it('writes each table’s rows, whatever their count, and the same shape again', async () => {
    for (const [prefix, count] of [
      ['a', 1],
      ['b', 3],
      ['c', 3],
    ] as const) {
      await executeTogether(
        deps.store.db,
        kind,
        [
          rowsInsert('kv', Array.from({ length: count }, (_, i) => i).map(kv(prefix))),
          rowsInsert('attempts', []),
          rowsInsert('audit_events', [audit(`aud_together_${prefix}`)]),
        ],
        { prepared: true },
      );
      expect(await readKv(prefix)).toEqual(Array.from({ length: count }, (_, i) => i).map(kv(prefix)));
    }
    const audits = await deps.store.db
      .selectFrom('audit_events')
      .select('id')
      .where('action', '=', 'test.together')
      .orderBy('id')
      .execute();
    expect(audits.map((a) => a.id)).toEqual(['aud_together_a', 'aud_together_b', 'aud_together_c']);
  });

  it('writes all of it or none of it in a transaction', async () => {
    await expect(
      deps.store.transaction((trx) =>
        executeTogether(trx, kind, [
          rowsInsert('kv', [kv('d')(1)]),
          // The same key twice: the second row breaks the primary key.
          rowsInsert('audit_events', [audit('aud_together_twice'), audit('aud_together_twice')]),
        ]),
      ),
    ).rejects.toThrow();
    expect(await readKv('d')).toEqual([]);
  });

  it('outside a transaction is one statement on PostgreSQL (none of it), one by one on SQLite', async () => {
    await expect(
      executeTogether(deps.store.db, kind, [
        rowsInsert('kv', [kv('f')(1), kv('f')(2)]),
        rowsInsert('audit_events', [audit('aud_together_f'), audit('aud_together_f')]),
      ]),
    ).rejects.toThrow();
    expect(await readKv('f')).toEqual(kind === 'postgres' ? [] : [kv('f')(1), kv('f')(2)]);
  });

  it('refuses rows of one table that name different columns, writing nothing', async () => {
    const { details: _, ...withoutDetails } = audit('aud_together_e2');
    await expect(
      executeTogether(deps.store.db, kind, [
        rowsInsert('kv', [kv('e')(1)]),
        rowsInsert('audit_events', [audit('aud_together_e1'), withoutDetails as never]),
      ]),
    ).rejects.toThrow('every row of audit_events must name the same columns');
    expect(await readKv('e')).toEqual([]);
  });

  it('skips rows whose key is taken when told to ignore conflicts, and refuses them otherwise', async () => {
    await executeTogether(deps.store.db, kind, [rowsInsert('kv', [kv('g')(1)])]);
    const again = { key: 'g-1', value: 'changed' };
    await expect(
      executeTogether(deps.store.db, kind, [rowsInsert('kv', [again, kv('g')(2)])]),
    ).rejects.toThrow();
    expect(await readKv('g')).toEqual([kv('g')(1)]);
    await executeTogether(deps.store.db, kind, [
      rowsInsert('kv', [again, kv('g')(2)], { ignoreConflicts: true }),
      rowsInsert('audit_events', [audit('aud_together_g')]),
    ]);
    expect(await readKv('g')).toEqual([kv('g')(1), kv('g')(2)]);
  });
});
