import { timingSafeEqual } from 'node:crypto';
import jsonpointer from 'jsonpointer';
import type { Selectable } from 'kysely';
import { Webhook } from 'standardwebhooks';
import type { Deps } from '../deps.ts';
import { isRole } from '../identity/actor.ts';
import { NotFoundError, ValidationError, WebhookRefusedError } from '../platform/errors.ts';
import { createRun } from '../runs/create-run.ts';
import type { WebhooksTable } from '../store/schema.ts';
import { runInOrganization } from '../store/tenant-scope.ts';

/** Standard Webhooks' tolerance: a timestamp more than 5 minutes off is refused. */
export const WEBHOOK_TOLERANCE_MS = 5 * 60 * 1000;

export interface WebhookRequest {
  hookId: string;
  /** The body exactly as received: the signature covers these bytes. */
  rawBody: string;
  headers: Record<string, string | string[] | undefined>;
}

type ReceiveDeps = Pick<
  Deps,
  'store' | 'ids' | 'clock' | 'templates' | 'models' | 'bus' | 'pricing' | 'usageHistory'
>;

/**
 * Verifies a Standard Webhooks request and starts a run of the hook's agent (T2). Checked in this
 * order, each refusal starting nothing: the headers are there (`webhook_unsigned`), the timestamp is
 * within 5 minutes of the injected clock (`webhook_timestamp_stale`), an HMAC-SHA256 signature over
 * `id.timestamp.body` matches (`webhook_signature_invalid`), the id was not seen before
 * (`webhook_replayed`), the body is JSON and its values fit the agent's variables (`validation_failed`).
 * The message id is stored in the run's own transaction, so a replay racing the original loses.
 */
export async function receiveWebhook(
  deps: ReceiveDeps,
  request: WebhookRequest,
): Promise<{ runId: string; status: string }> {
  const hook = await deps.store.db
    .selectFrom('webhooks')
    .selectAll()
    .where('id', '=', request.hookId)
    .executeTakeFirst();
  if (hook?.enabled !== 1) throw new NotFoundError('webhook', request.hookId);
  // Found by its unguessable id across organizations; everything after runs in the hook's own.
  return runInOrganization(hook.org_id, () => receiveForHook(deps, request, hook));
}

async function receiveForHook(
  deps: ReceiveDeps,
  request: WebhookRequest,
  hook: Selectable<WebhooksTable>,
): Promise<{ runId: string; status: string }> {
  const header = (name: string) => {
    const value = request.headers[name];
    return Array.isArray(value) ? value[0] : value;
  };
  const id = header('webhook-id');
  const timestamp = header('webhook-timestamp');
  const signatures = header('webhook-signature');
  const missing = [
    ['webhook-id', id],
    ['webhook-timestamp', timestamp],
    ['webhook-signature', signatures],
  ].filter(([, v]) => !v);
  if (missing.length > 0 || !id || !timestamp || !signatures)
    throw new WebhookRefusedError(
      'webhook_unsigned',
      `unsigned request: missing ${missing.map(([n]) => n).join(', ')} (Standard Webhooks)`,
    );
  if (!/^\d{1,12}$/.test(timestamp))
    throw new WebhookRefusedError(
      'webhook_signature_invalid',
      'webhook-timestamp must be whole seconds since the epoch',
    );
  const sentAtMs = Number(timestamp) * 1000;
  if (Math.abs(deps.clock.now() - sentAtMs) > WEBHOOK_TOLERANCE_MS)
    throw new WebhookRefusedError(
      'webhook_timestamp_stale',
      'webhook-timestamp is more than 5 minutes away from the server time',
    );
  const expected = Buffer.from(
    new Webhook(hook.secret).sign(id, new Date(sentAtMs), request.rawBody).split(',')[1] ?? '',
    'base64',
  );
  const valid = signatures.split(' ').some((candidate) => {
    const [version, value] = candidate.split(',');
    if (version !== 'v1' || !value) return false;
    const given = Buffer.from(value, 'base64');
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
  if (!valid)
    throw new WebhookRefusedError('webhook_signature_invalid', 'webhook-signature does not match the body');

  const seen = await deps.store.db
    .selectFrom('webhook_messages')
    .select('run_id')
    .where('webhook_id', '=', hook.id)
    .where('message_id', '=', id)
    .executeTakeFirst();
  if (seen) throw replayed(id, seen.run_id);

  let payload: unknown;
  try {
    payload = JSON.parse(request.rawBody);
  } catch {
    throw ValidationError.field('body', 'must be valid JSON');
  }
  const variables: Record<string, unknown> = {};
  for (const [name, pointer] of Object.entries(JSON.parse(hook.variable_map) as Record<string, string>)) {
    const value: unknown =
      payload !== null && typeof payload === 'object' ? jsonpointer.get(payload, pointer) : undefined;
    if (value !== undefined) variables[name] = value;
  }

  const user = await deps.store.db
    .selectFrom('users')
    .select('role')
    .where('id', '=', hook.created_by)
    .executeTakeFirst();
  const actor = {
    orgId: hook.org_id,
    userId: hook.created_by,
    role: user && isRole(user.role) ? user.role : ('runner' as const),
  };
  try {
    const run = await createRun(
      deps,
      actor,
      hook.agent_id,
      { variables, start: true },
      { kind: 'webhook', by: hook.id },
      {
        within: async (trx, runId) => {
          await trx
            .insertInto('webhook_messages')
            .values({ webhook_id: hook.id, message_id: id, run_id: runId, received_at: deps.clock.now() })
            .execute();
        },
      },
    );
    return { runId: run.id, status: run.status };
  } catch (error) {
    const raced = await deps.store.db
      .selectFrom('webhook_messages')
      .select('run_id')
      .where('webhook_id', '=', hook.id)
      .where('message_id', '=', id)
      .executeTakeFirst();
    if (raced) throw replayed(id, raced.run_id);
    throw error;
  }
}

function replayed(messageId: string, runId: string): WebhookRefusedError {
  return new WebhookRefusedError(
    'webhook_replayed',
    `webhook-id ${messageId} was already received (run ${runId}); replays are refused`,
  );
}
