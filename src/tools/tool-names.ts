import { z } from 'zod';

/**
 * How a step names the tools it may call (C1, C2), and the names the model sees.
 *
 * - a built-in tool: `search_sites`, `invoke_agent`, `http_request`;
 * - a tool of one of the organization's MCP servers: `mcp:<server>/<tool>`.
 *
 * The policy's custom tool set (`toolAccess.tools`) lists the same names.
 */
export const builtInToolNames = ['search_sites', 'invoke_agent', 'http_request'] as const;
export type BuiltInToolName = (typeof builtInToolNames)[number];

export const mcpServerName = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, 'must be lower-case letters, digits, _ or - (at most 64)');

const mcpToolRef = /^mcp:([a-z0-9][a-z0-9_-]{0,63})\/([A-Za-z0-9_.-]{1,128})$/;

export const toolRef = z
  .string()
  .refine(
    (name) => (builtInToolNames as readonly string[]).includes(name) || mcpToolRef.test(name),
    `must be ${builtInToolNames.join(', ')} or mcp:<server>/<tool>`,
  );

export type ToolRef =
  | { kind: 'built-in'; name: BuiltInToolName }
  | { kind: 'mcp'; name: string; server: string; tool: string };

/** Throws on a name `toolRef` refuses (the definition was validated, so only a bug gets here). */
export function parseToolRefOrThrow(name: string): ToolRef {
  if ((builtInToolNames as readonly string[]).includes(name))
    return { kind: 'built-in', name: name as BuiltInToolName };
  const match = mcpToolRef.exec(name);
  if (!match) throw new Error(`"${name}" is not a tool name`);
  return { kind: 'mcp', name, server: match[1] ?? '', tool: match[2] ?? '' };
}

/**
 * The function name the model is given: OpenAI and Anthropic accept `^[a-zA-Z0-9_-]{1,64}$`, so
 * `mcp:files/read.file` becomes `files__read_file`.
 */
export function modelFacingName(ref: ToolRef): string {
  if (ref.kind === 'built-in') return ref.name;
  return `${ref.server}__${ref.tool}`.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 64);
}
