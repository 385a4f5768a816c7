/** One field the server refused, as the API's error body names it (`steps[1].prompt`). */
export interface FieldIssue {
  path: string;
  message: string;
}

/** An API error: `{ error: { code, message, details } }` with its HTTP status. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: FieldIssue[] = [],
  ) {
    super(message);
    this.name = 'ApiError';
  }

  /** The message for `path`, for showing a server rule at its field. */
  fieldMessage(path: string): string | undefined {
    // `notification.email` also shows `notification.email[2]`: a list's items share its input.
    return this.details.find(
      (d) => d.path === path || (/^\[\d+\]$/.test(d.path.slice(path.length)) && d.path.startsWith(path)),
    )?.message;
  }

  /**
   * The first message for `path` or anything inside it, saying which part when inside: a map's
   * own names (`env.MY KEY` → `MY KEY: must be…`), a list's items (`args[2]` → `[2]: …`).
   */
  messageWithin(path: string): string | undefined {
    const issue = this.details.find(
      (d) => d.path === path || (d.path.startsWith(path) && /^[.[]/.test(d.path.slice(path.length))),
    );
    if (!issue || issue.path === path) return issue?.message;
    return `${issue.path.slice(path.length).replace(/^\./, '')}: ${issue.message}`;
  }
}

/** Set by the app shell: a 401 anywhere sends the user to sign in. */
let onUnauthorized: (() => void) | undefined;
export function setUnauthorizedHandler(handler: () => void): void {
  onUnauthorized = handler;
}

/**
 * A CSRF token the server may set as a readable cookie (double-submit); sent back on writes.
 * Issue 02 adds CSRF protection for cookie sessions; this keeps the client ready for it.
 */
function csrfToken(): string | undefined {
  const match = document.cookie.match(/(?:^|;\s*)(?:agentruns_csrf|XSRF-TOKEN)=([^;]+)/);
  return match?.[1] ? decodeURIComponent(match[1]) : undefined;
}

/** JSON over HTTP with the session cookie; throws ApiError on any non-2xx answer. */
export async function api<T>(method: string, url: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const csrf = method === 'GET' ? undefined : csrfToken();
  if (csrf) headers['x-csrf-token'] = csrf;
  const response = await fetch(url, {
    method,
    headers,
    credentials: 'same-origin',
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (response.status === 204) return undefined as T;
  const text = await response.text();
  const data: unknown = text ? safeJson(text) : undefined;
  if (!response.ok) {
    const error = (data as { error?: { code?: string; message?: string; details?: FieldIssue[] } })?.error;
    if (response.status === 401 && !url.endsWith('/auth/login')) onUnauthorized?.();
    throw new ApiError(
      response.status,
      error?.code ?? 'http_error',
      error?.message ?? `${response.status} ${response.statusText}`,
      error?.details ?? [],
    );
  }
  return data as T;
}

/**
 * `POST` a multipart form (a file upload) with the session cookie and the CSRF token; throws
 * ApiError like `api`. The browser sets the multipart boundary itself.
 */
export async function apiForm<T>(url: string, form: FormData): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  const csrf = csrfToken();
  if (csrf) headers['x-csrf-token'] = csrf;
  const response = await fetch(url, { method: 'POST', headers, credentials: 'same-origin', body: form });
  const data: unknown = safeJson(await response.text());
  if (!response.ok) {
    const error = (data as { error?: { code?: string; message?: string; details?: FieldIssue[] } })?.error;
    if (response.status === 401) onUnauthorized?.();
    throw new ApiError(
      response.status,
      error?.code ?? 'http_error',
      error?.message ?? `${response.status} ${response.statusText}`,
      error?.details ?? [],
    );
  }
  return data as T;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return { error: { message: text.slice(0, 200) } };
  }
}

/** A query string from the defined, non-empty values of `params`. */
export function queryString(params: Record<string, string | number | boolean | undefined>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== '') search.set(key, String(value));
  }
  const text = search.toString();
  return text ? `?${text}` : '';
}

export const errorMessage = (error: unknown): string =>
  error instanceof Error ? error.message : String(error);
