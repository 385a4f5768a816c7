import fs from 'node:fs/promises';
import path from 'node:path';
import { createAgent } from '../agents/agent-service.ts';
import { exampleAgents } from '../agents/example-agents.ts';
import type { Deps } from '../deps.ts';
import { appendAudit } from '../governance/audit-log.ts';
import { hashPassword } from './passwords.ts';
import { defaultPolicy } from './policy.ts';
import { insertPolicyVersion } from './policy-versions.ts';

/** One credit is a US cent: credits per US dollar of model usage. */
export const DEFAULT_CREDIT_RATE = 100;

export interface BootstrapResult {
  created: boolean;
  email?: string;
  /** Set only when the password was generated here (printed once, written to data/initial-admin.txt). */
  generatedPassword?: string;
}

/**
 * First start on an empty store: the organization, its administrator (from
 * AGENTRUNS_ADMIN_EMAIL / AGENTRUNS_ADMIN_PASSWORD, or admin@localhost with a random password),
 * and the example agents. Does nothing when an organization exists.
 */
export async function bootstrap(
  deps: Pick<Deps, 'store' | 'ids' | 'clock' | 'config' | 'templates' | 'models'>,
): Promise<BootstrapResult> {
  const existing = await deps.store.db.selectFrom('organizations').select('id').limit(1).executeTakeFirst();
  if (existing) return { created: false };
  const email = (deps.config.adminEmail ?? 'admin@localhost').toLowerCase();
  const generated = deps.config.adminPassword ? undefined : deps.ids.secret(12);
  const password = deps.config.adminPassword ?? generated ?? '';
  const { orgId, userId } = await createOrganization(deps, {
    name: 'Default organization',
    adminEmail: email,
    adminPassword: password,
  });
  if (generated) {
    await fs.mkdir(deps.config.dataDir, { recursive: true });
    await fs.writeFile(
      path.join(deps.config.dataDir, 'initial-admin.txt'),
      `email: ${email}\npassword: ${generated}\n`,
      { mode: 0o600 },
    );
  }
  if (deps.config.examples) {
    const actor = { orgId, userId, role: 'admin' as const };
    for (const example of exampleAgents) await createAgent(deps, actor, example);
  }
  return { created: true, email, ...(generated ? { generatedPassword: generated } : {}) };
}

/**
 * A new organization (tenant) with its first administrator and policy version 1 (the default
 * policy), in one transaction. First start makes one; tests make more to check isolation.
 */
export async function createOrganization(
  deps: Pick<Deps, 'store' | 'ids' | 'clock'>,
  input: { name: string; adminEmail: string; adminPassword: string },
): Promise<{ orgId: string; userId: string }> {
  const now = deps.clock.now();
  const orgId = deps.ids.next('org');
  const userId = deps.ids.next('usr');
  const email = input.adminEmail.toLowerCase();
  const passwordHash = await hashPassword(input.adminPassword);
  await deps.store.transaction(async (trx) => {
    await trx
      .insertInto('organizations')
      .values({ id: orgId, name: input.name, credit_rate: DEFAULT_CREDIT_RATE, created_at: now })
      .execute();
    await trx
      .insertInto('users')
      .values({
        id: userId,
        org_id: orgId,
        email,
        name: 'Administrator',
        role: 'admin',
        password_hash: passwordHash,
        created_at: now,
      })
      .execute();
    await appendAudit(trx, deps.ids, now, {
      orgId,
      actor: 'system',
      action: 'organization.created',
      target: orgId,
      details: { admin: email },
    });
    await insertPolicyVersion(trx, deps, now, { orgId, version: 1, policy: defaultPolicy, by: 'system' });
  });
  return { orgId, userId };
}
