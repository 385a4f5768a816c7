/** Connected tools (issue 07). */

/** An organization's MCP server (issue 07); `secrets` is sealed JSON `{ headers, env }`. */
export interface McpServersTable {
  id: string;
  org_id: string;
  name: string;
  transport: string;
  command: string | null;
  /** JSON string[]: the stdio command's arguments. */
  args: string;
  url: string | null;
  secrets: string | null;
  /** 1: an administrator allowed this HTTP server on a loopback, link-local or private address (0017). */
  allow_private_addresses: number;
  created_by: string;
  created_at: number;
}

/** One tool call of a step, in call order (`seq`); `refused_by` names the rule that refused it. */
export interface ToolCallsTable {
  attempt_id: string;
  step_number: number;
  seq: number;
  org_id: string;
  run_id: string;
  tool: string;
  /** JSON. */
  arguments: string;
  /** JSON, or null when the call failed. */
  result: string | null;
  error: string | null;
  refused_by: string | null;
  started_at: number;
  duration_ms: number;
}
