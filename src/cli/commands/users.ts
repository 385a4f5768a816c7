import { roles } from '../../identity/actor.ts';
import { addUser, addUserInputSchema } from '../../identity/users.ts';
import type { Config } from '../../platform/config.ts';
import { NotFoundError, ValidationError } from '../../platform/errors.ts';
import { parseOrThrow } from '../../platform/zod-issues.ts';
import { withDeps } from './tokens.ts';

/**
 * `agentruns users add --email E --role R [--name N] [--password P] [--org O]`: adds a user
 * (reads the database directly, like `tokens create`). Without a password one is generated
 * and printed once. Without `--org`, the organization is the first one (the one of first start).
 */
export async function addUserCommand(
  config: Config,
  options: { email: string; role: string; name?: string; password?: string; org?: string },
): Promise<void> {
  const input = parseOrThrow(addUserInputSchema, {
    email: options.email,
    role: options.role,
    ...(options.name ? { name: options.name } : {}),
    ...(options.password ? { password: options.password } : {}),
  });
  if (!(roles as readonly string[]).includes(options.role))
    throw ValidationError.field('role', `must be one of ${roles.join(', ')}`);
  await withDeps(config, async (deps) => {
    let query = deps.store.db.selectFrom('organizations').select('id').orderBy('id').limit(1);
    if (options.org) query = query.where('id', '=', options.org);
    const org = await query.executeTakeFirst();
    if (!org) throw new NotFoundError('organization', options.org ?? '(none: start the server once)');
    const user = await addUser(deps, { orgId: org.id, userId: 'system' }, input);
    console.log(`added ${user.email} (${user.role}) as ${user.id}`);
    if (user.initialPassword) console.log(`initial password (shown once): ${user.initialPassword}`);
  });
}
