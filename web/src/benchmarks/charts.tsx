/**
 * The dashboards' charts, drawn as plain SVG rather than with a chart library: they are a few
 * lines and bars, a library (Recharts, Chart.js) would add 100–200 kB to a bundle already past
 * Vite's 600 kB warning, and hand-drawn SVG lets every chart carry its numbers as a table for
 * screen readers and tests.
 */

export interface Series {
  label: string;
  color: string;
  /** One value per x label; null where there is none. */
  values: Array<number | null>;
}

const WIDTH = 560;
const HEIGHT = 180;
const PAD = { left: 44, right: 12, top: 12, bottom: 28 };

export const palette = [
  '#4f46e5',
  '#059669',
  '#d97706',
  '#dc2626',
  '#0891b2',
  '#7c3aed',
  '#db2777',
  '#65a30d',
];

/** A line chart of one or more series over `labels` (days or versions). */
export function LineChart({
  title,
  labels,
  series,
  max,
  format = (n) => String(Math.round(n * 10) / 10),
}: {
  title: string;
  labels: string[];
  series: Series[];
  /** The top of the y axis; default the largest value. */
  max?: number;
  format?: (n: number) => string;
}) {
  const values = series.flatMap((s) => s.values.filter((v): v is number => v !== null));
  const top = max ?? Math.max(1e-9, ...values);
  const innerW = WIDTH - PAD.left - PAD.right;
  const innerH = HEIGHT - PAD.top - PAD.bottom;
  const x = (i: number) => PAD.left + (labels.length <= 1 ? innerW / 2 : (i * innerW) / (labels.length - 1));
  const y = (v: number) => PAD.top + innerH - (Math.min(v, top) / top) * innerH;
  return (
    <figure className="chart">
      <figcaption>{title}</figcaption>
      <svg viewBox={`0 0 ${WIDTH} ${HEIGHT}`} role="img" aria-label={title}>
        {[0, 0.5, 1].map((f) => (
          <g key={f}>
            <line
              x1={PAD.left}
              x2={WIDTH - PAD.right}
              y1={y(top * f)}
              y2={y(top * f)}
              className="chart-grid"
            />
            <text x={PAD.left - 6} y={y(top * f) + 4} textAnchor="end" className="chart-axis">
              {format(top * f)}
            </text>
          </g>
        ))}
        {labels.map((label, i) =>
          labels.length <= 8 || i % Math.ceil(labels.length / 8) === 0 ? (
            <text key={label} x={x(i)} y={HEIGHT - 8} textAnchor="middle" className="chart-axis">
              {label}
            </text>
          ) : null,
        )}
        {series.map((s) => {
          const points = s.values.flatMap((v, i) => (v === null ? [] : [`${x(i)},${y(v)}`]));
          return (
            <g key={s.label}>
              <polyline points={points.join(' ')} fill="none" stroke={s.color} strokeWidth={2} />
              {s.values.map((v, i) =>
                v === null ? null : (
                  <circle key={labels[i]} cx={x(i)} cy={y(v)} r={3} fill={s.color}>
                    <title>{`${s.label} ${labels[i]}: ${format(v)}`}</title>
                  </circle>
                ),
              )}
            </g>
          );
        })}
      </svg>
      <Legend series={series} />
      <DataTable title={title} labels={labels} series={series} format={format} />
    </figure>
  );
}

/** Bars of the mean score per version; a version flagged as a clear regression is drawn red. */
export function VersionBars({
  title,
  bars,
}: {
  title: string;
  bars: Array<{ label: string; value: number | null; flagged: boolean }>;
}) {
  const innerW = WIDTH - PAD.left - PAD.right;
  const innerH = HEIGHT - PAD.top - PAD.bottom;
  const slot = innerW / Math.max(1, bars.length);
  const y = (v: number) => PAD.top + innerH - (Math.min(v, 100) / 100) * innerH;
  return (
    <figure className="chart">
      <figcaption>{title}</figcaption>
      <svg viewBox={`0 0 ${WIDTH} ${HEIGHT}`} role="img" aria-label={title}>
        {[0, 50, 100].map((v) => (
          <g key={v}>
            <line x1={PAD.left} x2={WIDTH - PAD.right} y1={y(v)} y2={y(v)} className="chart-grid" />
            <text x={PAD.left - 6} y={y(v) + 4} textAnchor="end" className="chart-axis">
              {v}
            </text>
          </g>
        ))}
        {bars.map((b, i) => {
          const x = PAD.left + i * slot + slot * 0.2;
          const value = b.value ?? 0;
          return (
            <g key={b.label}>
              <rect
                x={x}
                y={y(value)}
                width={slot * 0.6}
                height={PAD.top + innerH - y(value)}
                fill={b.flagged ? '#dc2626' : '#4f46e5'}
                rx={3}
              >
                <title>{`${b.label}: ${b.value === null ? '—' : value.toFixed(1)}${b.flagged ? ' (regression)' : ''}`}</title>
              </rect>
              <text x={x + slot * 0.3} y={HEIGHT - 8} textAnchor="middle" className="chart-axis">
                {b.label}
              </text>
            </g>
          );
        })}
      </svg>
    </figure>
  );
}

function Legend({ series }: { series: Series[] }) {
  if (series.length <= 1) return null;
  return (
    <div className="chart-legend">
      {series.map((s) => (
        <span key={s.label}>
          <i style={{ background: s.color }} />
          {s.label}
        </span>
      ))}
    </div>
  );
}

function DataTable({
  title,
  labels,
  series,
  format,
}: {
  title: string;
  labels: string[];
  series: Series[];
  format: (n: number) => string;
}) {
  return (
    // A table ignores a width smaller than its content: the wrapper is what is 1 px wide.
    <div className="visually-hidden">
      <table>
        <caption>{title}</caption>
        <thead>
          <tr>
            <th>When</th>
            {series.map((s) => (
              <th key={s.label}>{s.label}</th>
            ))}
          </tr>
        </thead>
        <tbody>
          {labels.map((label, i) => (
            <tr key={label}>
              <td>{label}</td>
              {series.map((s) => {
                const v = s.values[i];
                return <td key={s.label}>{v === null || v === undefined ? '—' : format(v)}</td>;
              })}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
