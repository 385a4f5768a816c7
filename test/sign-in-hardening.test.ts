import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createApp } from '../src/api/create-app.ts';
import { loginThrottle } from '../src/identity/login-throttle.ts';
import { createManualClock, type ManualClock } from '../src/platform/clock.ts';
import { type ApiHarness, createApiHarness, type ErrorResponse } from './support/api-harness.ts';
import { storeKinds } from './support/test-deps.ts';

interface Login {
  userId: string;
  csrfToken: string;
}

describe.each(storeKinds)('sign-in hardening on %s', (kind) => {
  let api: ApiHarness;
  let clock: ManualClock;
  beforeEach(async () => {
    clock = createManualClock(Date.now());
    api = await createApiHarness(kind, { clock });
  });
  afterEach(async () => {
    await api.close();
  });

  const login = (email: string, password: string, remoteAddress = '127.0.0.1') =>
    api.app
      .inject({ method: 'POST', url: '/api/auth/login', payload: { email, password }, remoteAddress })
      .then((raw) => ({ status: raw.statusCode, body: raw.json() as Login & ErrorResponse, raw }));
  const signedIn = async () => {
    const res = await login(api.deps.adminEmail, api.deps.adminPassword);
    expect(res.status).toBe(200);
    const session = res.raw.cookies.find((c) => c.name === 'agentruns_session')?.value ?? '';
    return { cookie: `agentruns_session=${session}`, csrf: res.body.csrfToken, raw: res.raw };
  };
  const asCookie = (
    method: 'GET' | 'POST' | 'DELETE',
    url: string,
    cookie: string,
    headers: Record<string, string> = {},
    body?: unknown,
  ) => api.call<ErrorResponse>(method, url, body, { token: null, headers: { cookie, ...headers } });

  describe('CSRF', () => {
    it('refuses a write with the session cookie but no CSRF token, and changes nothing', async () => {
      const { cookie } = await signedIn();
      const res = await asCookie(
        'POST',
        '/api/agents',
        cookie,
        {},
        { name: 'Forged', steps: [{ name: 'a', prompt: 'b' }] },
      );
      expect(res.status).toBe(403);
      expect(res.body.error.message).toContain('CSRF check failed');
      const agents = await api.call<{ items: unknown[] }>('GET', '/api/agents');
      expect(agents.body.items).toEqual([]);
    });

    it('refuses a wrong CSRF token, and one of another session', async () => {
      const first = await signedIn();
      const second = await signedIn();
      expect(first.csrf).not.toBe(second.csrf);
      const wrong = await asCookie(
        'POST',
        '/api/tokens',
        first.cookie,
        { 'x-csrf-token': 'nope' },
        { name: 'x' },
      );
      expect(wrong.status).toBe(403);
      const crossed = await asCookie(
        'POST',
        '/api/tokens',
        first.cookie,
        { 'x-csrf-token': second.csrf },
        { name: 'x' },
      );
      expect(crossed.status).toBe(403);
    });

    it('accepts a write with the session cookie and its CSRF token, from the body or the cookie', async () => {
      const { cookie, csrf, raw } = await signedIn();
      const csrfCookie = raw.cookies.find((c) => c.name === 'agentruns_csrf');
      expect(csrfCookie).toMatchObject({ value: csrf, sameSite: 'Strict' });
      expect(csrfCookie?.httpOnly).toBeFalsy();
      const res = await asCookie(
        'POST',
        '/api/tokens',
        cookie,
        { 'x-csrf-token': csrf },
        { name: 'from the page' },
      );
      expect(res.status).toBe(201);
    });

    it('needs no CSRF token for reads with the cookie, nor for writes with a bearer token', async () => {
      const { cookie } = await signedIn();
      expect((await asCookie('GET', '/api/runs', cookie)).status).toBe(200);
      expect((await api.call('POST', '/api/tokens', { name: 'bearer' })).status).toBe(201);
    });
  });

  describe('login rate limit and lockout', () => {
    it(`locks an account after ${loginThrottle.accountMaxFailures} failures, even for the right password, until the lock ends`, async () => {
      for (let i = 0; i < loginThrottle.accountMaxFailures; i++)
        expect((await login(api.deps.adminEmail, 'wrong')).status).toBe(401);
      const locked = await login(api.deps.adminEmail, api.deps.adminPassword);
      expect(locked.status).toBe(429);
      expect(locked.body.error.code).toBe('rate_limited');
      expect(Number(locked.raw.headers['retry-after'])).toBe(loginThrottle.lockMs / 1000);
      expect(locked.raw.cookies).toEqual([]);
      clock.advance(loginThrottle.lockMs - 1000);
      expect((await login(api.deps.adminEmail, api.deps.adminPassword)).status).toBe(429);
      clock.advance(1000);
      expect((await login(api.deps.adminEmail, api.deps.adminPassword)).status).toBe(200);
    });

    it('locks an unknown email the same way, so a lockout reveals no account', async () => {
      for (let i = 0; i < loginThrottle.accountMaxFailures; i++)
        expect((await login('nobody@example.com', 'wrong')).status).toBe(401);
      expect((await login('nobody@example.com', 'wrong')).status).toBe(429);
      // Another account is not affected.
      expect((await login(api.deps.adminEmail, api.deps.adminPassword)).status).toBe(200);
    });

    it('forgets failures older than the window, and a success clears the count', async () => {
      for (let i = 0; i < loginThrottle.accountMaxFailures - 1; i++)
        await login(api.deps.adminEmail, 'wrong');
      expect((await login(api.deps.adminEmail, api.deps.adminPassword)).status).toBe(200);
      for (let i = 0; i < loginThrottle.accountMaxFailures - 1; i++)
        await login(api.deps.adminEmail, 'wrong');
      clock.advance(loginThrottle.windowMs);
      expect((await login(api.deps.adminEmail, 'wrong')).status).toBe(401);
      expect((await login(api.deps.adminEmail, api.deps.adminPassword)).status).toBe(200);
    });

    it('limits one client address across many accounts (password spraying)', async () => {
      // The configured limit (default 50); a small one keeps this test to a few scrypt hashes.
      const limit = 6;
      const app = await createApp({
        ...api.deps,
        config: { ...api.deps.config, loginAddressMaxFailures: limit },
      });
      const attempt = (email: string, password: string, remoteAddress: string) =>
        app
          .inject({ method: 'POST', url: '/api/auth/login', payload: { email, password }, remoteAddress })
          .then((r) => r.statusCode);
      try {
        for (let i = 0; i < limit; i++)
          expect(await attempt(`user${i}@example.com`, 'Summer2026!', '203.0.113.9')).toBe(401);
        expect(await attempt(api.deps.adminEmail, api.deps.adminPassword, '203.0.113.9')).toBe(429);
        expect(await attempt(api.deps.adminEmail, api.deps.adminPassword, '198.51.100.1')).toBe(200);
      } finally {
        await app.close();
      }
    });
  });

  describe('session cookie', () => {
    it('is Secure when the client came over TLS through a trusted proxy, and not on plain HTTP', async () => {
      const { raw } = await signedIn();
      expect(raw.cookies.find((c) => c.name === 'agentruns_session')?.secure).toBeFalsy();
      const behindTls = await createApp({ ...api.deps, config: { ...api.deps.config, trustProxy: true } });
      try {
        const res = await behindTls.inject({
          method: 'POST',
          url: '/api/auth/login',
          headers: { 'x-forwarded-proto': 'https' },
          payload: { email: api.deps.adminEmail, password: api.deps.adminPassword },
        });
        expect(res.statusCode).toBe(200);
        for (const name of ['agentruns_session', 'agentruns_csrf'])
          expect(res.cookies.find((c) => c.name === name)).toMatchObject({ secure: true });
        expect(res.cookies.find((c) => c.name === 'agentruns_session')).toMatchObject({
          httpOnly: true,
          sameSite: 'Lax',
        });
      } finally {
        await behindTls.close();
      }
    });
  });

  describe('logout everywhere', () => {
    it('ends every session of the user, and only theirs', async () => {
      const a = await signedIn();
      const b = await signedIn();
      const viewer = await api.deps.addUser('viewer');
      const viewerLogin = await login(viewer.email, 'password');
      const viewerCookie = `agentruns_session=${viewerLogin.raw.cookies.find((c) => c.name === 'agentruns_session')?.value}`;
      const out = await asCookie('POST', '/api/auth/logout-all', a.cookie, { 'x-csrf-token': a.csrf });
      expect(out.status).toBe(200);
      expect(out.body).toMatchObject({ ok: true, sessionsEnded: 2 });
      expect((await asCookie('GET', '/api/me', a.cookie)).status).toBe(401);
      expect((await asCookie('GET', '/api/me', b.cookie)).status).toBe(401);
      expect((await asCookie('GET', '/api/me', viewerCookie)).status).toBe(200);
      // API tokens are not sessions: they stay until revoked.
      expect((await api.call('GET', '/api/me')).status).toBe(200);
    });
  });
});
