import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { pipeline } from 'node:stream/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DocumentView } from '../src/sites/site-view.ts';
import { type ApiHarness, createApiHarness } from './support/api-harness.ts';
import { streamingMultipartBody } from './support/multipart.ts';
import { createSiteViaApi } from './support/sites.ts';
import { storeKinds } from './support/test-deps.ts';

const sizeBytes = 200 * 1024 * 1024;
/** A buffered upload would hold all 200 MiB at least once; streamed, growth stays near the buffers in flight. */
const maxGrowthBytes = 96 * 1024 * 1024;

describe.each(storeKinds)('a 200 MB upload on %s', (kind) => {
  let api: ApiHarness;
  beforeEach(async () => {
    api = await createApiHarness(kind);
    await api.app.listen({ port: 0, host: '127.0.0.1' });
  });
  afterEach(async () => {
    await api.close();
  });

  it('streams to the blob store with memory held flat', async () => {
    const site = await createSiteViaApi(api);
    const expected = createHash('sha256');
    for (const chunk of streamingMultipartBody('big.txt', sizeBytes).fileBytes()) expected.update(chunk);
    const expectedSha = expected.digest('hex');

    global.gc?.();
    const before = process.memoryUsage();
    let peakRss = before.rss;
    let peakHeap = before.heapUsed + before.arrayBuffers;
    const sampler = setInterval(() => {
      const m = process.memoryUsage();
      peakRss = Math.max(peakRss, m.rss);
      peakHeap = Math.max(peakHeap, m.heapUsed + m.arrayBuffers);
    }, 10);

    const body = streamingMultipartBody('big.txt', sizeBytes);
    const { port } = api.app.server.address() as AddressInfo;
    const response = await new Promise<{ status: number; text: string }>((resolve, reject) => {
      const request = http.request(
        {
          host: '127.0.0.1',
          port,
          method: 'POST',
          path: `/api/sites/${site.id}/documents`,
          headers: {
            ...body.headers,
            'content-length': String(body.contentLength),
            authorization: `Bearer ${api.deps.token}`,
          },
        },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (d: string) => {
            text += d;
          });
          res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
        },
      );
      request.on('error', reject);
      pipeline(body.stream, request).catch(reject);
    });
    clearInterval(sampler);

    expect(response.status).toBe(201);
    const document = JSON.parse(response.text) as DocumentView;
    expect(document.versions[0]).toMatchObject({ sizeBytes, sha256: expectedSha, mediaType: 'text/plain' });
    const rssGrowth = peakRss - before.rss;
    const heapGrowth = peakHeap - (before.heapUsed + before.arrayBuffers);
    console.log(
      `200 MiB upload on ${kind}: peak RSS growth ${(rssGrowth / 1048576).toFixed(1)} MiB, heap+buffers ${(heapGrowth / 1048576).toFixed(1)} MiB`,
    );
    expect(rssGrowth).toBeLessThan(maxGrowthBytes);
    expect(heapGrowth).toBeLessThan(maxGrowthBytes);
  });
});
