import { isIP } from 'node:net';
import { z } from 'zod';
import type { Deps } from '../deps.ts';
import { appendAudit } from '../governance/audit-log.ts';
import type { Actor } from '../identity/actor.ts';
import { ConflictError, NotFoundError } from '../platform/errors.ts';
import type { McpServersTable } from '../store/schema.ts';
import { isPrivateAddress } from './address-guard.ts';
import { mcpServerName } from './tool-names.ts';

const secretNameRule = 'letters, digits, _ or -, not starting with a digit (at most 100)';
const secretMap = (what: string) =>
  z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_-]{0,99}$/), z.string().max(8000), {
    // Zod's own message for a bad key is "Invalid key in record": say the rule instead.
    error: (issue) => (issue.code === 'invalid_key' ? `must be ${what} name: ${secretNameRule}` : undefined),
  });

/**
 * `POST /api/mcp-servers` (C2): a stdio command the server spawns, or a streamable HTTP endpoint.
 * `env` and `headers` (tokens) are sealed at rest and never shown again, only their names.
 */
export const mcpServerInputSchema = z.discriminatedUnion(
  'transport',
  [
    z.object({
      name: mcpServerName,
      transport: z.literal('stdio'),
      command: z.string().min(1, 'must not be empty').max(1000),
      args: z.array(z.string().max(4000)).max(100).default([]),
      env: secretMap('an environment variable').optional(),
      allowPrivateAddresses: z
        .never({ error: 'applies to http servers only (a stdio server runs here already)' })
        .optional(),
    }),
    z
      .object({
        name: mcpServerName,
        transport: z.literal('http'),
        url: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).max(2000),
        headers: secretMap('a header').optional(),
        /**
         * Lets the pool connect to a loopback, link-local or private address (a self-hosted server
         * next to this one). Off by default: the URL gets the `http_request` SSRF guard.
         */
        allowPrivateAddresses: z.boolean().default(false),
      })
      .superRefine((input, ctx) => {
        const literal = privateLiteralOf(input.url);
        if (literal && !input.allowPrivateAddresses)
          ctx.addIssue({
            code: 'custom',
            path: ['url'],
            message: `${literal} is a loopback, link-local or private address; set allowPrivateAddresses: true to register a server there`,
          });
      }),
  ],
  { error: 'transport must be stdio or http' },
);

/**
 * The host of `url` when it is an IP literal in a private range (`127.0.0.1`, `[::1]`, and the
 * forms URL parsing turns into them, `2130706433`, `0177.0.0.1`). Names are judged when the pool
 * connects, by the addresses they resolve to then.
 */
function privateLiteralOf(url: string): string | undefined {
  let host: string;
  try {
    host = new URL(url).hostname;
  } catch {
    return undefined;
  }
  return isIP(host.replace(/^\[|\]$/g, '')) !== 0 && isPrivateAddress(host) ? host : undefined;
}
export type McpServerInput = z.infer<typeof mcpServerInputSchema>;

export interface McpServerView {
  id: string;
  name: string;
  transport: 'stdio' | 'http';
  command: string | null;
  args: string[];
  url: string | null;
  envNames: string[];
  headerNames: string[];
  /** An HTTP server an administrator allowed on a loopback, link-local or private address. */
  allowPrivateAddresses: boolean;
  createdAt: string;
}

/** A server as the pool connects to it: the secrets opened. */
export interface McpServerConfig {
  id: string;
  orgId: string;
  name: string;
  transport: 'stdio' | 'http';
  command: string | null;
  args: string[];
  url: string | null;
  env: Record<string, string>;
  headers: Record<string, string>;
  allowPrivateAddresses: boolean;
}

type ServerDeps = Pick<Deps, 'store' | 'ids' | 'clock' | 'secrets'>;

interface Sealed {
  env?: Record<string, string>;
  headers?: Record<string, string>;
}

function openSecrets(deps: Pick<Deps, 'secrets'>, row: McpServersTable): Sealed {
  return row.secrets === null ? {} : (JSON.parse(deps.secrets.openOrThrow(row.secrets)) as Sealed);
}

