import { createParser, type EventSourceMessage } from 'eventsource-parser';
import { AppError, type ErrorCode, UnauthorizedError } from '../platform/errors.ts';

export interface ApiClientOptions {
  baseUrl: string;
  token: string | undefined;
}

/** The CLI's view of a server: JSON calls with the bearer token, errors as AppErrors. */
export interface ApiClient {
  request<T>(method: string, path: string, body?: unknown): Promise<T>;
  /** Follows `path` as server-sent events until the server closes the stream. */
  stream(path: string, onEvent: (event: EventSourceMessage) => void, signal?: AbortSignal): Promise<void>;
}

export function createApiClient(options: ApiClientOptions): ApiClient {
  const headers = (): Record<string, string> => {
    if (!options.token)
      throw new UnauthorizedError(
        'set AGENTRUNS_TOKEN or pass --token (make one with: agentruns tokens create --email …)',
      );
    return { authorization: `Bearer ${options.token}` };
  };
  const url = (path: string) => new URL(path, options.baseUrl).toString();
  const fail = async (response: Response): Promise<never> => {
    const body = (await response.json().catch(() => undefined)) as
      | { error?: { code: ErrorCode; message: string } }
      | undefined;
    const error = body?.error;
    throw new AppError(
      error?.code ?? 'internal_error',
      error?.message ?? `HTTP ${response.status} from ${response.url}`,
    );
  };
  return {
    async request<T>(method: string, path: string, body?: unknown): Promise<T> {
      const response = await fetch(url(path), {
        method,
        headers: { ...headers(), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      }).catch((error: unknown) => {
        throw new AppError(
          'internal_error',
          `cannot reach ${options.baseUrl}: ${String((error as Error).cause ?? error)}`,
        );
      });
      if (!response.ok) return fail(response);
      return (response.status === 204 ? undefined : await response.json()) as T;
    },
    async stream(path, onEvent, signal) {
      const response = await fetch(url(path), {
        headers: { ...headers(), accept: 'text/event-stream' },
        ...(signal ? { signal } : {}),
      });
      if (!response.ok || !response.body) return fail(response);
      const parser = createParser({ onEvent });
      const decoder = new TextDecoder();
      for await (const chunk of response.body) parser.feed(decoder.decode(chunk, { stream: true }));
    },
  };
}
