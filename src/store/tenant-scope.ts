import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * Which organization's rows the current code may touch on PostgreSQL, the second wall behind the
 * application's own `org_id` checks (row-level security, migration 0013). An API request runs in
 * its actor's organization (`api/create-app.ts` enters it after authentication); code outside any
 * request (the engine, scheduler, notifier, sealer, extraction worker, sign-in's lookup of an email,
 * the CLI) runs in the `system` scope, the one narrow way past the wall. The token and session
 * lookups read through functions that take the system scope for their own duration (`runKeepingScope`).
 * SQLite has no row-level security: there the scope changes nothing.
 */
export type TenantScope =
  | { kind: 'organization'; orgId: string }
  | { kind: 'system' }
  /** Whatever scope the connection has: only for a statement that sets its own (see `runKeepingScope`). */
  | { kind: 'kept' };

const storage = new AsyncLocalStorage<TenantScope>();
const systemScope: TenantScope = { kind: 'system' };

/** Runs `fn` (and everything it starts) confined to `orgId`'s rows. */
export function runInOrganization<T>(orgId: string, fn: () => T): T {
  return storage.run({ kind: 'organization', orgId }, fn);
}

/** Runs `fn` in the system scope, for work that spans organizations by design. */
export function runAsSystem<T>(fn: () => T): T {
  return storage.run(systemScope, fn);
}

/**
 * Runs `fn` without switching its connection's scope: for a call to a PostgreSQL function that
 * sets its own for its duration (`SET agentruns.scope` in its definition: the token and session
 * lookups of migration 0021). A request's lookup then costs no `set_config` round trip, and the
 * connection keeps the organization its last request set, which the request's own queries reuse.
 */
export function runKeepingScope<T>(fn: () => T): T {
  return storage.run(keptScope, fn);
}

const keptScope: TenantScope = { kind: 'kept' };

/** The scope in force: outside any `runInOrganization`, the system scope. */
export function currentTenantScope(): TenantScope {
  return storage.getStore() ?? systemScope;
}

/**
 * Binds `fn` to the scope in force now, so a callback registered by a worker keeps the worker's
 * scope when a request later calls it (the event bus calls listeners synchronously).
 */
export function bindTenantScope<A extends unknown[], R>(fn: (...args: A) => R): (...args: A) => R {
  const scope = storage.getStore();
  return scope === undefined
    ? (...args: A) => storage.exit(() => fn(...args))
    : (...args: A) => storage.run(scope, () => fn(...args));
}
