import type { ModelSettings } from '../agents/agent-definition.ts';
import type { Deps } from '../deps.ts';
import type { FileKind } from '../files/file-kind.ts';
import type { StepToolSet } from '../tools/step-tool-set.ts';
import { type CalledModel, callModel } from './call-model.ts';
import { priceUsage } from './price-table.ts';
import type { StepUsage } from './step-usage.ts';

/** The bus channel live output deltas of a run go out on (not stored; SSE forwards them). */
export const deltaChannel = (runId: string) => `run-delta:${runId}`;

/** One piece of a step's answer as it streams in; `restart` says a retry starts the answer over. */
export interface OutputDelta {
  /** The step's number. */
  number: number;
  text: string;
  restart?: boolean;
}

export interface ModelStepInput {
  orgId: string;
  runId: string;
  stepNumber: number;
  /** The run's settings with this step's overrides applied. */
  settings: ModelSettings;
  system: string | undefined;
  prompt: string;
  outputFormat: 'text' | 'json';
  /** A file step's kind and the JSON Schema of its spec (`files/generate-file.ts`). */
  fileKind?: FileKind | undefined;
  outputSchema?: Record<string, unknown> | undefined;
  signal: AbortSignal;
  /** The organization's credits per US dollar, as the attempt read it. */
  creditRate: number;
  /** The step's tools, when it lists any (`tools/step-tools.ts`). */
  tools?: StepToolSet | undefined;
}

export interface ModelStepOutcome {
  text: string;
  /** Tokens, and what the step used: settings, price-table version and rates, HTTP calls. */
  usage: StepUsage;
  credits: number;
}

/** Runs one prompt step's model call: the engine's one way to a model. */
export interface ModelStepRunner {
  run(input: ModelStepInput): Promise<ModelStepOutcome>;
}

type RunnerDeps = Pick<Deps, 'models' | 'clock' | 'bus' | 'config' | 'pricing' | 'logger'>;

/**
 * Resolves the step's provider (built-in or the organization's named one), calls it streaming
 * with retries and the step's timeout (`call-model.ts`), forwards output deltas to the event bus
 * (the run's SSE stream shows them; nothing is written per token: the step result holds the whole
 * answer once it commits), and prices the usage with the organization's current price table.
 */
export function createModelStepRunner(
  deps: RunnerDeps,
  options: { random?: () => number } = {},
): ModelStepRunner {
  const config = deps.config.models;
  return {
    async run(input) {
      const { settings } = input;
      const provider = await deps.models.resolveForOrgOrThrow(input.orgId, settings.model);
      const timeoutMs = settings.timeoutMs ?? config.stepTimeoutMs;
      const channel = deltaChannel(input.runId);
      const publish = (delta: OutputDelta) => deps.bus.publish(channel, JSON.stringify(delta));
      const gatherDelta = deltaGatherer(input.stepNumber, publish);
      const call = {
        model: settings.model,
        system: input.system,
        prompt: input.prompt,
        reasoningEffort: settings.reasoningEffort,
        temperature: settings.temperature,
        maxOutputTokens: settings.maxOutputTokens,
        outputFormat: input.outputFormat,
        fileKind: input.fileKind,
        outputSchema: input.outputSchema,
        signal: input.signal,
        stepNumber: input.stepNumber,
        onDelta: gatherDelta,
        tools: input.tools,
      };
      const answer: CalledModel = await callModel(provider, call, {
        clock: deps.clock,
        timeoutMs,
        retry: {
          // A tool step is not tried again as a whole: that would repeat its tools' effects. The
          // provider retries each of its model requests instead (`run-tool-loop.ts`).
          maxAttempts: input.tools ? 1 : config.maxAttempts,
          baseDelayMs: config.retryBaseDelayMs,
          maxDelayMs: config.retryMaxDelayMs,
        },
        ...(options.random ? { random: options.random } : {}),
        onRetry: ({ attempt, delayMs, error }) => {
          deps.logger.warn(
            {
              runId: input.runId,
              step: input.stepNumber,
              attempt,
              delayMs,
              kind: error.kind,
              err: error.message,
            },
            'model call failed; retrying',
          );
          // After the failed try's last deltas: they went out in the microtask the try queued.
          publish({ number: input.stepNumber, text: '', restart: true });
        },
      });
      const table = await deps.pricing.currentFor(input.orgId);
      const { credits, pricing } = priceUsage(table, settings.model, answer.usage, input.creditRate);
      return {
        text: answer.text,
        credits,
        usage: {
          ...answer.usage,
          settings: {
            model: settings.model,
            reasoningEffort: settings.reasoningEffort ?? null,
            temperature: settings.temperature ?? null,
            maxOutputTokens: settings.maxOutputTokens ?? null,
            timeoutMs,
            providerOptions: provider.optionsFor?.(call) ?? {},
            responseModel: answer.responseModel ?? null,
            warnings: answer.warnings ?? [],
          },
          pricing,
          modelCalls: answer.attempts,
        },
      };
    },
  };
}

/**
 * A step's deltas that arrive in the same turn (one read of a stream holds several chunks: a
 * server that answers quickly sends them together) go out as one, in a microtask: a follower
 * appends them just the same, and every publish costs a JSON text and, on PostgreSQL, a share of
 * a NOTIFY.
 */
function deltaGatherer(number: number, publish: (delta: OutputDelta) => void): (piece: string) => void {
  let text = '';
  const flush = () => {
    const gathered = text;
    text = '';
    publish({ number, text: gathered });
  };
  return (piece) => {
    if (piece === '') return;
    if (text === '') queueMicrotask(flush);
    text += piece;
  };
}
