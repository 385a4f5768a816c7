import type { Clock } from '../platform/clock.ts';
import { ProviderError } from '../platform/errors.ts';
import type { EveryField } from '../platform/every-field.ts';
import type { ModelAnswer, ModelCall, ModelProvider } from './model-provider.ts';

export interface RetryPolicy {
  /** Tries in all, the first included. */
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export interface CallModelOptions {
  clock: Clock;
  retry: RetryPolicy;
  /** The whole call, retries and their waits included, fails after this long. */
  timeoutMs: number;
  /** A number in [0, 1): the jitter. Injected so tests can pin it. */
  random?: () => number;
  /** Waits between tries; defaults to the clock's sleep (a test can record the waits instead). */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  /** Told of each retry before its wait: logs, and tests. */
  onRetry?: (info: { attempt: number; delayMs: number; error: ProviderError }) => void;
}

export interface CalledModel extends ModelAnswer {
  /** How many HTTP calls it took (1 = no retry). */
  attempts: number;
}

/**
 * Calls `provider` with retries and a deadline. A retryable ProviderError (429, 5xx, a refused
 * connection) is tried again after `min(maxDelay, base·2^(n-1))` with full jitter, or after the
 * provider's Retry-After when it gave one (never sooner than it asked). Canceling `call.signal`
 * aborts the HTTP request in flight and the wait; the deadline aborts both with a timeout error.
 * Deltas of a try that failed were already sent: a retry announces itself with `onDelta` of
 * nothing after `onRetry`, and the final text is the last try's alone.
 */
export async function callModel(
  provider: ModelProvider,
  call: ModelCall,
  options: CallModelOptions,
): Promise<CalledModel> {
  if (call.signal.aborted) throw call.signal.reason;
  const random = options.random ?? Math.random;
  // One signal for the provider: the caller's cancel and the deadline both abort it. The deadline
  // is a bare timer and its error is made only when it fires: most calls never need either.
  const controller = new AbortController();
  const signal = controller.signal;
  let timeoutError: ProviderError | undefined;
  const deadline = options.clock.timer(options.timeoutMs, () => {
    timeoutError = new ProviderError(
      `the model call for ${call.model} took longer than the step's timeout of ${options.timeoutMs} ms`,
      false,
      { kind: 'timeout' },
    );
    controller.abort(timeoutError);
  });
  const cancel = () => controller.abort(call.signal.reason);
  call.signal.addEventListener('abort', cancel, { once: true });
  const sleep = options.sleep ?? ((ms: number, s: AbortSignal) => options.clock.sleep(ms, s));
  try {
    for (let attempt = 1; ; attempt++) {
      try {
        const answer = await provider.generate(withSignal(call, signal));
        return calledModel(answer, attempt);
      } catch (error) {
        if (call.signal.aborted) throw call.signal.reason;
        if (timeoutError) throw timeoutError;
        // A tool's refusal or failure fails the step as it is, naming its rule or server.
        if (call.tools && !(error instanceof ProviderError)) throw error;
        const failure =
          error instanceof ProviderError
            ? error
            : new ProviderError(`${call.model}: ${String(error)}`, false, { cause: error });
        if (!failure.retryable || attempt >= options.retry.maxAttempts) {
          throw attempt > 1 ? withTries(failure, attempt) : failure;
        }
        const delayMs = backoffDelayMs(attempt, options.retry, random, failure.retryAfterMs);
        options.onRetry?.({ attempt, delayMs, error: failure });
        try {
          await sleep(delayMs, signal);
        } catch (interrupted) {
          if (call.signal.aborted) throw call.signal.reason;
          throw timeoutError ?? interrupted;
        }
      }
    }
  } finally {
    deadline.cancel();
    call.signal.removeEventListener('abort', cancel);
  }
}

/**
 * Exponential backoff with full jitter (AWS Architecture Blog, "Exponential Backoff And Jitter":
 * spreads retries of many runs hit by the same 429 instead of having them return together), but
 * never sooner than the provider's Retry-After, which is honored even above `maxDelayMs`.
 */
export function backoffDelayMs(
  attempt: number,
  policy: Pick<RetryPolicy, 'baseDelayMs' | 'maxDelayMs'>,
  random: () => number,
  retryAfterMs: number | undefined,
): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  const jittered = Math.round(ceiling * random());
  return retryAfterMs === undefined ? jittered : Math.max(retryAfterMs, jittered);
}

function withTries(error: ProviderError, attempts: number): ProviderError {
  return new ProviderError(`${error.message} (after ${attempts} tries)`, error.retryable, {
    kind: error.kind,
    cause: error,
    ...(error.status === undefined ? {} : { status: error.status }),
  });
}

// The objects of every model call are written out field by field (`EveryField`), not spread.

function withSignal(call: ModelCall, signal: AbortSignal): ModelCall {
  const copy: EveryField<ModelCall> = {
    model: call.model,
    system: call.system,
    prompt: call.prompt,
    reasoningEffort: call.reasoningEffort,
    temperature: call.temperature,
    maxOutputTokens: call.maxOutputTokens,
    outputFormat: call.outputFormat,
    fileKind: call.fileKind,
    outputSchema: call.outputSchema,
    signal,
    stepNumber: call.stepNumber,
    onDelta: call.onDelta,
    tools: call.tools,
  };
  return copy;
}

function calledModel(answer: ModelAnswer, attempts: number): CalledModel {
  const called: EveryField<CalledModel> = {
    text: answer.text,
    usage: answer.usage,
    responseModel: answer.responseModel,
    warnings: answer.warnings,
    attempts,
  };
  return called;
}
