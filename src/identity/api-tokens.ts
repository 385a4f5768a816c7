import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import { z } from 'zod';
import type { Deps } from '../deps.ts';
import { appendAudit } from '../governance/audit-log.ts';
import { NotFoundError, ValidationError } from '../platform/errors.ts';
import { runInOrganization, runKeepingScope } from '../store/tenant-scope.ts';
import { type Actor, isRole } from './actor.ts';
import { can } from './permissions.ts';

/** Tokens look like `ar_<43 chars>`; only their SHA-256 is stored, so a leaked table leaks no token. */
export const TOKEN_PREFIX = 'ar_';

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

type TokenDeps = Pick<Deps, 'store' | 'ids' | 'clock'>;

/** A token as lists show it: never the token or its hash. */
export interface TokenView {
  id: string;
  name: string;
  userId: string;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

/** A token as `GET /api/tokens` lists it: with whose it is, for administrators' list of them all. */
export interface TokenListItem extends TokenView {
  userEmail: string;
}

/** `POST /api/tokens` */
export const createTokenInputSchema = z.object({
  name: z.string().trim().min(1, 'must not be empty').max(100),
});

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/**
 * Creates a token for user `userId` of `orgId`; the token itself is returned once and never
 * stored. `by` is who asked (the user, an administrator, or `system` for the CLI).
 */
export async function createTokenForUser(
  deps: TokenDeps,
  user: { orgId: string; userId: string },
  name: string,
  by: string,
): Promise<{ id: string; token: string; userId: string; name: string }> {
  const token = `${TOKEN_PREFIX}${deps.ids.secret(32)}`;
  const id = deps.ids.next('tok');
  const now = deps.clock.now();
  await deps.store.transaction(async (trx) => {
    await trx
      .insertInto('api_tokens')
      .values({
        id,
        org_id: user.orgId,
        user_id: user.userId,
        name,
        token_hash: hashToken(token),
        created_at: now,
        last_used_at: null,
        revoked_at: null,
      })
      .execute();
    await appendAudit(trx, deps.ids, now, {
      orgId: user.orgId,
      actor: by,
      action: 'token.created',
      target: id,
      details: { name, userId: user.userId },
    });
  });
  return { id, token, userId: user.userId, name };
}

/**
 * Creates a token for the user with `email` (the CLI, which reads the database directly); `orgId`
 * picks the account when the email has one in several organizations.
 */
export async function createApiToken(
  deps: TokenDeps,
  email: string,
  name = 'cli',
  orgId?: string,
): Promise<{ id: string; token: string; userId: string }> {
  let query = deps.store.db
    .selectFrom('users')
    .select(['id', 'org_id'])
    .where('email', '=', email.toLowerCase());
  if (orgId !== undefined) query = query.where('org_id', '=', orgId);
  const users = await query.limit(2).execute();
  const user = users[0];
  if (!user) throw new NotFoundError('user', email);
  if (users.length > 1)
    throw ValidationError.field(
      'org',
      `${email} has accounts in several organizations; give the organization id`,
    );
  return createTokenForUser(deps, { orgId: user.org_id, userId: user.id }, name, 'system');
}

/** The actor's own tokens, or with `allUsers` (administrators) every token of the organization. */
export async function listTokens(
  deps: Pick<Deps, 'store'>,
  actor: Actor,
  allUsers: boolean,
): Promise<TokenListItem[]> {
  let query = deps.store.db
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
    .where('api_tokens.org_id', '=', actor.orgId);
  if (!(allUsers && can(actor, 'users.manage'))) query = query.where('api_tokens.user_id', '=', actor.userId);
  const rows = await query.orderBy('api_tokens.id', 'desc').execute();
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

/**
 * Revokes a token: the next request with it is refused (`actorForToken` reads `revoked_at` on
 * every request; nothing caches it). Users revoke their own tokens, administrators any of the
 * organization's. Anyone else's token id answers 404, like an unknown one. `actor` is undefined
 * for the CLI, which may revoke any token by id.
 */
export async function revokeToken(
  deps: TokenDeps,
  actor: Actor | undefined,
  tokenId: string,
): Promise<TokenView> {
  const now = deps.clock.now();
  const row = await deps.store.transaction(async (trx) => {
    let query = trx.selectFrom('api_tokens').selectAll().where('id', '=', tokenId);
    if (actor) {
      query = query.where('org_id', '=', actor.orgId);
      if (!can(actor, 'users.manage')) query = query.where('user_id', '=', actor.userId);
    }
    const token = await query.executeTakeFirst();
    if (!token) throw new NotFoundError('token', tokenId);
    if (token.revoked_at !== null) return token;
    await trx.updateTable('api_tokens').set({ revoked_at: now }).where('id', '=', tokenId).execute();
    await appendAudit(trx, deps.ids, now, {
      orgId: token.org_id,
      actor: actor?.userId ?? 'system',
      action: 'token.revoked',
      target: tokenId,
      details: { name: token.name, userId: token.user_id },
    });
    return { ...token, revoked_at: now };
  });
  return {
    id: row.id,
    name: row.name,
    userId: row.user_id,
    createdAt: new Date(row.created_at).toISOString(),
    lastUsedAt: iso(row.last_used_at),
    revokedAt: iso(row.revoked_at),
  };
}

interface TokenOwner {
  id: string;
  revoked_at: number | null;
  last_used_at: number | null;
  user_id: string;
  org_id: string;
  role: string;
}

/**
 * Whose token this is. On PostgreSQL through `agentruns_token_actor` (migration 0021), which reads
 * in the system scope by itself, so the connection keeps the scope it has (`runKeepingScope`).
 */
async function tokenOwner(deps: Pick<Deps, 'store'>, tokenHash: string): Promise<TokenOwner | undefined> {
  if (deps.store.kind === 'postgres') {
    const { rows } = await runKeepingScope(() =>
      sql<TokenOwner>`SELECT * FROM agentruns_token_actor(${tokenHash})`.execute(deps.store.db),
    );
    return rows[0];
  }
  return deps.store.reads
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
    .where('api_tokens.token_hash', '=', tokenHash)
    .executeTakeFirst();
}

/** The actor a bearer token stands for, or undefined when it is unknown or revoked. */
export async function actorForToken(
  deps: Pick<Deps, 'store' | 'clock'>,
  token: string,
): Promise<Actor | undefined> {
  if (!token.startsWith(TOKEN_PREFIX)) return undefined;
  const row = await tokenOwner(deps, hashToken(token));
  if (!row || row.revoked_at !== null || !isRole(row.role)) return undefined;
  const now = deps.clock.now();
  // Last-used time to the minute: one write per token per minute, not one per request. Written in
  // the token's organization, the scope the request's own queries then find on the connection.
  if (row.last_used_at === null || now - row.last_used_at > 60_000) {
    await runInOrganization(row.org_id, () =>
      deps.store.db.updateTable('api_tokens').set({ last_used_at: now }).where('id', '=', row.id).execute(),
    );
  }
  return { orgId: row.org_id, userId: row.user_id, role: row.role };
}
