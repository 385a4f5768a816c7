import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link } from '@tanstack/react-router';
import { api } from '../shell/api-client.ts';
import type { BenchmarkResultView } from '../shell/api-types.ts';
import { ErrorBanner } from '../shell/empty-state.tsx';
import { formatCredits, formatTime } from '../shell/format-time.ts';
import './benchmarks.css';

const waiting = (r: BenchmarkResultView) => r.status === 'pending' || r.status === 'running';

/** D7: the run's benchmark results (latest first) and the action that runs the benchmark again. */
export function RunBenchmarkCard({
  runId,
  agentId,
  canRun,
  initial,
}: {
  runId: string;
  agentId: string;
  /** The run completed and the user may rerun it. */
  canRun: boolean;
  initial: BenchmarkResultView[];
}) {
  const queryClient = useQueryClient();
  const results = useQuery({
    queryKey: ['run-benchmarks', runId],
    queryFn: () => api<{ items: BenchmarkResultView[] }>('GET', `/api/runs/${runId}/benchmarks`),
    initialData: { items: initial },
    // Polled while a benchmark waits; and for a while after completion, since a benchmark set to
    // run automatically is queued just after the run completes.
    refetchInterval: (query) => {
      const items = query.state.data?.items ?? [];
      if (items.some(waiting)) return 1000;
      return canRun && items.length === 0 && query.state.dataUpdateCount < 30 ? 1000 : false;
    },
  });
  const run = useMutation({
    mutationFn: () => api<BenchmarkResultView>('POST', `/api/runs/${runId}/benchmarks`),
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: ['run-benchmarks', runId] }),
  });
  const items = results.data?.items ?? [];
  const latest = items[0];
  return (
    <section className="card" aria-labelledby="benchmark-title">
      <div className="card-header">
        <h2 id="benchmark-title">Benchmark</h2>
        <span style={{ display: 'flex', gap: 8, alignItems: 'center' }}>
          <Link to="/agents/$agentId/benchmarks" params={{ agentId }} className="muted">
            Dashboard
          </Link>
          {canRun ? (
            <button
              type="button"
              className="btn btn-sm"
              disabled={run.isPending || (latest !== undefined && waiting(latest))}
              onClick={() => run.mutate()}
            >
              {latest ? 'Rerun benchmark' : 'Run benchmark'}
            </button>
          ) : null}
        </span>
      </div>
      <div className="card-body benchmark-grid">
        <ErrorBanner error={run.error} />
        {!latest ? (
          <p className="muted" style={{ margin: 0 }}>
            Not benchmarked yet.{' '}
            {canRun ? 'Run the benchmark to score this output.' : 'A completed run can be benchmarked.'}
          </p>
        ) : (
          <BenchmarkResult result={latest} />
        )}
        {items.length > 1 ? (
          <details>
            <summary className="muted">Earlier results ({items.length - 1})</summary>
            <ul>
              {items.slice(1).map((r) => (
                <li key={r.id}>
                  Attempt {r.attempt} · #{r.seq} ·{' '}
                  {r.status === 'done' ? `${r.score ?? '—'} / 100` : r.status} · {formatTime(r.createdAt)}
                </li>
              ))}
            </ul>
          </details>
        ) : null}
      </div>
    </section>
  );
}

/** One result: the overall score and pass, writing quality by dimension, each criterion. */
export function BenchmarkResult({ result }: { result: BenchmarkResultView }) {
  if (waiting(result))
    return (
      <p role="status" style={{ margin: 0 }}>
        Benchmark {result.status}…
      </p>
    );
  if (result.status === 'error')
    return (
      <div className="banner banner-error" role="alert">
        <div>The benchmark failed (the run is unchanged): {result.error}</div>
      </div>
    );
  return (
    <div className="benchmark-grid" data-testid="benchmark-result">
      <div className="tiles">
        <div className="tile">
          <div className="tile-value" data-testid="benchmark-score">
            {result.score ?? '—'}
          </div>
          <div className="tile-label">Score of 100</div>
        </div>
        <div className="tile">
          <div
            className={`tile-value ${result.passed ? 'score-pass' : 'score-fail'}`}
            data-testid="benchmark-passed"
          >
            {result.passed === null ? '—' : result.passed ? 'Passed' : 'Failed'}
          </div>
          <div className="tile-label">
            Attempt {result.attempt} · {result.origin}
          </div>
        </div>
        <div className="tile">
          <div className="tile-value">{formatCredits(result.credits)}</div>
          <div className="tile-label">Credits</div>
        </div>
        <div className="tile">
          <div className="tile-value">
            {result.durationMs === null ? '—' : `${(result.durationMs / 1000).toFixed(1)} s`}
          </div>
          <div className="tile-label">Duration</div>
        </div>
      </div>
      {result.quality ? (
        <div>
          <h3 style={{ margin: '0 0 8px', fontSize: 14 }}>
            Writing quality {result.quality.score} / 100{' '}
            {result.quality.simulatedJudge ? <span className="pill pill-sim">simulated judge</span> : null}
          </h3>
          <div className="table-scroll">
            <table className="simple">
              <thead>
                <tr>
                  <th>Dimension</th>
                  <th>Score</th>
                  <th>Range</th>
                  <th>Measured</th>
                </tr>
              </thead>
              <tbody>
                {result.quality.dimensions.map((d) => (
                  <tr key={d.name}>
                    <td>{d.name}</td>
                    <td>{d.score}</td>
                    <td>
                      {d.range.label} ({d.range.from}–{d.range.to})
                    </td>
                    <td className="muted">
                      {d.method}: {d.detail}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {result.quality.recommendations.length > 0 ? (
            <>
              <h4 style={{ margin: '12px 0 4px', fontSize: 13 }}>Recommendations</h4>
              <ul style={{ margin: 0 }}>
                {result.quality.recommendations.map((r) => (
                  <li key={r}>{r}</li>
                ))}
              </ul>
            </>
          ) : null}
        </div>
      ) : null}
      {result.criteria.length > 0 ? (
        <div className="table-scroll">
          <table className="simple" aria-label="Criteria">
            <thead>
              <tr>
                <th>Criterion</th>
                <th>Score</th>
                <th>Pass mark</th>
                <th>Result</th>
                <th>Why</th>
              </tr>
            </thead>
            <tbody>
              {result.criteria.map((c) => (
                <tr key={c.id}>
                  <td>{c.name}</td>
                  <td>{c.score}</td>
                  <td>{c.threshold}</td>
                  <td className={c.passed ? 'score-pass' : 'score-fail'}>{c.passed ? 'pass' : 'fail'}</td>
                  <td className="muted">
                    {c.reason}
                    {c.simulated ? ' (simulated judge)' : ''}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </div>
  );
}
