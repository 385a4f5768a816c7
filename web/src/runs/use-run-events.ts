import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';

/** Event types the run's stream carries (run log); each one means the run's view changed. */
const EVENT_TYPES = [
  'run.created',
  'run.status',
  'run.updated',
  'step.started',
  'step.finished',
  'step.delta',
];

/** Several events in one burst (a step finishes, the next starts) cost one refetch. */
const REFRESH_DELAY_MS = 120;

/**
 * Follows `GET /api/runs/:id/events` (server-sent events) while the page is open and refreshes
 * the run and its attempts on every event, so the page goes enqueued → running → completed
 * without a reload. EventSource reconnects by itself and resumes with Last-Event-ID.
 */
export function useRunEvents(runId: string): 'connecting' | 'live' | 'offline' {
  const queryClient = useQueryClient();
  const [state, setState] = useState<'connecting' | 'live' | 'offline'>('connecting');
  useEffect(() => {
    const source = new EventSource(`/api/runs/${encodeURIComponent(runId)}/events`);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const refresh = () => {
      if (timer) return;
      timer = setTimeout(() => {
        timer = undefined;
        void queryClient.invalidateQueries({ queryKey: ['run', runId] });
        void queryClient.invalidateQueries({ queryKey: ['attempts', runId] });
      }, REFRESH_DELAY_MS);
    };
    source.onopen = () => setState('live');
    source.onerror = () => setState(source.readyState === EventSource.CLOSED ? 'offline' : 'connecting');
    for (const type of EVENT_TYPES) source.addEventListener(type, refresh);
    source.onmessage = refresh;
    return () => {
      if (timer) clearTimeout(timer);
      source.close();
    };
  }, [runId, queryClient]);
  return state;
}
