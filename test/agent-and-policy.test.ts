import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAgent, getAgentOrThrow, updateAgent } from '../src/agents/agent-service.ts';
import { defaultPolicy } from '../src/identity/policy.ts';
import { currentPolicyAndCreditRate, putPolicy } from '../src/identity/policy-versions.ts';
import { NotFoundError } from '../src/platform/errors.ts';
import { agentAndPolicyOrThrow } from '../src/runs/agent-and-policy.ts';
import { createTestDeps, reportAgent, storeKinds, type TestDeps } from './support/test-deps.ts';

/**
 * Creating a run reads the agent, the policy in force and the credit rate in one statement; it
 * must answer what the separate reads answer, as the agent, the policy and the rate change.
 */
describe.each(storeKinds)('the agent and the policy in one read (%s)', (kind) => {
  let deps: TestDeps;

  beforeAll(async () => {
    deps = await createTestDeps(kind);
  });
  afterAll(() => deps?.close());

  const separately = async (agentId: string) => ({
    agent: await getAgentOrThrow(deps, deps.admin, agentId),
    inForce: await currentPolicyAndCreditRate(deps.store.reads, deps.admin.orgId),
  });

  it('answers what the agent and policy reads answer, before and after each changes', async () => {
    const agent = await createAgent(deps, deps.admin, reportAgent);
    const first = await agentAndPolicyOrThrow(deps.store.reads, deps.admin, agent.id);
    expect(first).toEqual(await separately(agent.id));
    expect(first.agent).toMatchObject({ version: 1, name: reportAgent.name, archived: false });
    const inForce = first.inForce.policy.version;
    expect(first.inForce.creditRate).not.toBe(2.5);

    await updateAgent(deps, deps.admin, agent.id, { name: 'Renamed report' });
    await putPolicy(deps, deps.admin, { ...defaultPolicy, retentionDays: 30 });
    await putPolicy(deps, deps.admin, { ...defaultPolicy, retentionDays: 60 });
    await deps.store.db
      .updateTable('organizations')
      .set({ credit_rate: 2.5 })
      .where('id', '=', deps.admin.orgId)
      .execute();
    const later = await agentAndPolicyOrThrow(deps.store.reads, deps.admin, agent.id);
    expect(later).toEqual(await separately(agent.id));
    expect(later.agent).toMatchObject({ version: 2, name: 'Renamed report' });
    expect(later.inForce.policy).toMatchObject({ version: inForce + 2, policy: { retentionDays: 60 } });
    expect(later.inForce.creditRate).toBe(2.5);
  });

  it('refuses an agent that is not the organization’s', async () => {
    const agent = await createAgent(deps, deps.admin, reportAgent);
    await expect(agentAndPolicyOrThrow(deps.store.reads, deps.admin, 'agt_missing')).rejects.toThrow(
      NotFoundError,
    );
    const elsewhere = { ...deps.admin, orgId: 'org_elsewhere' };
    await expect(agentAndPolicyOrThrow(deps.store.reads, elsewhere, agent.id)).rejects.toThrow(
      /agent .*not found|not found.*agent/i,
    );
  });
});
