const labels: Record<string, string> = {
  new: 'New',
  enqueued: 'Enqueued',
  running: 'Running',
  completed: 'Completed',
  failed: 'Failed',
  canceled: 'Canceled',
  pending: 'Pending',
};

/** A run, attempt or step status as a colored badge whose text a screen reader reads. */
export function StatusBadge({ status }: { status: string }) {
  return (
    <span className={`badge badge-${status}`} data-status={status}>
      {labels[status] ?? status}
    </span>
  );
}

export function SimulatedPill() {
  return (
    <span className="pill pill-sim" title="Answers come from the offline simulated model, not an AI provider">
      Simulated model
    </span>
  );
}
