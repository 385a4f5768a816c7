import type { ErrorCode } from '../platform/errors.ts';

/** The one place error codes become HTTP statuses. */
export function httpStatusOf(code: ErrorCode): number {
  switch (code) {
    case 'validation_failed':
      return 400;
    case 'unauthorized':
    case 'webhook_unsigned':
    case 'webhook_signature_invalid':
    case 'webhook_timestamp_stale':
      return 401;
    case 'forbidden':
      return 403;
    case 'not_found':
      return 404;
    case 'conflict':
    case 'canceled':
    case 'webhook_replayed':
      return 409;
    case 'payload_too_large':
      return 413;
    case 'rate_limited':
      return 429;
    case 'provider_error':
      return 502;
    case 'timeout':
      return 504;
    case 'internal_error':
      return 500;
    default: {
      const unreachable: never = code;
      return unreachable;
    }
  }
}
