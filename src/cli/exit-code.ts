import { AppError, type ErrorCode } from '../platform/errors.ts';

/** The one place errors become exit codes (sysexits.h where one fits). */
export function exitCodeOf(error: unknown): number {
  if (!(error instanceof AppError)) return 1;
  return exitCodeOfCode(error.code);
}

export function exitCodeOfCode(code: ErrorCode): number {
  switch (code) {
    case 'validation_failed':
      return 64; // EX_USAGE
    case 'not_found':
      return 66; // EX_NOINPUT
    case 'unauthorized':
    case 'forbidden':
    case 'webhook_unsigned':
    case 'webhook_signature_invalid':
    case 'webhook_timestamp_stale':
      return 77; // EX_NOPERM
    case 'conflict':
    case 'canceled':
    case 'rate_limited':
    case 'webhook_replayed':
      return 75; // EX_TEMPFAIL
    case 'payload_too_large':
      return 65; // EX_DATAERR
    case 'provider_error':
    case 'timeout':
      return 69; // EX_UNAVAILABLE
    case 'internal_error':
      return 70; // EX_SOFTWARE
    default: {
      const unreachable: never = code;
      return unreachable;
    }
  }
}

/** A run that ended: completed 0, failed 1, canceled 2. */
export function exitCodeOfRunStatus(status: string): number {
  if (status === 'completed') return 0;
  if (status === 'canceled') return 2;
  return 1;
}
