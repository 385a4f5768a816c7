import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAgent, updateAgent } from '../src/agents/agent-service.ts';
import { createRun } from '../src/runs/create-run.ts';
import { getRunOrThrow } from '../src/runs/get-run.ts';
import { createSite } from '../src/sites/site-service.ts';
import { createTestDeps, reportAgent, storeKinds, type TestDeps } from './support/test-deps.ts';

/**
 * `createRun` answers with the run as it wrote it, without reading it back: the answer must be
 * exactly what reading it back returns, whatever the run's shape.
 */
describe.each(storeKinds)('the run createRun answers with on %s', (kind) => {
  let deps: TestDeps;
  beforeAll(async () => {
    deps = await createTestDeps(kind);
  });
  afterAll(() => deps?.close());

  it('equals the run read back: started or not, with Sites, an older version, overrides and a notification', async () => {
    const site = await createSite(deps, deps.admin, {
      name: 'Handbook',
      description: '',
      uploadAgentId: null,
    });
    const agent = await createAgent(deps, deps.admin, reportAgent);
    await updateAgent(deps, deps.admin, agent.id, { name: 'Weekly account report v2' });
    const manual = { kind: 'manual' as const, by: deps.admin.userId };
    const variants = [
      { variables: { customer: 'Acme' }, start: false },
      { variables: { customer: 'Acme' }, start: true },
      { variables: { customer: 'Globex', period: 'May' }, start: true, siteIds: [site.id], name: 'Named' },
      { variables: { customer: 'Initech' }, start: true, agentVersion: 1 },
      {
        variables: { customer: 'Hooli' },
        start: false,
        modelSettings: { reasoningEffort: 'high' as const },
        notification: { email: ['ops@example.com'], on: 'failure' as const },
      },
      {
        variables: { customer: 'Umbrella' },
        start: true,
        stepOverrides: [{ step: 2, model: 'simulated/default', temperature: 0.2 }],
        notification: {
          on: 'always' as const,
          webhook: 'https://hooks.example.com/runs',
          webhookSecret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
        },
      },
    ];
    for (const input of variants) {
      const answered = await createRun(deps, deps.admin, agent.id, input, manual);
      // As the API sends both: JSON, so a value only the answer holds (say, undefined) shows too.
      const readBack = await getRunOrThrow(deps, deps.admin, answered.id);
      expect(JSON.parse(JSON.stringify(answered))).toStrictEqual(JSON.parse(JSON.stringify(readBack)));
    }
  });
});
