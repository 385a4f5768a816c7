import { useMutation, useQueryClient } from '@tanstack/react-query';
import { Link, useNavigate } from '@tanstack/react-router';
import { useState } from 'react';
import { RunBenchmarkCard } from '../benchmarks/run-benchmark-card.tsx';
import { api } from '../shell/api-client.ts';
import type { AttemptView, RunDetails } from '../shell/api-types.ts';
import { ConfirmDialog } from '../shell/confirm-dialog.tsx';
import { Dialog } from '../shell/dialog.tsx';
import { EmptyState, ErrorBanner } from '../shell/empty-state.tsx';
import { duration, formatCredits, formatTime, timeAgo } from '../shell/format-time.ts';
import { roleCan } from '../shell/permissions.ts';
import { runDetailsRoute } from '../shell/router.tsx';
import { SimulatedPill, StatusBadge } from '../shell/status-badge.tsx';
import { useMe } from '../shell/use-me.ts';
import { DuplicateDialog } from './duplicate-dialog.tsx';
import { RunOutput } from './run-output.tsx';
import { StepCard } from './step-card.tsx';
import { useAttempts, useRun } from './use-run.ts';
import { useRunEvents } from './use-run-events.ts';

const isFinal = (status: string) => status === 'completed' || status === 'failed' || status === 'canceled';

