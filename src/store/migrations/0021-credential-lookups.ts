import { type Kysely, type Migration, sql } from 'kysely';
import type { StoreKind } from '../store-kind.ts';

/**
 * PostgreSQL: the two lookups that authenticate a request, as functions that run in the system
 * scope for their own duration (`SET agentruns.scope = 'system'` in the definition; the caller's
 * setting is back when they return). Row-level security still holds every other statement: the
 * functions answer only "whose is this token (session) hash". Calling them needs no `set_config`
 * first, so an API request costs two round trips fewer (system scope for the lookup, then its
 * organization again for its own queries), a third of a run list page's (issue 11).
 * SQLite has no row-level security: nothing to do there.
 */
export function credentialLookupsMigration(kind: StoreKind): Migration {
  return {
    async up(db: Kysely<unknown>) {
      if (kind !== 'postgres') return;
      await sql`
        CREATE FUNCTION agentruns_token_actor(p_token_hash text)
        RETURNS TABLE (id text, revoked_at bigint, last_used_at bigint, user_id text, org_id text, role text)
        LANGUAGE sql STABLE
        SET agentruns.scope = 'system'
        AS $$
          SELECT t.id, t.revoked_at, t.last_used_at, u.id, u.org_id, u.role
          FROM api_tokens t JOIN users u ON u.id = t.user_id
          WHERE t.token_hash = p_token_hash
        $$`.execute(db);
      await sql`
        CREATE FUNCTION agentruns_session_actor(p_token_hash text)
        RETURNS TABLE (user_id text, org_id text, role text, expires_at bigint)
        LANGUAGE sql STABLE
        SET agentruns.scope = 'system'
        AS $$
          SELECT u.id, u.org_id, u.role, s.expires_at
          FROM sessions s JOIN users u ON u.id = s.user_id
          WHERE s.token_hash = p_token_hash
        $$`.execute(db);
    },
  };
}
