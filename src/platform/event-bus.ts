import { bindTenantScope } from '../store/tenant-scope.ts';

/**
 * In-process publish/subscribe. Channels: `run:<id>` (new run events), `queue` (work available),
 * `cancel` (an attempt id was canceled). Across processes PostgreSQL LISTEN/NOTIFY feeds the same bus.
 */
export type Listener = (payload: string) => void;

export interface EventBus {
  publish(channel: string, payload?: string): void;
  /** Returns the function that unsubscribes. */
  subscribe(channel: string, listener: Listener): () => void;
}

export function createEventBus(): EventBus {
  const channels = new Map<string, Set<Listener>>();
  return {
    publish(channel, payload = '') {
      const listeners = channels.get(channel);
      if (!listeners) return;
      for (const listener of [...listeners]) listener(payload);
    },
    subscribe(channel, listener) {
      let listeners = channels.get(channel);
      if (!listeners) {
        listeners = new Set();
        channels.set(channel, listeners);
      }
      // A listener runs in the tenant scope it subscribed in, not the publisher's: a request that
      // wakes the engine must not lend it its organization (store/tenant-scope.ts).
      const bound = bindTenantScope(listener);
      listeners.add(bound);
      return () => {
        listeners.delete(bound);
        if (listeners.size === 0) channels.delete(channel);
      };
    },
  };
}
