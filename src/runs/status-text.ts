import type { RunStatus } from '../engine/statuses.ts';

/** The running status text of D1: "Step 2 of 4: Summarize", "Completed 3 of 3 steps". */
export function statusText(
  status: RunStatus,
  stepCount: number,
  step?: { number: number; name: string },
): string {
  switch (status) {
    case 'new':
      return 'Not started';
    case 'enqueued':
      return 'Waiting for a worker';
    case 'running':
      return step ? `Step ${step.number} of ${stepCount}: ${step.name}` : 'Starting';
    case 'completed':
      return `Completed ${stepCount} of ${stepCount} steps`;
    case 'failed':
      return step ? `Failed at step ${step.number} of ${stepCount}: ${step.name}` : 'Failed';
    case 'canceled':
      return step
        ? `Canceled at step ${step.number} of ${stepCount}: ${step.name}`
        : 'Canceled before it started';
    default: {
      const unreachable: never = status;
      return String(unreachable);
    }
  }
}
