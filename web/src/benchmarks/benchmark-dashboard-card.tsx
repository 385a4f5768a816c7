import type { BenchmarkDashboard } from '../shell/api-types.ts';
import { formatCredits } from '../shell/format-time.ts';
import { LineChart, palette, VersionBars } from './charts.tsx';

const pct = (n: number | null) => (n === null ? '—' : `${Math.round(n * 100)}%`);
const one = (n: number | null) => (n === null ? '—' : (Math.round(n * 10) / 10).toString());

/** B3: pass rate, each criterion's score, credits and duration, over time and by agent version. */
export function BenchmarkDashboardCard({ dashboard }: { dashboard: BenchmarkDashboard }) {
  const { totals, overTime, byVersion, criteria } = dashboard;
  const days = overTime.map((d) => d.day.slice(5));
  return (
    <section className="card" aria-labelledby="dashboard-title">
      <div className="card-header">
        <h2 id="dashboard-title">Quality dashboard</h2>
        <span className="muted">
          {totals.pending > 0 ? `${totals.pending} benchmark(s) waiting · ` : ''}
          {totals.errors > 0 ? `${totals.errors} failed · ` : ''}
          newest {dashboard.limit.toLocaleString()} results
        </span>
      </div>
      <div className="card-body benchmark-grid">
        <div className="tiles" data-testid="dashboard-totals">
          <Tile label="Benchmarked runs" value={String(totals.results)} />
          <Tile label="Pass rate" value={pct(totals.passRate)} testId="dashboard-pass-rate" />
          <Tile label="Mean score" value={one(totals.meanScore)} testId="dashboard-mean-score" />
          <Tile label="Mean credits" value={formatCredits(totals.meanCredits)} />
          <Tile
            label="Mean duration"
            value={totals.meanDurationMs === null ? '—' : `${(totals.meanDurationMs / 1000).toFixed(1)} s`}
          />
        </div>
        {totals.results === 0 ? (
          <p className="muted" style={{ margin: 0 }}>
            No benchmark results yet: run the benchmark from a completed run, turn on automatic benchmarks, or
            run the reference cases.
          </p>
        ) : (
          <>
            <div className="charts-grid">
              <LineChart
                title="Pass rate and mean score over time"
                labels={days}
                max={100}
                series={[
                  {
                    label: 'Pass rate %',
                    color: palette[0] ?? '',
                    values: overTime.map((d) => (d.passRate === null ? null : d.passRate * 100)),
                  },
                  { label: 'Mean score', color: palette[1] ?? '', values: overTime.map((d) => d.meanScore) },
                ]}
              />
              <LineChart
                title="Criteria scores over time"
                labels={days}
                max={1}
                format={(n) => n.toFixed(2)}
                series={criteria.map((c, i) => ({
                  label: c.name,
                  color: palette[i % palette.length] ?? '',
                  values: overTime.map((d) => d.criteria[c.id] ?? null),
                }))}
              />
              <LineChart
                title="Mean credits over time"
                labels={days}
                format={(n) => n.toFixed(3)}
                series={[
                  { label: 'Credits', color: palette[2] ?? '', values: overTime.map((d) => d.meanCredits) },
                ]}
              />
              <LineChart
                title="Mean duration over time (s)"
                labels={days}
                format={(n) => n.toFixed(1)}
                series={[
                  {
                    label: 'Duration',
                    color: palette[4] ?? '',
                    values: overTime.map((d) => (d.meanDurationMs === null ? null : d.meanDurationMs / 1000)),
                  },
                ]}
              />
              <VersionBars
                title="Mean score by agent version"
                bars={byVersion.map((v) => ({
                  label: `v${v.version}`,
                  value: v.meanScore,
                  flagged: v.regression !== null,
                }))}
              />
            </div>
            <div className="table-scroll">
              <table className="simple" aria-label="By agent version">
                <thead>
                  <tr>
                    <th>Version</th>
                    <th>Runs</th>
                    <th>Pass rate</th>
                    <th>Mean score</th>
                    {criteria.map((c) => (
                      <th key={c.id}>{c.name}</th>
                    ))}
                    <th>Credits</th>
                    <th>Duration</th>
                    <th>Change from the version before (95% interval)</th>
                  </tr>
                </thead>
                <tbody>
                  {byVersion.map((v) => (
                    <tr key={v.version} data-testid={`version-row-${v.version}`}>
                      <td>v{v.version}</td>
                      <td>{v.results}</td>
                      <td>{pct(v.passRate)}</td>
                      <td>{one(v.meanScore)}</td>
                      {criteria.map((c) => (
                        <td key={c.id}>
                          {v.criteria[c.id] === undefined ? '—' : v.criteria[c.id]?.toFixed(2)}
                        </td>
                      ))}
                      <td>{formatCredits(v.meanCredits)}</td>
                      <td>{v.meanDurationMs === null ? '—' : `${(v.meanDurationMs / 1000).toFixed(1)} s`}</td>
                      <td>
                        {v.comparison === null ? (
                          <span className="muted">—</span>
                        ) : (
                          <>
                            {v.comparison.difference >= 0 ? '+' : ''}
                            {one(v.comparison.difference)} vs v{v.comparison.from} [{one(v.comparison.low)},{' '}
                            {one(v.comparison.high)}]{' '}
                            {v.regression ? (
                              <span className="regression">Regression</span>
                            ) : (
                              <span className="muted">not a clear change</span>
                            )}
                          </>
                        )}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </>
        )}
      </div>
    </section>
  );
}

function Tile({ label, value, testId }: { label: string; value: string; testId?: string }) {
  return (
    <div className="tile">
      <div className="tile-value" data-testid={testId}>
        {value}
      </div>
      <div className="tile-label">{label}</div>
    </div>
  );
}
