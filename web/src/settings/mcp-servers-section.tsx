import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { ApiError, api } from '../shell/api-client.ts';
import type { McpServerView } from '../shell/api-types.ts';
import { useConfirmedDelete } from '../shell/confirmed-delete.tsx';
import { ErrorBanner } from '../shell/empty-state.tsx';
import {
  bannerError,
  CheckField,
  FormField,
  fieldMessage,
  fieldMessageWithin,
} from '../shell/form-field.tsx';
import { timeAgo } from '../shell/format-time.ts';
import { mcpServersKey, useMcpServers, useMcpTools } from '../tools/use-mcp-servers.ts';
import { SecretEntriesField, type SecretEntry, secretEntriesToRecord } from './secret-entries-field.tsx';

interface ServerForm {
  name: string;
  transport: 'stdio' | 'http';
  command: string;
  /** One argument a line: an argument may hold spaces. */
  args: string;
  env: SecretEntry[];
  url: string;
  headers: SecretEntry[];
  /** HTTP only: the server may be on loopback, link-local or a private network (SSRF guard off for it). */
  allowPrivateAddresses: boolean;
}

const emptyForm: ServerForm = {
  name: '',
  transport: 'stdio',
  command: '',
  args: '',
  env: [],
  url: '',
  headers: [],
  allowPrivateAddresses: false,
};

/** The body of `POST /api/mcp-servers`: only the chosen transport's fields. */
function formToInput(form: ServerForm): Record<string, unknown> {
  if (form.transport === 'http') {
    const headers = secretEntriesToRecord(form.headers);
    return {
      name: form.name,
      transport: 'http',
      url: form.url.trim(),
      ...(headers ? { headers } : {}),
      ...(form.allowPrivateAddresses ? { allowPrivateAddresses: true } : {}),
    };
  }
  const env = secretEntriesToRecord(form.env);
  return {
    name: form.name,
    transport: 'stdio',
    command: form.command.trim(),
    args: form.args.split('\n').filter((line) => line.trim() !== ''),
    ...(env ? { env } : {}),
  };
}

/**
 * Settings > MCP servers (administrators, C2): the organization's servers with their command or
 * URL and the names of their environment variables or headers (values are sealed at rest and
 * never come back), each server's tools as it lists them, registering one and removing one.
 */
