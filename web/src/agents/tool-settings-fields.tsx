import type { ApiError } from '../shell/api-client.ts';
import { CheckField } from '../shell/form-field.tsx';
import type { ToolSettingsDraft } from './agent-draft.ts';
import { Field, fieldId } from './agent-field.tsx';
import { useAgents } from './use-agents.ts';

/**
 * The agent's `toolSettings`: the hosts `http_request` may reach (and whether private addresses
 * are allowed), and the agents `invoke_agent` may start, chosen by name. An id the list does not
 * know (an archived or deleted agent) stays visible so it can be removed.
 */
export function ToolSettingsFields({
  value,
  onChange,
  error,
  readOnly,
}: {
  value: ToolSettingsDraft;
  onChange(next: ToolSettingsDraft): void;
  error: ApiError | null;
  readOnly: boolean;
}) {
  const agents = useAgents();
  const known = new Set(agents.data?.items.map((a) => a.id));
  const unknown = value.invokableAgentIds.filter((id) => agents.data && !known.has(id));
  const set = (patch: Partial<ToolSettingsDraft>) => onChange({ ...value, ...patch });
  const toggleAgent = (id: string, on: boolean) =>
    set({
      invokableAgentIds: on
        ? [...value.invokableAgentIds, id]
        : value.invokableAgentIds.filter((v) => v !== id),
    });
  const agentsMessage = error?.fieldMessage('toolSettings.invokableAgentIds');
  return (
    <>
      <Field
        path="toolSettings.allowedHosts"
        label="Allowed hosts for http_request"
        error={error}
        hint="One a line: api.example.com, *.example.com for its subdomains, intranet.local:8443"
      >
        <textarea
          rows={3}
          value={value.allowedHosts}
          placeholder="api.example.com"
          onChange={(e) => set({ allowedHosts: e.target.value })}
        />
      </Field>
      <CheckField
        id={fieldId('toolSettings.allowPrivateAddresses')}
        path="toolSettings.allowPrivateAddresses"
        label="Allow loopback, link-local and private addresses"
        hint="Off, a host that resolves to 127.0.0.1, 10.x or 169.254.x is refused even when allowed above."
        message={error?.fieldMessage('toolSettings.allowPrivateAddresses')}
        checked={value.allowPrivateAddresses}
        disabled={readOnly}
        onChange={(allowPrivateAddresses) => set({ allowPrivateAddresses })}
      />
      <fieldset
        className="plain-fieldset field"
        data-path="toolSettings.invokableAgentIds"
        aria-describedby={agentsMessage ? 'f-invokable-error' : 'f-invokable-hint'}
      >
        <legend className="field-legend">Agents invoke_agent may run</legend>
        {agents.isPending ? <span className="muted">Loading agents…</span> : null}
        <div className="check-row">
          {agents.data?.items.map((agent) => (
            <label key={agent.id} className="check">
              <input
                type="checkbox"
                disabled={readOnly}
                checked={value.invokableAgentIds.includes(agent.id)}
                onChange={(e) => toggleAgent(agent.id, e.target.checked)}
              />{' '}
              {agent.name}
            </label>
          ))}
          {unknown.map((id) => (
            <label key={id} className="check">
              <input type="checkbox" disabled={readOnly} checked onChange={() => toggleAgent(id, false)} />{' '}
              <code>{id}</code> <span className="muted">(archived or not found)</span>
            </label>
          ))}
        </div>
        <span className="hint" id="f-invokable-hint">
          Each call starts a child run of the chosen agent, linked to this run and canceled with it.
        </span>
        {agentsMessage ? (
          <span className="field-error" id="f-invokable-error">
            {agentsMessage}
          </span>
        ) : null}
      </fieldset>
    </>
  );
}
