import type { ReactNode } from 'react';
import type { ApiError } from '../shell/api-client.ts';
import type { BuiltInToolName, McpServerView, McpToolInfo } from '../shell/api-types.ts';
import { useMcpServers, useMcpToolsOfEach } from '../tools/use-mcp-servers.ts';

/** The built-in tools (C1), typed against the server's names so a new one cannot be missed. */
const builtInTools: Record<BuiltInToolName, string> = {
  search_sites: "Search the run's Sites for ranked passages",
  http_request: 'HTTP request to a host the agent allows (tool settings below)',
  invoke_agent: 'Run an agent the agent allows (tool settings below) and use its output',
};

/**
 * Choose the tools a prompt step's model may call: the built-in ones and the tools of the
 * organization's MCP servers, each named as the API takes it (`search_sites`, `mcp:<server>/<tool>`).
 * A chosen tool the servers do not list now (a deleted server, one that cannot be reached) stays
 * visible so it can be removed. Read-only users see the choice without asking the servers.
 */
export function StepToolsField({
  index,
  value,
  onChange,
  error,
  readOnly,
}: {
  index: number;
  value: string[];
  onChange(tools: string[]): void;
  error: ApiError | null;
  readOnly: boolean;
}) {
  const servers = useMcpServers(!readOnly);
  const serverList = servers.data?.items ?? [];
  const toolsOfEach = useMcpToolsOfEach(serverList);
  const listed = new Set<string>(Object.keys(builtInTools));
  for (const answer of toolsOfEach) for (const tool of answer.data?.items ?? []) listed.add(tool.ref);
  const allListed = !readOnly && servers.isSuccess && toolsOfEach.every((t) => !t.isPending);
  const unlisted = value.filter((ref) => !listed.has(ref));
  const path = `steps[${index}].tools`;
  const id = `f-steps-${index}-tools`;
  const message = error?.fieldMessage(path);
  const toggle = (ref: string, on: boolean) =>
    onChange(on ? [...value, ref] : value.filter((chosen) => chosen !== ref));
  const check = (ref: string, label: ReactNode, description: string) => (
    <li key={ref} data-tool={ref}>
      <label className="check">
        <input
          type="checkbox"
          aria-label={`Step ${index + 1} may call ${ref}`}
          checked={value.includes(ref)}
          onChange={(e) => toggle(ref, e.target.checked)}
        />{' '}
        {label}
      </label>
      <span className="muted">{description}</span>
    </li>
  );

  return (
    <fieldset
      className="plain-fieldset field"
      data-path={path}
      aria-describedby={message ? `${id}-error` : `${id}-hint`}
    >
      <legend className="field-legend">Step {index + 1} tools</legend>
      <ul className="plain-list tool-list" aria-label="Built-in tools">
        {(Object.entries(builtInTools) as Array<[BuiltInToolName, string]>).map(([name, description]) =>
          check(name, <code>{name}</code>, description),
        )}
      </ul>
      {servers.isPending && !readOnly ? <span className="muted">Loading MCP servers…</span> : null}
      {servers.error ? <span className="field-error">MCP servers: {servers.error.message}</span> : null}
      {serverList.map((server, i) => (
        <ServerTools
          key={server.id}
          server={server}
          answer={toolsOfEach[i]}
          renderTool={(tool) => check(tool.ref, <code>{tool.ref}</code>, tool.description)}
        />
      ))}
      {unlisted.length > 0 ? (
        <ul className="plain-list tool-list" aria-label="Chosen tools not listed now">
          {unlisted.map((ref) =>
            check(ref, <code>{ref}</code>, allListed ? 'not offered by any registered MCP server now' : ''),
          )}
        </ul>
      ) : null}
      <span className="hint" id={`${id}-hint`}>
        None chosen: a plain model call. Administrators register MCP servers under Settings.
      </span>
      {message ? (
        <span className="field-error" id={`${id}-error`}>
          {message}
        </span>
      ) : null}
    </fieldset>
  );
}

function ServerTools({
  server,
  answer,
  renderTool,
}: {
  server: McpServerView;
  answer:
    | { data?: { items: McpToolInfo[] } | undefined; error: Error | null; isPending: boolean }
    | undefined;
  renderTool(tool: McpToolInfo): ReactNode;
}) {
  return (
    <div data-mcp-server={server.name}>
      <span className="hint">MCP server {server.name}</span>
      {answer?.isPending ? <span className="muted"> connecting…</span> : null}
      {answer?.error ? <span className="field-error">{answer.error.message}</span> : null}
      {answer?.data ? (
        <ul className="plain-list tool-list" aria-label={`Tools of ${server.name}`}>
          {answer.data.items.map(renderTool)}
        </ul>
      ) : null}
    </div>
  );
}
