import { createOpenAI } from '@ai-sdk/openai';
import { streamText } from 'ai';

export interface SdkAloneRound {
  inflight: number;
  seconds: number;
  calls: number;
  callsPerSecond: number;
  /** CPU of this process per completed call, in microseconds. */
  cpuMicrosPerCall: number;
}

/**
 * The peer of a concurrency round: the same model server and the same AI SDK call the engine makes
 * (`streamText` on the Chat Completions API, text deltas read as they come), in a closed loop of
 * `inflight` calls with no engine, store or run around them. What this reaches is the ceiling the
 * SDK and Node's fetch set on this machine; the engine's rounds are read against it.
 */
export async function measureSdkAlone(options: {
  inflight: number;
  durationSeconds: number;
  warmupSeconds: number;
  modelBaseUrl: string;
}): Promise<SdkAloneRound> {
  const model = createOpenAI({ baseURL: options.modelBaseUrl, apiKey: 'bench' }).chat('gpt-4.1');
  let calls = 0;
  let closing = false;
  const loop = async (i: number) => {
    while (!closing) {
      // Retried as the engine retries a dropped connection (the server ends idle keep-alive sockets).
      const result = streamText({ model, prompt: `Say hello to Customer ${i}.`, maxRetries: 2 });
      let text = '';
      for await (const part of result.fullStream) {
        if (part.type === 'text-delta') text += part.text;
        if (part.type === 'error') throw part.error;
      }
      if (text.length === 0) throw new Error('the model answered nothing');
      calls++;
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
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
