import type { Kysely } from 'kysely';
import type { AgentDefinition } from '../agents/agent-definition.ts';
import { type FieldIssue, ValidationError } from '../platform/errors.ts';
import type { Database } from '../store/schema.ts';

/**
 * Save-time checks of `agent` steps (T4): the agent exists in the organization, the mapped
 * variables are its variables, and no chain of agent steps leads back to the agent being saved
 * (A → B → A), checked over the latest version of each agent on the way.
 */
export async function assertAgentStepsOrThrow(
  db: Kysely<Database>,
  orgId: string,
  agentId: string | undefined,
  definition: AgentDefinition,
): Promise<void> {
  const issues: FieldIssue[] = [];
  const cache = new Map<string, AgentDefinition | null>();
  const load = async (id: string): Promise<AgentDefinition | null> => {
    if (!cache.has(id)) {
      const row = await db
        .selectFrom('agents')
        .innerJoin('agent_versions', (join) =>
          join
            .onRef('agent_versions.agent_id', '=', 'agents.id')
            .onRef('agent_versions.version', '=', 'agents.latest_version'),
        )
        .select('agent_versions.definition')
        .where('agents.id', '=', id)
        .where('agents.org_id', '=', orgId)
        .executeTakeFirst();
      cache.set(id, row ? (JSON.parse(row.definition) as AgentDefinition) : null);
    }
    return cache.get(id) ?? null;
  };
  /** The path from `from` back to `agentId`, if there is one. */
  const pathBack = async (from: string, seen: Set<string>): Promise<string[] | undefined> => {
    if (from === agentId) return [from];
    if (seen.has(from)) return undefined;
    seen.add(from);
    for (const step of (await load(from))?.steps ?? []) {
      if (step.kind !== 'agent' || !step.agentId) continue;
      const rest = await pathBack(step.agentId, seen);
      if (rest) return [from, ...rest];
    }
    return undefined;
  };

  for (const [i, step] of definition.steps.entries()) {
    if (step.kind !== 'agent' || !step.agentId) continue;
    const target = await load(step.agentId);
    if (!target) {
      issues.push({ path: `steps[${i}].agentId`, message: `no agent ${step.agentId} in this organization` });
      continue;
    }
    const known = new Set(target.variables.map((v) => v.name));
    for (const name of Object.keys(step.variables ?? {}))
      if (!known.has(name))
        issues.push({
          path: `steps[${i}].variables.${name}`,
          message: `agent ${step.agentId} has no variable "${name}"; it has: ${[...known].join(', ') || 'none'}`,
        });
    if (agentId !== undefined) {
      const cycle = await pathBack(step.agentId, new Set());
      if (cycle)
        issues.push({
          path: `steps[${i}].agentId`,
          message: `calling ${step.agentId} makes a cycle: ${[agentId, ...cycle].join(' → ')}`,
        });
    }
  }
  if (issues.length > 0) throw new ValidationError(`${issues[0]?.path}: ${issues[0]?.message}`, issues);
}
