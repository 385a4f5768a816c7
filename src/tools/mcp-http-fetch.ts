import type { LookupAddress } from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import { isIP } from 'node:net';
import type { FetchLike } from '@modelcontextprotocol/sdk/shared/transport.js';
import { isPrivateAddress } from './address-guard.ts';
import type { Resolver } from './http-request-tool.ts';
import { ToolFailure, ToolRefusal } from './tool-errors.ts';

/** How the pool judges where a streamable HTTP server is. */
export interface McpAddressGuard {
  resolver: Resolver;
  /** Which addresses are private (`address-guard.ts` unless a test spares one). */
  isPrivate?: (address: string) => boolean;
}

/**
 * The `fetch` a streamable HTTP MCP connection sends through (C2), for two reasons.
 *
 * The SSRF guard of `http_request`: each request resolves the URL's host, refuses a loopback,
 * link-local or private address unless the server's registration sets `allowPrivateAddresses`
 * (rule `mcpServer.allowPrivateAddresses`), and connects the socket to the address it judged, so
 * a DNS answer that changes in between cannot slip one in. Redirects are not followed here; the
 * SDK follows those within the server's origin by calling this again, so each hop is judged.
 *
 * Cancellation that ends the call: when the client cancels a request (a canceled run, a timeout)
 * it sends `notifications/cancelled`, which a stateless server cannot tie to the request, and the
 * request's response stream would stay open as long as the server's tool hangs. After that
 * notification is sent the request's own stream is closed too: the server sees the disconnect
 * (the SDK's servers abort the tool's handler then) and no socket is left behind.
 */
export function createMcpHttpFetch(
  server: { name: string; allowPrivateAddresses: boolean },
  guard: McpAddressGuard,
): FetchLike {
  /** Open POSTs of requests, by JSON-RPC id, so a cancellation can end the one it names. */
  const open = new Map<string | number, AbortController>();
  return async (input, init) => {
    const url = new URL(String(input));
    const address = await judge(url, server, guard);
    const body = typeof init?.body === 'string' ? init.body : undefined;
    const message = parseMessage(body);
    const own = new AbortController();
    if (message?.id !== undefined && message.method !== undefined) open.set(message.id, own);
    const signal = init?.signal ? AbortSignal.any([init.signal, own.signal]) : own.signal;
    try {
      return await send(url, init, body, address, signal, () => {
        if (message?.id !== undefined && open.get(message.id) === own) open.delete(message.id);
      });
    } finally {
      const canceled = message?.method === 'notifications/cancelled' ? message.requestId : undefined;
      if (canceled !== undefined) {
        open.get(canceled)?.abort();
        open.delete(canceled);
      }
    }
  };
}

interface RpcMessage {
  id?: string | number;
  method?: string;
  requestId?: string | number;
}

function parseMessage(body: string | undefined): RpcMessage | undefined {
  if (body === undefined) return undefined;
  try {
    const parsed = JSON.parse(body) as unknown;
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return undefined;
    const m = parsed as { id?: unknown; method?: unknown; params?: { requestId?: unknown } };
    const idOf = (v: unknown) => (typeof v === 'string' || typeof v === 'number' ? v : undefined);
    const id = idOf(m.id);
    const requestId = idOf(m.params?.requestId);
    return {
      ...(id === undefined ? {} : { id }),
      ...(typeof m.method === 'string' ? { method: m.method } : {}),
      ...(requestId === undefined ? {} : { requestId }),
    };
  } catch {
    return undefined;
  }
}

async function judge(
  url: URL,
  server: { name: string; allowPrivateAddresses: boolean },
  { resolver, isPrivate = isPrivateAddress }: McpAddressGuard,
): Promise<LookupAddress> {
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const literal = isIP(host);
  const addresses: LookupAddress[] = literal
    ? [{ address: host, family: literal }]
    : await resolver(host).catch((error: unknown) => {
        throw new ToolFailure(`MCP server "${server.name}": cannot resolve ${host}: ${String(error)}`, {
          cause: error,
        });
      });
  const first = addresses[0];
  if (!first) throw new ToolFailure(`MCP server "${server.name}": ${host} has no address`);
  if (!server.allowPrivateAddresses) {
    const refused = addresses.find((a) => isPrivate(a.address));
    if (refused)
      throw new ToolRefusal(
        'mcpServer.allowPrivateAddresses',
        `MCP server "${server.name}" is at ${url.host} (${refused.address}), a loopback, link-local or private address; an administrator may register it with allowPrivateAddresses: true`,
      );
  }
  return first;
}

/** One HTTP request on a socket connected to `address`; the body streams as the server sends it. */
function send(
  url: URL,
  init: RequestInit | undefined,
  body: string | undefined,
  address: LookupAddress,
  signal: AbortSignal,
  onEnd: () => void,
): Promise<Response> {
  return new Promise<Response>((resolve, reject) => {
    const client = url.protocol === 'https:' ? https : http;
    const request = client.request(url, {
      method: init?.method ?? 'GET',
      headers: {
        ...Object.fromEntries(new Headers(init?.headers).entries()),
        ...(body === undefined ? {} : { 'content-length': String(Buffer.byteLength(body)) }),
      },
      agent: false,
      lookup: (_hostname, options, callback) => {
        if ((options as { all?: boolean }).all) callback(null, [address]);
        else (callback as (e: null, a: string, f: number) => void)(null, address.address, address.family);
      },
    });
    const abort = () => request.destroy(signal.reason instanceof Error ? signal.reason : undefined);
    if (signal.aborted) abort();
    signal.addEventListener('abort', abort, { once: true });
    request.on('error', (error) => {
      signal.removeEventListener('abort', abort);
      onEnd();
      reject(
        signal.aborted
          ? error
          : new Error(`request to ${url.host} failed: ${error.message}`, { cause: error }),
      );
    });
    request.on('response', (response) => {
      const status = response.statusCode ?? 0;
      const headers = new Headers();
      for (const [name, value] of Object.entries(response.headers)) {
        if (Array.isArray(value)) for (const v of value) headers.append(name, v);
        else if (value !== undefined) headers.set(name, value);
      }
      let ended = false;
      const stream = new ReadableStream<Uint8Array>({
        start(controller) {
          const end = (error?: unknown) => {
            if (ended) return;
            ended = true;
            signal.removeEventListener('abort', abort);
            onEnd();
            // Ended by us (a cancellation or the connection closing) is a quiet end, not an error.
            if (error === undefined || signal.aborted) controller.close();
            else controller.error(error);
          };
          response.on('data', (chunk: Buffer) => {
            if (!ended) controller.enqueue(new Uint8Array(chunk));
          });
          response.on('end', () => end());
          response.on('error', (error) => end(error));
          response.on('close', () => end(signal.aborted ? undefined : new Error('connection closed')));
        },
        cancel() {
          ended = true;
          signal.removeEventListener('abort', abort);
          onEnd();
          response.destroy();
        },
      });
      const nullBody = status === 204 || status === 205 || status === 304;
      resolve(
        new Response(nullBody ? null : stream, {
          status,
          statusText: response.statusMessage ?? '',
          headers,
        }),
      );
    });
    request.end(body);
  });
}
