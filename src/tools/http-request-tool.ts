import type { LookupAddress } from 'node:dns';
import { lookup as dnsLookup } from 'node:dns/promises';
import http from 'node:http';
import https from 'node:https';
import { isIP } from 'node:net';
import { z } from 'zod';
import type { ToolSettings } from '../agents/agent-definition.ts';
import { isPrivateAddress } from './address-guard.ts';
import { ToolFailure, ToolRefusal } from './tool-errors.ts';

/** Resolves a host name to every address it has; injected so tests can make a name resolve anywhere. */
export type Resolver = (hostname: string) => Promise<Array<{ address: string; family: number }>>;

export const systemResolver: Resolver = (hostname) => dnsLookup(hostname, { all: true, verbatim: true });

export interface HttpRequestLimits {
  /** The whole call, redirects included. */
  timeoutMs: number;
  /** A longer body is cut here and the result says `truncated`. */
  maxResponseBytes: number;
  maxRedirects: number;
}

export const defaultHttpRequestLimits: HttpRequestLimits = {
  timeoutMs: 15_000,
  maxResponseBytes: 1024 * 1024,
  maxRedirects: 5,
};

export interface HttpRequestOptions {
  resolver: Resolver;
  limits: HttpRequestLimits;
  /**
   * Which addresses are private (`address-guard.ts` unless set). A test that needs a loopback
   * server to stand for a public host passes one that spares that address, and only that.
   */
  isPrivate?: (address: string) => boolean;
}

