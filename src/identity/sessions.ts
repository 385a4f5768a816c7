import { createHmac, timingSafeEqual } from 'node:crypto';
import { sql } from 'kysely';
import type { Deps } from '../deps.ts';
import { appendAudit } from '../governance/audit-log.ts';
import { UnauthorizedError, ValidationError } from '../platform/errors.ts';
import { runAsSystem, runKeepingScope } from '../store/tenant-scope.ts';
import { type Actor, isRole } from './actor.ts';
import { hashToken } from './api-tokens.ts';
import {
  assertNotThrottled,
  clearLoginFailures,
  loginThrottle,
  recordLoginFailure,
  throttleKeys,
} from './login-throttle.ts';
import { hashPassword, verifyPassword } from './passwords.ts';

export const SESSION_COOKIE = 'agentruns_session';
/** Readable by the page's script (not httpOnly), which echoes it in `X-CSRF-Token`. */
export const CSRF_COOKIE = 'agentruns_csrf';
export const CSRF_HEADER = 'x-csrf-token';
export const SESSION_TTL_MS = 7 * 24 * 60 * 60 * 1000;

/** Checked against when the email is unknown, so that answer costs one scrypt like any other. */
let unknownUserHash: Promise<string> | undefined;

/**
 * The CSRF token of a session: HMAC-SHA256 keyed by the session secret (OWASP's "signed
 * double-submit cookie"). Bound to the session, so a cookie planted by a sibling subdomain
 * cannot match, and derived, so nothing more is stored.
 */
export function csrfTokenOf(sessionSecret: string): string {
  return createHmac('sha256', sessionSecret).update('agentruns csrf v1').digest('base64url');
}

/** True when `presented` is the CSRF token of the session, compared in constant time. */
export function csrfTokenMatches(sessionSecret: string, presented: string | undefined): boolean {
  if (presented === undefined) return false;
  const expected = Buffer.from(csrfTokenOf(sessionSecret));
  const given = Buffer.from(presented);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/**
 * Checks email and password; returns a new session secret for the cookie. Failed attempts are
 * counted per account and per client address (`login-throttle.ts`); while either is locked the
 * answer is 429 without checking the password at all.
 *
 * Emails are unique per organization, so one email may have accounts in several. `organization`
 * (an organization id) picks one; without it, the password is checked against each account of
 * the email, and when it opens more than one the answer is 400 naming `organization` and listing
 * those organizations: told only to someone who just proved the password of each.
 */
export async function signIn(
  deps: Pick<Deps, 'store' | 'ids' | 'clock'>,
  email: string,
  password: string,
  clientAddress = 'unknown',
  addressMaxFailures: number = loginThrottle.addressMaxFailures,
  organization?: string,
): Promise<{ secret: string; actor: Actor; expiresAt: number }> {
  const keys = throttleKeys(email, clientAddress);
  await assertNotThrottled(deps, [keys.account, keys.address]);
  // Before anyone is signed in there is no organization yet: the lookup spans them all.
  let query = deps.store.db
    .selectFrom('users')
    .innerJoin('organizations', 'organizations.id', 'users.org_id')
    .select([
      'users.id',
      'users.org_id',
      'users.role',
      'users.password_hash',
      'organizations.name as org_name',
    ])
    .where('users.email', '=', email.toLowerCase())
    .orderBy('users.org_id');
  if (organization !== undefined) query = query.where('users.org_id', '=', organization);
  const candidates = await runAsSystem(() => query.execute());
  // The same answer for an unknown email and a wrong password: no account enumeration. In the
  // same time, too: an unknown email answered in 1 ms, a known one after a 50 ms scrypt.
  unknownUserHash ??= hashPassword('no such user');
  const opened = [];
  for (const candidate of candidates)
    if (candidate.password_hash && (await verifyPassword(password, candidate.password_hash)))
      opened.push(candidate);
  if (candidates.length === 0) await verifyPassword(password, await unknownUserHash);
  if (opened.length > 1)
    throw ValidationError.field(
      'organization',
      `this email and password open accounts in ${opened.length} organizations; give organization, one of: ${opened.map((u) => `${u.org_id} (${u.org_name})`).join(', ')}`,
    );
  const user = opened[0];
  if (!user?.password_hash || !isRole(user.role)) {
    await recordLoginFailure(deps, keys.account, loginThrottle.accountMaxFailures);
    await recordLoginFailure(deps, keys.address, addressMaxFailures);
    throw new UnauthorizedError('email or password is wrong');
  }
  await clearLoginFailures(deps, keys.account);
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

interface SessionOwner {
  user_id: string;
  org_id: string;
  role: string;
  expires_at: number;
}

/** Whose session this is; on PostgreSQL without a scope switch, as `tokenOwner` in api-tokens.ts. */
async function sessionOwner(deps: Pick<Deps, 'store'>, tokenHash: string): Promise<SessionOwner | undefined> {
  if (deps.store.kind === 'postgres') {
    const { rows } = await runKeepingScope(() =>
      sql<SessionOwner>`SELECT * FROM agentruns_session_actor(${tokenHash})`.execute(deps.store.db),
    );
    return rows[0];
  }
  return deps.store.reads
    .selectFrom('sessions')
    .innerJoin('users', 'users.id', 'sessions.user_id')
    .select(['users.id as user_id', 'users.org_id', 'users.role', 'sessions.expires_at'])
    .where('sessions.token_hash', '=', tokenHash)
    .executeTakeFirst();
}

export async function actorForSession(
  deps: Pick<Deps, 'store' | 'clock'>,
  secret: string,
): Promise<Actor | undefined> {
  const row = await sessionOwner(deps, hashToken(secret));
  if (!row || row.expires_at <= deps.clock.now() || !isRole(row.role)) return undefined;
  return { orgId: row.org_id, userId: row.user_id, role: row.role };
}

export async function signOut(deps: Pick<Deps, 'store'>, secret: string): Promise<void> {
  await deps.store.db.deleteFrom('sessions').where('token_hash', '=', hashToken(secret)).execute();
}

/** Logout everywhere: every session of the actor ends (API tokens are revoked one by one). */
export async function signOutEverywhere(
  deps: Pick<Deps, 'store' | 'ids' | 'clock'>,
  actor: Actor,
): Promise<{ sessionsEnded: number }> {
  return deps.store.transaction(async (trx) => {
    const result = await trx.deleteFrom('sessions').where('user_id', '=', actor.userId).executeTakeFirst();
    const sessionsEnded = Number(result.numDeletedRows);
    await appendAudit(trx, deps.ids, deps.clock.now(), {
      orgId: actor.orgId,
      actor: actor.userId,
      action: 'user.signed_out_everywhere',
      target: actor.userId,
      details: { sessionsEnded },
    });
    return { sessionsEnded };
  });
}
