import { type Permission, permissions } from '../../../src/identity/permissions.ts';
import type { Role } from './api-types.ts';

/**
 * The server's own permission matrix, so the UI hides what a role may not do (a viewer sees no
 * delete). The server still checks every request; this only keeps refused buttons off the page.
 */
export function roleCan(role: Role | undefined, permission: Permission): boolean {
  return role !== undefined && (permissions[permission] as readonly Role[]).includes(role);
}

export type { Permission };
