import { randomBytes } from 'node:crypto';
import { Logger, makeWorkerUtils, run, type Task } from 'graphile-worker';
import pg from 'pg';
import { peerRound, type RoundResult } from './bench-stats.ts';
import { dropSchema } from './measure-agent-runs.ts';
import { countStatements } from './statement-counter.ts';
import { createStepTimeline } from './step-timeline.ts';

export interface GraphileWorkerRoundOptions {
  round: number;
  chains: number;
  /** graphile-worker's `concurrency` (its default is 1); the pool gets as many connections, at least 10. */
  concurrency: number;
  postgresUrl: string;
}

interface ChainPayload {
  chain: number;
}

const silent = new Logger(() => () => undefined);

/**
 * One round of the peer: `chains` chains of three jobs on graphile-worker 0.16 with its default,
 * unbatched settings, in a fresh schema of the same database. Job 1 adds job 2 and job 2 adds
 * job 3 from inside the task, as a graphile-worker user chains steps; a job is done when its task
 * resolves and graphile-worker deletes it. The first jobs are enqueued in one `add_jobs` call per
 * thousand (not timed); the clock runs from `run()` until the last job 3 finishes.
 */
export async function measureGraphileWorker(options: GraphileWorkerRoundOptions): Promise<RoundResult> {
  const schema = `bench_gw_${randomBytes(5).toString('hex')}`;
  const pool = new pg.Pool({ connectionString: options.postgresUrl, max: Math.max(10, options.concurrency) });
  pool.on('error', () => undefined);
  try {
    const utils = await makeWorkerUtils({ pgPool: pool, schema, logger: silent });
    await utils.migrate();
    await utils.release();

    const enqueueStarted = performance.now();
    const specs = Array.from({ length: options.chains }, (_, chain) => ({
      identifier: 'step1',
      payload: { chain },
    }));
    for (let i = 0; i < specs.length; i += 1000) {
      await pool.query(
        `SELECT count(*) FROM ${schema}.add_jobs(ARRAY(
           SELECT json_populate_record(NULL::${schema}.job_spec, spec) FROM json_array_elements($1::json) spec))`,
        [JSON.stringify(specs.slice(i, i + 1000))],
      );
    }
    const enqueueSeconds = (performance.now() - enqueueStarted) / 1000;

    const timeline = createStepTimeline();
    let finished = 0;
    let allFinished!: () => void;
    const done = new Promise<void>((resolve) => {
      allFinished = resolve;
    });
    const chainStep =
      (step: number, next: string | undefined): Task =>
      async (payload, helpers) => {
        const { chain } = payload as ChainPayload;
        timeline.started(String(chain), step);
        if (next) {
          await helpers.addJob(next, { chain });
          timeline.committed(String(chain), step + 1);
        } else if (++finished === options.chains) {
          allFinished();
        }
      };
    const statements = countStatements([pool]);
    const started = performance.now();
    const cpuBefore = process.cpuUsage();
    const runner = await run({
      pgPool: pool,
      schema,
      logger: silent,
      concurrency: options.concurrency,
      noHandleSignals: true,
      taskList: {
        step1: chainStep(1, 'step2'),
        step2: chainStep(2, 'step3'),
        step3: chainStep(3, undefined),
      },
    });
    await done;
    const seconds = (performance.now() - started) / 1000;
    const cpu = process.cpuUsage(cpuBefore);
    const statementCount = statements.count;
    await runner.stop();

    const left = await pool.query<{ n: string }>(`SELECT count(*) AS n FROM ${schema}.jobs`);
    if (Number(left.rows[0]?.n) !== 0) throw new Error(`graphile-worker left ${left.rows[0]?.n} jobs`);
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
    await pool.end();
    await dropSchema(options.postgresUrl, schema);
  }
}
