import type { AgentDefinition, Notification } from './agent-definition.ts';

/** What a view shows in place of a notification webhook's secret: that there is one, not what it is. */
export const MASKED_WEBHOOK_SECRET = 'whsec_…';

/**
 * A notification as a view returns it: the webhook secret masked. A secret is shown once, in the
 * answer to the request that set it (agent creation, or an edit that rotates it); every read after
 * that, runs and agent versions included, shows the mask.
 */
export function withoutWebhookSecret(notification: Notification): Notification {
  const { webhookSecret, ...rest } = notification;
  return webhookSecret === undefined ? rest : { ...rest, webhookSecret: MASKED_WEBHOOK_SECRET };
}

/** An agent definition (or a view of one) with its notification secret masked. */
export function withMaskedSecrets<T extends Pick<AgentDefinition, 'notification'>>(definition: T): T {
  return { ...definition, notification: withoutWebhookSecret(definition.notification) };
}

/**
 * An edit's notification with the current secret carried over when the edit does not set a new one
 * (omitted, or the mask a view returned): editing an agent from what GET showed keeps its secret.
 * Returns the patch's value untouched when it is not an object or sets a secret of its own.
 */
export function keepWebhookSecret(patched: unknown, current: Notification): unknown {
  if (current.webhookSecret === undefined || patched === null || typeof patched !== 'object') return patched;
  const given = (patched as { webhookSecret?: unknown }).webhookSecret;
  if (given !== undefined && given !== MASKED_WEBHOOK_SECRET) return patched;
  return { ...patched, webhookSecret: current.webhookSecret };
}

/** True when an edit sets a new secret: its answer may show it, once. */
export function setsWebhookSecret(patch: Record<string, unknown>): boolean {
  const notification = patch.notification;
  if (notification === null || typeof notification !== 'object') return false;
  const given = (notification as { webhookSecret?: unknown }).webhookSecret;
  return typeof given === 'string' && given !== MASKED_WEBHOOK_SECRET;
}
