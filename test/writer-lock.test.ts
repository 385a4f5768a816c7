import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { createWriterLock } from '../src/store/writer-lock.ts';

const flag = () => new Int32Array(new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT));
/** Lets every settled promise's callbacks run. */
const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('the writer lock', () => {
  it('lends the lock once earlier writes are done, and holds later writes until it is handed back', async () => {
    const { lock, lendWriter } = createWriterLock();
    const order: string[] = [];
    let finishFirst = () => {};
    void lock.run(() =>
      new Promise<void>((resolve) => (finishFirst = resolve)).then(() => order.push('first')),
    );
    const returned = flag();
    lendWriter(returned, () => order.push('lent'));
    void lock.run(() => order.push('after'));
    await settle();
    expect(order).toEqual([]);

    finishFirst();
    await settle();
    expect(order).toEqual(['first', 'lent']);
    expect(lock.locked).toBe(true);
    await settle();
    expect(order).toEqual(['first', 'lent']);

    Atomics.store(returned, 0, 1);
    // Handed back in shared memory: the next write takes it back, without any message.
    await lock.run(() => order.push('next'));
    expect(order).toEqual(['first', 'lent', 'after', 'next']);
  });

  it('takes the lock back at reclaimWriter() for a write that was already waiting', async () => {
    const { lock, lendWriter, reclaimWriter } = createWriterLock();
    const returned = flag();
    await new Promise<void>((lent) => lendWriter(returned, lent));
    let written = false;
    const waiting = lock.run(() => {
      written = true;
    });
    Atomics.store(returned, 0, 1);
    await settle();
    expect(written).toBe(false);
    reclaimWriter();
    await waiting;
    expect(written).toBe(true);
  });

  it('does not end a new loan on the flag an earlier loan left set', async () => {
    const { lock, lendWriter, reclaimWriter } = createWriterLock();
    const returned = flag();
    await new Promise<void>((lent) => lendWriter(returned, lent));
    Atomics.store(returned, 0, 1);
    reclaimWriter();
    // The second loan starts with the flag still 1 from the first; lending resets it.
    await new Promise<void>((lent) => lendWriter(returned, lent));
    let written = false;
    void lock.run(() => {
      written = true;
    });
    reclaimWriter();
    await settle();
    expect(written).toBe(false);
    Atomics.store(returned, 0, 1);
    reclaimWriter();
    await settle();
    expect(written).toBe(true);
  });

  it('ends a loan that is handed back as it is lent (a borrower already gone)', async () => {
    const { lock, lendWriter, reclaimWriter } = createWriterLock();
    const returned = flag();
    lendWriter(returned, () => {
      Atomics.store(returned, 0, 1);
      reclaimWriter();
    });
    let written = false;
    const waiting = lock.run(() => {
      written = true;
    });
    await settle();
    expect(written).toBe(true);
    await waiting;
  });

  it('sees the hand-back another thread makes', async () => {
    const { lock, lendWriter } = createWriterLock();
    const returned = flag();
    const lent = new Promise<void>((resolve) => lendWriter(returned, resolve));
    await lent;
    const borrower = new Worker(
      "const { workerData } = require('node:worker_threads'); Atomics.store(workerData, 0, 1);",
      { eval: true, workerData: returned },
    );
    await new Promise((resolve) => borrower.once('exit', resolve));
    expect(await lock.run(() => 'written')).toBe('written');
  });
});
