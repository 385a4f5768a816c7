import { createHash } from 'node:crypto';
import type { Deps } from '../deps.ts';
import { appendAudit } from '../governance/audit-log.ts';
import { NotFoundError } from '../platform/errors.ts';
import { type Actor, isRole } from './actor.ts';

/** Tokens look like `ar_<43 chars>`; only their SHA-256 is stored, so a leaked table leaks no token. */
export const TOKEN_PREFIX = 'ar_';

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** Creates a token for the user with `email`; the token itself is returned once and never stored. */
export async function createApiToken(
  deps: Pick<Deps, 'store' | 'ids' | 'clock'>,
  email: string,
  name = 'cli',
): Promise<{ id: string; token: string; userId: string }> {
  const user = await deps.store.db
    .selectFrom('users')
    .select(['id', 'org_id'])
    .where('email', '=', email.toLowerCase())
    .executeTakeFirst();
  if (!user) throw new NotFoundError('user', email);
  const token = `${TOKEN_PREFIX}${deps.ids.secret(32)}`;
  const id = deps.ids.next('tok');
  const now = deps.clock.now();
  await deps.store.transaction(async (trx) => {
    await trx
      .insertInto('api_tokens')
      .values({
        id,
        org_id: user.org_id,
        user_id: user.id,
        name,
        token_hash: hashToken(token),
        created_at: now,
        last_used_at: null,
        revoked_at: null,
      })
      .execute();
    await appendAudit(trx, deps.ids, now, {
      orgId: user.org_id,
      actor: user.id,
      action: 'token.created',
      target: id,
      details: { name },
    });
  });
  return { id, token, userId: user.id };
}

/** The actor a bearer token stands for, or undefined when it is unknown or revoked. */
export async function actorForToken(
  deps: Pick<Deps, 'store' | 'clock'>,
  token: string,
): Promise<Actor | undefined> {
  if (!token.startsWith(TOKEN_PREFIX)) return undefined;
  const row = await deps.store.db
    .selectFrom('api_tokens')
    .innerJoin('users', 'users.id', 'api_tokens.user_id')
    .select([
      'api_tokens.id',
      'api_tokens.revoked_at',
      'api_tokens.last_used_at',
      'users.id as user_id',
      'users.org_id',
      'users.role',
    ])
    .where('api_tokens.token_hash', '=', hashToken(token))
    .executeTakeFirst();
  if (!row || row.revoked_at !== null || !isRole(row.role)) return undefined;
  const now = deps.clock.now();
  // Last-used time to the minute: one write per token per minute, not one per request.
  if (row.last_used_at === null || now - row.last_used_at > 60_000) {
    await deps.store.db
      .updateTable('api_tokens')
      .set({ last_used_at: now })
      .where('id', '=', row.id)
      .execute();
  }
  return { orgId: row.org_id, userId: row.user_id, role: row.role };
}
