import { ForbiddenError } from '../platform/errors.ts';
import type { Actor, Role } from './actor.ts';

/**
 * Who may do what: the one permission matrix every route goes through (`api/route.ts` makes a
 * route name its permission; `create-app.ts` checks it before the handler runs).
 *
 * Roles (SPEC "Organization / users / roles"): an admin does everything; an editor edits agents
 * and manages runs and Sites; a runner starts and manages runs; a viewer reads. Organization
 * administrators alone export governed evidence, change policy and manage users.
 *
 * The policy narrows two of these further, per organization: `runs.delete` is also subject to the
 * policy's roles allowed to delete, retention and legal hold (`policy/deletion-rules.ts`).
 * `tokens.manage` is everyone's: each user manages their own tokens; other users' tokens need
 * `users.manage` as well.
 */
export const permissions = {
  'agents.read': ['admin', 'editor', 'runner', 'viewer'],
  'agents.write': ['admin', 'editor'],
  'runs.read': ['admin', 'editor', 'runner', 'viewer'],
  'runs.start': ['admin', 'editor', 'runner'],
  'runs.cancel': ['admin', 'editor', 'runner'],
  'runs.rerun': ['admin', 'editor', 'runner'],
  'runs.archive': ['admin', 'editor', 'runner'],
  'runs.delete': ['admin', 'editor'],
  'sites.read': ['admin', 'editor', 'runner', 'viewer'],
  'sites.manage': ['admin', 'editor'],
  'policy.read': ['admin', 'editor', 'runner', 'viewer'],
  'policy.write': ['admin'],
  'users.manage': ['admin'],
  'tokens.manage': ['admin', 'editor', 'runner', 'viewer'],
  'governance.review': ['admin'],
  'settings.manage': ['admin'],
  'usage.read': ['admin'],
  // Issue 09: Governance Activity, signing keys and evidence exports are the administrators' alone.
  'governance.manage': ['admin'],
  'governance.export': ['admin'],
} as const satisfies Record<string, readonly Role[]>;

export type Permission = keyof typeof permissions;

export function can(actor: Pick<Actor, 'role'>, permission: Permission): boolean {
  return (permissions[permission] as readonly Role[]).includes(actor.role);
}

/** Throws ForbiddenError naming the role and the permission it lacks. */
export function assertCan(actor: Pick<Actor, 'role'>, permission: Permission): void {
  if (!can(actor, permission))
    throw new ForbiddenError(`your role (${actor.role}) may not ${permission.replace('.', ' ')}`);
}
