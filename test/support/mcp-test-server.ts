/**
 * The MCP server the connected-tools suite talks to, written with the same SDK as the client:
 * over stdio when run as a script (`node bin/run-ts.js test/support/mcp-test-server.ts`), over
 * streamable HTTP on a loopback port through `startHttpMcpServer`. Its tools:
 * - `echo` (read-only): answers `echo: <text>`;
 * - `slow`: waits `ms`, or until the call is canceled (then notes it in `canceled`);
 * - `hang`: never answers;
 * - `crash`: the process exits (stdio) or the HTTP server drops the connection;
 * - `garbage`: answers with a result that breaks the protocol's schema.
 *
 * What it was asked and what was canceled land in `events`; a stdio server, a process of its own,
 * also appends them to the file named by `MCP_TEST_EVENTS_FILE` (set through the registration's
 * `env`), one `<list> <what>` line each, with a `started` line when the process starts.
 */
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { z } from 'zod';

export interface McpServerEvents {
  calls: string[];
  canceled: string[];
}

function note(events: McpServerEvents, list: keyof McpServerEvents, what: string): void {
  events[list].push(what);
  const file = process.env.MCP_TEST_EVENTS_FILE;
  if (file) fs.appendFileSync(file, `${list} ${what}\n`);
}

export function createTestMcpServer(events: McpServerEvents, onCrash: () => void): McpServer {
  const server = new McpServer({ name: 'agentruns-test', version: '1.0.0' });
  server.registerTool(
    'echo',
    {
      description: 'Echoes its text',
      inputSchema: { text: z.string() },
      annotations: { readOnlyHint: true },
    },
    async ({ text }) => {
      note(events, 'calls', `echo:${text}`);
      return { content: [{ type: 'text', text: `echo: ${text}` }] };
    },
  );
  server.registerTool(
    'slow',
    { description: 'Waits', inputSchema: { ms: z.number() } },
    ({ ms }, extra) =>
      new Promise((resolve) => {
        note(events, 'calls', 'slow');
        const timer = setTimeout(() => resolve({ content: [{ type: 'text', text: 'slept' }] }), ms);
        extra.signal.addEventListener('abort', () => {
          clearTimeout(timer);
          note(events, 'canceled', 'slow');
        });
      }),
  );
  server.registerTool('hang', { description: 'Never answers' }, () => {
    note(events, 'calls', 'hang');
    return new Promise(() => undefined);
  });
  server.registerTool('crash', { description: 'Dies' }, () => {
    note(events, 'calls', 'crash');
    onCrash();
    return new Promise(() => undefined);
  });
  server.registerTool(
    'garbage',
    { description: 'Answers nonsense' },
    () => ({ content: 'this is not a list of content parts' }) as never,
  );
  return server;
}

export interface HttpMcpServer {
  url: string;
  events: McpServerEvents;
  /** The Authorization header of each request, as received. */
  authorizations: Array<string | undefined>;
  close(): Promise<void>;
}

/** A stateless streamable HTTP MCP server on 127.0.0.1 (a fresh server and transport per request). */
export async function startHttpMcpServer(): Promise<HttpMcpServer> {
  const events: McpServerEvents = { calls: [], canceled: [] };
  const authorizations: Array<string | undefined> = [];
  const httpServer = http.createServer((req, res) => {
    authorizations.push(req.headers.authorization);
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body =
        chunks.length === 0 ? undefined : (JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown);
      const server = createTestMcpServer(events, () => {
        res.socket?.destroy();
      });
      const transport = new StreamableHTTPServerTransport({});
      res.on('close', () => {
        void transport.close();
        void server.close();
      });
      void server
        .connect(transport)
        .then(() => transport.handleRequest(req, res, body))
        .catch(() => res.destroy());
    });
  });
  await new Promise<void>((resolve) => httpServer.listen(0, '127.0.0.1', resolve));
  const { port } = httpServer.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/mcp`,
    events,
    authorizations,
    close: () =>
      new Promise<void>((resolve) => {
        httpServer.closeAllConnections();
        httpServer.close(() => resolve());
      }),
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const file = process.env.MCP_TEST_EVENTS_FILE;
  if (file) fs.appendFileSync(file, 'started\n');
  const events: McpServerEvents = { calls: [], canceled: [] };
  const server = createTestMcpServer(events, () => process.exit(3));
  await server.connect(new StdioServerTransport());
}
