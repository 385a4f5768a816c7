import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type ApiHarness, createApiHarness } from './support/api-harness.ts';
import { storeKinds } from './support/test-deps.ts';

describe.each(storeKinds)('health and home page on %s', (kind) => {
  let api: ApiHarness;
  beforeEach(async () => {
    api = await createApiHarness(kind);
  });
  afterEach(async () => {
    await api.close();
  });

  it('answers health without credentials, naming the store', async () => {
    const res = await api.call('GET', '/api/health', undefined, { token: null });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ ok: true, store: kind });
  });

  it('serves an HTML page at / without credentials (the web UI, or how to build it)', async () => {
    const res = await api.call('GET', '/', undefined, { token: null });
    expect(res.status).toBe(200);
    expect(String(res.headers['content-type'])).toMatch(/^text\/html/);
  });
});
