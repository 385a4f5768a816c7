import { createExtractionWorker } from '../../src/sites/extraction-worker.ts';
import type { DocumentView, SiteDetails } from '../../src/sites/site-view.ts';
import type { ApiHarness } from './api-harness.ts';
import { multipartBody } from './multipart.ts';

export type UploadedView = DocumentView & { newVersion: boolean; versionId: string };

/** Creates a Site through the API; returns it. */
export async function createSiteViaApi(api: ApiHarness, name = 'Handbook'): Promise<SiteDetails> {
  const res = await api.call<SiteDetails>('POST', '/api/sites', { name });
  if (res.status !== 201) throw new Error(`create site: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

/** Uploads one file as multipart through `app.inject()`; returns status and body. */
export async function uploadViaApi(
  api: ApiHarness,
  siteId: string,
  fileName: string,
  content: Buffer | string,
  token: string = api.deps.token,
) {
  const { payload, headers } = multipartBody(fileName, content);
  const res = await api.app.inject({
    method: 'POST',
    url: `/api/sites/${siteId}/documents`,
    payload,
    headers: { ...headers, authorization: `Bearer ${token}` },
  });
  return {
    status: res.statusCode,
    body: res.json() as UploadedView & { error?: { message: string; details: unknown[] } },
  };
}

/** Runs the extraction worker until nothing is queued. */
export function extractAll(api: ApiHarness): Promise<number> {
  return createExtractionWorker(api.deps).runOnce();
}
