import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, type ErrorCode, RateLimitedError } from '../platform/errors.ts';
import { httpStatusOf } from './http-status.ts';

/** SPEC "HTTP API surface": every error has all three fields; `details` is empty unless fields are at fault. */
export interface ErrorBody {
  error: { code: ErrorCode; message: string; details: Array<{ path: string; message: string }> };
}

/** Fastify's own errors (bad JSON, body too large, wrong content type) in the API's error shape. */
function fromFastify(error: FastifyError): AppError | undefined {
  switch (error.code) {
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new AppError('validation_failed', `body: ${error.message}`, 'user', [
        { path: 'body', message: 'must be valid JSON' },
      ]);
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new AppError('payload_too_large', 'body: request body is larger than the server accepts');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new AppError('validation_failed', `body: ${error.message}`, 'user', [
        { path: 'body', message: 'send application/json' },
      ]);
    default:
      if (error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500) {
        return new AppError('validation_failed', error.message);
      }
      return undefined;
  }
}

/** The one place errors become HTTP responses: `{ error: { code, message, details } }`. */
export function handleError(error: FastifyError, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const known = error instanceof AppError ? error : fromFastify(error);
  if (!known) {
    request.log.error({ err: error }, 'unhandled error');
    return reply.status(500).send({
      error: { code: 'internal_error', message: 'internal error; see the server log', details: [] },
    } satisfies ErrorBody);
  }
  if (known instanceof RateLimitedError) reply.header('retry-after', String(known.retryAfterSeconds));
  const body: ErrorBody = { error: { code: known.code, message: known.message, details: known.details } };
  return reply.status(httpStatusOf(known.code)).send(body);
}
