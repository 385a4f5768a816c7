import type { RunStatus } from '../shell/api-types.ts';

/** The run list's filters, kept in the URL so a filtered list can be shared and reloaded. */
export interface RunsSearch {
  q?: string | undefined;
  agentId?: string | undefined;
  status?: RunStatus | undefined;
  trigger?: string | undefined;
  archived?: 'true' | 'all' | undefined;
}

export const runStatusOptions: RunStatus[] = [
  'new',
  'enqueued',
  'running',
  'completed',
  'failed',
  'canceled',
];
export const triggerOptions = ['manual', 'schedule', 'webhook', 'upload', 'agent', 'benchmark'] as const;

const text = (value: unknown) => (typeof value === 'string' && value !== '' ? value : undefined);

export function parseRunsSearch(search: Record<string, unknown>): RunsSearch {
  const status = text(search.status);
  const archived = text(search.archived);
  return {
    q: text(search.q),
    agentId: text(search.agentId),
    status: runStatusOptions.includes(status as RunStatus) ? (status as RunStatus) : undefined,
    trigger: text(search.trigger),
    archived: archived === 'true' || archived === 'all' ? archived : undefined,
  };
}
