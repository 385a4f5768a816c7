/**
 * Run and attempt statuses (SPEC R2) as pure predicates. The diagram is in docs/ARCHITECTURE.md:
 *
 *   new ──start──▶ enqueued ──claim──▶ running ──▶ completed | failed | canceled
 *                     │                   │
 *                     └──────cancel───────┴──────────────────▶ canceled
 *   completed | failed | canceled ──rerun──▶ enqueued
 */
export const runStatuses = ['new', 'enqueued', 'running', 'completed', 'failed', 'canceled'] as const;
export type RunStatus = (typeof runStatuses)[number];

export type AttemptStatus = Exclude<RunStatus, 'new'>;
export type FinalStatus = 'completed' | 'failed' | 'canceled';

export type StepStatus = 'completed' | 'failed' | 'canceled';

export function isFinalStatus(status: string): status is FinalStatus {
  return status === 'completed' || status === 'failed' || status === 'canceled';
}

/** Cancel applies to work that is waiting or under way. */
export function isCancelable(status: string): boolean {
  return status === 'enqueued' || status === 'running';
}

/** Rerun, rerun from a step: only once the previous attempt has ended (M1). */
export function isRerunnable(status: string): boolean {
  return isFinalStatus(status);
}

export function isStartable(status: string): boolean {
  return status === 'new';
}

const legal: Record<RunStatus, readonly RunStatus[]> = {
  new: ['enqueued'],
  enqueued: ['running', 'canceled'],
  running: ['completed', 'failed', 'canceled'],
  completed: ['enqueued'],
  failed: ['enqueued'],
  canceled: ['enqueued'],
};

export function canTransition(from: RunStatus, to: RunStatus): boolean {
  return legal[from].includes(to);
}

export function isRunStatus(value: string): value is RunStatus {
  return (runStatuses as readonly string[]).includes(value);
}
