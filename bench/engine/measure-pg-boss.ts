import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { PgBoss } from 'pg-boss';
import { peerRound, type RoundResult } from './bench-stats.ts';
import { dropSchema } from './measure-agent-runs.ts';
import { countStatements } from './statement-counter.ts';
import { createStepTimeline } from './step-timeline.ts';

export interface PgBossRoundOptions {
  round: number;
  chains: number;
  /** Jobs each fetch takes (`batchSize`); a batch's handler adds its next jobs in one insert. */
  batchSize: number;
  /** Workers polling each queue (`localConcurrency`). */
  workers: number;
  postgresUrl: string;
}

interface ChainPayload {
  chain: number;
}

const QUEUES = ['step1', 'step2', 'step3'] as const;

/**
 * One round of the second peer: `chains` chains of three jobs on pg-boss 12, in a fresh schema of
 * the same database, through a pool of ours (`db`, so its statements are counted). Each queue has
 * `workers` workers fetching `batchSize` jobs at a time, woken by LISTEN/NOTIFY and fetching without
 * pause while batches come back full; a batch of step n adds the batch's step n + 1 jobs in one
 * `insert`, and pg-boss completes the batch when the handler resolves. The first jobs are inserted
 * before the clock starts; it runs from the first `work()` until the last step 3 has run.
 */
export async function measurePgBoss(options: PgBossRoundOptions): Promise<RoundResult> {
  const schema = `bench_pgb_${randomBytes(5).toString('hex')}`;
  const pool = new pg.Pool({
    connectionString: options.postgresUrl,
    max: Math.max(10, options.workers * 3 + 2),
  });
  pool.on('error', () => undefined);
  const boss = new PgBoss({
    db: { executeSql: (text, values) => pool.query(text, values as unknown[]) },
    schema,
    supervise: false,
    schedule: false,
  });
  boss.on('error', () => undefined);
  try {
    await boss.start();
    for (const name of QUEUES) await boss.createQueue(name);

    const enqueueStarted = performance.now();
    for (let i = 0; i < options.chains; i += 1000) {
      const batch = Array.from({ length: Math.min(1000, options.chains - i) }, (_, k) => ({
        data: { chain: i + k },
      }));
      await boss.insert('step1', batch);
    }
    const enqueueSeconds = (performance.now() - enqueueStarted) / 1000;

    const timeline = createStepTimeline();
    let finished = 0;
    let allFinished!: () => void;
    const done = new Promise<void>((resolve) => {
      allFinished = resolve;
    });
    const statements = countStatements([pool]);
    const started = performance.now();
    const cpuBefore = process.cpuUsage();
    const workOptions = {
      batchSize: options.batchSize,
      localConcurrency: options.workers,
      pollingIntervalSeconds: 0.5,
      burstWhenBatchFull: true,
    };
    for (const [index, name] of QUEUES.entries()) {
      const step = index + 1;
      const next = QUEUES[index + 1];
      await boss.work<ChainPayload>(name, workOptions, async (jobs) => {
        for (const job of jobs) timeline.started(String(job.data.chain), step);
        if (next) {
          await boss.insert(
            next,
            jobs.map((job) => ({ data: { chain: job.data.chain } })),
          );
          for (const job of jobs) timeline.committed(String(job.data.chain), step + 1);
        } else {
          finished += jobs.length;
          if (finished === options.chains) allFinished();
        }
      });
    }
    await done;
    const seconds = (performance.now() - started) / 1000;
    const cpu = process.cpuUsage(cpuBefore);
    const statementCount = statements.count;
    await boss.stop({ graceful: true });

    return peerRound({
      round: options.round,
      chains: options.chains,
      seconds,
      cpu,
      gaps: timeline.gaps(),
      statements: statementCount,
      enqueueSeconds,
    });
  } finally {
    await boss.stop({ graceful: false }).catch(() => undefined);
    await pool.end();
    await dropSchema(options.postgresUrl, schema);
  }
}
