import type { Kysely } from 'kysely';
import { type AgentView, agentViewOf, latestAgentVersionQuery } from '../agents/agent-service.ts';
import type { Actor } from '../identity/actor.ts';
import {
  type PolicyAndCreditRate,
  policyAndCreditRateOf,
  policyAndCreditRateQuery,
} from '../identity/policy-versions.ts';
import { NotFoundError } from '../platform/errors.ts';
import { compiledOnce } from '../store/compiled-once.ts';
import { prepared } from '../store/prepared-statements.ts';
import type { Database } from '../store/schema.ts';

/**
 * What creating a run reads before it writes, in one statement: the agent with its latest version's
 * definition, and the organization's policy in force with its credit rate. On PostgreSQL each
 * statement is a round trip that wakes a backend: at 4,000 runs in flight, writing queries to their
 * sockets was ~28 % of the engine's thread (CPU profile, concurrency benchmark), and creates sent
 * most of those queries, 3.2 each (bench/README.md).
 */
const agentAndPolicy = compiledOnce((db: Kysely<Database>, agentId: string, orgId: string) =>
  prepared(
    db
      .selectFrom(policyAndCreditRateQuery(db, orgId).as('p'))
      .leftJoin(latestAgentVersionQuery(db, agentId, orgId).as('a'), (join) => join.onTrue())
      .selectAll('p')
      .select([
        'a.id as agent_id',
        'a.latest_version',
        'a.archived',
        'a.created_at as agent_created_at',
        'a.updated_at as agent_updated_at',
        'a.definition',
      ]),
  ),
);

/** The agent (its latest version) and the policy in force with the credit rate, for `actor`'s organization. */
export async function agentAndPolicyOrThrow(
  db: Kysely<Database>,
  actor: Actor,
  agentId: string,
): Promise<{ agent: AgentView; inForce: PolicyAndCreditRate }> {
  const [row] = await agentAndPolicy(db, agentId, actor.orgId);
  // The agent's columns are all null (no such agent in the organization) or none is.
  if (
    !row ||
    row.agent_id === null ||
    row.latest_version === null ||
    row.archived === null ||
    row.agent_created_at === null ||
    row.agent_updated_at === null ||
    row.definition === null
  )
    throw new NotFoundError('agent', agentId);
  const agent = agentViewOf({
    id: row.agent_id,
    latest_version: row.latest_version,
    archived: row.archived,
    created_at: row.agent_created_at,
    updated_at: row.agent_updated_at,
    definition: row.definition,
  });
  return { agent, inForce: policyAndCreditRateOf(row) };
}
