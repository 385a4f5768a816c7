import { type FlexibleSchema, jsonSchema, type ToolSet, tool } from 'ai';
import type { StepDefinition, ToolSettings } from '../agents/agent-definition.ts';
import { toolSettingsSchema } from '../agents/agent-definition.ts';
import type { Deps } from '../deps.ts';
import { isToolPermitted } from '../identity/policy.ts';
import { PolicyRefusal } from '../identity/policy-rules.ts';
import { currentPolicy } from '../identity/policy-versions.ts';
import { messageOf } from '../platform/errors.ts';
import {
  defaultHttpRequestLimits,
  type HttpRequestLimits,
  httpRequest,
  httpRequestInput,
  type Resolver,
  systemResolver,
} from './http-request-tool.ts';
import { type InvokeAgentDeps, invokeAgent, invokeAgentInput } from './invoke-agent-tool.ts';
import {
  createMcpPool,
  defaultMcpLimits,
  type McpLimits,
  type McpPool,
  type McpToolInfo,
} from './mcp-pool.ts';
import { type McpServerConfig, toServerConfig } from './mcp-servers.ts';
import { searchSites, searchSitesInput } from './search-sites-tool.ts';
import type { StepToolSet } from './step-tool-set.ts';
import { createToolCallLog } from './tool-call-log.ts';
import { ToolFailure, ToolRefusal } from './tool-errors.ts';
import { modelFacingName, parseToolRefOrThrow, type ToolRef } from './tool-names.ts';

export interface StepToolsRequest {
  attempt: { id: string; runId: string; orgId: string };
  step: StepDefinition;
  number: number;
  /** The agent's `toolSettings` (absent: the defaults, which allow no host and no agent). */
  settings: ToolSettings | undefined;
}

/** The engine's seam to connected tools (`ExecuteResources.tools`). */
export interface StepTools {
  /**
   * The tools a step lists, each wrapped to check the organization's policy, run, and record the
   * call (arguments, result, duration, error). Throws ToolFailure when a listed MCP server or tool
   * does not exist or the server cannot be reached: the step fails before the model is asked.
   */
  forStep(request: StepToolsRequest): Promise<StepToolSet>;
  /** Closes the MCP connections (worker shutdown). */
  close(): Promise<void>;
}

export interface StepToolsOptions {
  /** Resolves host names for `http_request` and HTTP MCP servers; tests make names resolve where they need. */
  resolver?: Resolver;
  /** Which addresses `http_request` and HTTP MCP servers treat as private (`address-guard.ts` unless set). */
  isPrivateAddress?: (address: string) => boolean;
  httpLimits?: HttpRequestLimits;
  mcpLimits?: McpLimits;
  /** Nesting limit of child runs (shared with `agent` steps). */
  depthLimit?: number;
  childPollIntervalMs?: number;
  /** A step without `maxToolRounds` takes at most this many model rounds. */
  defaultMaxRounds?: number;
  /** Shared with the API's tool listing when given; else the tools open their own. */
  mcp?: McpPool;
}

type ToolsDeps = InvokeAgentDeps & Pick<Deps, 'secrets' | 'logger'>;

interface Prepared {
  ref: ToolRef;
  description: string;
  readOnly: boolean;
  inputSchema: FlexibleSchema<unknown>;
  run(input: unknown, signal: AbortSignal): Promise<unknown>;
}

const descriptions: Record<string, string> = {
  search_sites: 'Search the documents of the Sites this run selected; returns ranked passages to cite.',
  invoke_agent: 'Run another agent with variables and return its final output.',
  http_request: 'Make an HTTP request to an allowed host and return the status and body.',
};

