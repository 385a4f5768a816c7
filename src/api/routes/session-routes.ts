import { z } from 'zod';
import type { Deps } from '../../deps.ts';
import { createOwnApiToken, listApiTokens, revokeApiToken } from '../../identity/manage-api-tokens.ts';
import { SESSION_COOKIE, SESSION_TTL_MS, signIn, signOut } from '../../identity/sessions.ts';
import { defineRoute, type Route } from '../route.ts';

export function sessionRoutes(deps: Deps): Route[] {
  return [
    defineRoute({
      method: 'GET',
      url: '/api/health',
      summary: 'Liveness and the kind of store',
      tag: 'system',
      permission: 'public',
      handler: async () => ({ ok: true, store: deps.store.kind }),
    }),
    defineRoute({
      method: 'POST',
      url: '/api/auth/login',
      summary: 'Sign in with email and password; sets the session cookie',
      tag: 'auth',
      permission: 'public',
      body: z.object({ email: z.string().min(1).max(320), password: z.string().min(1).max(1000) }),
      handler: async ({ body, reply, request }) => {
        const session = await signIn(deps, body.email, body.password);
        reply.setCookie(SESSION_COOKIE, session.secret, {
          path: '/',
          httpOnly: true,
          sameSite: 'lax',
          secure: request.protocol === 'https',
          maxAge: Math.floor(SESSION_TTL_MS / 1000),
        });
        return { userId: session.actor.userId, orgId: session.actor.orgId, role: session.actor.role };
      },
    }),
    defineRoute({
      method: 'POST',
      url: '/api/auth/logout',
      summary: 'End this session',
      tag: 'auth',
      permission: 'public',
      handler: async ({ request, reply }) => {
        const secret = request.cookies[SESSION_COOKIE];
        if (secret) await signOut(deps, secret);
        reply.clearCookie(SESSION_COOKIE, { path: '/' });
        return { ok: true };
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/api/me',
      summary: 'Who is signed in',
      tag: 'auth',
      permission: 'signed-in',
      handler: async ({ actor }) => {
        const user = await deps.store.db
          .selectFrom('users')
          .select(['id', 'email', 'name', 'role', 'org_id'])
          .where('id', '=', actor.userId)
          .executeTakeFirstOrThrow();
        return { id: user.id, email: user.email, name: user.name, role: user.role, orgId: user.org_id };
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/api/tokens',
      summary: "The organization's API tokens (never the secrets)",
      tag: 'auth',
      permission: 'tokens.manage',
      handler: async ({ actor }) => ({ items: await listApiTokens(deps, actor) }),
    }),
    defineRoute({
      method: 'POST',
      url: '/api/tokens',
      summary: 'Create an API token for yourself; the answer holds the token, shown this once',
      tag: 'auth',
      permission: 'tokens.manage',
      status: 201,
      body: z.object({ name: z.string().trim().min(1, 'must not be empty').max(100) }),
      handler: ({ actor, body }) => createOwnApiToken(deps, actor, body.name),
    }),
    defineRoute({
      method: 'DELETE',
      url: '/api/tokens/:id',
      summary: 'Revoke an API token',
      tag: 'auth',
      permission: 'tokens.manage',
      status: 204,
      params: z.object({ id: z.string().min(1) }),
      handler: async ({ actor, params }) => {
        await revokeApiToken(deps, actor, params.id);
        return undefined;
      },
    }),
  ];
}
