import type { Deps } from '../deps.ts';
import { UnauthorizedError } from '../platform/errors.ts';
import { type Actor, isRole } from './actor.ts';
import { hashToken } from './api-tokens.ts';
import { hashPassword, verifyPassword } from './passwords.ts';

export const SESSION_COOKIE = 'agentruns_session';
export const SESSION_TTL_MS = 7 * 24 * 60 * 60 * 1000;

/** Checked against when the email is unknown, so that answer costs one scrypt like any other. */
let unknownUserHash: Promise<string> | undefined;

/** Checks email and password; returns a new session secret for the cookie. */
export async function signIn(
  deps: Pick<Deps, 'store' | 'ids' | 'clock'>,
  email: string,
  password: string,
): Promise<{ secret: string; actor: Actor; expiresAt: number }> {
  const user = await deps.store.db
    .selectFrom('users')
    .select(['id', 'org_id', 'role', 'password_hash'])
    .where('email', '=', email.toLowerCase())
    .executeTakeFirst();
  // The same answer for an unknown email and a wrong password: no account enumeration. In the
  // same time, too: an unknown email answered in 1 ms, a known one after a 50 ms scrypt.
  unknownUserHash ??= hashPassword('no such user');
  const hash = user?.password_hash ?? (await unknownUserHash);
  const matches = await verifyPassword(password, hash);
  if (!user?.password_hash || !isRole(user.role) || !matches) {
    throw new UnauthorizedError('email or password is wrong');
  }
  const secret = deps.ids.secret(32);
  const now = deps.clock.now();
  const expiresAt = now + SESSION_TTL_MS;
  await deps.store.db
    .insertInto('sessions')
    .values({
      id: deps.ids.next('ses'),
      org_id: user.org_id,
      user_id: user.id,
      token_hash: hashToken(secret),
      created_at: now,
      expires_at: expiresAt,
    })
    .execute();
  return { secret, actor: { orgId: user.org_id, userId: user.id, role: user.role }, expiresAt };
}

export async function actorForSession(
  deps: Pick<Deps, 'store' | 'clock'>,
  secret: string,
): Promise<Actor | undefined> {
  const row = await deps.store.db
    .selectFrom('sessions')
    .innerJoin('users', 'users.id', 'sessions.user_id')
    .select(['users.id as user_id', 'users.org_id', 'users.role', 'sessions.expires_at'])
    .where('sessions.token_hash', '=', hashToken(secret))
    .executeTakeFirst();
  if (!row || row.expires_at <= deps.clock.now() || !isRole(row.role)) return undefined;
  return { orgId: row.org_id, userId: row.user_id, role: row.role };
}

export async function signOut(deps: Pick<Deps, 'store'>, secret: string): Promise<void> {
  await deps.store.db.deleteFrom('sessions').where('token_hash', '=', hashToken(secret)).execute();
}