export function McpServersSection() {
  const queryClient = useQueryClient();
  const servers = useMcpServers();
  const [form, setForm] = useState<ServerForm>(emptyForm);
  const [showingTools, setShowingTools] = useState<string>();
  const register = useMutation({
    mutationFn: () => api<McpServerView>('POST', '/api/mcp-servers', formToInput(form)),
    onSuccess: (server) => {
      setForm(emptyForm);
      setShowingTools(server.id);
      void queryClient.invalidateQueries({ queryKey: mcpServersKey });
    },
  });
  const remove = useConfirmedDelete<McpServerView>({
    remove: (server) => api('DELETE', `/api/mcp-servers/${server.id}`),
    queryKey: mcpServersKey,
    title: (server) => `Delete the MCP server ${server.name}?`,
    description: 'Steps that list its tools fail until a server of that name is registered again.',
    confirmLabel: 'Delete server',
  });
  // A taken name is a conflict, not a validation error, but it names its field all the same.
  const nameTaken =
    register.error instanceof ApiError && register.error.code === 'conflict'
      ? register.error.message.replace(/^name: /, '')
      : undefined;
  const set = (patch: Partial<ServerForm>) => setForm({ ...form, ...patch });

  return (
    <section className="card" id="mcp-servers" aria-labelledby="mcp-servers-title">
      <div className="card-header">
        <h2 id="mcp-servers-title">MCP servers</h2>
        <span className="muted">Environment and header values are sealed and never shown again</span>
      </div>
      <div className="card-body">
        <ErrorBanner error={servers.error ?? remove.error} />
        {servers.data && servers.data.items.length === 0 ? (
          <p className="muted" style={{ margin: 0 }}>
            No MCP servers yet. A registered server's tools can be chosen for a step in the agent editor.
          </p>
        ) : null}
        {servers.data && servers.data.items.length > 0 ? (
          <div className="table-scroll">
            <table className="simple" aria-label="MCP servers">
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Transport</th>
                  <th scope="col">Command or URL</th>
                  <th scope="col">Secrets</th>
                  <th scope="col">Registered</th>
                  <th scope="col">
                    <span className="visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {servers.data.items.flatMap((server) => [
                  <tr key={server.id} data-mcp-server={server.name}>
                    <td>
                      <strong>{server.name}</strong>
                    </td>
                    <td>{server.transport === 'stdio' ? 'stdio' : 'HTTP'}</td>
                    <td>
                      <code className="break">
                        {server.transport === 'stdio'
                          ? [server.command, ...server.args].join(' ')
                          : server.url}
                      </code>
                      {server.allowPrivateAddresses ? (
                        <span className="muted"> (private addresses allowed)</span>
                      ) : null}
                    </td>
                    <td>
                      <SecretNames
                        names={server.transport === 'stdio' ? server.envNames : server.headerNames}
                      />
                    </td>
                    <td>{timeAgo(server.createdAt)}</td>
                    <td className="row-buttons">
                      <button
                        type="button"
                        className="btn btn-sm"
                        aria-expanded={showingTools === server.id}
                        aria-label={`Tools of ${server.name}`}
                        onClick={() => setShowingTools(showingTools === server.id ? undefined : server.id)}
                      >
                        {showingTools === server.id ? 'Hide tools' : 'Tools'}
                      </button>
                      <button
                        type="button"
                        className="btn btn-sm btn-danger"
                        aria-label={`Delete MCP server ${server.name}`}
                        onClick={() => remove.ask(server)}
                      >
                        Delete
                      </button>
                    </td>
                  </tr>,
                  showingTools === server.id ? (
                    <tr key={`${server.id}-tools`}>
                      <td colSpan={6}>
                        <ServerTools server={server} />
                      </td>
                    </tr>
                  ) : null,
                ])}
              </tbody>
            </table>
          </div>
        ) : null}
        <form
          className="editor-section"
          aria-label="Register an MCP server"
          onSubmit={(event) => {
            event.preventDefault();
            register.mutate();
          }}
        >
          <h3 className="section-title">Register an MCP server</h3>
          <div className="grid-2">
            <FormField
              id="mcp-name"
              label="Server name"
              hint="Steps list its tools as mcp:<name>/<tool>"
              message={fieldMessage(register.error, 'name') ?? nameTaken}
            >
              <input
                type="text"
                value={form.name}
                placeholder="files"
                onChange={(e) => set({ name: e.target.value })}
              />
            </FormField>
            <FormField
              id="mcp-transport"
              label="Transport"
              message={fieldMessage(register.error, 'transport')}
            >
              <select
                value={form.transport}
                onChange={(e) => set({ transport: e.target.value as ServerForm['transport'] })}
              >
                <option value="stdio">stdio: a command this server runs</option>
                <option value="http">Streamable HTTP: a URL</option>
              </select>
            </FormField>
          </div>
          {form.transport === 'stdio' ? (
            <>
              <div className="grid-2">
                <FormField id="mcp-command" label="Command" message={fieldMessage(register.error, 'command')}>
                  <input
                    type="text"
                    value={form.command}
                    placeholder="npx"
                    onChange={(e) => set({ command: e.target.value })}
                  />
                </FormField>
                <FormField
                  id="mcp-args"
                  label="Arguments"
                  hint="One a line"
                  message={fieldMessageWithin(register.error, 'args')}
                >
                  <textarea
                    rows={2}
                    value={form.args}
                    placeholder={'-y\n@modelcontextprotocol/server-filesystem'}
                    onChange={(e) => set({ args: e.target.value })}
                  />
                </FormField>
              </div>
              <SecretEntriesField
                id="mcp-env"
                legend="Environment"
                what="variable"
                entries={form.env}
                onChange={(env) => set({ env })}
                message={fieldMessageWithin(register.error, 'env')}
                hint="Given to the process with PATH and HOME; nothing else of this server's environment is passed on."
              />
            </>
          ) : (
            <>
              <FormField id="mcp-url" label="URL" message={fieldMessage(register.error, 'url')}>
                <input
                  type="url"
                  value={form.url}
                  placeholder="https://mcp.example.com/mcp"
                  onChange={(e) => set({ url: e.target.value })}
                />
              </FormField>
              <CheckField
                id="mcp-private"
                path="allowPrivateAddresses"
                label="Allow loopback, link-local and private addresses"
                hint="Off, a URL whose host is or resolves to 127.0.0.1, 10.x or 169.254.x is refused: turn it on for a server on this machine or your own network."
                message={fieldMessage(register.error, 'allowPrivateAddresses')}
                checked={form.allowPrivateAddresses}
                onChange={(allowPrivateAddresses) => set({ allowPrivateAddresses })}
              />
              <SecretEntriesField
                id="mcp-headers"
                legend="Headers"
                what="header"
                entries={form.headers}
                onChange={(headers) => set({ headers })}
                message={fieldMessageWithin(register.error, 'headers')}
                hint="Sent with every request, e.g. Authorization."
              />
            </>
          )}
          <ErrorBanner error={nameTaken ? null : bannerError(register.error)} />
          <div>
            <button type="submit" className="btn btn-primary" disabled={register.isPending}>
              Register server
            </button>
          </div>
        </form>
      </div>
      {remove.dialog}
    </section>
  );
}

function SecretNames({ names }: { names: string[] }) {
  if (names.length === 0) return <span className="muted">none</span>;
  return (
    <ul className="chip-list" aria-label="Secret names">
      {names.map((name) => (
        <li key={name}>
          <code>{name}</code>
        </li>
      ))}
    </ul>
  );
}

/** The server's tools as `tools/list` answers them; connecting may take a moment (a process start). */
function ServerTools({ server }: { server: McpServerView }) {
  const tools = useMcpTools(server);
  if (tools.isPending) return <span className="muted">Connecting to {server.name}…</span>;
  if (tools.error) return <ErrorBanner error={tools.error} />;
  if (tools.data.items.length === 0) return <span className="muted">{server.name} offers no tools.</span>;
  return (
    <ul className="plain-list tool-list" aria-label={`Tools of ${server.name}`}>
      {tools.data.items.map((tool) => (
        <li key={tool.ref} data-tool={tool.ref}>
          <code>{tool.name}</code>
          {tool.readOnly ? <span className="pill">read-only</span> : null}
          <span className="muted">{tool.description || 'No description'}</span>
        </li>
      ))}
    </ul>
  );
}
