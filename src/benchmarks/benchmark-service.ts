import type { z } from 'zod';
import { getAgentOrThrow } from '../agents/agent-service.ts';
import type { Deps } from '../deps.ts';
import { appendAudit } from '../governance/audit-log.ts';
import type { Actor } from '../identity/actor.ts';
import { ValidationError } from '../platform/errors.ts';
import {
  type BenchmarkConfig,
  type benchmarkInputSchema,
  defaultBenchmark,
  normalizeBenchmark,
} from './benchmark-config.ts';
import { assertSchemaCompilesOrThrow } from './evaluate-criterion.ts';

/** An agent's benchmark as the API shows it; `configured` is false while it is the default one. */
export interface BenchmarkView extends BenchmarkConfig {
  agentId: string;
  configured: boolean;
  updatedAt: string | null;
  updatedBy: string | null;
}

/** The agent's benchmark, or the default writing-quality one. Throws NotFoundError for another org's agent. */
export async function getBenchmarkOrThrow(
  deps: Pick<Deps, 'store'>,
  actor: Actor,
  agentId: string,
): Promise<BenchmarkView> {
  await getAgentOrThrow(deps, actor, agentId);
  return readBenchmark(deps, actor.orgId, agentId);
}

export async function readBenchmark(
  deps: Pick<Deps, 'store'>,
  orgId: string,
  agentId: string,
): Promise<BenchmarkView> {
  const row = await deps.store.db
    .selectFrom('benchmarks')
    .selectAll()
    .where('agent_id', '=', agentId)
    .where('org_id', '=', orgId)
    .executeTakeFirst();
  if (!row) return { ...defaultBenchmark, agentId, configured: false, updatedAt: null, updatedBy: null };
  return {
    ...(JSON.parse(row.config) as BenchmarkConfig),
    agentId,
    configured: true,
    updatedAt: new Date(row.updated_at).toISOString(),
    updatedBy: row.updated_by,
  };
}

/**
 * Replaces the agent's benchmark (B1). Kept beside the agent rather than in its versioned
 * definition: changing a criterion must not make a new agent version, or the dashboards' "by
 * version" comparison would mix changes of the agent with changes of the yardstick.
 */
export async function putBenchmark(
  deps: Pick<Deps, 'store' | 'ids' | 'clock'>,
  actor: Actor,
  agentId: string,
  input: z.infer<typeof benchmarkInputSchema>,
): Promise<BenchmarkView> {
  await getAgentOrThrow(deps, actor, agentId);
  input.criteria.forEach((c, i) => {
    if (c.type !== 'json-schema') return;
    try {
      assertSchemaCompilesOrThrow(c.schema);
    } catch (error) {
      throw ValidationError.field(
        `criteria[${i}].schema`,
        `is not a valid JSON Schema: ${(error as Error).message}`,
      );
    }
  });
  const config = normalizeBenchmark(input, () => deps.ids.next('cas'));
  const now = deps.clock.now();
  await deps.store.transaction(async (trx) => {
    const values = {
      config: JSON.stringify(config),
      auto_run: config.autoRun ? 1 : 0,
      updated_by: actor.userId,
      updated_at: now,
    };
    await trx
      .insertInto('benchmarks')
      .values({ agent_id: agentId, org_id: actor.orgId, ...values })
      .onConflict((oc) => oc.column('agent_id').doUpdateSet(values))
      .execute();
    await appendAudit(trx, deps.ids, now, {
      orgId: actor.orgId,
      actor: actor.userId,
      action: 'benchmark.updated',
      target: agentId,
      details: { criteria: config.criteria.length, cases: config.cases.length, autoRun: config.autoRun },
    });
  });
  return readBenchmark(deps, actor.orgId, agentId);
}
