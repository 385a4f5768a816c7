import type { ModelCall, ModelProvider } from '../../src/models/model-provider.ts';
import { approximateTokens, simulatedAnswer } from '../../src/models/simulated-provider.ts';

export interface ProbeCall {
  model: string;
  step: number;
  prompt: string;
  reasoningEffort: string | undefined;
  /** Set when the engine aborted the call, with the abort reason's message. */
  abortedWith: string | undefined;
  /** Lets a blocked call answer. */
  release(): void;
}

/**
 * A model provider for scenario tests, answering like the simulated one. Model ids:
 * - `probe/default`: answers at once;
 * - `probe/block-at-N`: step N waits until released or aborted;
 * - `probe/block-once-at-N`: only the first call of step N waits;
 * - `probe/deaf-at-N`: step N ignores aborts and answers only when released (a late answer).
 */
export function createProbeProvider() {
  const calls: ProbeCall[] = [];
  const waiters: Array<() => void> = [];
  const provider: ModelProvider = {
    id: 'probe',
    simulated: true,
    async generate(call: ModelCall) {
      let release = () => {};
      const released = new Promise<void>((resolve) => {
        release = resolve;
      });
      const record: ProbeCall = {
        model: call.model,
        step: call.stepNumber,
        prompt: call.prompt,
        reasoningEffort: call.reasoningEffort,
        abortedWith: undefined,
        release,
      };
      calls.push(record);
      for (const wake of waiters.splice(0)) wake();
      const variant = call.model.slice('probe/'.length);
      const at = Number(/-at-(\d+)$/.exec(variant)?.[1] ?? 0);
      const blocks =
        at === call.stepNumber &&
        (!variant.startsWith('block-once') ||
          calls.filter((c) => c.step === at && c.model === call.model).length === 1);
      if (blocks) {
        const aborted = new Promise<never>((_, reject) => {
          const onAbort = () => {
            record.abortedWith = String((call.signal.reason as Error)?.message ?? call.signal.reason);
            reject(call.signal.reason);
          };
          if (call.signal.aborted) onAbort();
          else call.signal.addEventListener('abort', onAbort, { once: true });
        });
        if (variant.startsWith('deaf')) {
          aborted.catch(() => undefined);
          await released;
        } else {
          await Promise.race([released, aborted]);
        }
      }
      const text = simulatedAnswer(call);
      return {
        text,
        usage: { inputTokens: approximateTokens(call.prompt), outputTokens: approximateTokens(text) },
      };
    },
  };
  return {
    provider,
    calls,
    /** Resolves once `predicate` holds for the calls made so far. */
    async waitFor(predicate: (calls: ProbeCall[]) => boolean, timeoutMs = 10_000): Promise<void> {
      const deadline = Date.now() + timeoutMs;
      while (!predicate(calls)) {
        if (Date.now() > deadline)
          throw new Error(
            `probe: condition not met in ${timeoutMs} ms; calls: ${JSON.stringify(calls.map((c) => [c.model, c.step]))}`,
          );
        await new Promise<void>((resolve) => {
          waiters.push(resolve);
          setTimeout(resolve, 50);
        });
      }
    },
  };
}
