import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { createApp } from '../../src/api/create-app.ts';
import type { StoreKind } from '../../src/store/store-kind.ts';
import { createTestDeps, type TestDeps, type TestDepsOptions } from './test-deps.ts';

export interface ApiResponse<T = unknown> {
  status: number;
  body: T;
  headers: LightMyRequestResponse['headers'];
  raw: LightMyRequestResponse;
}

export interface ApiHarness {
  deps: TestDeps;
  app: FastifyInstance;
  /**
   * One request through `app.inject()` (no port) as the administrator, or as `token` when given
   * (`null` sends no credentials). A `string` body is sent as is, anything else as JSON.
   */
  call<T = unknown>(
    method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE',
    url: string,
    body?: unknown,
    options?: { token?: string | null; headers?: Record<string, string> },
  ): Promise<ApiResponse<T>>;
  close(): Promise<void>;
}

/** A real app over a fresh store of `kind`, for API suites. */
export async function createApiHarness(kind: StoreKind, options: TestDepsOptions = {}): Promise<ApiHarness> {
  const deps = await createTestDeps(kind, options);
  const app = await createApp(deps);
  return {
    deps,
    app,
    async call(method, url, body, callOptions = {}) {
      const token = callOptions.token === undefined ? deps.token : callOptions.token;
      const headers: Record<string, string> = { ...callOptions.headers };
      if (token !== null) headers.authorization = `Bearer ${token}`;
      let payload: string | undefined;
      if (body !== undefined) {
        payload = typeof body === 'string' ? body : JSON.stringify(body);
        headers['content-type'] ??= 'application/json';
      }
      const raw = await app.inject({ method, url, headers, ...(payload === undefined ? {} : { payload }) });
      const text = raw.body;
      let parsed: unknown = text;
      if (String(raw.headers['content-type'] ?? '').includes('application/json') && text !== '') {
        parsed = JSON.parse(text);
      }
      return { status: raw.statusCode, body: parsed as never, headers: raw.headers, raw };
    },
    async close() {
      await app.close();
      await deps.close();
    },
  };
}

/** The SPEC's error body. */
export interface ErrorResponse {
  error: { code: string; message: string; details: Array<{ path: string; message: string }> };
}
