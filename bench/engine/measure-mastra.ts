import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Mastra } from '@mastra/core/mastra';
import { createStep, createWorkflow } from '@mastra/core/workflows';
import { LibSQLStore } from '@mastra/libsql';
import { z } from 'zod';
import { createSimulatedProvider } from '../../src/models/simulated-provider.ts';
import { createSystemClock } from '../../src/platform/clock.ts';
import { peerRound, type RoundResult } from './bench-stats.ts';
import { createStepTimeline } from './step-timeline.ts';

export interface MastraRoundOptions {
  round: number;
  chains: number;
  /** Workflow runs started at once (Mastra has no queue: each is a `run.start` promise). */
  concurrency: number;
}

const text = z.object({ customer: z.string(), runId: z.string(), output: z.string() });

/**
 * One round of the third peer: `chains` runs of a three-step Mastra workflow (@mastra/core 0.24,
 * the last line for Node 20) on LibSQL (a SQLite file in a temp directory, @mastra/libsql), each
 * step calling the same zero-latency simulated model with a prompt quoting the step before, as the
 * Agent Runs chain does. Mastra persists the run's snapshot to storage as its steps finish; that is
 * its durability. `concurrency` runs are in flight at once; the clock runs from the first start to
 * the last run's result.
 */
export async function measureMastra(options: MastraRoundOptions): Promise<RoundResult> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'agentruns-bench-mastra-'));
  const model = createSimulatedProvider(createSystemClock());
  const timeline = createStepTimeline();
  const call = async (runId: string, step: number, prompt: string) => {
    timeline.started(runId, step);
    const answer = await model.generate({
      model: 'simulated/default',
      prompt,
      outputFormat: 'text',
      signal: new AbortController().signal,
      stepNumber: step,
    });
    return answer.text;
  };
  const stepOf = (id: string, step: number, prompt: (input: z.infer<typeof text>) => string) =>
    createStep({
      id,
      inputSchema: text,
      outputSchema: text,
      execute: async ({ inputData }) => ({
        ...inputData,
        output: await call(inputData.runId, step, prompt(inputData)),
      }),
    });
  const workflow = createWorkflow({ id: 'engine-benchmark', inputSchema: text, outputSchema: text })
    .then(stepOf('gather', 1, (i) => `${i.runId} List the facts about ${i.customer}.`))
    .then(stepOf('summarize', 2, (i) => `${i.runId} Summarize: ${i.output}`))
    .then(stepOf('report', 3, (i) => `${i.runId} Write the report from ${i.output}`))
    .commit();
  const storage = new LibSQLStore({ url: `file:${path.join(dataDir, 'mastra.db')}` });
  const mastra = new Mastra({ storage, workflows: { workflow }, logger: false });
  try {
    await storage.init();
    const registered = mastra.getWorkflow('workflow');
    let next = 0;
    let failed = 0;
    const started = performance.now();
    const cpuBefore = process.cpuUsage();
    await Promise.all(
      Array.from({ length: options.concurrency }, async () => {
        while (next < options.chains) {
          const i = next++;
          const run = await registered.createRunAsync();
          const result = await run.start({
            inputData: { customer: `Customer ${i}`, runId: `chain-${i}`, output: '' },
          });
          if (result.status !== 'success') failed++;
        }
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    const cpu = process.cpuUsage(cpuBefore);
    if (failed > 0) throw new Error(`${failed} Mastra workflow runs did not succeed`);
    return peerRound({
      round: options.round,
      chains: options.chains,
      seconds,
      cpu,
      gaps: timeline.gaps(),
      statements: null,
      enqueueSeconds: 0,
    });
  } finally {
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}
