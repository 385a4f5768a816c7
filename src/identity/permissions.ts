import { ForbiddenError } from '../platform/errors.ts';
import type { Actor, Role } from './actor.ts';

/**
 * Who may do what: the one permission matrix every route goes through.
 * Issue 02 adds policy rules (retention, legal hold) on top of the role check for deletion.
 */
export const permissions = {
  'agents.read': ['admin', 'editor', 'runner', 'viewer'],
  'agents.write': ['admin', 'editor'],
  'runs.read': ['admin', 'editor', 'runner', 'viewer'],
  'runs.start': ['admin', 'editor', 'runner'],
  'runs.cancel': ['admin', 'editor', 'runner'],
  'runs.archive': ['admin', 'editor', 'runner'],
  'runs.delete': ['admin', 'editor'],
  'tokens.manage': ['admin'],
  // Issue 09: Governance Activity, signing keys and evidence exports are the administrators' alone.
  'governance.review': ['admin'],
  'governance.manage': ['admin'],
  'governance.export': ['admin'],
} as const satisfies Record<string, readonly Role[]>;

export type Permission = keyof typeof permissions;

export function can(actor: Actor, permission: Permission): boolean {
  return (permissions[permission] as readonly Role[]).includes(actor.role);
}

export function assertCan(actor: Actor, permission: Permission): void {
  if (!can(actor, permission))
    throw new ForbiddenError(`your role (${actor.role}) may not ${permission.replace('.', ' ')}`);
}
