import type { Deps } from '../deps.ts';
import { appendAudit } from '../governance/audit-log.ts';
import { NotFoundError } from '../platform/errors.ts';
import type { Actor } from './actor.ts';
import { createApiToken } from './api-tokens.ts';

/** An API token as Settings lists it: never the token itself, which is shown once at creation. */
export interface ApiTokenView {
  id: string;
  name: string;
  userId: string;
  userEmail: string;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** Every token of the actor's organization, newest first (Settings > API tokens). */
export async function listApiTokens(deps: Pick<Deps, 'store'>, actor: Actor): Promise<ApiTokenView[]> {
  const rows = await deps.store.db
    .selectFrom('api_tokens')
    .innerJoin('users', 'users.id', 'api_tokens.user_id')
    .select([
      'api_tokens.id',
      'api_tokens.name',
      'api_tokens.user_id',
      'users.email',
      'api_tokens.created_at',
      'api_tokens.last_used_at',
      'api_tokens.revoked_at',
    ])
    .where('api_tokens.org_id', '=', actor.orgId)
    .orderBy('api_tokens.id', 'desc')
    .limit(500)
    .execute();
  return rows.map((r) => ({
    id: r.id,
    name: r.name,
    userId: r.user_id,
    userEmail: r.email,
    createdAt: new Date(r.created_at).toISOString(),
    lastUsedAt: iso(r.last_used_at),
    revokedAt: iso(r.revoked_at),
  }));
}

/** A new token for the actor; the secret is in the answer once and nowhere else. */
export async function createOwnApiToken(
  deps: Pick<Deps, 'store' | 'ids' | 'clock'>,
  actor: Actor,
  name: string,
): Promise<{ id: string; name: string; token: string }> {
  const user = await deps.store.db
    .selectFrom('users')
    .select('email')
    .where('id', '=', actor.userId)
    .executeTakeFirstOrThrow();
  const created = await createApiToken(deps, user.email, name);
  return { id: created.id, name, token: created.token };
}

/** Revokes a token of the actor's organization; it stops working at its next request. */
export async function revokeApiToken(
  deps: Pick<Deps, 'store' | 'ids' | 'clock'>,
  actor: Actor,
  tokenId: string,
): Promise<void> {
  const now = deps.clock.now();
  await deps.store.transaction(async (trx) => {
    const row = await trx
      .updateTable('api_tokens')
      .set({ revoked_at: now })
      .where('id', '=', tokenId)
      .where('org_id', '=', actor.orgId)
      .where('revoked_at', 'is', null)
      .returning('id')
      .executeTakeFirst();
    if (!row) throw new NotFoundError('token', tokenId);
    await appendAudit(trx, deps.ids, now, {
      orgId: actor.orgId,
      actor: actor.userId,
      action: 'token.revoked',
      target: tokenId,
    });
  });
}
