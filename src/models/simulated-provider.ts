import { createHash } from 'node:crypto';
import type { ReasoningEffort } from '../agents/agent-definition.ts';
import type { Clock } from '../platform/clock.ts';
import { ProviderError } from '../platform/errors.ts';
import { runToolLoop } from '../tools/run-tool-loop.ts';
import type { StepToolSet } from '../tools/step-tool-set.ts';
import { toUsage } from './ai-sdk-provider.ts';
import type { ModelAnswer, ModelCall, ModelProvider } from './model-provider.ts';
import { brokenFileSpec, simulatedFileSpec } from './simulated-file-spec.ts';
import { simulatedSchemaAnswer, simulatedScoreFraction } from './simulated-schema-answer.ts';
import { createSimulatedToolModel } from './simulated-tool-model.ts';

/**
 * The offline model. Its answer is derived from the prompt alone, so tests can assert on it;
 * the model id injects behaviour:
 * - `simulated/default` answers at once;
 * - `simulated/slow` takes 5 s per call (abortable);
 * - `simulated/delay-<ms>` takes that long;
 * - `simulated/fail-at-step-<n>` fails step n with a provider error;
 * - `simulated/bad-file-spec` answers file steps with a spec that breaks its schema;
 * - `simulated/text-only` stands for a model without structured output (no file steps);
 * - `simulated/score-<x>` (x in 0–1) fills every number of a schema answer at x of its range, so a
 *   benchmark judge through it gives a known score (`simulated-schema-answer.ts`).
 * A file step (`fileKind`) is answered with a spec of that kind read off the prompt
 * (`simulated-file-spec.ts`). A step with tools runs the real AI SDK tool loop against a scripted
 * model (`simulated-tool-model.ts`): `[[call <tool> {json}]]` in the prompt makes it call a tool.
 */
export const SLOW_MODEL_DELAY_MS = 5000;

export const reasoningTokensByEffort: Record<ReasoningEffort, number> = {
  none: 0,
  minimal: 16,
  low: 64,
  medium: 256,
  high: 1024,
};

/** About four characters a token: the usual rule of thumb for English text. */
export function approximateTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

export function simulatedAnswer(
  call: Pick<ModelCall, 'prompt' | 'system' | 'outputFormat' | 'fileKind'> & {
    model?: string;
    outputSchema?: Record<string, unknown> | undefined;
  },
): string {
  const digest = createHash('sha256')
    .update(call.system ?? '')
    .update('\0')
    .update(call.prompt)
    .digest('hex')
    .slice(0, 8);
  const words = call.prompt.trim().split(/\s+/).filter(Boolean);
  const excerpt = words.slice(0, 40).join(' ') + (words.length > 40 ? ' …' : '');
  if (call.fileKind !== undefined) {
    const spec =
      call.model === 'simulated/bad-file-spec'
        ? brokenFileSpec(call.fileKind, call.prompt, digest)
        : simulatedFileSpec(call.fileKind, call.prompt, digest);
    return JSON.stringify(spec);
  }
  if (call.outputFormat === 'json' && call.outputSchema !== undefined) {
    const fraction = simulatedScoreFraction(call.model, digest);
    return JSON.stringify(simulatedSchemaAnswer(call.outputSchema, fraction, excerpt));
  }
  if (call.outputFormat === 'json') {
    return JSON.stringify({ simulated: true, digest, words: words.length, excerpt });
  }
  return `Simulated answer ${digest} (${words.length} words in the prompt): ${excerpt}`;
}

export function createSimulatedProvider(clock: Clock): ModelProvider {
  return {
    id: 'simulated',
    simulated: true,
    async generate(call: ModelCall): Promise<ModelAnswer> {
      const variant = call.model.slice('simulated/'.length);
      const delayMs =
        variant === 'slow' ? SLOW_MODEL_DELAY_MS : Number(/^delay-(\d+)$/.exec(variant)?.[1] ?? 0);
      if (delayMs > 0) await clock.sleep(delayMs, call.signal);
      else if (call.signal.aborted) throw call.signal.reason;

      const failAt = /^fail-at-step-(\d+)$/.exec(variant)?.[1];
      if (failAt !== undefined && Number(failAt) === call.stepNumber) {
        throw new ProviderError(
          `simulated provider failure at step ${call.stepNumber} (model ${call.model})`,
        );
      }
      if (call.tools) return simulatedToolLoop(call, call.tools);
      const text = simulatedAnswer(call);
      const reasoningTokens = reasoningTokensByEffort[call.reasoningEffort ?? 'none'];
      const outputTokens = Math.min(
        approximateTokens(text),
        call.maxOutputTokens ?? Number.POSITIVE_INFINITY,
      );
      return {
        text,
        usage: {
          inputTokens: approximateTokens((call.system ?? '') + call.prompt),
          outputTokens,
          ...(reasoningTokens > 0 ? { reasoningTokens } : {}),
        },
      };
    },
  };
}

async function simulatedToolLoop(call: ModelCall, tools: StepToolSet): Promise<ModelAnswer> {
  const result = await runToolLoop(
    {
      model: createSimulatedToolModel(call.model),
      system: call.system,
      prompt: call.prompt,
      maxRetries: 0,
      abortSignal: call.signal,
    },
    tools,
  );
  call.onDelta?.(result.text);
  return { text: result.text, usage: toUsage(result.totalUsage) };
}
