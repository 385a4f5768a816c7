import type { ExtractionStatus } from '../shell/api-types.ts';

const labels: Record<ExtractionStatus, string> = {
  queued: 'Queued',
  extracting: 'Extracting',
  ready: 'Ready',
  failed: 'Failed',
};

/** A document version's extraction status, colored like the run statuses it resembles. */
export function ExtractionBadge({ status }: { status: ExtractionStatus }) {
  return (
    <span className={`badge badge-x-${status}`} data-extraction={status}>
      {labels[status]}
    </span>
  );
}