export const httpRequestInput = z.object({
  url: z.string().min(1).max(8000).describe('The absolute http(s) URL to request'),
  method: z.enum(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE']).default('GET'),
  headers: z.record(z.string(), z.string().max(8000)).optional(),
  body: z
    .string()
    .max(1024 * 1024)
    .optional(),
});
export type HttpRequestInput = z.infer<typeof httpRequestInput>;

export interface HttpResponseResult {
  url: string;
  status: number;
  contentType: string | null;
  body: string;
  truncated: boolean;
}

/**
 * `http_request`: one HTTP request to a host the agent allows (C1). Every hop, the first and each
 * redirect, is checked: the scheme (http or https only), the host against `allowedHosts`, and the
 * address actually connected to against loopback, link-local and private ranges. The name is
 * resolved here, the addresses judged, and the socket handed the judged address through the
 * request's `lookup`, so a DNS answer that changes between check and connect (rebinding) cannot
 * slip a private address in. URL parsing normalizes `2130706433` and `0177.0.0.1` to 127.0.0.1
 * before the check sees them.
 */
export async function httpRequest(
  input: HttpRequestInput,
  settings: ToolSettings,
  options: HttpRequestOptions & { signal: AbortSignal },
): Promise<HttpResponseResult> {
  const deadline = AbortSignal.any([options.signal, AbortSignal.timeout(options.limits.timeoutMs)]);
  let url = parseUrlOrRefuse(input.url);
  let method = input.method;
  let body = input.body;
  for (let hop = 0; ; hop++) {
    const address = await checkTarget(url, settings, options);
    const response = await send(url, method, input.headers ?? {}, body, address, deadline, options.limits);
    const location = response.location;
    if (location === undefined || response.status < 300 || response.status >= 400)
      return { ...response.result, url: url.toString() };
    if (hop >= options.limits.maxRedirects)
      throw new ToolFailure(
        `http_request: more than ${options.limits.maxRedirects} redirects from ${input.url}`,
      );
    url = parseUrlOrRefuse(new URL(location, url).toString());
    // 303, and 301/302 after a POST, turn into a GET without a body (as browsers do).
    if (
      response.status === 303 ||
      ((response.status === 301 || response.status === 302) && method === 'POST')
    ) {
      method = 'GET';
      body = undefined;
    }
  }
}

function parseUrlOrRefuse(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ToolRefusal('http_request.url', `"${raw.slice(0, 200)}" is not an absolute URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new ToolRefusal('http_request.scheme', `${url.protocol} URLs are refused; only http and https`);
  if (url.username !== '' || url.password !== '')
    throw new ToolRefusal('http_request.url', 'URLs with credentials are refused');
  return url;
}

/** `host` as allowed hosts spell it: lower-case name, `[v6]` in brackets, `:port` when not the default. */
function isHostAllowed(url: URL, allowedHosts: readonly string[]): boolean {
  const name = url.hostname.toLowerCase();
  const withPort = url.port === '' ? name : `${name}:${url.port}`;
  return allowedHosts.some((pattern) => {
    const hasPort = /:\d+$/.test(pattern) && !pattern.endsWith(']');
    const target = hasPort ? withPort : name;
    if (pattern.startsWith('*.')) return target.endsWith(pattern.slice(1)) && target !== pattern.slice(2);
    return target === pattern;
  });
}

async function checkTarget(
  url: URL,
  settings: ToolSettings,
  { resolver, isPrivate = isPrivateAddress }: HttpRequestOptions,
): Promise<LookupAddress> {
  if (!isHostAllowed(url, settings.allowedHosts))
    throw new ToolRefusal(
      'toolSettings.allowedHosts',
      `${url.host} is not an allowed host (allowed: ${settings.allowedHosts.join(', ') || 'none'})`,
    );
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const literal = isIP(host);
  const addresses: LookupAddress[] = literal
    ? [{ address: host, family: literal }]
    : await resolver(host).catch((error: unknown) => {
        throw new ToolFailure(`http_request: cannot resolve ${host}: ${String(error)}`, { cause: error });
      });
  if (addresses.length === 0) throw new ToolFailure(`http_request: ${host} has no address`);
  if (!settings.allowPrivateAddresses) {
    const refused = addresses.find((a) => isPrivate(a.address));
    if (refused)
      throw new ToolRefusal(
        'toolSettings.allowPrivateAddresses',
        `${url.host} is at ${refused.address}, a loopback, link-local or private address`,
      );
  }
  return addresses[0] as LookupAddress;
}

interface Sent {
  status: number;
  location: string | undefined;
  result: Omit<HttpResponseResult, 'url'>;
}

function send(
  url: URL,
  method: string,
  headers: Record<string, string>,
  body: string | undefined,
  address: LookupAddress,
  signal: AbortSignal,
  limits: HttpRequestLimits,
): Promise<Sent> {
  return new Promise<Sent>((resolve, reject) => {
    const client = url.protocol === 'https:' ? https : http;
    const request = client.request(
      url,
      {
        method,
        // The Host header is the URL's: a model must not point an allowed address at another virtual host.
        headers: {
          'user-agent': 'agentruns-http-request',
          ...Object.fromEntries(Object.entries(headers).filter(([name]) => name.toLowerCase() !== 'host')),
        },
        signal,
        agent: false,
        // The socket connects to the address checked above, never to a fresh DNS answer.
        lookup: (_hostname, lookupOptions, callback) => {
          if ((lookupOptions as { all?: boolean }).all) callback(null, [address]);
          else (callback as (e: null, a: string, f: number) => void)(null, address.address, address.family);
        },
      },
      (response) => {
        const chunks: Buffer[] = [];
        let size = 0;
        let truncated = false;
        response.on('data', (chunk: Buffer) => {
          if (truncated) return;
          const room = limits.maxResponseBytes - size;
          if (chunk.length > room) {
            chunks.push(chunk.subarray(0, room));
            size += room;
            truncated = true;
            response.destroy();
            finish();
            return;
          }
          chunks.push(chunk);
          size += chunk.length;
        });
        let done = false;
        const finish = () => {
          if (done) return;
          done = true;
          const location = response.headers.location;
          resolve({
            status: response.statusCode ?? 0,
            location: typeof location === 'string' ? location : undefined,
            result: {
              status: response.statusCode ?? 0,
              contentType: response.headers['content-type'] ?? null,
              body: Buffer.concat(chunks).toString('utf8'),
              truncated,
            },
          });
        };
        response.on('end', finish);
        response.on('error', (error) => {
          if (!done) reject(failure(url, error, signal, limits));
        });
      },
    );
    request.on('error', (error) => reject(failure(url, error, signal, limits)));
    request.end(body);
  });
}

function failure(url: URL, error: unknown, signal: AbortSignal, limits: HttpRequestLimits): unknown {
  if (signal.aborted) {
    const reason: unknown = signal.reason;
    if (reason instanceof DOMException && reason.name === 'TimeoutError')
      return new ToolFailure(`http_request: ${url.host} did not answer within ${limits.timeoutMs} ms`);
    return reason;
  }
  return new ToolFailure(`http_request to ${url.host} failed: ${String(error)}`, { cause: error });
}
