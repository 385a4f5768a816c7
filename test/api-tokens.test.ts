import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type ApiHarness, createApiHarness, type ErrorResponse } from './support/api-harness.ts';
import { storeKinds } from './support/test-deps.ts';

describe.each(storeKinds)('API tokens in Settings (%s)', (kind) => {
  let api: ApiHarness;
  beforeEach(async () => {
    api = await createApiHarness(kind);
  });
  afterEach(async () => {
    await api.close();
  });

  it('creates a token shown once, lists it without the secret, and revokes it at once', async () => {
    const created = await api.call<{ id: string; token: string }>('POST', '/api/tokens', { name: 'CI' });
    expect(created.status).toBe(201);
    expect(created.body.token).toMatch(/^ar_/);
    expect((await api.call('GET', '/api/me', undefined, { token: created.body.token })).status).toBe(200);
    const list = await api.call<{ items: Array<Record<string, unknown>> }>('GET', '/api/tokens');
    const listed = list.body.items.find((t) => t.id === created.body.id);
    expect(listed).toMatchObject({ name: 'CI', userEmail: 'admin@example.com', revokedAt: null });
    expect(JSON.stringify(list.body)).not.toContain(created.body.token);
    expect((await api.call('DELETE', `/api/tokens/${created.body.id}`)).status).toBe(204);
    expect((await api.call('GET', '/api/me', undefined, { token: created.body.token })).status).toBe(401);
    expect((await api.call('DELETE', `/api/tokens/${created.body.id}`)).status).toBe(404);
  });

  it('refuses an empty name at the field and a non-administrator', async () => {
    const empty = await api.call<ErrorResponse>('POST', '/api/tokens', { name: ' ' });
    expect(empty.status).toBe(400);
    expect(empty.body.error.details[0]?.path).toBe('name');
    const editor = await api.deps.addUser('editor');
    expect((await api.call('GET', '/api/tokens', undefined, { token: editor.token })).status).toBe(403);
  });
});
