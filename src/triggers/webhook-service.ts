import jsonpointer from 'jsonpointer';
import { z } from 'zod';
import { variableName } from '../agents/agent-definition.ts';
import { getAgentOrThrow } from '../agents/agent-service.ts';
import type { Deps } from '../deps.ts';
import type { Actor } from '../identity/actor.ts';
import { type FieldIssue, NotFoundError, ValidationError } from '../platform/errors.ts';
import type { WebhooksTable } from '../store/schema.ts';

/**
 * Webhooks (SPEC T2): a per-agent URL `POST /api/hooks/:hookId` and a secret shown once, in the
 * Standard Webhooks form (`whsec_` + base64 of 24 random bytes). `variables` maps each run variable
 * to a JSON Pointer (RFC 6901) into the request's JSON payload; `""` is the whole payload.
 */
export const webhookInputSchema = z.object({
  name: z.string().trim().min(1, 'must not be empty').max(200).optional(),
  variables: z.record(variableName, z.string().max(1000)).default({}),
});
export type WebhookInput = z.infer<typeof webhookInputSchema>;

export interface WebhookView {
  id: string;
  agentId: string;
  name: string;
  /** Where to send: relative to the server (`/api/hooks/whk_…`). */
  url: string;
  variables: Record<string, string>;
  enabled: boolean;
  createdAt: string;
}

type WebhookDeps = Pick<Deps, 'store' | 'ids' | 'clock'>;

export async function createWebhook(
  deps: WebhookDeps,
  actor: Actor,
  agentId: string,
  input: WebhookInput,
): Promise<WebhookView & { secret: string }> {
  const agent = await getAgentOrThrow(deps, actor, agentId);
  const known = new Set(agent.variables.map((v) => v.name));
  const issues: FieldIssue[] = [];
  for (const [name, pointer] of Object.entries(input.variables)) {
    if (!known.has(name))
      issues.push({
        path: `variables.${name}`,
        message: `unknown variable; this agent has: ${[...known].join(', ') || 'none'}`,
      });
    try {
      jsonpointer.compile(pointer);
    } catch {
      issues.push({
        path: `variables.${name}`,
        message: `"${pointer}" is not a JSON Pointer (RFC 6901): "" or "/a/b/0"`,
      });
    }
  }
  if (issues.length > 0) throw new ValidationError(`${issues[0]?.path}: ${issues[0]?.message}`, issues);
  const secret = newSecret(deps);
  const row: WebhooksTable = {
    id: deps.ids.next('whk'),
    org_id: actor.orgId,
    agent_id: agentId,
    name: input.name ?? `${agent.name} webhook`,
    secret,
    variable_map: JSON.stringify(input.variables),
    enabled: 1,
    created_by: actor.userId,
    created_at: deps.clock.now(),
  };
  await deps.store.db.insertInto('webhooks').values(row).execute();
  // The only time the secret leaves the server.
  return { ...toWebhookView(row), secret };
}

export async function listWebhooks(
  deps: Pick<Deps, 'store'>,
  actor: Actor,
  agentId: string,
): Promise<WebhookView[]> {
  await getAgentOrThrow(deps, actor, agentId);
  const rows = await deps.store.db
    .selectFrom('webhooks')
    .selectAll()
    .where('agent_id', '=', agentId)
    .where('org_id', '=', actor.orgId)
    .orderBy('id')
    .execute();
  return rows.map(toWebhookView);
}

/**
 * A new signing secret for a webhook, returned this once: requests signed with the old secret are
 * refused from now on (a leaked secret is rotated, and the sender is given the new one).
 * Throws NotFoundError when the agent has no such webhook.
 */
export async function rotateWebhookSecret(
  deps: WebhookDeps,
  actor: Actor,
  agentId: string,
  webhookId: string,
): Promise<WebhookView & { secret: string }> {
  const secret = newSecret(deps);
  const row = await deps.store.db
    .updateTable('webhooks')
    .set({ secret })
    .where('id', '=', webhookId)
    .where('agent_id', '=', agentId)
    .where('org_id', '=', actor.orgId)
    .returningAll()
    .executeTakeFirst();
  if (!row) throw new NotFoundError('webhook', webhookId);
  return { ...toWebhookView(row), secret };
}

/** `whsec_` and 24 random bytes in base64, the Standard Webhooks secret format. */
const newSecret = (deps: Pick<Deps, 'ids'>) =>
  `whsec_${Buffer.from(deps.ids.secret(24), 'base64url').toString('base64')}`;

export async function deleteWebhook(
  deps: Pick<Deps, 'store'>,
  actor: Actor,
  agentId: string,
  webhookId: string,
): Promise<void> {
  const row = await deps.store.db
    .selectFrom('webhooks')
    .select('id')
    .where('id', '=', webhookId)
    .where('agent_id', '=', agentId)
    .where('org_id', '=', actor.orgId)
    .executeTakeFirst();
  if (!row) throw new NotFoundError('webhook', webhookId);
  await deps.store.transaction(async (trx) => {
    await trx.deleteFrom('webhook_messages').where('webhook_id', '=', webhookId).execute();
    await trx.deleteFrom('webhooks').where('id', '=', webhookId).execute();
  });
}

function toWebhookView(row: WebhooksTable): WebhookView {
  return {
    id: row.id,
    agentId: row.agent_id,
    name: row.name,
    url: `/api/hooks/${row.id}`,
    variables: JSON.parse(row.variable_map) as Record<string, string>,
    enabled: row.enabled === 1,
    createdAt: new Date(row.created_at).toISOString(),
  };
}
