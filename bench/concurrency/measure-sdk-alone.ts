import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import { streamText } from 'ai';

export interface SdkAloneRound {
  inflight: number;
  seconds: number;
  calls: number;
  callsPerSecond: number;
  /** CPU of this process per completed call, in microseconds. */
  cpuMicrosPerCall: number;
  /** Calls that failed in the window (a connection the server closed as the call reused it). */
  failedCalls: number;
}

/**
 * The peer of a concurrency round: the same model server called through the AI SDK as a named
 * provider was before it spoke Chat Completions itself (`@ai-sdk/openai-compatible`, `streamText`,
 * text deltas read as they come), in a closed loop of `inflight` calls with no engine, store or
 * run around them: what the SDK and Node's fetch alone reach on this machine.
 */
export async function measureSdkAlone(options: {
  inflight: number;
  durationSeconds: number;
  warmupSeconds: number;
  modelBaseUrl: string;
}): Promise<SdkAloneRound> {
  const model = createOpenAICompatible({
    name: 'local',
    baseURL: options.modelBaseUrl,
    apiKey: 'bench',
    includeUsage: true,
  }).chatModel('gpt-4.1');
  let calls = 0;
  let failedCalls = 0;
  let closing = false;
  const loop = async (i: number) => {
    while (!closing) {
      // Retried as the engine retries a dropped connection (the server ends idle keep-alive sockets).
      const result = streamText({ model, prompt: `Say hello to Customer ${i}.`, maxRetries: 2 });
      let text = '';
      let failed = false;
      for await (const part of result.fullStream) {
        if (part.type === 'text-delta') text += part.text;
        if (part.type === 'error') failed = true;
      }
      if (failed) failedCalls++;
      else if (text.length === 0) throw new Error('the model answered nothing');
      else calls++;
    }
  };
  // Handled at once: a loop that fails during the sleeps below rejects here, not as an unhandled rejection.
  const loops = Promise.all(Array.from({ length: options.inflight }, (_, i) => loop(i)));
  let failed: unknown;
  loops.catch((error: unknown) => {
    failed = error;
    closing = true;
  });
  await sleep(options.warmupSeconds * 1000);
  const callsBefore = calls;
  const failedBefore = failedCalls;
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  await sleep(options.durationSeconds * 1000);
  const seconds = (performance.now() - started) / 1000;
  const windowCalls = calls - callsBefore;
  const cpu = process.cpuUsage(cpuBefore);
  closing = true;
  await loops.catch(() => undefined);
  if (failed !== undefined) throw failed;
  return {
    inflight: options.inflight,
    seconds,
    calls: windowCalls,
    callsPerSecond: windowCalls / seconds,
    cpuMicrosPerCall: (cpu.user + cpu.system) / Math.max(1, windowCalls),
    failedCalls: failedCalls - failedBefore,
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
