import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../src/api/create-app.ts';
import { createTestDeps, type TestDeps } from './support/test-deps.ts';

describe('web UI serving', () => {
  let deps: TestDeps;
  let app: Awaited<ReturnType<typeof createApp>>;
  const webDir = fs.mkdtempSync(path.join(os.tmpdir(), 'agentruns-webdir-'));

  beforeAll(async () => {
    fs.mkdirSync(path.join(webDir, 'assets'));
    fs.writeFileSync(path.join(webDir, 'index.html'), '<!doctype html><div id="root"></div>');
    fs.writeFileSync(path.join(webDir, 'assets', 'app-abc123.js'), 'console.log(1)');
    deps = await createTestDeps('sqlite');
    app = await createApp({ ...deps, config: { ...deps.config, webDir } });
  });
  afterAll(async () => {
    await app.close();
    await deps.close();
    fs.rmSync(webDir, { recursive: true, force: true });
  });

  const get = (url: string, accept = 'text/html') => app.inject({ method: 'GET', url, headers: { accept } });

  it('serves the app at / and at client routes, never caching index.html', async () => {
    for (const url of ['/', '/runs/run_01ABC', '/agents/new?tab=edit']) {
      const res = await get(url);
      expect(res.statusCode, url).toBe(200);
      expect(res.body).toContain('<div id="root">');
      expect(res.headers['cache-control']).toBe('no-cache');
    }
  });

  it('caches hashed assets for a year and 404s a missing one', async () => {
    const asset = await get('/assets/app-abc123.js', '*/*');
    expect(asset.statusCode).toBe(200);
    expect(asset.headers['cache-control']).toContain('immutable');
    expect((await get('/assets/app-old.js')).statusCode).toBe(404);
  });

  it('leaves /api and /openapi.json to the API, with JSON errors', async () => {
    const missing = await get('/api/no-such-route');
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toMatchObject({ error: { code: 'not_found' } });
    expect((await get('/api/runs')).statusCode).toBe(401);
    expect((await get('/openapi.json', 'application/json')).json()).toHaveProperty('openapi');
  });

  it('says how to build the UI when there is no build', async () => {
    const emptyDir = fs.mkdtempSync(path.join(os.tmpdir(), 'agentruns-nobuild-'));
    const bare = await createApp({ ...deps, config: { ...deps.config, webDir: emptyDir } });
    try {
      const res = await bare.inject({ method: 'GET', url: '/' });
      expect(res.statusCode).toBe(200);
      expect(res.body).toContain('npm run build');
      expect(res.body).toContain('href="/openapi.json"');
      expect(
        (await bare.inject({ method: 'GET', url: '/runs', headers: { accept: 'text/html' } })).statusCode,
      ).toBe(404);
    } finally {
      await bare.close();
      fs.rmSync(emptyDir, { recursive: true, force: true });
    }
  });
});
