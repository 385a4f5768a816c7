import pino from 'pino';
import { createDeps } from '../../src/create-deps.ts';
import { loadConfig } from '../../src/platform/config.ts';
import { createRun } from '../../src/runs/create-run.ts';
import type { WriterInput } from './runlist-bench.ts';

/**
 * The run list bench's writer, in its own process (forked by runlist-bench.ts): opens the same
 * store through the composition root and creates `rate` runs per second through `createRun`, in
 * bursts every 100 ms, until told to stop; then reports how many it wrote.
 * Input (JSON in AGENTRUNS_BENCH_WRITER): dataDir, databaseUrl, schema, actor, agentIds, rate.
 */
const input = JSON.parse(process.env.AGENTRUNS_BENCH_WRITER ?? '{}') as WriterInput;
const deps = await createDeps(
  {
    ...loadConfig({}),
    dataDir: input.dataDir,
    databaseUrl: input.databaseUrl,
    examples: false,
    logLevel: 'silent',
  },
  { logger: pino({ level: 'silent' }), storeOptions: { pgSchema: input.schema } },
);

let writing = true;
let written = 0;
process.on('message', (message) => {
  if (message === 'stop') writing = false;
});
// The bench that forked it died (killed, crashed): stop rather than write on, unwatched, for ever.
process.once('disconnect', () => {
  writing = false;
});
process.send?.('ready');

const perTick = Math.max(1, Math.round(input.rate / 10));
const started = performance.now();
for (let tick = 0; writing; tick++) {
  const wait = started + tick * 100 - performance.now();
  if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
  await Promise.all(
    Array.from({ length: perTick }, (_, k) =>
      createRun(
        deps,
        input.actor,
        input.agentIds[(written + k) % input.agentIds.length] as string,
        { name: `Live ${written + k}`, start: false },
        { kind: 'manual', by: input.actor.userId },
      ),
    ),
  );
  written += perTick;
}
const seconds = (performance.now() - started) / 1000;
if (process.connected) process.send?.({ written, seconds });
await deps.close();
if (process.connected) process.disconnect?.();
