import { z } from 'zod';
import type { Deps } from '../deps.ts';
import { appendAudit } from '../governance/audit-log.ts';
import type { Actor } from '../identity/actor.ts';

export const creditRateInputSchema = z.object({
  /** Credits per US dollar of model usage. */
  creditRate: z.number().positive().max(1_000_000),
});

export async function getCreditRate(
  deps: Pick<Deps, 'store'>,
  actor: Actor,
): Promise<{ creditRate: number }> {
  const row = await deps.store.db
    .selectFrom('organizations')
    .select('credit_rate')
    .where('id', '=', actor.orgId)
    .executeTakeFirstOrThrow();
  return { creditRate: row.credit_rate };
}

/** Sets the organization's credit rate; runs claimed from now on price their steps with it. */
export async function setCreditRate(
  deps: Pick<Deps, 'store' | 'clock' | 'ids'>,
  actor: Actor,
  input: z.infer<typeof creditRateInputSchema>,
): Promise<{ creditRate: number }> {
  const now = deps.clock.now();
  await deps.store.transaction(async (trx) => {
    const before = await trx
      .selectFrom('organizations')
      .select('credit_rate')
      .where('id', '=', actor.orgId)
      .executeTakeFirstOrThrow();
    await trx
      .updateTable('organizations')
      .set({ credit_rate: input.creditRate })
      .where('id', '=', actor.orgId)
      .execute();
    await appendAudit(trx, deps.ids, now, {
      orgId: actor.orgId,
      actor: actor.userId,
      action: 'credit_rate.changed',
      target: actor.orgId,
      details: { from: before.credit_rate, to: input.creditRate },
    });
  });
  return { creditRate: input.creditRate };
}