/** Run details (D1–D5, M1–M4): live over server-sent events while the run runs. */
export function RunDetailsPage() {
  const { runId } = runDetailsRoute.useParams();
  const run = useRun(runId);
  const attempts = useAttempts(runId);
  const live = useRunEvents(runId);
  const role = useMe().data?.role;
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const [rerunFrom, setRerunFrom] = useState<number>();
  const [duplicating, setDuplicating] = useState(false);
  const [confirmDelete, setConfirmDelete] = useState(false);

  const refresh = () => {
    void queryClient.invalidateQueries({ queryKey: ['run', runId] });
    void queryClient.invalidateQueries({ queryKey: ['attempts', runId] });
    void queryClient.invalidateQueries({ queryKey: ['runs'] });
  };
  const action = useMutation({
    mutationFn: ({ path, body }: { path: string; body?: unknown }) =>
      api<RunDetails>('POST', `/api/runs/${runId}/${path}`, body),
    onSuccess: (data) => {
      if (data) queryClient.setQueryData(['run', runId], data);
      refresh();
    },
  });
  const archive = useMutation({
    mutationFn: (archived: boolean) => api<RunDetails>('PATCH', `/api/runs/${runId}`, { archived }),
    onSuccess: refresh,
  });
  const remove = useMutation({
    mutationFn: () => api('DELETE', `/api/runs/${runId}`),
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: ['runs'] });
      void navigate({ to: '/runs', search: {} });
    },
  });

  if (run.isPending)
    return (
      <div className="page" aria-busy="true">
        <p className="muted">Loading the run…</p>
      </div>
    );
  if (run.error || !run.data)
    return (
      <div className="page">
        <EmptyState
          title="This run cannot be shown"
          action={
            <Link to="/runs" className="btn">
              Back to runs
            </Link>
          }
        >
          {run.error?.message}
        </EmptyState>
      </div>
    );
  const r = run.data;
  const canStart = roleCan(role, 'runs.start');
  const final = isFinal(r.status);

  return (
    <div className="page">
      <nav className="breadcrumb" aria-label="Breadcrumb">
        <Link to="/runs">Runs</Link> / <span aria-current="page">{r.name}</span>
      </nav>
      <header className="page-header">
        <div className="title">
          <h1>{r.name}</h1>
          <div className="status-line">
            <StatusBadge status={r.status} />
            <span data-testid="status-text" aria-live="polite">
              {r.statusText}
            </span>
            {r.simulated ? <SimulatedPill /> : null}
            {r.archived ? <span className="pill">Archived</span> : null}
            <span className="muted" title="Live updates over server-sent events">
              · {live === 'live' ? 'Live' : live === 'connecting' ? 'Connecting…' : 'Offline'}
            </span>
          </div>
        </div>
        <div className="actions">
          {canStart && r.status === 'new' ? (
            <button
              type="button"
              className="btn btn-primary"
              onClick={() => action.mutate({ path: 'start' })}
            >
              Start
            </button>
          ) : null}
          {canStart && final ? (
            <>
              <button
                type="button"
                className="btn btn-primary"
                onClick={() => action.mutate({ path: 'rerun', body: {} })}
                disabled={action.isPending}
              >
                Rerun
              </button>
              <button
                type="button"
                className="btn"
                title="Rerun on the agent's latest version instead of the pinned one"
                onClick={() => action.mutate({ path: 'rerun', body: { latestVersion: true } })}
                disabled={action.isPending}
              >
                Rerun on latest version
              </button>
            </>
          ) : null}
          {roleCan(role, 'runs.cancel') && (r.status === 'enqueued' || r.status === 'running') ? (
            <button
              type="button"
              className="btn btn-danger"
              onClick={() => action.mutate({ path: 'cancel' })}
              disabled={action.isPending}
            >
              Cancel run
            </button>
          ) : null}
          {canStart ? (
            <button type="button" className="btn" onClick={() => setDuplicating(true)}>
              Duplicate
            </button>
          ) : null}
          {roleCan(role, 'runs.archive') ? (
            <button type="button" className="btn" onClick={() => archive.mutate(!r.archived)}>
              {r.archived ? 'Unarchive' : 'Archive'}
            </button>
          ) : null}
          {roleCan(role, 'runs.delete') ? (
            <button type="button" className="btn btn-danger" onClick={() => setConfirmDelete(true)}>
              Delete
            </button>
          ) : null}
        </div>
      </header>
      <ErrorBanner error={action.error ?? archive.error ?? remove.error} />
      {r.simulated ? (
        <div className="banner banner-warning" role="note">
          <div>
            This run used the offline <strong>simulated model</strong>: its answers are generated
            deterministically on this server, not by an AI provider.
          </div>
        </div>
      ) : null}

      <div className="details">
        <div className="details-main">
          <section className="card" aria-labelledby="output-title">
            <div className="card-header">
              <h2 id="output-title">Output</h2>
              {r.actualCredits !== null ? (
                <span className="muted">{formatCredits(r.actualCredits)} credits</span>
              ) : null}
            </div>
            <div className="card-body">
              {r.error ? (
                <div className="banner banner-error" role="alert">
                  {r.error}
                </div>
              ) : null}
              {r.output !== null ? (
                <RunOutput text={r.output} label="Final output" />
              ) : (
                <p className="muted" style={{ margin: 0 }}>
                  {final
                    ? 'This run produced no final output.'
                    : 'The final output appears when the last step finishes.'}
                </p>
              )}
            </div>
          </section>

          <section className="card" aria-labelledby="steps-title">
            <div className="card-header">
              <h2 id="steps-title">Steps</h2>
              <span className="muted">
                Attempt {r.attempt} · {r.steps.filter((s) => s.status === 'completed').length} of{' '}
                {r.stepCount} done
              </span>
            </div>
            <div>
              {r.steps.map((step) => (
                <StepCard
                  key={step.number}
                  step={step}
                  canRerun={canStart && final}
                  onRerunFrom={setRerunFrom}
                />
              ))}
            </div>
          </section>

          <RunBenchmarkCard
            runId={runId}
            agentId={r.agentId}
            canRun={r.status === 'completed' && roleCan(role, 'runs.rerun')}
            initial={r.benchmarks}
          />

          <AttemptsCard attempts={attempts.data?.items} />
        </div>

        <aside className="details-side" aria-label="Run options">
          <OptionsCard run={r} />
          <section className="card" aria-labelledby="vars-title">
            <div className="card-header">
              <h2 id="vars-title">Variables</h2>
            </div>
            <div className="card-body">
              {r.variables.length === 0 ? (
                <p className="muted" style={{ margin: 0 }}>
                  No variables.
                </p>
              ) : (
                r.variables.map((v) => (
                  <div key={v.name} className="field" data-variable={v.name}>
                    <div className="var-row">
                      <strong>{v.name}</strong>
                      <span className={`pill${v.source === 'override' ? ' pill-override' : ''}`}>
                        {v.source === 'override' ? 'Override' : 'Default'}
                      </span>
                    </div>
                    <span className="var-value">
                      {typeof v.value === 'string' ? v.value : JSON.stringify(v.value)}
                    </span>
                  </div>
                ))
              )}
            </div>
          </section>
        </aside>
      </div>

      <Dialog
        open={rerunFrom !== undefined}
        title={`Rerun from step ${rerunFrom ?? ''}`}
        description={
          rerunFrom && rerunFrom > 1
            ? `Steps 1 to ${rerunFrom - 1} keep their outputs; step ${rerunFrom} onwards runs again as a new attempt.`
            : 'Every step runs again as a new attempt.'
        }
        onClose={() => setRerunFrom(undefined)}
        footer={
          <>
            <button type="button" className="btn" onClick={() => setRerunFrom(undefined)}>
              Cancel
            </button>
            <button
              type="button"
              className="btn btn-primary"
              onClick={() => {
                action.mutate({ path: 'rerun', body: { fromStep: rerunFrom } });
                setRerunFrom(undefined);
              }}
            >
              Rerun from step {rerunFrom}
            </button>
          </>
        }
      >
        <span />
      </Dialog>
      <ConfirmDialog
        open={confirmDelete}
        title="Delete this run?"
        description="The run, its attempts and step outputs are removed. This cannot be undone."
        keepLabel="Keep it"
        confirmLabel="Delete run"
        onClose={() => setConfirmDelete(false)}
        onConfirm={() => remove.mutate()}
      />
      {duplicating ? <DuplicateDialog runId={runId} onClose={() => setDuplicating(false)} /> : null}
    </div>
  );
}

