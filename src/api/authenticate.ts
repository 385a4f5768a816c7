import type { FastifyRequest } from 'fastify';
import type { Deps } from '../deps.ts';
import type { Actor } from '../identity/actor.ts';
import { actorForToken } from '../identity/api-tokens.ts';
import { actorForSession, CSRF_HEADER, csrfTokenMatches, SESSION_COOKIE } from '../identity/sessions.ts';
import { ForbiddenError, UnauthorizedError } from '../platform/errors.ts';

const safeMethods = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * The actor behind a request: `Authorization: Bearer <token>` or the session cookie. A write
 * authenticated by the cookie must also carry the session's CSRF token in `X-CSRF-Token`
 * (signed double-submit, `identity/sessions.ts`): a browser attaches the cookie to a forged
 * cross-site form post, but another site can neither read nor compute that header's value.
 * Bearer requests need no CSRF token: a browser never adds that header by itself.
 */
export async function authenticateOrThrow(
  deps: Pick<Deps, 'store' | 'clock'>,
  request: FastifyRequest,
): Promise<Actor> {
  const header = request.headers.authorization;
  if (header !== undefined) {
    const [scheme, token] = header.split(' ');
    if (scheme?.toLowerCase() !== 'bearer' || !token)
      throw new UnauthorizedError('Authorization must be "Bearer <token>"');
    const actor = await actorForToken(deps, token);
    if (!actor) throw new UnauthorizedError('the API token is unknown or revoked');
    return actor;
  }
  const session = request.cookies[SESSION_COOKIE];
  if (session) {
    const actor = await actorForSession(deps, session);
    if (!actor) throw new UnauthorizedError('the session has expired; sign in again');
    if (!safeMethods.has(request.method)) {
      const presented = request.headers[CSRF_HEADER];
      if (!csrfTokenMatches(session, typeof presented === 'string' ? presented : undefined))
        throw new ForbiddenError(
          'CSRF check failed: a write with the session cookie needs the X-CSRF-Token header (the agentruns_csrf cookie, or csrfToken from sign-in)',
        );
    }
    return actor;
  }
  throw new UnauthorizedError();
}
