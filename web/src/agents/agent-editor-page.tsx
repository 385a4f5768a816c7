import { useMutation, useQueryClient } from '@tanstack/react-query';
import { Link, useNavigate, useParams, useSearch } from '@tanstack/react-router';
import { useEffect, useState } from 'react';
import { useAgentVersions } from '../runs/use-run.ts';
import { ApiError, api } from '../shell/api-client.ts';
import type { AgentView } from '../shell/api-types.ts';
import { EmptyState } from '../shell/empty-state.tsx';
import { formatTime, timeAgo } from '../shell/format-time.ts';
import { roleCan } from '../shell/permissions.ts';
import type { AgentTab } from '../shell/router.tsx';
import { useMe } from '../shell/use-me.ts';
import { type AgentDraft, draftFrom, draftToInput, emptyDraft } from './agent-draft.ts';
import { AgentForm } from './agent-form.tsx';
import { AgentSchedules } from './agent-schedules.tsx';
import { AgentWebhooks } from './agent-webhooks.tsx';
import { RunAgentDialog } from './run-agent-dialog.tsx';
import { useAgent } from './use-agents.ts';

const tabLabels: Array<[AgentTab, string]> = [
  ['edit', 'Definition'],
  ['versions', 'Version history'],
  ['schedules', 'Schedules'],
  ['webhooks', 'Webhooks'],
];

/** `/agents/new` creates an agent; `/agents/:id` edits one (each save is a new version) and lists its versions. */
export function AgentEditorPage() {
  const params = useParams({ strict: false }) as { agentId?: string };
  const search = useSearch({ strict: false }) as { tab?: AgentTab };
  const agentId = params.agentId;
  const agent = useAgent(agentId);
  const role = useMe().data?.role;
  const canWrite = roleCan(role, 'agents.write');
  const [draft, setDraft] = useState<AgentDraft>(emptyDraft);
  const [dirty, setDirty] = useState(false);
  const [running, setRunning] = useState(false);
  const [saved, setSaved] = useState<string>();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const tab = search.tab ?? 'edit';

  useEffect(() => {
    if (agent.data && !dirty) setDraft(draftFrom(agent.data));
  }, [agent.data, dirty]);

  const save = useMutation({
    mutationFn: () =>
      agentId
        ? api<AgentView>('PATCH', `/api/agents/${agentId}`, draftToInput(draft))
        : api<AgentView>('POST', '/api/agents', draftToInput(draft)),
    onSuccess: (saved) => {
      setDirty(false);
      setSaved(`Saved as version ${saved.version}.`);
      queryClient.setQueryData(['agent', saved.id], saved);
      void queryClient.invalidateQueries({ queryKey: ['agents'] });
      void queryClient.invalidateQueries({ queryKey: ['agent-versions', saved.id] });
      if (!agentId) void navigate({ to: '/agents/$agentId', params: { agentId: saved.id }, search: {} });
    },
  });
  const archive = useMutation({
    mutationFn: (archived: boolean) => api<AgentView>('PATCH', `/api/agents/${agentId}`, { archived }),
    onSuccess: (saved) => {
      queryClient.setQueryData(['agent', saved.id], saved);
      void queryClient.invalidateQueries({ queryKey: ['agents'] });
    },
  });
  const error = save.error instanceof ApiError ? save.error : null;

  if (agentId && agent.isPending)
    return (
      <div className="page" aria-busy="true">
        <p className="muted">Loading the agent…</p>
      </div>
    );
  if (agentId && (agent.error || !agent.data))
    return (
      <div className="page">
        <EmptyState
          title="This agent cannot be shown"
          action={
            <Link to="/agents" className="btn">
              Back to agents
            </Link>
          }
        >
          {agent.error?.message}
        </EmptyState>
      </div>
    );
  const current = agent.data;

  return (
    <div className="page">
      <nav className="breadcrumb" aria-label="Breadcrumb">
        <Link to="/agents">Agents</Link> /{' '}
        <span aria-current="page">{current ? current.name : 'New agent'}</span>
      </nav>
      <header className="page-header">
        <div className="title">
          <h1>{current ? current.name : 'New agent'}</h1>
          <span className="subtitle">
            {current
              ? `Version ${current.version} · updated ${timeAgo(current.updatedAt)}${current.archived ? ' · archived' : ''}`
              : 'Steps run in order; each can use the variables and earlier outputs.'}
          </span>
        </div>
        <div className="actions">
          {current ? (
            <Link to="/agents/$agentId/benchmarks" params={{ agentId: current.id }} className="btn">
              Benchmark
            </Link>
          ) : null}
          {current && roleCan(role, 'runs.start') ? (
            <button type="button" className="btn" onClick={() => setRunning(true)} disabled={dirty}>
              Run
            </button>
          ) : null}
          {current && canWrite ? (
            <button type="button" className="btn" onClick={() => archive.mutate(!current.archived)}>
              {current.archived ? 'Unarchive' : 'Archive'}
            </button>
          ) : null}
          {canWrite && tab === 'edit' ? (
            <button
              type="button"
              className="btn btn-primary"
              onClick={() => save.mutate()}
              disabled={save.isPending || (Boolean(current) && !dirty)}
            >
              {save.isPending ? 'Saving…' : current ? 'Save new version' : 'Create agent'}
            </button>
          ) : null}
        </div>
      </header>

      {current ? (
        <div className="tabs" role="tablist" aria-label="Agent">
          {tabLabels.map(([id, label]) => (
            <Link
              key={id}
              to="/agents/$agentId"
              params={{ agentId: current.id }}
              search={{ tab: id }}
              role="tab"
              className="tab"
              aria-selected={tab === id}
            >
              {label}
            </Link>
          ))}
        </div>
      ) : null}

      {save.error ? (
        <div className="banner banner-error" role="alert">
          <div>
            <strong>Not saved.</strong> {save.error.message}
            {error && error.details.length > 1 ? (
              <ul style={{ margin: '4px 0 0', paddingLeft: 18 }}>
                {error.details.map((d) => (
                  <li key={`${d.path}:${d.message}`}>
                    <code>{d.path}</code>: {d.message}
                  </li>
                ))}
              </ul>
            ) : null}
          </div>
        </div>
      ) : null}
      {saved && !dirty && !save.error ? (
        <div className="banner" role="status">
          {saved}
        </div>
      ) : null}
      {!canWrite ? (
        <div className="banner" role="note">
          Your role ({role}) can read agents but not change them.
        </div>
      ) : null}

      {tab === 'versions' && current ? (
        <VersionHistory agentId={current.id} />
      ) : tab === 'schedules' && current ? (
        <AgentSchedules agent={current} canWrite={canWrite} />
      ) : tab === 'webhooks' && current ? (
        <AgentWebhooks agent={current} canWrite={canWrite} />
      ) : (
        <AgentForm
          draft={draft}
          onChange={(next) => {
            setDraft(next);
            setDirty(true);
            setSaved(undefined);
          }}
          error={error}
          readOnly={!canWrite}
        />
      )}
      {running && current ? <RunAgentDialog agentId={current.id} onClose={() => setRunning(false)} /> : null}
    </div>
  );
}

