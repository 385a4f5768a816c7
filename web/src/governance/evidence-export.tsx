import { useMutation, useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { useAgents } from '../agents/use-agents.ts';
import { api } from '../shell/api-client.ts';
import type { ExportView } from '../shell/api-types.ts';
import { ErrorBanner } from '../shell/empty-state.tsx';
import { bannerError, FormField, fieldMessage } from '../shell/form-field.tsx';
import { formatTime } from '../shell/format-time.ts';

const finished = (e: ExportView | undefined) => e?.status === 'completed' || e?.status === 'failed';

/** Start an evidence export (an agent's runs, a date range, or run ids), follow it, download it. */
export function EvidenceExport() {
  const agents = useAgents('all');
  const [agentId, setAgentId] = useState('');
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const [runIds, setRunIds] = useState('');
  const [exportIds, setExportIds] = useState<string[]>([]);
  const start = useMutation({
    mutationFn: () => {
      const ids = runIds
        .split(/[,\s]+/)
        .map((s) => s.trim())
        .filter(Boolean);
      return api<ExportView>('POST', '/api/governance/exports', {
        ...(agentId ? { agentId } : {}),
        ...(from ? { from: new Date(`${from}T00:00:00`).toISOString() } : {}),
        ...(to ? { to: new Date(`${to}T23:59:59.999`).toISOString() } : {}),
        ...(ids.length > 0 ? { runIds: ids } : {}),
      });
    },
    onSuccess: (view) => setExportIds((list) => [view.id, ...list]),
  });
  return (
    <div className="editor-section">
      <form
        className="card"
        aria-labelledby="export-title"
        onSubmit={(event) => {
          event.preventDefault();
          start.mutate();
        }}
      >
        <div className="card-header">
          <h2 id="export-title">Export evidence</h2>
          <span className="muted">A ZIP of records, receipts, files and public keys</span>
        </div>
        <div className="card-body">
          <div className="grid-3">
            <FormField id="export-agent" label="Agent" message={fieldMessage(start.error, 'agentId')}>
              <select value={agentId} onChange={(e) => setAgentId(e.target.value)}>
                <option value="">Any agent</option>
                {agents.data?.items.map((a) => (
                  <option key={a.id} value={a.id}>
                    {a.name}
                  </option>
                ))}
              </select>
            </FormField>
            <FormField id="export-from" label="From" message={fieldMessage(start.error, 'from')}>
              <input type="date" value={from} onChange={(e) => setFrom(e.target.value)} />
            </FormField>
            <FormField id="export-to" label="To" message={fieldMessage(start.error, 'to')}>
              <input type="date" value={to} onChange={(e) => setTo(e.target.value)} />
            </FormField>
          </div>
          <FormField
            id="export-runs"
            label="Or these runs"
            hint="Run ids, comma-separated"
            message={fieldMessage(start.error, 'runIds')}
          >
            <input type="text" value={runIds} onChange={(e) => setRunIds(e.target.value)} />
          </FormField>
          <ErrorBanner error={bannerError(start.error)} />
          <div>
            <button type="submit" className="btn btn-primary" disabled={start.isPending}>
              Start export
            </button>
          </div>
        </div>
      </form>
      {exportIds.length > 0 ? (
        <section className="card" aria-labelledby="exports-title">
          <div className="card-header">
            <h2 id="exports-title">Exports</h2>
          </div>
          <div className="card-body">
            <ul className="plain-list export-list">
              {exportIds.map((id) => (
                <ExportProgress key={id} id={id} />
              ))}
            </ul>
          </div>
        </section>
      ) : null}
    </div>
  );
}

/** One export, asked again every second until it completes or fails. */
function ExportProgress({ id }: { id: string }) {
  const view = useQuery({
    queryKey: ['evidence-export', id],
    queryFn: () => api<ExportView>('GET', `/api/governance/exports/${id}`),
    refetchInterval: (query) => (finished(query.state.data) ? false : 1000),
  });
  const e = view.data;
  if (!e) return <li className="muted">Starting {id}…</li>;
  const { runsDone, runsTotal } = e.progress;
  return (
    <li className="export-item" data-export-status={e.status}>
      <div className="grow">
        <strong>{e.id}</strong> <span className={`pill export-${e.status}`}>{e.status}</span>
        <div className="muted">
          {runsDone} of {runsTotal} runs · started {formatTime(e.createdAt)}
          {e.sizeBytes !== null ? ` · ${(e.sizeBytes / 1024).toFixed(1)} kB` : ''}
        </div>
        {e.status === 'running' || e.status === 'queued' ? (
          <progress max={Math.max(runsTotal, 1)} value={runsDone} aria-label={`Progress of ${e.id}`} />
        ) : null}
        {e.sha256 ? (
          <div className="muted break">
            SHA-256 <code>{e.sha256}</code>
          </div>
        ) : null}
        {e.error ? <div className="field-error">{e.error}</div> : null}
      </div>
      {e.downloadUrl ? (
        <a className="btn btn-primary btn-sm" href={e.downloadUrl} download>
          Download bundle
        </a>
      ) : null}
    </li>
  );
}
