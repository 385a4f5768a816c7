export const roles = ['admin', 'editor', 'runner', 'viewer'] as const;
export type Role = (typeof roles)[number];

/** Who is acting: every domain call is scoped to the actor's organization. */
export interface Actor {
  orgId: string;
  userId: string;
  role: Role;
}

export function isRole(value: string): value is Role {
  return (roles as readonly string[]).includes(value);
}
