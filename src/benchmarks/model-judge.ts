import type { Deps } from '../deps.ts';
import { callModel } from '../models/call-model.ts';
import { ProviderError } from '../platform/errors.ts';

/** What a judge said, and whether the offline simulated model said it (the UI labels that). */
export interface JudgeAnswer {
  value: unknown;
  model: string;
  simulated: boolean;
}

/** Asks a model for JSON that satisfies `schema`; a seam, so a test can pass a plain object. */
export interface Judge {
  askOrThrow(
    model: string,
    prompt: string,
    schema: Record<string, unknown>,
    signal: AbortSignal,
  ): Promise<JudgeAnswer>;
}

/** The fixed system message of every judgement: the rubric comes in the prompt. */
export const JUDGE_SYSTEM = [
  'You are a strict, consistent evaluator of text written by an AI agent.',
  'Score only what the rubric asks, from the text given; do not reward length.',
  'Answer with JSON that matches the schema, and nothing else.',
].join(' ');

/**
 * A judge through the model layer (`src/models/`): the organization's provider for `model`, the
 * same retries and timeout as a step's call, structured output by JSON Schema.
 */
export function createModelJudge(deps: Pick<Deps, 'models' | 'clock' | 'config'>, orgId: string): Judge {
  const config = deps.config.models;
  return {
    async askOrThrow(model, prompt, schema, signal) {
      const provider = await deps.models.resolveForOrgOrThrow(orgId, model);
      const answer = await callModel(
        provider,
        {
          model,
          system: JUDGE_SYSTEM,
          prompt,
          outputFormat: 'json',
          outputSchema: schema,
          signal,
          stepNumber: 0,
        },
        {
          clock: deps.clock,
          timeoutMs: config.stepTimeoutMs,
          retry: {
            maxAttempts: config.maxAttempts,
            baseDelayMs: config.retryBaseDelayMs,
            maxDelayMs: config.retryMaxDelayMs,
          },
        },
      );
      try {
        return { value: JSON.parse(stripFence(answer.text)), model, simulated: provider.simulated };
      } catch {
        throw new ProviderError(
          `the judge ${model} did not answer with JSON: ${answer.text.slice(0, 200)}`,
          false,
        );
      }
    },
  };
}

/** Some models wrap JSON in a Markdown fence even when asked not to. */
function stripFence(text: string): string {
  const fenced = /^\s*```(?:json)?\s*([\s\S]*?)\s*```\s*$/.exec(text);
  return fenced?.[1] ?? text;
}
