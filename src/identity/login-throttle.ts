import type { Deps } from '../deps.ts';
import { RateLimitedError } from '../platform/errors.ts';

/**
 * Failed sign-ins are counted per account (`email:<address>`) and per client address
 * (`ip:<address>`) in the database, so every server process of a deployment shares the count and
 * a restart does not reset it. OWASP's guidance: lock an account after a handful of failures for
 * some minutes (slow enough to stop guessing, short enough that a locked-out user waits, not
 * calls support), and cap one address across accounts to stop password spraying.
 * Unknown emails are counted and locked like known ones, so a lockout tells nobody whether an
 * account exists.
 */
export const loginThrottle = {
  accountMaxFailures: 5,
  /** The default; a deployment behind one NAT may raise it (AGENTRUNS_LOGIN_ADDRESS_MAX_FAILURES). */
  addressMaxFailures: 50,
  windowMs: 15 * 60 * 1000,
  lockMs: 15 * 60 * 1000,
} as const;

type ThrottleDeps = Pick<Deps, 'store' | 'clock'>;

export function throttleKeys(email: string, address: string): { account: string; address: string } {
  return { account: `email:${email.toLowerCase()}`, address: `ip:${address}` };
}

/** Throws RateLimitedError (429, Retry-After) while either key is locked; checked before any scrypt. */
export async function assertNotThrottled(deps: ThrottleDeps, keys: readonly string[]): Promise<void> {
  const now = deps.clock.now();
  const rows = await deps.store.db
    .selectFrom('login_throttle')
    .select(['key', 'locked_until'])
    .where('key', 'in', keys)
    .execute();
  const lockedUntil = Math.max(0, ...rows.map((r) => r.locked_until ?? 0));
  if (lockedUntil > now) {
    throw new RateLimitedError(
      'too many failed sign-ins; try again later',
      Math.ceil((lockedUntil - now) / 1000),
    );
  }
}

/** Counts one failure against `key`; the `max`th failure within the window locks it. */
export async function recordLoginFailure(deps: ThrottleDeps, key: string, max: number): Promise<void> {
  const now = deps.clock.now();
  await deps.store.transaction(async (trx) => {
    const row = await trx.selectFrom('login_throttle').selectAll().where('key', '=', key).executeTakeFirst();
    const fresh = !row || now - row.window_started_at >= loginThrottle.windowMs;
    const failures = fresh ? 1 : row.failures + 1;
    const values = {
      failures,
      window_started_at: fresh ? now : row.window_started_at,
      locked_until: failures >= max ? now + loginThrottle.lockMs : (row?.locked_until ?? null),
    };
    await trx
      .insertInto('login_throttle')
      .values({ key, ...values })
      .onConflict((oc) => oc.column('key').doUpdateSet(values))
      .execute();
  });
}

/** A successful sign-in clears the account's count (not the address's: a sprayer may hit one right). */
export async function clearLoginFailures(deps: ThrottleDeps, key: string): Promise<void> {
  await deps.store.db.deleteFrom('login_throttle').where('key', '=', key).execute();
}
