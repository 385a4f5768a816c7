import { Link } from '@tanstack/react-router';
import { useState } from 'react';
import type { AgentListItem } from '../shell/api-types.ts';
import { EmptyState, ErrorBanner } from '../shell/empty-state.tsx';
import { formatTime, timeAgo } from '../shell/format-time.ts';
import { roleCan } from '../shell/permissions.ts';
import { useMe } from '../shell/use-me.ts';
import { RunAgentDialog } from './run-agent-dialog.tsx';
import { useAgents } from './use-agents.ts';

/** The agents of the organization: open one to edit it, or run it from here. */
export function AgentsPage() {
  const agents = useAgents(false);
  const role = useMe().data?.role;
  const [running, setRunning] = useState<AgentListItem>();
  const canWrite = roleCan(role, 'agents.write');
  return (
    <div className="page">
      <header className="page-header">
        <div className="title">
          <h1>Agents</h1>
          <p className="subtitle" style={{ margin: 0 }}>
            Versioned definitions: steps, variables and model settings.
          </p>
        </div>
        <div className="actions">
          {canWrite ? (
            <Link to="/agents/new" className="btn btn-primary">
              New agent
            </Link>
          ) : null}
        </div>
      </header>
      <ErrorBanner error={agents.error} />
      <div className="card">
        {agents.isPending ? (
          <div className="empty" aria-busy="true">
            Loading agents…
          </div>
        ) : !agents.data?.items.length ? (
          <EmptyState
            title="No agents yet"
            action={
              canWrite ? (
                <Link to="/agents/new" className="btn btn-primary">
                  Create your first agent
                </Link>
              ) : undefined
            }
          >
            An agent is a sequence of model steps with variables. Create one, then run it as often as you
            like.
          </EmptyState>
        ) : (
          <ul aria-label="Agents" style={{ listStyle: 'none', margin: 0, padding: 0 }}>
            {agents.data.items.map((agent) => (
              <li key={agent.id} className="list-row" data-agent-id={agent.id}>
                <div style={{ minWidth: 0, display: 'flex', flexDirection: 'column', gap: 2 }}>
                  <Link
                    to="/agents/$agentId"
                    params={{ agentId: agent.id }}
                    search={{}}
                    style={{ fontWeight: 600 }}
                  >
                    {agent.name}
                  </Link>
                  <span className="muted" style={{ fontSize: 13 }}>
                    Version {agent.version} ·{' '}
                    <span title={formatTime(agent.updatedAt)}>updated {timeAgo(agent.updatedAt)}</span>
                  </span>
                  {agent.description ? (
                    <span className="subtitle" style={{ fontSize: 13 }}>
                      {agent.description}
                    </span>
                  ) : null}
                </div>
                <div className="row-actions" style={{ gap: 8 }}>
                  <Link
                    to="/runs"
                    search={{ agentId: agent.id }}
                    className="btn btn-sm btn-ghost hide-narrow"
                  >
                    Runs
                  </Link>
                  {roleCan(role, 'runs.start') ? (
                    <button
                      type="button"
                      className="btn btn-sm btn-primary"
                      aria-label={`Run ${agent.name}`}
                      onClick={() => setRunning(agent)}
                    >
                      Run
                    </button>
                  ) : null}
                </div>
              </li>
            ))}
          </ul>
        )}
      </div>
      {running ? <RunAgentDialog agentId={running.id} onClose={() => setRunning(undefined)} /> : null}
    </div>
  );
}
