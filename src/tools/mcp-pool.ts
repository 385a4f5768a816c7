import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Logger } from 'pino';
import { systemResolver } from './http-request-tool.ts';
import { createMcpHttpFetch, type McpAddressGuard } from './mcp-http-fetch.ts';
import type { McpServerConfig } from './mcp-servers.ts';
import { ToolFailure, ToolRefusal } from './tool-errors.ts';

/** A tool an MCP server offers, as `tools/list` described it. */
export interface McpToolInfo {
  /** The name a step lists: `mcp:<server>/<tool>`. */
  ref: string;
  name: string;
  description: string;
  inputSchema: Record<string, unknown>;
  /** The server's `readOnlyHint` annotation: the policy's read-only mode admits only these. */
  readOnly: boolean;
}

export interface McpLimits {
  /** Spawning or reaching the server and its `initialize` handshake. */
  connectTimeoutMs: number;
  /** One `tools/list` or `tools/call`; a server that hangs longer fails the step. */
  callTimeoutMs: number;
}

export const defaultMcpLimits: McpLimits = { connectTimeoutMs: 15_000, callTimeoutMs: 60_000 };

/**
 * Open MCP client connections, one per server, shared by every step that uses it (spawning a stdio
 * server per call would cost a process start each time). A connection that fails (the process
 * exited, a request timed out, an answer did not parse) is closed and dropped, so the next call
 * starts afresh; `close` ends them all (the worker's and the app's shutdown).
 */
export interface McpPool {
  listTools(server: McpServerConfig, signal?: AbortSignal): Promise<McpToolInfo[]>;
  /** The tool's result as the model gets it; throws ToolFailure naming the server on any failure. */
  callTool(server: McpServerConfig, tool: string, args: unknown, signal: AbortSignal): Promise<unknown>;
  /** Connections open or opening now (one per server at most). */
  openConnections(): number;
  close(): Promise<void>;
}

interface Connection {
  client: Client;
  /** The last lines the server wrote to stderr: they say why a crashed server crashed. */
  stderrTail: () => string;
}

/** The MCP SDK, loaded at the first connection: ~0.3 s of every command's start otherwise. */
let mcpSdk: ReturnType<typeof importMcpSdk> | undefined;
const loadMcpSdk = () => {
  mcpSdk ??= importMcpSdk();
  return mcpSdk;
};
async function importMcpSdk() {
  const [client, stdio, http] = await Promise.all([
    import('@modelcontextprotocol/sdk/client/index.js'),
    import('@modelcontextprotocol/sdk/client/stdio.js'),
    import('@modelcontextprotocol/sdk/client/streamableHttp.js'),
  ]);
  return { ...client, ...stdio, ...http };
}

/**
 * `guard` judges where streamable HTTP servers are (`mcp-http-fetch.ts`): the system's DNS and
 * `address-guard.ts` unless a test resolves names itself.
 */
export function createMcpPool(
  logger: Logger,
  limits: McpLimits = defaultMcpLimits,
  guard: McpAddressGuard = { resolver: systemResolver },
): McpPool {
  const open = new Map<string, Promise<Connection>>();
  let closed = false;

  const drop = (serverId: string) => {
    const connection = open.get(serverId);
    open.delete(serverId);
    void connection?.then((c) => c.client.close()).catch(() => undefined);
  };

  const connect = (server: McpServerConfig): Promise<Connection> => {
    if (closed) return Promise.reject(new ToolFailure('MCP connections are closed (shutting down)'));
    const key = server.id;
    const existing = open.get(key);
    if (existing) return existing;
    const connecting = (async () => {
      const { Client, getDefaultEnvironment, StdioClientTransport, StreamableHTTPClientTransport } =
        await loadMcpSdk();
      const client = new Client({ name: 'agentruns', version: '0.1.0' });
      let stderr = '';
      let transport: StdioClientTransport | StreamableHTTPClientTransport;
      if (server.transport === 'stdio') {
        const stdio = new StdioClientTransport({
          command: server.command ?? '',
          args: server.args,
          // Only the SDK's safe defaults (PATH, HOME…) and the server's own: never this process's secrets.
          env: { ...getDefaultEnvironment(), ...server.env },
          stderr: 'pipe',
        });
        stdio.stderr?.on('data', (chunk: Buffer) => {
          stderr = (stderr + chunk.toString('utf8')).slice(-2000);
        });
        transport = stdio;
      } else {
        transport = new StreamableHTTPClientTransport(new URL(server.url ?? ''), {
          requestInit: { headers: server.headers },
          fetch: createMcpHttpFetch(server, guard),
        });
      }
      client.onclose = () => {
        if (open.get(key) === connecting) open.delete(key);
      };
      client.onerror = (error) => logger.warn({ err: error, mcpServer: server.name }, 'MCP connection error');
      try {
        await client.connect(transport, { timeout: limits.connectTimeoutMs });
      } catch (error) {
        await client.close().catch(() => undefined);
        if (error instanceof ToolRefusal) throw error;
        throw new ToolFailure(
          `MCP server "${server.name}" could not be started or reached: ${describe(error)}${tail(stderr)}`,
          { cause: error },
        );
      }
      return { client, stderrTail: () => stderr };
    })();
    open.set(key, connecting);
    connecting.catch(() => {
      if (open.get(key) === connecting) open.delete(key);
    });
    return connecting;
  };

  return {
    async listTools(server, signal) {
      const connection = await connect(server);
      try {
        const listed = await connection.client.listTools(undefined, {
          timeout: limits.callTimeoutMs,
          ...(signal ? { signal } : {}),
        });
        return listed.tools.map((t) => ({
          ref: `mcp:${server.name}/${t.name}`,
          name: t.name,
          description: t.description ?? '',
          inputSchema: t.inputSchema as Record<string, unknown>,
          readOnly: t.annotations?.readOnlyHint === true,
        }));
      } catch (error) {
        drop(server.id);
        if (error instanceof ToolRefusal) throw error;
        throw new ToolFailure(
          `MCP server "${server.name}" failed to list its tools: ${describe(error)}${tail(connection.stderrTail())}`,
          { cause: error },
        );
      }
    },
    async callTool(server, tool, args, signal) {
      const connection = await connect(server);
      let result: Awaited<ReturnType<Client['callTool']>>;
      try {
        result = await connection.client.callTool(
          { name: tool, arguments: (args ?? {}) as Record<string, unknown> },
          undefined,
          { timeout: limits.callTimeoutMs, signal },
        );
      } catch (error) {
        if (signal.aborted) throw signal.reason;
        drop(server.id);
        if (error instanceof ToolRefusal) throw error;
        throw new ToolFailure(
          `MCP server "${server.name}" failed on tool ${tool}: ${describe(error)}${tail(connection.stderrTail())}`,
          { cause: error },
        );
      }
      const content = Array.isArray(result.content) ? result.content : [];
      const text = content.map((part) => (part.type === 'text' ? part.text : `[${part.type}]`)).join('\n');
      if (result.isError === true)
        throw new ToolFailure(`MCP tool ${server.name}/${tool} reported an error: ${text.slice(0, 2000)}`);
      return result.structuredContent ?? text;
    },
    openConnections: () => open.size,
    async close() {
      closed = true;
      const all = [...open.values()];
      open.clear();
      await Promise.all(all.map((c) => c.then((x) => x.client.close()).catch(() => undefined)));
    },
  };
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function tail(stderr: string): string {
  const trimmed = stderr.trim();
  return trimmed === '' ? '' : ` (server stderr: ${trimmed.slice(-500)})`;
}