function VersionHistory({ agentId }: { agentId: string }) {
  const versions = useAgentVersions(agentId);
  const [open, setOpen] = useState<number>();
  if (versions.isPending) return <p className="muted">Loading versions…</p>;
  return (
    <section className="card" aria-label="Version history">
      <div className="table-scroll">
        <table className="simple">
          <thead>
            <tr>
              <th scope="col">Version</th>
              <th scope="col">Saved</th>
              <th scope="col">By</th>
              <th scope="col">Steps</th>
              <th scope="col">Model</th>
              <th scope="col">
                <span className="visually-hidden">Definition</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {versions.data?.items.flatMap((v) => [
              <tr key={v.version}>
                <td>v{v.version}</td>
                <td title={formatTime(v.createdAt)}>{timeAgo(v.createdAt)}</td>
                <td className="muted">{v.createdBy}</td>
                <td>{v.definition.steps.map((s) => s.name).join(' → ')}</td>
                <td>{v.definition.modelSettings.model}</td>
                <td>
                  <button
                    type="button"
                    className="btn btn-sm btn-ghost"
                    aria-expanded={open === v.version}
                    onClick={() => setOpen(open === v.version ? undefined : v.version)}
                  >
                    {open === v.version ? 'Hide' : 'View'}
                  </button>
                </td>
              </tr>,
              open === v.version ? (
                <tr key={`${v.version}-definition`}>
                  <td colSpan={6}>
                    <pre className="output">{JSON.stringify(v.definition, null, 2)}</pre>
                  </td>
                </tr>
              ) : null,
            ])}
          </tbody>
        </table>
      </div>
    </section>
  );
}
