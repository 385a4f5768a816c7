import { getAgentOrThrow } from '../agents/agent-service.ts';
import type { Deps } from '../deps.ts';
import type { Actor } from '../identity/actor.ts';
import { bootstrapMeanDifference, type MeanDifference, seededRandom } from './bootstrap-difference.ts';
import type { CriterionResult } from './evaluate-criterion.ts';

/** Aggregates of a group of benchmark results (a day, or an agent version). */
export interface ResultAggregate {
  results: number;
  passRate: number | null;
  /** Mean overall score, 0–100. */
  meanScore: number | null;
  meanCredits: number | null;
  meanDurationMs: number | null;
  /** Mean score (0–1) of each criterion by id; `quality` is the writing-quality score ÷ 100. */
  criteria: Record<string, number>;
}

export interface VersionAggregate extends ResultAggregate {
  version: number;
  /**
   * Set when this version scores worse than the version before it and the 95% bootstrap interval of
   * the difference lies wholly below zero; null when the difference could be chance.
   */
  regression: (MeanDifference & { from: number }) | null;
  /** The comparison with the version before, flagged or not (null for the first version). */
  comparison: (MeanDifference & { from: number }) | null;
}

export interface BenchmarkDashboard {
  agentId: string;
  totals: ResultAggregate & { pending: number; errors: number };
  /** One entry per UTC day with results, oldest first. */
  overTime: Array<ResultAggregate & { day: string }>;
  byVersion: VersionAggregate[];
  /** The criteria seen in the results, for the charts' legends. */
  criteria: Array<{ id: string; name: string }>;
  /** How many of the latest results the dashboard covers (the newest `limit`). */
  limit: number;
}

/** The dashboards read the newest 5,000 results of an agent: a year of hourly runs, one indexed range. */
const RESULT_LIMIT = 5000;

/**
 * Quality dashboards (B3): pass rate, each criterion's score, credits and duration, by day and by
 * agent version, from the finished benchmarks of the agent's runs. A version is flagged as a
 * regression only when it is statistically clear (`bootstrapMeanDifference` of the overall
 * scores). `random` defaults to a generator seeded from the agent and its result count, so the
 * same data always gives the same flags.
 */
export async function benchmarkDashboard(
  deps: Pick<Deps, 'store'>,
  actor: Actor,
  agentId: string,
  options: { random?: () => number } = {},
): Promise<BenchmarkDashboard> {
  await getAgentOrThrow(deps, actor, agentId);
  const [rows, counts] = await Promise.all([
    deps.store.db
      .selectFrom('benchmark_results')
      .select([
        'agent_version',
        'score',
        'passed',
        'criteria',
        'quality',
        'credits',
        'duration_ms',
        'finished_at',
      ])
      .where('agent_id', '=', agentId)
      .where('org_id', '=', actor.orgId)
      .where('status', '=', 'done')
      .orderBy('created_at', 'desc')
      .limit(RESULT_LIMIT)
      .execute(),
    deps.store.db
      .selectFrom('benchmark_results')
      .select(['status', (eb) => eb.fn.countAll<string | number>().as('n')])
      .where('agent_id', '=', agentId)
      .where('org_id', '=', actor.orgId)
      .where('status', 'in', ['pending', 'running', 'error'])
      .groupBy('status')
      .execute(),
  ]);
  const results = rows.reverse().map((r) => {
    const criteria = r.criteria ? (JSON.parse(r.criteria) as CriterionResult[]) : [];
    const quality = r.quality ? (JSON.parse(r.quality) as { score: number }) : null;
    return {
      version: r.agent_version,
      score: r.score,
      passed: r.passed,
      credits: r.credits,
      durationMs: r.duration_ms === null ? null : Number(r.duration_ms),
      day: new Date(Number(r.finished_at ?? 0)).toISOString().slice(0, 10),
      criteria,
      quality: quality?.score ?? null,
    };
  });
  type Row = (typeof results)[number];
  const names = new Map<string, string>();
  for (const r of results) {
    if (r.quality !== null) names.set('quality', 'Writing quality');
    for (const c of r.criteria) names.set(c.id, c.name);
  }
  const aggregate = (group: Row[]): ResultAggregate => {
    const mean = (xs: Array<number | null>) => {
      const present = xs.filter((x): x is number => x !== null);
      return present.length === 0 ? null : present.reduce((s, x) => s + x, 0) / present.length;
    };
    const criteria: Record<string, number> = {};
    for (const id of names.keys()) {
      const scores = group.flatMap((r) =>
        id === 'quality'
          ? r.quality === null
            ? []
            : [r.quality / 100]
          : r.criteria.filter((c) => c.id === id).map((c) => c.score),
      );
      if (scores.length > 0) criteria[id] = scores.reduce((s, x) => s + x, 0) / scores.length;
    }
    const judged = group.filter((r) => r.passed !== null);
    return {
      results: group.length,
      passRate: judged.length === 0 ? null : judged.filter((r) => r.passed === 1).length / judged.length,
      meanScore: mean(group.map((r) => r.score)),
      meanCredits: mean(group.map((r) => r.credits)),
      meanDurationMs: mean(group.map((r) => r.durationMs)),
      criteria,
    };
  };
  const groupBy = <K>(key: (r: Row) => K) => {
    const groups = new Map<K, Row[]>();
    for (const r of results) groups.set(key(r), [...(groups.get(key(r)) ?? []), r]);
    return groups;
  };
  const random = options.random ?? seededRandom(hash(`${agentId}:${results.length}`));
  const versions = [...groupBy((r) => r.version).entries()].sort((a, b) => a[0] - b[0]);
  const byVersion: VersionAggregate[] = [];
  let previous: { version: number; scores: number[] } | undefined;
  for (const [version, group] of versions) {
    const scores = group.flatMap((r) => (r.score === null ? [] : [r.score]));
    let comparison: VersionAggregate['comparison'] = null;
    // Two results a side at least: with one, every resample is the same and the interval is a point.
    if (previous && previous.scores.length >= 2 && scores.length >= 2)
      comparison = { ...bootstrapMeanDifference(previous.scores, scores, random), from: previous.version };
    byVersion.push({
      version,
      ...aggregate(group),
      comparison,
      regression: comparison && comparison.high < 0 ? comparison : null,
    });
    if (scores.length > 0) previous = { version, scores };
  }
  let pending = 0;
  let errors = 0;
  for (const c of counts) {
    if (c.status === 'error') errors += Number(c.n);
    else pending += Number(c.n);
  }
  return {
    agentId,
    totals: { ...aggregate(results), pending, errors },
    overTime: [...groupBy((r) => r.day).entries()].map(([day, group]) => ({ day, ...aggregate(group) })),
    byVersion,
    criteria: [...names.entries()].map(([id, name]) => ({ id, name })),
    limit: RESULT_LIMIT,
  };
}

function hash(text: string): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  return h >>> 0;
}
