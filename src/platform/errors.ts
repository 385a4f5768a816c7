/**
 * The few error classes the domain throws. Each carries an upper-level `code`, a `category`
 * (user, system, provider) and JSON-safe `details`; they become HTTP responses in
 * `api/error-handler.ts` and exit codes in `cli/exit-code.ts`, nowhere else.
 */
export type ErrorCategory = 'user' | 'system' | 'provider';

export interface FieldIssue {
  /** Dotted path of the offending field, e.g. `variables.region` or `steps[1].prompt`. */
  path: string;
  message: string;
}

export type ErrorCode =
  | 'validation_failed'
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'payload_too_large'
  | 'provider_error'
  | 'timeout'
  | 'canceled'
  | 'rate_limited'
  | 'internal_error'
  | 'webhook_unsigned'
  | 'webhook_signature_invalid'
  | 'webhook_timestamp_stale'
  | 'webhook_replayed';

export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly category: ErrorCategory = 'user',
    readonly details: FieldIssue[] = [],
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

export class ValidationError extends AppError {
  constructor(message: string, details: FieldIssue[] = []) {
    super('validation_failed', message, 'user', details);
  }

  /** One field, one rule: `ValidationError.field('variables.region', 'is required')`. */
  static field(path: string, message: string): ValidationError {
    return new ValidationError(`${path}: ${message}`, [{ path, message }]);
  }
}

export class UnauthorizedError extends AppError {
  constructor(message = 'sign in or send an API token') {
    super('unauthorized', message);
  }
}

export class ForbiddenError extends AppError {
  constructor(message: string) {
    super('forbidden', message);
  }
}

export class NotFoundError extends AppError {
  constructor(what: string, id: string) {
    super('not_found', `${what} ${id} not found`);
  }
}

/** The request is well formed but the target's state forbids it, e.g. canceling a completed run. */
export class ConflictError extends AppError {
  constructor(message: string) {
    super('conflict', message);
  }
}

/**
 * What went wrong with a model provider, so a user (and the retry loop) can tell: a bad key, an
 * unknown model, a prompt over the context window, a rate limit, a provider that is down, an
 * answer that could not be read, a call that took longer than the step allows, or a setup gap.
 */
export type ProviderErrorKind =
  | 'auth'
  | 'unknown_model'
  | 'context_length'
  | 'rate_limited'
  | 'unavailable'
  | 'bad_response'
  | 'bad_request'
  | 'timeout'
  | 'not_configured'
  | 'failed';

export interface ProviderErrorOptions {
  cause?: unknown;
  kind?: ProviderErrorKind;
  /** HTTP status the provider answered with, when there was one. */
  status?: number;
  /** The provider's Retry-After, in milliseconds. */
  retryAfterMs?: number;
}

/** A model provider failed; `retryable` tells the engine whether trying again can help. */
export class ProviderError extends AppError {
  readonly kind: ProviderErrorKind;
  readonly status: number | undefined;
  readonly retryAfterMs: number | undefined;

  constructor(
    message: string,
    readonly retryable = false,
    options: ProviderErrorOptions = {},
  ) {
    super(
      'provider_error',
      message,
      'provider',
      [],
      options.cause === undefined ? {} : { cause: options.cause },
    );
    this.kind = options.kind ?? 'failed';
    this.status = options.status;
    this.retryAfterMs = options.retryAfterMs;
  }
}

export class TimeoutError extends AppError {
  constructor(message: string) {
    super('timeout', message, 'system');
  }
}

/** Too many attempts (failed sign-ins); `retryAfterSeconds` says when to try again. */
export class RateLimitedError extends AppError {
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super('rate_limited', message);
  }
}

export class CanceledError extends AppError {
  constructor(message = 'canceled') {
    super('canceled', message);
  }
}

/** A webhook request refused before it starts anything (T2): unsigned, forged, stale or replayed. */
export class WebhookRefusedError extends AppError {
  constructor(
    code: 'webhook_unsigned' | 'webhook_signature_invalid' | 'webhook_timestamp_stale' | 'webhook_replayed',
    message: string,
  ) {
    super(code, message);
  }
}

export function isAppError(error: unknown): error is AppError {
  return error instanceof AppError;
}

/** A readable one-line message for any thrown value. */
export function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
