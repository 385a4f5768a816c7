import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SiteDetails, SiteView } from '../src/sites/site-view.ts';
import { type ApiHarness, createApiHarness, type ErrorResponse } from './support/api-harness.ts';
import { multipartBody } from './support/multipart.ts';
import { createSiteViaApi, extractAll, uploadViaApi } from './support/sites.ts';
import { storeKinds } from './support/test-deps.ts';

type SitePage = { items: Array<SiteView & { documentCount: number }>; nextCursor: string | null };

describe.each(storeKinds)('sites API on %s', (kind) => {
  let api: ApiHarness;
  beforeEach(async () => {
    api = await createApiHarness(kind, { config: { uploadLimitBytes: 64 * 1024 } });
  });
  afterEach(async () => {
    await api.close();
  });

  it('creates, renames, archives and lists sites', async () => {
    const site = await createSiteViaApi(api, 'Policies');
    expect(site).toMatchObject({ name: 'Policies', archived: false, documents: [] });
    const renamed = await api.call<SiteDetails>('PATCH', `/api/sites/${site.id}`, { name: 'HR policies' });
    expect(renamed.body.name).toBe('HR policies');
    await api.call('PATCH', `/api/sites/${site.id}`, { archived: true });
    const other = await createSiteViaApi(api, 'Contracts');
    const all = await api.call<SitePage>('GET', '/api/sites');
    expect(all.body.items.map((s) => s.name)).toEqual(['Contracts', 'HR policies']);
    const active = await api.call<SitePage>('GET', '/api/sites?archived=false');
    expect(active.body.items.map((s) => s.id)).toEqual([other.id]);
    const page = await api.call<SitePage>('GET', '/api/sites?limit=1');
    expect(page.body.items).toHaveLength(1);
    const next = await api.call<SitePage>('GET', `/api/sites?limit=1&cursor=${page.body.nextCursor}`);
    expect(next.body.items[0]?.id).toBe(site.id);
    expect(next.body.nextCursor).toBeNull();
  });

  it('names the field and the rule for bad input', async () => {
    const empty = await api.call<ErrorResponse>('POST', '/api/sites', { name: ' ' });
    expect(empty.status).toBe(400);
    expect(empty.body.error.details[0]?.path).toBe('name');
    const unknown = await api.call<ErrorResponse>('PATCH', '/api/sites/sit_missing', { name: 'x' });
    expect(unknown.status).toBe(404);
    const site = await createSiteViaApi(api);
    const typo = await api.call<ErrorResponse>('PATCH', `/api/sites/${site.id}`, { nmae: 'x' });
    expect(typo.status).toBe(400);
    const badAgent = await api.call<ErrorResponse>('PATCH', `/api/sites/${site.id}`, {
      uploadAgentId: 'agt_x',
    });
    expect(badAgent.status).toBe(400);
    expect(badAgent.body.error.details[0]?.path).toBe('uploadAgentId');
  });

  it('lets viewers read and only editors and admins manage', async () => {
    const site = await createSiteViaApi(api);
    const viewer = (await api.deps.addUser('viewer')).token;
    expect((await api.call('GET', `/api/sites/${site.id}`, undefined, { token: viewer })).status).toBe(200);
    expect((await api.call('POST', '/api/sites', { name: 'x' }, { token: viewer })).status).toBe(403);
    expect((await uploadViaApi(api, site.id, 'a.txt', 'hello', viewer)).status).toBe(403);
    const editor = (await api.deps.addUser('editor')).token;
    expect((await uploadViaApi(api, site.id, 'a.txt', 'hello', editor)).status).toBe(201);
  });

  it('uploads a document, extracts it in the background and shows its status', async () => {
    const site = await createSiteViaApi(api);
    const up = await uploadViaApi(api, site.id, 'notes.md', '# Notes\n\nThe quarterly revenue grew.');
    expect(up.status).toBe(201);
    expect(up.body).toMatchObject({ name: 'notes.md', latestVersion: 1, status: 'queued', newVersion: true });
    expect(up.body.versions[0]).toMatchObject({
      mediaType: 'text/markdown',
      status: 'queued',
      sizeBytes: 36,
    });
    expect(up.body.versions[0]?.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(await extractAll(api)).toBe(1);
    const detail = await api.call<SiteDetails>('GET', `/api/sites/${site.id}`);
    expect(detail.body.documents[0]).toMatchObject({ name: 'notes.md', status: 'ready' });
    expect(detail.body.documents[0]?.versions[0]).toMatchObject({
      status: 'ready',
      chunkCount: 1,
      error: null,
    });
    const text = await api.call<{ text: string; totalChars: number }>(
      'GET',
      `/api/sites/${site.id}/documents/${up.body.id}/text`,
    );
    expect(text.body.text).toBe('# Notes\n\nThe quarterly revenue grew.');
    const content = await api.app.inject({
      method: 'GET',
      url: `/api/sites/${site.id}/documents/${up.body.id}/content`,
      headers: { authorization: `Bearer ${api.deps.token}` },
    });
    expect(content.statusCode).toBe(200);
    expect(content.body).toBe('# Notes\n\nThe quarterly revenue grew.');
    expect(content.headers['content-type']).toContain('text/markdown');
    expect(content.headers['content-disposition']).toContain('filename="notes.md"');
  });

  it('makes a new version when a changed file is uploaded under the same name, and keeps the old one', async () => {
    const site = await createSiteViaApi(api);
    const v1 = await uploadViaApi(api, site.id, 'price.txt', 'The price is 10 euros.');
    const same = await uploadViaApi(api, site.id, 'price.txt', 'The price is 10 euros.');
    expect(same.status).toBe(201);
    expect(same.body).toMatchObject({ id: v1.body.id, latestVersion: 1, newVersion: false });
    const v2 = await uploadViaApi(api, site.id, 'price.txt', 'The price is 12 euros.');
    expect(v2.body).toMatchObject({ id: v1.body.id, latestVersion: 2, newVersion: true });
    expect(v2.body.versions.map((v) => v.number)).toEqual([2, 1]);
    expect(v2.body.versions[0]?.sha256).not.toBe(v2.body.versions[1]?.sha256);
    await extractAll(api);
    const old = await api.call<{ text: string }>(
      'GET',
      `/api/sites/${site.id}/documents/${v1.body.id}/text?version=1`,
    );
    expect(old.body.text).toBe('The price is 10 euros.');
    const hits = await api.call<{ items: Array<{ version: number; text: string }> }>(
      'GET',
      `/api/sites/${site.id}/search?q=price`,
    );
    expect(hits.body.items.map((h) => [h.version, h.text])).toEqual([[2, 'The price is 12 euros.']]);
  });

  it('deletes a document: gone from the site and from search', async () => {
    const site = await createSiteViaApi(api);
    const up = await uploadViaApi(api, site.id, 'gone.txt', 'ephemeral zebra facts');
    await extractAll(api);
    const found = await api.call<{ items: unknown[] }>('GET', `/api/sites/${site.id}/search?q=zebra`);
    expect(found.body.items).toHaveLength(1);
    const del = await api.call('DELETE', `/api/sites/${site.id}/documents/${up.body.id}`);
    expect(del.status).toBe(204);
    expect((await api.call('GET', `/api/sites/${site.id}/documents/${up.body.id}`)).status).toBe(404);
    const after = await api.call<{ items: unknown[] }>('GET', `/api/sites/${site.id}/search?q=zebra`);
    expect(after.body.items).toHaveLength(0);
    expect((await api.call<SiteDetails>('GET', `/api/sites/${site.id}`)).body.documents).toHaveLength(0);
  });

  it('refuses a 0-byte file, naming the field', async () => {
    const site = await createSiteViaApi(api);
    const res = await uploadViaApi(api, site.id, 'empty.txt', '');
    expect(res.status).toBe(400);
    expect(res.body.error?.details).toEqual([{ path: 'file', message: 'is empty (0 bytes)' }]);
  });

  it('keeps only the last segment of a name with ../ in it', async () => {
    const site = await createSiteViaApi(api);
    const res = await uploadViaApi(api, site.id, '../../etc/passwd', 'root:x:0:0');
    expect(res.status).toBe(201);
    expect(res.body.name).toBe('passwd');
    const win = await uploadViaApi(api, site.id, '..\\..\\boot.ini', 'x');
    expect(win.body.name).toBe('boot.ini');
  });

  it('answers 413 past the upload limit and keeps nothing', async () => {
    const site = await createSiteViaApi(api);
    const res = await uploadViaApi(api, site.id, 'big.txt', Buffer.alloc(100 * 1024, 0x61));
    expect(res.status).toBe(413);
    expect(res.body.error?.details).toEqual([{ path: 'file', message: 'must be at most 65536 bytes' }]);
    expect((await api.call<SiteDetails>('GET', `/api/sites/${site.id}`)).body.documents).toHaveLength(0);
  });

  it('says what to send when the request is not a multipart upload', async () => {
    const site = await createSiteViaApi(api);
    const json = await api.call<ErrorResponse>('POST', `/api/sites/${site.id}/documents`, { file: 'x' });
    expect(json.status).toBe(400);
    expect(json.body.error.details[0]?.path).toBe('file');
    const { payload, headers } = multipartBody('a.txt', 'x');
    const wrongPart = await api.app.inject({
      method: 'POST',
      url: `/api/sites/${site.id}/documents`,
      payload: payload.toString().replace('name="file"', 'name="document"'),
      headers: { ...headers, authorization: `Bearer ${api.deps.token}` },
    });
    expect(wrongPart.statusCode).toBe(400);
  });

  it('refuses uploads to an archived site with 409', async () => {
    const site = await createSiteViaApi(api);
    await api.call('PATCH', `/api/sites/${site.id}`, { archived: true });
    const res = await uploadViaApi(api, site.id, 'a.txt', 'x');
    expect(res.status).toBe(409);
  });
});
