import type { StepView } from '../shell/api-types.ts';
import { duration, formatCredits, formatTime } from '../shell/format-time.ts';
import { SimulatedPill, StatusBadge } from '../shell/status-badge.tsx';
import { GeneratedFiles } from './file-preview.tsx';
import { RunOutput } from './run-output.tsx';
import './file-preview.css';
import { ToolCalls } from './tool-calls.tsx';

/** D5: one step of the run's latest attempt, with everything it used and produced. */
export function StepCard({
  step,
  canRerun,
  onRerunFrom,
}: {
  step: StepView;
  canRerun: boolean;
  onRerunFrom(step: number): void;
}) {
  const headingId = `step-${step.number}-title`;
  const usage = step.usage;
  return (
    <article className="step" aria-labelledby={headingId} data-step={step.number}>
      <div className="step-head">
        <span className="step-num" aria-hidden="true">
          {step.number}
        </span>
        <h3 id={headingId}>
          <span className="visually-hidden">Step {step.number}: </span>
          {step.name}
        </h3>
        {step.reused ? (
          <span className="pill" title="Kept from the previous attempt (rerun from a later step)">
            Reused
          </span>
        ) : null}
        {step.simulated ? <SimulatedPill /> : null}
        <StatusBadge status={step.status} />
        {canRerun ? (
          <button type="button" className="btn btn-sm" onClick={() => onRerunFrom(step.number)}>
            Rerun from this step
          </button>
        ) : null}
      </div>
      <div className="step-meta">
        <span>
          <b>Model</b> {step.model}
        </span>
        <span>
          <b>Reasoning</b> {step.reasoningEffort ?? 'default'}
        </span>
        <span title={`queued ${formatTime(step.queuedAt)}`}>
          <b>Started</b> {formatTime(step.startedAt)}
        </span>
        <span>
          <b>Finished</b> {formatTime(step.finishedAt)}
          {duration(step.startedAt, step.finishedAt) ? ` (${duration(step.startedAt, step.finishedAt)})` : ''}
        </span>
        <span>
          <b>Tokens</b>{' '}
          {usage
            ? `${usage.inputTokens.toLocaleString()} in · ${usage.outputTokens.toLocaleString()} out`
            : '—'}
        </span>
        <span>
          <b>Credits</b> {formatCredits(step.credits)}
        </span>
      </div>
      <div className="step-body">
        {step.error ? (
          <div className="banner banner-error" role="alert">
            {step.error}
          </div>
        ) : null}
        {step.output !== null && step.files.length > 0 ? (
          // A file step's output is the spec the file was rendered from: the file and its preview
          // below are what people read, the spec stays one click away.
          <details className="sub-list">
            <summary>File spec (JSON)</summary>
            <RunOutput text={step.output} label={`Output of step ${step.number}`} />
          </details>
        ) : step.output !== null ? (
          <RunOutput text={step.output} label={`Output of step ${step.number}`} />
        ) : step.status === 'running' ? (
          <p className="muted" style={{ margin: 0 }}>
            Working on it…
          </p>
        ) : step.status === 'pending' ? (
          <p className="muted" style={{ margin: 0 }}>
            Not run yet.
          </p>
        ) : null}
        <ToolCalls calls={step.toolCalls} />
        <Details label="Sources" items={step.sources} />
        <GeneratedFiles files={step.files} />
        {step.files.length === 0 ? <Details label="Files" items={step.files} /> : null}
      </div>
    </article>
  );
}

function Details({ label, items }: { label: string; items: unknown[] }) {
  if (items.length === 0)
    return (
      <div className="sub-list">
        {label}: <span className="muted">none</span>
      </div>
    );
  return (
    <details className="sub-list">
      <summary>
        {label} ({items.length})
      </summary>
      <pre className="output">{JSON.stringify(items, null, 2)}</pre>
    </details>
  );
}
