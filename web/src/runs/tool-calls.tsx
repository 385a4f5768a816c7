import type { StepView } from '../shell/api-types.ts';

/** D5 "tool calls": each call of the step in order, its outcome, duration, and what went in and out. */
export function ToolCalls({ calls }: { calls: StepView['toolCalls'] }) {
  if (calls.length === 0)
    return (
      <div className="sub-list">
        Tool calls: <span className="muted">none</span>
      </div>
    );
  return (
    <details className="sub-list" open>
      <summary>Tool calls ({calls.length})</summary>
      <ol className="tool-calls">
        {calls.map((call) => (
          <li key={call.seq} data-tool-call={call.seq}>
            <b>{call.tool}</b>{' '}
            {call.refusedBy ? (
              <span className="badge badge-failed">refused by {call.refusedBy}</span>
            ) : call.error ? (
              <span className="badge badge-failed">failed</span>
            ) : (
              <span className="badge badge-completed">ok</span>
            )}{' '}
            <span className="muted">{call.durationMs} ms</span>
            {call.error ? <div className="banner banner-error">{call.error}</div> : null}
            <details>
              <summary>Arguments and result</summary>
              <pre className="output">
                {JSON.stringify({ arguments: call.arguments, result: call.result }, null, 2)}
              </pre>
            </details>
          </li>
        ))}
      </ol>
    </details>
  );
}
