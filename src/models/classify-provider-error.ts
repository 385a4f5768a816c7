import { APICallError, JSONParseError, TypeValidationError } from 'ai';
import { messageOf, ProviderError, type ProviderErrorKind } from '../platform/errors.ts';

const CONTEXT_TOO_LONG =
  /context[_ ]length|context window|maximum context|too many tokens|prompt is too long|input is too long|reduce the length/i;
const UNKNOWN_MODEL =
  /model_not_found|does not exist|unknown model|not_found_error|no such model|invalid model/i;

/**
 * Turns whatever the AI SDK threw into a ProviderError a user can act on, naming the provider
 * and model: a refused key (401/403), an unknown model (404, `model_not_found`), a prompt over
 * the context window, a rate limit (429, retryable after Retry-After), a provider that is down
 * (5xx, 529 overloaded, connection refused: retryable), an unreadable answer.
 */
export function classifyProviderError(error: unknown, model: string, providerId: string): ProviderError {
  if (error instanceof ProviderError) return error;
  if (APICallError.isInstance(error)) return classifyHttpFailure(httpFailureOf(error), model, providerId);
  if (JSONParseError.isInstance(error) || TypeValidationError.isInstance(error)) {
    return new ProviderError(
      `${providerId} sent an answer that could not be read for ${model}: ${firstLine(messageOf(error))}`,
      false,
      { kind: 'bad_response', cause: error },
    );
  }
  return new ProviderError(`${providerId} call for ${model} failed: ${firstLine(messageOf(error))}`, false, {
    kind: 'failed',
    cause: error,
  });
}

/**
 * A call that failed at the HTTP level, whoever made it: a status (none when the provider could
 * not be reached), what the provider answered, and the client's own message.
 */
export interface HttpFailure {
  url: string;
  status?: number | undefined;
  responseHeaders?: Record<string, string> | undefined;
  responseBody?: string | undefined;
  /** The answer parsed by the client, when it did (the AI SDK's `data`). */
  data?: unknown;
  message: string;
  cause: unknown;
}

const httpFailureOf = (error: APICallError): HttpFailure => ({
  url: error.url,
  status: error.statusCode,
  responseHeaders: error.responseHeaders,
  responseBody: error.responseBody,
  data: error.data,
  message: error.message,
  cause: error,
});

/** A failed HTTP call to a provider as a ProviderError a user can act on (see classifyProviderError). */
export function classifyHttpFailure(error: HttpFailure, model: string, providerId: string): ProviderError {
  const status = error.status;
  const said = providerMessage(error);
  const retryAfterMs = retryAfterOf(error.responseHeaders);
  const make = (kind: ProviderErrorKind, retryable: boolean, message: string) =>
    new ProviderError(message, retryable, {
      kind,
      cause: error.cause,
      ...(status === undefined ? {} : { status }),
      ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
    });
  if (status === undefined) {
    return make('unavailable', true, `${providerId} cannot be reached at ${originOf(error.url)}: ${said}`);
  }
  if (status >= 200 && status < 300) {
    return make('bad_response', false, `${providerId} sent a malformed answer for ${model}: ${said}`);
  }
  if (status === 401 || status === 403) {
    return make(
      'auth',
      false,
      `${providerId} refused the API key (${status}): ${said.replace(/\.$/, '')}. Check the key configured for "${providerId}".`,
    );
  }
  if (status === 429) {
    // Out of quota is a 429 too, but waiting will not fix it.
    const quota = /insufficient_quota|quota|billing/i.test(`${said} ${error.responseBody ?? ''}`);
    return make(
      'rate_limited',
      !quota,
      quota
        ? `${providerId} says the account is out of quota (429): ${said}`
        : `${providerId} rate limited the call for ${model} (429): ${said}`,
    );
  }
  if (status >= 500) {
    return make('unavailable', true, `${providerId} is unavailable (${status}): ${said}`);
  }
  const text = `${said} ${error.responseBody ?? ''}`;
  if (CONTEXT_TOO_LONG.test(text)) {
    return make(
      'context_length',
      false,
      `the prompt is too long for ${model}'s context window (${status}): ${said}`,
    );
  }
  if (status === 404 || UNKNOWN_MODEL.test(text)) {
    return make(
      'unknown_model',
      false,
      `${providerId} does not know the model "${model}" (${status}): ${said}`,
    );
  }
  return make('bad_request', false, `${providerId} rejected the call for ${model} (${status}): ${said}`);
}

/** The provider's own words: `{ error: { message } }` (OpenAI, Anthropic) or the SDK's message. */
function providerMessage(error: HttpFailure): string {
  const data = error.data as { error?: { message?: unknown } } | undefined;
  const fromData = data?.error?.message;
  if (typeof fromData === 'string' && fromData !== '') return firstLine(fromData);
  if (error.responseBody) {
    try {
      const parsed = JSON.parse(error.responseBody) as {
        error?: { message?: unknown } | string;
        message?: unknown;
      };
      const message =
        typeof parsed.error === 'string'
          ? parsed.error
          : typeof parsed.error?.message === 'string'
            ? parsed.error.message
            : parsed.message;
      if (typeof message === 'string' && message !== '') return firstLine(message);
    } catch {
      // not JSON: fall back to the SDK's message
    }
  }
  return firstLine(error.message);
}

/**
 * Milliseconds the provider asked us to wait: OpenAI's `retry-after-ms`, else `retry-after` in
 * seconds, or as an HTTP date measured against the response's own `date` header (so no local
 * clock is needed and skew between the two machines does not matter).
 */
export function retryAfterOf(headers: Record<string, string> | undefined): number | undefined {
  if (!headers) return undefined;
  const lower = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
  const ms = Number(lower['retry-after-ms']);
  if (lower['retry-after-ms'] !== undefined && Number.isFinite(ms) && ms >= 0) return ms;
  const value = lower['retry-after'];
  if (value === undefined || value.trim() === '') return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const at = Date.parse(value);
  const sent = lower.date === undefined ? Number.NaN : Date.parse(lower.date);
  if (Number.isFinite(at) && Number.isFinite(sent)) return Math.max(0, at - sent);
  return undefined;
}

function originOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return url;
  }
}

function firstLine(text: string): string {
  const line = text.split('\n')[0] ?? '';
  return line.length > 300 ? `${line.slice(0, 299)}…` : line;
}
