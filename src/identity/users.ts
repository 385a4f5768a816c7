import { z } from 'zod';
import type { Deps } from '../deps.ts';
import { appendAudit } from '../governance/audit-log.ts';
import { ConflictError, NotFoundError } from '../platform/errors.ts';
import { type Actor, type Role, roles } from './actor.ts';
import { hashPassword } from './passwords.ts';

type UserDeps = Pick<Deps, 'store' | 'ids' | 'clock'>;

/** A user as the API shows it: never the password hash. */
export interface UserView {
  id: string;
  email: string;
  name: string;
  role: Role;
  createdAt: string;
}

/** `POST /api/users`, `agentruns users add`: without a password one is generated and shown once. */
export const addUserInputSchema = z.object({
  email: z.email('must be an email address').max(320),
  name: z.string().trim().min(1, 'must not be empty').max(200).optional(),
  role: z.enum(roles),
  password: z.string().min(12, 'must be at least 12 characters').max(1000).optional(),
});
export type AddUserInput = z.infer<typeof addUserInputSchema>;

/** `PATCH /api/users/:id` */
export const changeUserInputSchema = z
  .object({
    name: z.string().trim().min(1, 'must not be empty').max(200).optional(),
    role: z.enum(roles).optional(),
  })
  .refine((v) => v.name !== undefined || v.role !== undefined, { message: 'give name or role' });
export type ChangeUserInput = z.infer<typeof changeUserInputSchema>;

function toView(row: {
  id: string;
  email: string;
  name: string;
  role: string;
  created_at: number;
}): UserView {
  return {
    id: row.id,
    email: row.email,
    name: row.name,
    role: row.role as Role,
    createdAt: new Date(row.created_at).toISOString(),
  };
}

/** The organization's users, oldest first (an organization has tens, not thousands). */
export async function listUsers(deps: Pick<Deps, 'store'>, actor: Actor): Promise<UserView[]> {
  const rows = await deps.store.db
    .selectFrom('users')
    .select(['id', 'email', 'name', 'role', 'created_at'])
    .where('org_id', '=', actor.orgId)
    .orderBy('id')
    .execute();
  return rows.map(toView);
}

/** Throws NotFoundError unless the user is in the actor's organization. */
export async function getUserOrThrow(
  deps: Pick<Deps, 'store'>,
  actor: Actor,
  userId: string,
): Promise<UserView> {
  const row = await deps.store.db
    .selectFrom('users')
    .select(['id', 'email', 'name', 'role', 'created_at'])
    .where('id', '=', userId)
    .where('org_id', '=', actor.orgId)
    .executeTakeFirst();
  if (!row) throw new NotFoundError('user', userId);
  return toView(row);
}

/**
 * Adds a user to the actor's organization (`actor` may be `system` from the CLI). Emails are
 * unique across organizations, since sign-in is by email alone: a taken one is a 409.
 */
export async function addUser(
  deps: UserDeps,
  actor: { orgId: string; userId: string },
  input: AddUserInput,
): Promise<UserView & { initialPassword?: string }> {
  const email = input.email.toLowerCase();
  const generated = input.password === undefined ? deps.ids.secret(12) : undefined;
  const passwordHash = await hashPassword(input.password ?? generated ?? '');
  const id = deps.ids.next('usr');
  const now = deps.clock.now();
  await deps.store.transaction(async (trx) => {
    const taken = await trx
      .selectFrom('users')
      .select('id')
      .where('org_id', '=', actor.orgId)
      .where('email', '=', email)
      .executeTakeFirst();
    if (taken) throw new ConflictError(`a user with email ${email} exists in this organization`);
    await trx
      .insertInto('users')
      .values({
        id,
        org_id: actor.orgId,
        email,
        name: input.name ?? email.split('@')[0] ?? email,
        role: input.role,
        password_hash: passwordHash,
        created_at: now,
      })
      .execute();
    await appendAudit(trx, deps.ids, now, {
      orgId: actor.orgId,
      actor: actor.userId,
      action: 'user.added',
      target: id,
      details: { email, role: input.role },
    });
  });
  const view = await getUserOrThrow(deps, { ...actor, role: 'admin' }, id);
  return generated ? { ...view, initialPassword: generated } : view;
}

/** An organization keeps at least one administrator, or nobody could manage it again. */
async function assertOtherAdmin(deps: UserDeps, actor: Actor, userId: string, change: string): Promise<void> {
  const others = await deps.store.db
    .selectFrom('users')
    .select('id')
    .where('org_id', '=', actor.orgId)
    .where('role', '=', 'admin')
    .where('id', '!=', userId)
    .limit(1)
    .executeTakeFirst();
  if (!others) throw new ConflictError(`cannot ${change} the organization's last administrator`);
}

/** Renames a user or changes their role; a role change applies to their sessions and tokens at once. */
export async function changeUser(
  deps: UserDeps,
  actor: Actor,
  userId: string,
  input: ChangeUserInput,
): Promise<UserView> {
  const user = await getUserOrThrow(deps, actor, userId);
  if (input.role !== undefined && input.role !== 'admin' && user.role === 'admin')
    await assertOtherAdmin(deps, actor, userId, 'demote');
  const now = deps.clock.now();
  await deps.store.transaction(async (trx) => {
    await trx
      .updateTable('users')
      .set({ ...(input.name ? { name: input.name } : {}), ...(input.role ? { role: input.role } : {}) })
      .where('id', '=', userId)
      .where('org_id', '=', actor.orgId)
      .execute();
    await appendAudit(trx, deps.ids, now, {
      orgId: actor.orgId,
      actor: actor.userId,
      action: input.role !== undefined && input.role !== user.role ? 'user.role_changed' : 'user.updated',
      target: userId,
      details: { ...input, previousRole: user.role },
    });
  });
  return getUserOrThrow(deps, actor, userId);
}

/** Removes a user: their sessions end and their tokens go with them, at once. */
export async function removeUser(deps: UserDeps, actor: Actor, userId: string): Promise<void> {
  const user = await getUserOrThrow(deps, actor, userId);
  if (user.role === 'admin') await assertOtherAdmin(deps, actor, userId, 'remove');
  const now = deps.clock.now();
  await deps.store.transaction(async (trx) => {
    await trx.deleteFrom('sessions').where('user_id', '=', userId).execute();
    await trx.deleteFrom('api_tokens').where('user_id', '=', userId).execute();
    await trx.deleteFrom('users').where('id', '=', userId).where('org_id', '=', actor.orgId).execute();
    await appendAudit(trx, deps.ids, now, {
      orgId: actor.orgId,
      actor: actor.userId,
      action: 'user.removed',
      target: userId,
      details: { email: user.email, role: user.role },
    });
  });
}
