import { z } from 'zod';
import type { Deps } from '../../deps.ts';
import {
  CSRF_COOKIE,
  csrfTokenOf,
  SESSION_COOKIE,
  SESSION_TTL_MS,
  signIn,
  signOut,
  signOutEverywhere,
} from '../../identity/sessions.ts';
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
      body: z.object({
        email: z.string().min(1).max(320),
        password: z.string().min(1).max(1000),
        /** Needed only when the email has accounts in several organizations (an organization id). */
        organization: z.string().min(1).max(200).optional(),
      }),
      handler: async ({ body, reply, request }) => {
        const session = await signIn(
          deps,
          body.email,
          body.password,
          request.ip,
          deps.config.loginAddressMaxFailures,
          body.organization,
        );
        // Secure whenever the client reached us over TLS (directly, or through a proxy trusted
        // with AGENTRUNS_TRUST_PROXY), so the cookie never travels in clear afterwards.
        const common = {
          path: '/',
          secure: request.protocol === 'https',
          maxAge: Math.floor(SESSION_TTL_MS / 1000),
        };
        reply.setCookie(SESSION_COOKIE, session.secret, { ...common, httpOnly: true, sameSite: 'lax' });
        const csrfToken = csrfTokenOf(session.secret);
        reply.setCookie(CSRF_COOKIE, csrfToken, { ...common, httpOnly: false, sameSite: 'strict' });
        return {
          userId: session.actor.userId,
          orgId: session.actor.orgId,
          role: session.actor.role,
          csrfToken,
        };
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
        reply.clearCookie(CSRF_COOKIE, { path: '/' });
        return { ok: true };
      },
    }),
    defineRoute({
      method: 'POST',
      url: '/api/auth/logout-all',
      summary: 'Logout everywhere: end every session of the signed-in user',
      tag: 'auth',
      permission: 'signed-in',
      handler: async ({ actor, reply }) => {
        const result = await signOutEverywhere(deps, actor);
        reply.clearCookie(SESSION_COOKIE, { path: '/' });
        reply.clearCookie(CSRF_COOKIE, { path: '/' });
        return { ok: true, ...result };
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/api/me',
      summary: 'Who is signed in',
      tag: 'auth',
      permission: 'signed-in',
      handler: async ({ actor, request }) => {
        const user = await deps.store.db
          .selectFrom('users')
          .select(['id', 'email', 'name', 'role', 'org_id'])
          .where('id', '=', actor.userId)
          .executeTakeFirstOrThrow();
        const session = request.headers.authorization ? undefined : request.cookies[SESSION_COOKIE];
        return {
          id: user.id,
          email: user.email,
          name: user.name,
          role: user.role,
          orgId: user.org_id,
          // A page that was reloaded learns its CSRF token here (also in the agentruns_csrf cookie).
          ...(session ? { csrfToken: csrfTokenOf(session) } : {}),
        };
      },
    }),
  ];
}
