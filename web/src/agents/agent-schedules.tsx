import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api } from '../shell/api-client.ts';
import type { AgentView, ScheduleView } from '../shell/api-types.ts';
import { ConfirmDialog } from '../shell/confirm-dialog.tsx';
import { EmptyState, ErrorBanner } from '../shell/empty-state.tsx';
import { bannerError, FormField, fieldMessage } from '../shell/form-field.tsx';
import { cronPreview } from './cron-preview.ts';

/** A fire time as the schedule's own clock reads it (the browser's zone when that one is unknown). */
function when(date: Date, timeZone: string): string {
  // `weekday` cannot be combined with `dateStyle`: the parts are named one by one.
  const options: Intl.DateTimeFormatOptions = {
    weekday: 'short',
    year: 'numeric',
    month: 'short',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
  };
  try {
    return new Intl.DateTimeFormat(undefined, { ...options, timeZone }).format(date);
  } catch {
    return new Intl.DateTimeFormat(undefined, options).format(date);
  }
}
const localZone = Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';

/** An agent's schedules (T1): add one with a preview of its next times, pause or resume, delete. */
export function AgentSchedules({ agent, canWrite }: { agent: AgentView; canWrite: boolean }) {
  const queryClient = useQueryClient();
  const key = ['schedules', agent.id];
  const schedules = useQuery({
    queryKey: key,
    queryFn: () => api<{ items: ScheduleView[] }>('GET', `/api/agents/${agent.id}/schedules`),
  });
  const [deleting, setDeleting] = useState<ScheduleView>();
  const refresh = () => queryClient.invalidateQueries({ queryKey: key });
  const toggle = useMutation({
    mutationFn: (s: ScheduleView) =>
      api('PATCH', `/api/agents/${agent.id}/schedules/${s.id}`, { enabled: !s.enabled }),
    onSuccess: () => refresh(),
  });
  const remove = useMutation({
    mutationFn: (id: string) => api('DELETE', `/api/agents/${agent.id}/schedules/${id}`),
    onSuccess: () => refresh(),
  });
  return (
    <div className="editor-section">
      <ErrorBanner error={schedules.error ?? toggle.error ?? remove.error} />
      <section className="card" aria-labelledby="schedules-title">
        <div className="card-header">
          <h2 id="schedules-title">Schedules</h2>
          <span className="muted">Runs start on their own at these times</span>
        </div>
        {schedules.data && schedules.data.items.length === 0 ? (
          <EmptyState title="No schedules">
            This agent runs only when someone or something starts it.
          </EmptyState>
        ) : (
          <div className="table-scroll">
            <table className="simple" aria-label="Schedules">
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">When</th>
                  <th scope="col">Next runs</th>
                  <th scope="col">State</th>
                  <th scope="col">
                    <span className="visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {schedules.data?.items.map((s) => (
                  <tr key={s.id} data-schedule={s.name}>
                    <td>{s.name}</td>
                    <td>
                      <code>{s.cron}</code>
                      <div className="muted">{s.timezone}</div>
                    </td>
                    <td>
                      {s.nextFireTimes.length === 0 ? (
                        <span className="muted">Paused</span>
                      ) : (
                        <ul className="plain-list" aria-label={`Next runs of ${s.name}`}>
                          {s.nextFireTimes.slice(0, 3).map((t) => (
                            <li key={t}>{when(new Date(t), s.timezone)}</li>
                          ))}
                        </ul>
                      )}
                    </td>
                    <td>
                      <span className={`pill${s.enabled ? '' : ' pill-override'}`}>
                        {s.enabled ? 'Active' : 'Paused'}
                      </span>
                    </td>
                    <td className="row-buttons">
                      {canWrite ? (
                        <>
                          <button
                            type="button"
                            className="btn btn-sm"
                            aria-label={`${s.enabled ? 'Pause' : 'Resume'} ${s.name}`}
                            onClick={() => toggle.mutate(s)}
                          >
                            {s.enabled ? 'Pause' : 'Resume'}
                          </button>
                          <button
                            type="button"
                            className="btn btn-sm btn-danger"
                            aria-label={`Delete ${s.name}`}
                            onClick={() => setDeleting(s)}
                          >
                            Delete
                          </button>
                        </>
                      ) : null}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
      {canWrite ? <NewSchedule agent={agent} onCreated={() => void refresh()} /> : null}
      <ConfirmDialog
        open={deleting !== undefined}
        title={`Delete the schedule ${deleting?.name ?? ''}?`}
        description="No more runs start from it. The runs it already started stay."
        keepLabel="Keep it"
        confirmLabel="Delete schedule"
        onClose={() => setDeleting(undefined)}
        onConfirm={() => deleting && remove.mutate(deleting.id)}
      />
    </div>
  );
}

function NewSchedule({ agent, onCreated }: { agent: AgentView; onCreated(): void }) {
  const [name, setName] = useState('');
  const [cron, setCron] = useState('0 9 * * 1-5');
  const [timezone, setTimezone] = useState(localZone);
  const [overlap, setOverlap] = useState<'skip' | 'queue'>('skip');
  const [catchUp, setCatchUp] = useState<'skip' | 'once'>('skip');
  const [variables, setVariables] = useState<Record<string, string>>({});
  const preview = cronPreview(cron, timezone);
  const create = useMutation({
    mutationFn: () =>
      api<ScheduleView>('POST', `/api/agents/${agent.id}/schedules`, {
        ...(name.trim() ? { name } : {}),
        cron,
        timezone,
        overlap,
        catchUp,
        variables: Object.fromEntries(Object.entries(variables).filter(([, v]) => v !== '')),
      }),
    onSuccess: () => {
      setName('');
      setVariables({});
      onCreated();
    },
  });
  return (
    <form
      className="card"
      aria-labelledby="new-schedule-title"
      onSubmit={(event) => {
        event.preventDefault();
        create.mutate();
      }}
    >
      <div className="card-header">
        <h2 id="new-schedule-title">Add a schedule</h2>
      </div>
      <div className="card-body">
        <div className="grid-3">
          <FormField
            id="schedule-name"
            label="Schedule name"
            hint="Optional"
            message={fieldMessage(create.error, 'name')}
          >
            <input type="text" value={name} onChange={(e) => setName(e.target.value)} />
          </FormField>
          <FormField
            id="schedule-cron"
            label="Cron expression"
            hint="minute hour day month weekday"
            message={fieldMessage(create.error, 'cron')}
          >
            <input type="text" value={cron} onChange={(e) => setCron(e.target.value)} />
          </FormField>
          <FormField
            id="schedule-timezone"
            label="Time zone"
            hint="IANA name, e.g. Europe/Paris"
            message={fieldMessage(create.error, 'timezone')}
          >
            <input type="text" value={timezone} onChange={(e) => setTimezone(e.target.value)} />
          </FormField>
        </div>
        <div className="cron-preview" aria-live="polite" data-testid="cron-preview">
          {preview.ok ? (
            <>
              <span className="muted">Next runs ({timezone || 'UTC'}):</span>
              <ul className="plain-list">
                {preview.times.map((t) => (
                  <li key={t.toISOString()}>{when(t, timezone)}</li>
                ))}
              </ul>
            </>
          ) : (
            <span className="field-error">{preview.message}</span>
          )}
        </div>
        <div className="grid-2">
          <FormField id="schedule-overlap" label="If the previous run is still going">
            <select value={overlap} onChange={(e) => setOverlap(e.target.value as 'skip' | 'queue')}>
              <option value="skip">Skip this time</option>
              <option value="queue">Queue it after</option>
            </select>
          </FormField>
          <FormField id="schedule-catchup" label="Times missed while the server was down">
            <select value={catchUp} onChange={(e) => setCatchUp(e.target.value as 'skip' | 'once')}>
              <option value="skip">Skip them</option>
              <option value="once">Run once for them</option>
            </select>
          </FormField>
        </div>
        {agent.variables.length > 0 ? (
          <div className="grid-2">
            {agent.variables.map((v) => (
              <FormField
                key={v.name}
                id={`schedule-var-${v.name}`}
                label={`Variable ${v.name}`}
                hint={
                  v.default === undefined
                    ? v.required
                      ? 'Required'
                      : 'Optional'
                    : `Default: ${String(v.default)}`
                }
                message={fieldMessage(create.error, `variables.${v.name}`)}
              >
                <input
                  type="text"
                  value={variables[v.name] ?? ''}
                  onChange={(e) => setVariables({ ...variables, [v.name]: e.target.value })}
                />
              </FormField>
            ))}
          </div>
        ) : null}
        <ErrorBanner error={bannerError(create.error)} />
        <div>
          <button type="submit" className="btn btn-primary" disabled={create.isPending}>
            Add schedule
          </button>
        </div>
      </div>
    </form>
  );
}
