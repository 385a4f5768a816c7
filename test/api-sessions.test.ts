import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createOrganization } from '../src/identity/bootstrap.ts';
import { addUser } from '../src/identity/users.ts';
import { type ApiHarness, createApiHarness, type ErrorResponse } from './support/api-harness.ts';
import { storeKinds } from './support/test-deps.ts';

interface Me {
  id: string;
  email: string;
  name: string;
  role: string;
  orgId: string;
}

describe.each(storeKinds)('sessions on %s', (kind) => {
  let api: ApiHarness;
  beforeEach(async () => {
    api = await createApiHarness(kind);
  });
  afterEach(async () => {
    await api.close();
  });

  const login = (email: string, password: string) =>
    api.call<{ userId: string; role: string } & ErrorResponse>(
      'POST',
      '/api/auth/login',
      { email, password },
      { token: null },
    );
  const sessionCookie = (res: Awaited<ReturnType<typeof login>>) => {
    const cookie = res.raw.cookies.find((c) => c.name === 'agentruns_session');
    expect(cookie).toBeDefined();
    return `agentruns_session=${cookie?.value}`;
  };
  const me = (cookie: string) =>
    api.call<Me & ErrorResponse>('GET', '/api/me', undefined, { token: null, headers: { cookie } });

  it('signs in with a password and sets an http-only session cookie', async () => {
    const res = await login(api.deps.adminEmail, api.deps.adminPassword);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ userId: api.deps.admin.userId, role: 'admin' });
    const cookie = res.raw.cookies.find((c) => c.name === 'agentruns_session');
    expect(cookie).toMatchObject({ httpOnly: true, path: '/', sameSite: 'Lax' });
    expect(cookie?.maxAge).toBeGreaterThan(0);
  });

  it('knows who is signed in from the cookie alone, and acts as them', async () => {
    const cookie = sessionCookie(await login(api.deps.adminEmail, api.deps.adminPassword));
    const res = await me(cookie);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      id: api.deps.admin.userId,
      email: api.deps.adminEmail,
      name: 'Administrator',
      role: 'admin',
      orgId: api.deps.admin.orgId,
      csrfToken: expect.any(String),
    });
    const list = await api.call('GET', '/api/runs', undefined, { token: null, headers: { cookie } });
    expect(list.status).toBe(200);
  });

  it('takes the email in any case', async () => {
    const res = await login(api.deps.adminEmail.toUpperCase(), api.deps.adminPassword);
    expect(res.status).toBe(200);
  });

  it('signs a viewer in with the role it has', async () => {
    const viewer = await api.deps.addUser('viewer');
    const signedIn = await login(viewer.email, 'password');
    const cookie = sessionCookie(signedIn);
    expect((await me(cookie)).body.role).toBe('viewer');
    const csrf = (signedIn.body as { csrfToken?: string }).csrfToken ?? '';
    const refused = await api.call<ErrorResponse>(
      'POST',
      '/api/agents',
      { name: 'x' },
      {
        token: null,
        headers: { cookie, 'x-csrf-token': csrf },
      },
    );
    expect(refused.status).toBe(403);
    expect(refused.body.error.message).toContain('your role (viewer)');
  });

  it('ends the session on logout, so the cookie no longer works', async () => {
    const cookie = sessionCookie(await login(api.deps.adminEmail, api.deps.adminPassword));
    const out = await api.call('POST', '/api/auth/logout', undefined, { token: null, headers: { cookie } });
    expect(out.status).toBe(200);
    const cleared = out.raw.cookies.find((c) => c.name === 'agentruns_session');
    expect(cleared?.value).toBe('');
    const after = await me(cookie);
    expect(after.status).toBe(401);
    expect(after.body.error.code).toBe('unauthorized');
  });

  it('logs out without a session too', async () => {
    const out = await api.call('POST', '/api/auth/logout', undefined, { token: null });
    expect(out.status).toBe(200);
  });

  it('keeps emails unique per organization, and asks which organization only when the password opens several', async () => {
    // Another organization whose administrator has the same email: allowed, emails are per organization.
    const other = await createOrganization(api.deps, {
      name: 'Other',
      adminEmail: api.deps.adminEmail,
      adminPassword: 'the other organization password',
    });
    const own = await login(api.deps.adminEmail, api.deps.adminPassword);
    expect(own.status).toBe(200);
    expect(own.body).toMatchObject({ userId: api.deps.admin.userId, orgId: api.deps.admin.orgId });
    const theirs = await login(api.deps.adminEmail, 'the other organization password');
    expect(theirs.status).toBe(200);
    expect(theirs.body).toMatchObject({ userId: other.userId, orgId: other.orgId });
    // One email twice in one organization is still refused.
    const twice = await api.call<ErrorResponse>('POST', '/api/users', {
      email: api.deps.adminEmail.toUpperCase(),
      role: 'viewer',
      password: 'a long enough password',
    });
    expect(twice.status).toBe(409);
    // The same password in both: the answer names the field and the organizations to choose from.
    const shared = 'one password for both accounts';
    const inOwn = await api.call('POST', '/api/users', {
      email: 'pat@example.com',
      role: 'viewer',
      password: shared,
    });
    expect(inOwn.status).toBe(201);
    await addUser(
      api.deps,
      { orgId: other.orgId, userId: other.userId },
      {
        email: 'pat@example.com',
        role: 'editor',
        password: shared,
      },
    );
    const ambiguous = await login('pat@example.com', shared);
    expect(ambiguous.status).toBe(400);
    expect(ambiguous.body.error.details).toEqual([expect.objectContaining({ path: 'organization' })]);
    expect(ambiguous.body.error.message).toContain(api.deps.admin.orgId);
    expect(ambiguous.body.error.message).toContain(other.orgId);
    const picked = await api.call<{ orgId: string; role: string }>(
      'POST',
      '/api/auth/login',
      { email: 'pat@example.com', password: shared, organization: other.orgId },
      { token: null },
    );
    expect(picked.status).toBe(200);
    expect(picked.body).toMatchObject({ orgId: other.orgId, role: 'editor' });
    // A wrong password with an organization is the usual 401.
    const wrong = await api.call(
      'POST',
      '/api/auth/login',
      { email: 'pat@example.com', password: 'not it at all', organization: other.orgId },
      { token: null },
    );
    expect(wrong.status).toBe(401);
  });

  it('answers a wrong password and an unknown email with the same 401', async () => {
    const wrong = await login(api.deps.adminEmail, 'not the password');
    const unknown = await login('nobody@example.com', api.deps.adminPassword);
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(wrong.body).toEqual({
      error: { code: 'unauthorized', message: 'email or password is wrong', details: [] },
    });
    expect(unknown.body).toEqual(wrong.body);
    expect(wrong.raw.cookies).toEqual([]);
  });

  it('takes as long to refuse an unknown email as a wrong password', async () => {
    const fastest = async (email: string) => {
      let best = Number.POSITIVE_INFINITY;
      for (let i = 0; i < 3; i++) {
        const started = performance.now();
        expect((await login(email, 'not the password')).status).toBe(401);
        best = Math.min(best, performance.now() - started);
      }
      return best;
    };
    const wrong = await fastest(api.deps.adminEmail);
    const unknown = await fastest('nobody@example.com');
    // Both run one scrypt (about 50 ms); without it an unknown email answered in about 1 ms.
    expect(unknown).toBeGreaterThan(wrong / 2);
  });

  it('refuses a login body without an email or a password with the field named', async () => {
    const res = await api.call<ErrorResponse>('POST', '/api/auth/login', { email: 'a@b.c' }, { token: null });
    expect(res.status).toBe(400);
    expect(res.body.error.details?.map((d) => d.path)).toEqual(['password']);
  });

  it('answers /api/me without credentials with 401', async () => {
    const res = await api.call<ErrorResponse>('GET', '/api/me', undefined, { token: null });
    expect(res.status).toBe(401);
  });

  it('knows who is behind a bearer token', async () => {
    const res = await api.call<Me>('GET', '/api/me');
    expect([res.status, res.body.email]).toEqual([200, api.deps.adminEmail]);
  });
});
