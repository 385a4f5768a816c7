import { type RawBuilder, sql } from 'kysely';
import { z } from 'zod';
import type { Deps } from '../deps.ts';
import type { Actor } from '../identity/actor.ts';
import { ValidationError } from '../platform/errors.ts';
import { roundCredits } from './price-table.ts';

export const usageQuerySchema = z.object({
  /** ISO time; steps that finished at or after it. Default: 30 days before `to`. */
  from: z.iso.datetime({ offset: true }).optional(),
  /** ISO time; steps that finished before it. Default: now. */
  to: z.iso.datetime({ offset: true }).optional(),
});

export interface MemberUsage {
  userId: string;
  email: string | null;
  runs: number;
  steps: number;
  inputTokens: number;
  outputTokens: number;
  reasoningTokens: number;
  cachedInputTokens: number;
  credits: number;
}

const DAY_MS = 86_400_000;

/**
 * Model usage per member of the organization (who started the runs) over a time window: tokens of
 * each kind and credits, from every step result that called a model in it. Reused steps (rerun
 * from a later step) are left out: their usage was counted by the attempt that made them.
 */
export async function usageByMember(
  deps: Pick<Deps, 'store' | 'clock'>,
  actor: Actor,
  query: z.infer<typeof usageQuerySchema>,
): Promise<{ from: string; to: string; items: MemberUsage[] }> {
  const to = query.to === undefined ? deps.clock.now() : Date.parse(query.to);
  const from = query.from === undefined ? to - 30 * DAY_MS : Date.parse(query.from);
  if (from > to) throw ValidationError.field('from', 'must not be after to');
  const token = (name: string): RawBuilder<number> =>
    deps.store.kind === 'postgres'
      ? sql<number>`coalesce(sum((sr.usage::jsonb ->> ${sql.lit(name)})::bigint), 0)`
      : sql<number>`coalesce(sum(json_extract(sr.usage, ${sql.lit(`$.${name}`)})), 0)`;
  const rows = await deps.store.db
    .selectFrom('step_results as sr')
    .innerJoin('runs as r', 'r.id', 'sr.run_id')
    .leftJoin('users as u', 'u.id', 'r.created_by')
    .where('sr.org_id', '=', actor.orgId)
    .where('sr.reused', '=', 0)
    .where('sr.finished_at', '>=', from)
    .where('sr.finished_at', '<', to)
    .groupBy(['r.created_by', 'u.email'])
    .select((eb) => [
      'r.created_by as userId',
      'u.email as email',
      eb.fn.count<number>('sr.run_id').distinct().as('runs'),
      eb.fn.countAll<number>().as('steps'),
      token('inputTokens').as('inputTokens'),
      token('outputTokens').as('outputTokens'),
      token('reasoningTokens').as('reasoningTokens'),
      token('cachedInputTokens').as('cachedInputTokens'),
      eb.fn.coalesce(eb.fn.sum<number>('sr.credits'), eb.lit(0)).as('credits'),
    ])
    .orderBy('credits', 'desc')
    .execute();
  return {
    from: new Date(from).toISOString(),
    to: new Date(to).toISOString(),
    items: rows.map((r) => ({
      userId: r.userId,
      email: r.email,
      runs: Number(r.runs),
      steps: Number(r.steps),
      inputTokens: Number(r.inputTokens),
      outputTokens: Number(r.outputTokens),
      reasoningTokens: Number(r.reasoningTokens),
      cachedInputTokens: Number(r.cachedInputTokens),
      credits: roundCredits(Number(r.credits)),
    })),
  };
}
