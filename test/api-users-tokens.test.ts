import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type ApiHarness, createApiHarness, type ErrorResponse } from './support/api-harness.ts';
import { storeKinds } from './support/test-deps.ts';

interface User {
  id: string;
  email: string;
  name: string;
  role: string;
  initialPassword?: string;
}
interface Token {
  id: string;
  name: string;
  token?: string;
  userId: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}
interface Page<T> {
  items: T[];
}

describe.each(storeKinds)('users and API tokens on %s', (kind) => {
  let api: ApiHarness;
  beforeEach(async () => {
    api = await createApiHarness(kind);
  });
  afterEach(async () => {
    await api.close();
  });

  const login = (email: string, password: string) =>
    api.call<ErrorResponse>('POST', '/api/auth/login', { email, password }, { token: null });

  it('adds a user who can then sign in with the role given', async () => {
    const added = await api.call<User>('POST', '/api/users', {
      email: 'Ed@Example.com',
      role: 'editor',
      password: 'a long enough password',
    });
    expect(added.status).toBe(201);
    expect(added.body).toMatchObject({ email: 'ed@example.com', role: 'editor', name: 'ed' });
    expect(added.body).not.toHaveProperty('initialPassword');
    expect((await login('ed@example.com', 'a long enough password')).status).toBe(200);
    const list = await api.call<Page<User>>('GET', '/api/users');
    expect(list.body.items.map((u) => u.email)).toEqual([api.deps.adminEmail, 'ed@example.com']);
    expect(JSON.stringify(list.body)).not.toContain('scrypt');
  });

  it('generates a password, shown once, when none is given', async () => {
    const added = await api.call<User>('POST', '/api/users', { email: 'v@example.com', role: 'viewer' });
    expect(added.body.initialPassword).toMatch(/^[\w-]{16}$/);
    expect((await login('v@example.com', added.body.initialPassword ?? '')).status).toBe(200);
    const again = await api.call<User>('GET', `/api/users/${added.body.id}`);
    expect(again.body).not.toHaveProperty('initialPassword');
  });

  it('refuses a bad user with the field named, and a taken email with 409', async () => {
    const bad = await api.call<ErrorResponse>('POST', '/api/users', {
      email: 'nope',
      role: 'boss',
      password: 'short',
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.map((d) => d.path).sort()).toEqual(['email', 'password', 'role']);
    const taken = await api.call<ErrorResponse>('POST', '/api/users', {
      email: api.deps.adminEmail,
      role: 'viewer',
    });
    expect(taken.status).toBe(409);
  });

  it('changes a role with effect on the next request of that user', async () => {
    const runner = await api.deps.addUser('runner');
    const before = await api.call('POST', '/api/agents', { name: 'x' }, { token: runner.token });
    expect(before.status).toBe(403);
    const changed = await api.call<User>('PATCH', `/api/users/${runner.actor.userId}`, { role: 'editor' });
    expect(changed.body.role).toBe('editor');
    const me = await api.call<User>('GET', '/api/me', undefined, { token: runner.token });
    expect(me.body.role).toBe('editor');
  });

  it('keeps the last administrator: no demotion, no removal', async () => {
    const demote = await api.call<ErrorResponse>('PATCH', `/api/users/${api.deps.admin.userId}`, {
      role: 'viewer',
    });
    expect(demote.status).toBe(409);
    expect(demote.body.error.message).toContain('last administrator');
    const remove = await api.call<ErrorResponse>('DELETE', `/api/users/${api.deps.admin.userId}`);
    expect(remove.status).toBe(409);
  });

  it('removes a user, whose tokens and sessions stop working at once', async () => {
    const viewer = await api.deps.addUser('viewer');
    expect((await api.call('GET', '/api/runs', undefined, { token: viewer.token })).status).toBe(200);
    expect((await api.call('DELETE', `/api/users/${viewer.actor.userId}`)).status).toBe(204);
    expect((await api.call('GET', '/api/runs', undefined, { token: viewer.token })).status).toBe(401);
    expect((await api.call('GET', `/api/users/${viewer.actor.userId}`)).status).toBe(404);
    expect((await login(viewer.email, 'password')).status).toBe(401);
  });

  it('creates a named token shown once, lists it without the secret, records its last use', async () => {
    const viewer = await api.deps.addUser('viewer');
    const created = await api.call<Token>('POST', '/api/tokens', { name: 'laptop' }, { token: viewer.token });
    expect(created.status).toBe(201);
    expect(created.body.token).toMatch(/^ar_/);
    const list = await api.call<Page<Token>>('GET', '/api/tokens', undefined, { token: viewer.token });
    const listed = list.body.items.find((t) => t.id === created.body.id);
    expect(listed).toMatchObject({ name: 'laptop', lastUsedAt: null, revokedAt: null });
    expect(JSON.stringify(list.body)).not.toContain(created.body.token);
    await api.call('GET', '/api/me', undefined, { token: created.body.token ?? '' });
    const after = await api.call<Page<Token>>('GET', '/api/tokens', undefined, { token: viewer.token });
    expect(after.body.items.find((t) => t.id === created.body.id)?.lastUsedAt).not.toBeNull();
    const stored = await api.deps.store.db
      .selectFrom('api_tokens')
      .select('token_hash')
      .where('id', '=', created.body.id)
      .executeTakeFirstOrThrow();
    expect(stored.token_hash).not.toContain(created.body.token?.slice(3) ?? '?');
  });

  it('revokes a token with effect on its very next request', async () => {
    const created = await api.call<Token>('POST', '/api/tokens', { name: 'ci' });
    const token = created.body.token ?? '';
    expect((await api.call('GET', '/api/runs', undefined, { token })).status).toBe(200);
    const revoked = await api.call<Token>('DELETE', `/api/tokens/${created.body.id}`);
    expect(revoked.status).toBe(200);
    expect(revoked.body.revokedAt).not.toBeNull();
    const refused = await api.call<ErrorResponse>('GET', '/api/runs', undefined, { token });
    expect(refused.status).toBe(401);
    expect(refused.body.error.message).toContain('revoked');
  });

  it("lets a user see and revoke only their own tokens; an administrator sees everyone's", async () => {
    const a = await api.deps.addUser('runner');
    const b = await api.deps.addUser('runner');
    const bTokens = await api.call<Page<Token>>('GET', '/api/tokens', undefined, { token: b.token });
    const bToken = bTokens.body.items[0];
    expect(bToken?.userId).toBe(b.actor.userId);
    const mine = await api.call<Page<Token>>('GET', '/api/tokens?all=true', undefined, { token: a.token });
    expect(mine.body.items.every((t) => t.userId === a.actor.userId)).toBe(true);
    const foreign = await api.call('DELETE', `/api/tokens/${bToken?.id}`, undefined, { token: a.token });
    expect(foreign.status).toBe(404);
    expect((await api.call('GET', '/api/me', undefined, { token: b.token })).status).toBe(200);
    const everyone = await api.call<Page<Token>>('GET', '/api/tokens?all=true');
    expect(new Set(everyone.body.items.map((t) => t.userId))).toEqual(
      new Set([api.deps.admin.userId, a.actor.userId, b.actor.userId]),
    );
    expect((await api.call('DELETE', `/api/tokens/${bToken?.id}`)).status).toBe(200);
    expect((await api.call('GET', '/api/me', undefined, { token: b.token })).status).toBe(401);
  });

  it('refuses a token without a name', async () => {
    const res = await api.call<ErrorResponse>('POST', '/api/tokens', { name: ' ' });
    expect(res.status).toBe(400);
    expect(res.body.error.details[0]?.path).toBe('name');
  });
});