function toView(deps: Pick<Deps, 'secrets'>, row: McpServersTable): McpServerView {
  const sealed = openSecrets(deps, row);
  return {
    id: row.id,
    name: row.name,
    transport: row.transport as McpServerView['transport'],
    command: row.command,
    args: JSON.parse(row.args) as string[],
    url: row.url,
    envNames: Object.keys(sealed.env ?? {}),
    headerNames: Object.keys(sealed.headers ?? {}),
    allowPrivateAddresses: row.allow_private_addresses === 1,
    createdAt: new Date(row.created_at).toISOString(),
  };
}

export function toServerConfig(deps: Pick<Deps, 'secrets'>, row: McpServersTable): McpServerConfig {
  const sealed = openSecrets(deps, row);
  return {
    id: row.id,
    orgId: row.org_id,
    name: row.name,
    transport: row.transport as McpServerConfig['transport'],
    command: row.command,
    args: JSON.parse(row.args) as string[],
    url: row.url,
    env: sealed.env ?? {},
    headers: sealed.headers ?? {},
    allowPrivateAddresses: row.allow_private_addresses === 1,
  };
}

/** Throws ConflictError when the organization already has a server of that name. */
export async function createMcpServer(
  deps: ServerDeps,
  actor: Actor,
  input: McpServerInput,
): Promise<McpServerView> {
  const now = deps.clock.now();
  const secrets: Sealed =
    input.transport === 'stdio'
      ? { ...(input.env ? { env: input.env } : {}) }
      : { ...(input.headers ? { headers: input.headers } : {}) };
  const row: McpServersTable = {
    id: deps.ids.next('mcp'),
    org_id: actor.orgId,
    name: input.name,
    transport: input.transport,
    command: input.transport === 'stdio' ? input.command : null,
    args: JSON.stringify(input.transport === 'stdio' ? input.args : []),
    url: input.transport === 'http' ? input.url : null,
    secrets: Object.keys(secrets).length === 0 ? null : deps.secrets.seal(JSON.stringify(secrets)),
    allow_private_addresses: input.transport === 'http' && input.allowPrivateAddresses ? 1 : 0,
    created_by: actor.userId,
    created_at: now,
  };
  await deps.store.transaction(async (trx) => {
    const taken = await trx
      .selectFrom('mcp_servers')
      .select('id')
      .where('org_id', '=', actor.orgId)
      .where('name', '=', input.name)
      .executeTakeFirst();
    if (taken) throw new ConflictError(`name: an MCP server named "${input.name}" already exists`);
    await trx.insertInto('mcp_servers').values(row).execute();
    await appendAudit(trx, deps.ids, now, {
      orgId: actor.orgId,
      actor: actor.userId,
      action: 'mcp_server.created',
      target: row.id,
      details: {
        name: row.name,
        transport: row.transport,
        command: row.command,
        url: row.url,
        allowPrivateAddresses: row.allow_private_addresses === 1,
      },
    });
  });
  return toView(deps, row);
}

export async function listMcpServers(deps: ServerDeps, actor: Actor): Promise<McpServerView[]> {
  const rows = await deps.store.db
    .selectFrom('mcp_servers')
    .selectAll()
    .where('org_id', '=', actor.orgId)
    .orderBy('name')
    .execute();
  return rows.map((row) => toView(deps, row));
}

/** Throws NotFoundError when the server is not the organization's. */
export async function getMcpServerRowOrThrow(
  deps: Pick<Deps, 'store'>,
  orgId: string,
  id: string,
): Promise<McpServersTable> {
  const row = await deps.store.db
    .selectFrom('mcp_servers')
    .selectAll()
    .where('id', '=', id)
    .where('org_id', '=', orgId)
    .executeTakeFirst();
  if (!row) throw new NotFoundError('MCP server', id);
  return row;
}

/** Throws NotFoundError when the server is not the organization's. */
export async function deleteMcpServer(deps: ServerDeps, actor: Actor, id: string): Promise<void> {
  const row = await getMcpServerRowOrThrow(deps, actor.orgId, id);
  const now = deps.clock.now();
  await deps.store.transaction(async (trx) => {
    await trx.deleteFrom('mcp_servers').where('id', '=', id).execute();
    await appendAudit(trx, deps.ids, now, {
      orgId: actor.orgId,
      actor: actor.userId,
      action: 'mcp_server.deleted',
      target: id,
      details: { name: row.name },
    });
  });
}
