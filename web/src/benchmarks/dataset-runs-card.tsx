import { useMutation, useQueryClient } from '@tanstack/react-query';
import { Link } from '@tanstack/react-router';
import { useState } from 'react';
import { api } from '../shell/api-client.ts';
import type { DatasetRunView } from '../shell/api-types.ts';
import { ErrorBanner } from '../shell/empty-state.tsx';
import { formatTime } from '../shell/format-time.ts';
import { StatusBadge } from '../shell/status-badge.tsx';
import { useDatasetRuns } from './use-benchmarks.ts';

/** Dataset runs: the agent over every reference case, on one version or two side by side. */
export function DatasetRunsCard({
  agentId,
  latestVersion,
  caseCount,
  canRun,
}: {
  agentId: string;
  latestVersion: number;
  caseCount: number;
  canRun: boolean;
}) {
  const queryClient = useQueryClient();
  const runs = useDatasetRuns(agentId);
  const [versionA, setVersionA] = useState(String(latestVersion));
  const [versionB, setVersionB] = useState('');
  const start = useMutation({
    mutationFn: () =>
      api<DatasetRunView>('POST', `/api/agents/${agentId}/dataset-runs`, {
        versions: [Number(versionA), ...(versionB ? [Number(versionB)] : [])],
      }),
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: ['dataset-runs', agentId] });
      void queryClient.invalidateQueries({ queryKey: ['benchmarks', agentId] });
    },
  });
  const versions = Array.from({ length: latestVersion }, (_, i) => String(latestVersion - i));
  return (
    <section className="card" aria-labelledby="datasets-title">
      <div className="card-header">
        <h2 id="datasets-title">Reference cases</h2>
        <span className="muted">{caseCount} case(s)</span>
      </div>
      <div className="card-body benchmark-grid">
        {canRun ? (
          <form
            className="criterion-row"
            onSubmit={(event) => {
              event.preventDefault();
              start.mutate();
            }}
          >
            <div className="field">
              <label htmlFor="dataset-version-a">Version</label>
              <select id="dataset-version-a" value={versionA} onChange={(e) => setVersionA(e.target.value)}>
                {versions.map((v) => (
                  <option key={v} value={v}>
                    v{v}
                  </option>
                ))}
              </select>
            </div>
            <div className="field">
              <label htmlFor="dataset-version-b">Compare with</label>
              <select id="dataset-version-b" value={versionB} onChange={(e) => setVersionB(e.target.value)}>
                <option value="">(none)</option>
                {versions
                  .filter((v) => v !== versionA)
                  .map((v) => (
                    <option key={v} value={v}>
                      v{v}
                    </option>
                  ))}
              </select>
            </div>
            <button type="submit" className="btn btn-primary" disabled={start.isPending || caseCount === 0}>
              Run reference cases
            </button>
          </form>
        ) : null}
        <ErrorBanner error={start.error ?? runs.error} />
        {(runs.data?.items ?? []).map((d) => (
          <DatasetRun key={d.id} run={d} />
        ))}
      </div>
    </section>
  );
}

function DatasetRun({ run }: { run: DatasetRunView }) {
  return (
    <div data-testid="dataset-run">
      <h3 style={{ margin: '0 0 4px', fontSize: 14 }}>
        {formatTime(run.createdAt)} ·{' '}
        {run.summary
          .map(
            (s) =>
              `v${s.version}: ${s.scored}/${s.runs} scored${s.passRate === null ? '' : `, ${Math.round(s.passRate * 100)}% passed`}${
                s.meanScore === null ? '' : `, mean ${s.meanScore.toFixed(1)}`
              }`,
          )
          .join(' · ')}
      </h3>
      <div className="table-scroll">
        <table className="simple">
          <thead>
            <tr>
              <th>Case</th>
              <th>Expected</th>
              {run.versions.map((v) => (
                <th key={v}>v{v}</th>
              ))}
            </tr>
          </thead>
          <tbody>
            {run.cases.map((c) => (
              <tr key={c.caseId}>
                <td>{c.name}</td>
                <td className="muted">{c.expected.slice(0, 80) || '—'}</td>
                {c.results.map((r) => (
                  <td key={r.version}>
                    <Link to="/runs/$runId" params={{ runId: r.runId }}>
                      {r.runStatus ? <StatusBadge status={r.runStatus} /> : 'deleted'}
                    </Link>{' '}
                    {r.benchmark?.status === 'done' ? (
                      <span className={r.benchmark.passed ? 'score-pass' : 'score-fail'}>
                        {r.benchmark.score ?? '—'} {r.benchmark.passed ? 'pass' : 'fail'}
                      </span>
                    ) : r.benchmark ? (
                      <span className="muted">{r.benchmark.status}</span>
                    ) : null}
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}