export function createStepTools(deps: ToolsDeps, options: StepToolsOptions = {}): StepTools {
  const resolver = options.resolver ?? systemResolver;
  const mcp =
    options.mcp ??
    createMcpPool(deps.logger, options.mcpLimits ?? defaultMcpLimits, {
      resolver,
      ...(options.isPrivateAddress ? { isPrivate: options.isPrivateAddress } : {}),
    });
  const httpLimits = options.httpLimits ?? defaultHttpRequestLimits;
  const invokeOptions = {
    depthLimit: options.depthLimit ?? 5,
    pollIntervalMs: options.childPollIntervalMs ?? 250,
  };
  const db = deps.store.db;

  const loadServers = async (orgId: string, names: string[]): Promise<Map<string, McpServerConfig>> => {
    if (names.length === 0) return new Map();
    const rows = await db
      .selectFrom('mcp_servers')
      .selectAll()
      .where('org_id', '=', orgId)
      .where('name', 'in', names)
      .execute();
    return new Map(rows.map((r) => [r.name, toServerConfig(deps, r)]));
  };

  return {
    async forStep({ attempt, step, number, settings: given }) {
      const settings = given ?? toolSettingsSchema.parse({});
      const refs = (step.tools ?? []).map(parseToolRefOrThrow);
      const mcpRefs = refs.filter((r) => r.kind === 'mcp');
      const serverNames = [...new Set(mcpRefs.map((r) => r.server))];
      const [policy, servers, run] = await Promise.all([
        currentPolicy(db, attempt.orgId),
        loadServers(attempt.orgId, serverNames),
        db.selectFrom('runs').select('site_ids').where('id', '=', attempt.runId).executeTakeFirstOrThrow(),
      ]);
      const siteIds = JSON.parse(run.site_ids) as string[];
      let invokeCalls = 0;
      const listed = new Map<string, McpToolInfo[]>();
      for (const name of serverNames) {
        const server = servers.get(name);
        if (!server)
          throw new ToolFailure(
            `step ${number} lists tools of MCP server "${name}", which this organization does not have`,
          );
        listed.set(name, await mcp.listTools(server));
      }

      const prepared: Prepared[] = refs.map((ref): Prepared => {
        if (ref.kind === 'mcp') {
          const server = servers.get(ref.server) as McpServerConfig;
          const info = listed.get(ref.server)?.find((t) => t.name === ref.tool);
          if (!info)
            throw new ToolFailure(
              `MCP server "${ref.server}" has no tool "${ref.tool}" (step ${number} lists it)`,
            );
          return {
            ref,
            description: info.description || `${ref.tool} of MCP server ${ref.server}`,
            readOnly: info.readOnly,
            inputSchema: jsonSchema<unknown>({ type: 'object', ...info.inputSchema }),
            run: (input, signal) => mcp.callTool(server, ref.tool, input, signal),
          };
        }
        switch (ref.name) {
          case 'search_sites':
            return {
              ref,
              description: descriptions.search_sites ?? '',
              readOnly: true,
              inputSchema: searchSitesInput,
              run: (input) =>
                searchSites(deps, { orgId: attempt.orgId, siteIds }, searchSitesInput.parse(input)),
            };
          case 'invoke_agent':
            return {
              ref,
              description: `${descriptions.invoke_agent} Agents you may run: ${settings.invokableAgentIds.join(', ') || 'none'}.`,
              readOnly: false,
              inputSchema: invokeAgentInput,
              run: (input, signal) =>
                invokeAgent(
                  deps,
                  // Counted when the call starts: the AI SDK starts a round's calls in the model's order.
                  { runId: attempt.runId, attemptId: attempt.id, number, ordinal: ++invokeCalls },
                  settings,
                  invokeAgentInput.parse(input),
                  invokeOptions,
                  signal,
                ),
            };
          case 'http_request':
            return {
              ref,
              description: `${descriptions.http_request} Allowed hosts: ${settings.allowedHosts.join(', ') || 'none'}.`,
              readOnly: false,
              inputSchema: httpRequestInput,
              run: (input, signal) =>
                httpRequest(httpRequestInput.parse(input), settings, {
                  resolver,
                  limits: httpLimits,
                  ...(options.isPrivateAddress ? { isPrivate: options.isPrivateAddress } : {}),
                  signal,
                }),
            };
          default:
            throw new Error(`unknown built-in tool ${JSON.stringify(ref)}`);
        }
      });

      const log = createToolCallLog(db, {
        attemptId: attempt.id,
        runId: attempt.runId,
        orgId: attempt.orgId,
        number,
      });
      let failure: unknown;
      const tools: ToolSet = {};
      for (const p of prepared) {
        tools[modelFacingName(p.ref)] = tool<unknown, unknown>({
          description: p.description,
          inputSchema: p.inputSchema,
          execute: async (input: unknown, { abortSignal }) => {
            const startedAt = deps.clock.now();
            const signal = abortSignal ?? new AbortController().signal;
            if (!isToolPermitted(policy.policy, { name: p.ref.name, readOnly: p.readOnly })) {
              const refusal = new PolicyRefusal(
                'toolAccess',
                `tool ${p.ref.name} is not permitted (policy version ${policy.version} allows ${describeAccess(policy.policy.toolAccess)})`,
              );
              failure ??= refusal;
              await log.append({
                tool: p.ref.name,
                arguments: input,
                error: refusal.message,
                refusedBy: 'policy.toolAccess',
                startedAt,
                durationMs: 0,
              });
              throw refusal;
            }
            try {
              const result = await p.run(input, signal);
              await log.append({
                tool: p.ref.name,
                arguments: input,
                result,
                startedAt,
                durationMs: deps.clock.now() - startedAt,
              });
              return result;
            } catch (error) {
              if (!signal.aborted) failure ??= error;
              await log
                .append({
                  tool: p.ref.name,
                  arguments: input,
                  error: signal.aborted ? `canceled: ${messageOf(signal.reason)}` : messageOf(error),
                  ...(error instanceof ToolRefusal ? { refusedBy: error.rule } : {}),
                  startedAt,
                  durationMs: deps.clock.now() - startedAt,
                })
                .catch(() => undefined);
              throw error;
            }
          },
        });
      }
      const byModelName = new Map(prepared.map((p) => [modelFacingName(p.ref), p.ref.name]));
      return {
        tools,
        maxRounds: step.maxToolRounds ?? options.defaultMaxRounds ?? 8,
        get failure() {
          return failure;
        },
        async refuseInvalid(toolName, input, reason) {
          const declared = byModelName.get(toolName);
          const error = declared
            ? new ToolFailure(`the model called ${declared} with arguments it does not take: ${reason}`)
            : new ToolRefusal(
                'step.tools',
                `the model called "${toolName}", a tool step ${number} does not list (it lists ${(step.tools ?? []).join(', ')})`,
              );
          const now = deps.clock.now();
          await log.append({
            tool: declared ?? toolName,
            arguments: input,
            error: error.message,
            ...(error instanceof ToolRefusal ? { refusedBy: error.rule } : {}),
            startedAt: now,
            durationMs: 0,
          });
          return error;
        },
      };
    },
    close: () => mcp.close(),
  };
}

function describeAccess(access: { mode: string; tools: string[] }): string {
  if (access.mode === 'all') return 'all tools';
  if (access.mode === 'read-only') return 'read-only tools';
  return access.tools.length === 0 ? 'no tool' : access.tools.join(', ');
}
