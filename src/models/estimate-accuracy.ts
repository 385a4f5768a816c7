import type { Deps } from '../deps.ts';
import type { Actor } from '../identity/actor.ts';
import { NotFoundError } from '../platform/errors.ts';
import { percentile } from './estimate-run.ts';

/** (actual − estimated) ÷ estimated, rounded to 1/10,000; null until there are actual credits. */
export function estimateErrorOf(estimated: number, actual: number | null): number | null {
  if (actual === null) return null;
  if (estimated === 0) return actual === 0 ? 0 : null;
  return Math.round(((actual - estimated) / estimated) * 10_000) / 10_000;
}

export interface EstimateAccuracy {
  agentId: string;
  /** Completed first attempts compared (a rerun's actual credits cover only the steps it ran). */
  runs: number;
  /** Mean of |actual − estimated| ÷ estimated. */
  meanAbsoluteError: number | null;
  /** Median of (actual − estimated) ÷ estimated: above 0, estimates run low. */
  medianError: number | null;
  p90AbsoluteError: number | null;
  /** Share of runs whose actual credits fell inside the estimated range. */
  withinRange: number | null;
  byVersion: Array<{ agentVersion: number; runs: number; meanAbsoluteError: number }>;
  recent: Array<{
    runId: string;
    agentVersion: number;
    estimatedCredits: number;
    range: { low: number; high: number };
    actualCredits: number;
    error: number | null;
  }>;
}

const round = (n: number) => Math.round(n * 10_000) / 10_000;

/**
 * How close the agent's estimates came to what its runs cost, over its latest `limit` completed
 * runs (first attempts): the estimate's error tracked per agent (R5).
 */
export async function estimateAccuracy(
  deps: Pick<Deps, 'store'>,
  actor: Actor,
  agentId: string,
  limit = 500,
): Promise<EstimateAccuracy> {
  const agent = await deps.store.db
    .selectFrom('agents')
    .select('id')
    .where('id', '=', agentId)
    .where('org_id', '=', actor.orgId)
    .executeTakeFirst();
  if (!agent) throw new NotFoundError('agent', agentId);
  const rows = await deps.store.db
    .selectFrom('run_estimates as e')
    .innerJoin('runs as r', 'r.id', 'e.run_id')
    .select([
      'e.run_id',
      'e.agent_version',
      'e.credits',
      'e.credits_low',
      'e.credits_high',
      'r.actual_credits',
    ])
    .where('e.org_id', '=', actor.orgId)
    .where('e.agent_id', '=', agentId)
    .where('r.status', '=', 'completed')
    .where('r.attempt', '=', 1)
    .where('r.actual_credits', 'is not', null)
    .orderBy('e.run_id', 'desc')
    .limit(limit)
    .execute();
  const recent = rows.map((r) => ({
    runId: r.run_id,
    agentVersion: r.agent_version,
    estimatedCredits: r.credits,
    range: { low: r.credits_low, high: r.credits_high },
    actualCredits: r.actual_credits ?? 0,
    error: estimateErrorOf(r.credits, r.actual_credits),
  }));
  const errors = recent.flatMap((r) => (r.error === null ? [] : [r.error]));
  const absolute = errors.map(Math.abs).sort((a, b) => a - b);
  const versions = new Map<number, number[]>();
  for (const r of recent)
    if (r.error !== null)
      versions.set(r.agentVersion, [...(versions.get(r.agentVersion) ?? []), Math.abs(r.error)]);
  const mean = (list: number[]) => round(list.reduce((a, b) => a + b, 0) / list.length);
  return {
    agentId,
    runs: recent.length,
    meanAbsoluteError: absolute.length ? mean(absolute) : null,
    medianError: errors.length
      ? round(
          percentile(
            [...errors].sort((a, b) => a - b),
            0.5,
          ),
        )
      : null,
    p90AbsoluteError: absolute.length ? round(percentile(absolute, 0.9)) : null,
    withinRange: recent.length
      ? round(
          recent.filter(
            (r) => r.actualCredits >= r.range.low - 1e-9 && r.actualCredits <= r.range.high + 1e-9,
          ).length / recent.length,
        )
      : null,
    byVersion: [...versions].map(([agentVersion, list]) => ({
      agentVersion,
      runs: list.length,
      meanAbsoluteError: mean(list),
    })),
    recent: recent.slice(0, 50),
  };
}
