import type { FastifyRequest } from 'fastify';
import type { Deps } from '../deps.ts';
import type { Actor } from '../identity/actor.ts';
import { actorForToken } from '../identity/api-tokens.ts';
import { actorForSession, SESSION_COOKIE } from '../identity/sessions.ts';
import { UnauthorizedError } from '../platform/errors.ts';

/** The actor behind a request: `Authorization: Bearer <token>` or the session cookie. */
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
    if (actor) return actor;
    throw new UnauthorizedError('the session has expired; sign in again');
  }
  throw new UnauthorizedError();
}
