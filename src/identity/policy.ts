import { z } from 'zod';
import { roles } from './actor.ts';

/**
 * An organization's policy (SPEC Concepts, Policy). Every change is a new version; runs record
 * the version in force when they were created and when each attempt finished.
 *
 * - `retentionDays`: a run is kept at least this long after it was created.
 * - `deletionPrevention`: strict enforcement of retention: deleting a younger run is refused.
 *   Without it retention is a stated intent that deletion does not check.
 * - `legalHold`: while active, no run (of `agentIds`, or any when empty) can be deleted.
 * - `rolesAllowedToDelete`: roles that may delete runs, within the permission matrix's
 *   `runs.delete` (a role outside the matrix gains nothing by being listed).
 * - `permittedModels`: model ids a run may use, exact (`openai/gpt-5-mini`), by provider
 *   (`openai/*`) or all (`*`); checked for the run's model and every step override.
 * - `toolAccess`: which connected tools steps may call: all, read-only ones, or a custom set.
 * - `mandatoryInstructions`: text put before the system prompt of every model call.
 * - `signingDefault`: whether governed records and evidence are signed unless asked otherwise.
 */
export const policySchema = z.strictObject({
  retentionDays: z.number().int().min(0).max(36_500).default(0),
  deletionPrevention: z.boolean().default(false),
  legalHold: z
    .strictObject({
      active: z.boolean().default(false),
      reason: z.string().max(2000).default(''),
      agentIds: z.array(z.string().min(1).max(200)).max(1000).default([]),
    })
    .default({ active: false, reason: '', agentIds: [] }),
  rolesAllowedToDelete: z
    .array(z.enum(roles))
    .max(roles.length)
    .refine((list) => new Set(list).size === list.length, 'must not repeat a role')
    .default(['admin', 'editor']),
  permittedModels: z
    .array(z.string().regex(/^(\*|[a-z0-9][\w.-]*\/(\*|[\w.:@-]+))$/, 'must be a model id, provider/* or *'))
    .min(1, 'must permit at least one model (use "*" for all)')
    .max(500)
    .default(['*']),
  toolAccess: z
    .strictObject({
      mode: z.enum(['all', 'read-only', 'custom']).default('all'),
      tools: z.array(z.string().min(1).max(200)).max(500).default([]),
    })
    .refine((t) => t.mode === 'custom' || t.tools.length === 0, {
      path: ['tools'],
      message: 'list tools only with mode "custom"',
    })
    .default({ mode: 'all', tools: [] }),
  mandatoryInstructions: z.string().max(20_000).default(''),
  signingDefault: z.boolean().default(false),
});

export type Policy = z.infer<typeof policySchema>;

/** The policy of an organization that never set one: permits everything, prevents nothing. */
export const defaultPolicy: Policy = policySchema.parse({});

/** True when `model` matches one of the policy's permitted patterns. */
export function isModelPermitted(policy: Pick<Policy, 'permittedModels'>, model: string): boolean {
  const provider = model.split('/')[0];
  return policy.permittedModels.some(
    (pattern) => pattern === '*' || pattern === model || pattern === `${provider}/*`,
  );
}

/**
 * Whether a step may call a tool under the policy (for the connected tools of issue 05):
 * `readOnly` is the tool's own declaration that it changes nothing outside the run.
 */
export function isToolPermitted(
  policy: Pick<Policy, 'toolAccess'>,
  tool: { name: string; readOnly: boolean },
): boolean {
  switch (policy.toolAccess.mode) {
    case 'all':
      return true;
    case 'read-only':
      return tool.readOnly;
    case 'custom':
      return policy.toolAccess.tools.includes(tool.name);
    default: {
      const unreachable: never = policy.toolAccess.mode;
      return unreachable;
    }
  }
}