function OptionsCard({ run }: { run: RunDetails }) {
  const ms = run.modelSettings;
  return (
    <section className="card" aria-labelledby="options-title">
      <div className="card-header">
        <h2 id="options-title">Options</h2>
      </div>
      <div className="card-body">
        <dl className="props">
          <dt>Agent</dt>
          <dd>
            <Link to="/agents/$agentId" params={{ agentId: run.agentId }} search={{}}>
              {run.agentName || run.agentId}
            </Link>{' '}
            <span className="muted">v{run.agentVersion}</span>
          </dd>
          <dt>Status</dt>
          <dd>
            <StatusBadge status={run.status} />
          </dd>
          <dt>Model</dt>
          <dd>{ms.model}</dd>
          <dt>Reasoning</dt>
          <dd>{ms.reasoningEffort ?? 'default'}</dd>
          {ms.temperature !== undefined ? (
            <>
              <dt>Temperature</dt>
              <dd>{ms.temperature}</dd>
            </>
          ) : null}
          {ms.maxOutputTokens !== undefined ? (
            <>
              <dt>Max output</dt>
              <dd>{ms.maxOutputTokens.toLocaleString()} tokens</dd>
            </>
          ) : null}
          <dt>Step overrides</dt>
          <dd>
            {run.stepOverrides.length === 0
              ? 'None'
              : run.stepOverrides.map((o) => (
                  <div key={o.step}>
                    Step {o.step}:{' '}
                    {[o.model, o.reasoningEffort && `reasoning ${o.reasoningEffort}`]
                      .filter(Boolean)
                      .join(', ')}
                  </div>
                ))}
          </dd>
          <dt>Steps</dt>
          <dd>{run.stepCount}</dd>
          <dt>Estimated</dt>
          <dd>{formatCredits(run.estimatedCredits)} credits</dd>
          <dt>Actual</dt>
          <dd>{run.actualCredits === null ? '—' : `${formatCredits(run.actualCredits)} credits`}</dd>
          <dt>Notification</dt>
          <dd>
            {run.notification.on === 'none' ? 'None' : `On ${run.notification.on}`}
            {run.notification.email?.length ? ` · ${run.notification.email.join(', ')}` : ''}
          </dd>
          <dt>Sites</dt>
          <dd>
            {run.sites.length === 0
              ? 'None'
              : run.sites.map((site, i) => (
                  <span key={site.id}>
                    {i > 0 ? ', ' : ''}
                    {site.found ? (
                      <Link to="/sites/$siteId" params={{ siteId: site.id }}>
                        {site.name ?? site.id}
                      </Link>
                    ) : (
                      <span className="muted">{site.id} (deleted)</span>
                    )}
                    {site.archived ? ' (archived)' : ''}
                  </span>
                ))}
          </dd>
          <dt>Trigger</dt>
          <dd>
            {run.trigger.kind}
            {run.trigger.upload ? (
              <>
                {' · '}
                <a
                  href={`/api/sites/${run.trigger.upload.siteId}/documents/${run.trigger.upload.documentId}/content?version=${run.trigger.upload.version}`}
                >
                  {run.trigger.upload.name}
                </a>{' '}
                (version {run.trigger.upload.version})
              </>
            ) : null}
            {run.trigger.duplicateOf ? (
              <>
                {' '}
                · copy of{' '}
                <Link to="/runs/$runId" params={{ runId: run.trigger.duplicateOf }}>
                  run
                </Link>
              </>
            ) : null}
          </dd>
          <dt>Created</dt>
          <dd title={formatTime(run.createdAt)}>{timeAgo(run.createdAt)}</dd>
          <dt>Last completed</dt>
          <dd title={formatTime(run.lastCompletedAt)}>{timeAgo(run.lastCompletedAt)}</dd>
        </dl>
      </div>
    </section>
  );
}

function AttemptsCard({ attempts }: { attempts: AttemptView[] | undefined }) {
  return (
    <section className="card" aria-labelledby="attempts-title">
      <div className="card-header">
        <h2 id="attempts-title">Attempts</h2>
        <span className="muted">{attempts?.length ?? 0}</span>
      </div>
      {!attempts || attempts.length === 0 ? (
        <div className="card-body">
          <p className="muted" style={{ margin: 0 }}>
            Not started yet.
          </p>
        </div>
      ) : (
        <div className="table-scroll">
          <table className="simple" data-testid="attempts">
            <thead>
              <tr>
                <th scope="col">#</th>
                <th scope="col">Status</th>
                <th scope="col">Version</th>
                <th scope="col">From step</th>
                <th scope="col">Started</th>
                <th scope="col">Took</th>
              </tr>
            </thead>
            <tbody>
              {attempts.map((a) => (
                <tr key={a.id}>
                  <td>{a.number}</td>
                  <td>
                    <StatusBadge status={a.status} />
                    {a.error ? <div className="field-error">{a.error}</div> : null}
                  </td>
                  <td>v{a.agentVersion}</td>
                  <td>{a.fromStep}</td>
                  <td title={formatTime(a.startedAt)}>{timeAgo(a.startedAt ?? a.createdAt)}</td>
                  <td>{duration(a.startedAt, a.finishedAt) ?? '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
