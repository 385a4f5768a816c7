import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createAgent } from '../src/agents/agent-service.ts';
import { createWorker } from '../src/engine/worker.ts';
import { createRun } from '../src/runs/create-run.ts';
import { getRunOrThrow } from '../src/runs/get-run.ts';
import { duplicateRun } from '../src/runs/run-actions.ts';
import { createTestDeps, reportAgent, storeKinds, type TestDeps } from './support/test-deps.ts';

describe.each(storeKinds)('duplicating a run on %s', (kind) => {
  let deps: TestDeps;
  beforeEach(async () => {
    deps = await createTestDeps(kind);
  });
  afterEach(async () => {
    await deps.close();
  });

  it('copies the configuration and applies the adjusted variables', async () => {
    const agent = await createAgent(deps, deps.admin, reportAgent);
    const source = await createRun(
      deps,
      deps.admin,
      agent.id,
      {
        variables: { customer: 'Acme', period: 'Q3' },
        modelSettings: { reasoningEffort: 'medium' },
        stepOverrides: [{ step: 3, model: 'simulated/delay-1' }],
        start: true,
      },
      { kind: 'manual', by: deps.admin.userId },
    );
    await createWorker(deps).runOnce();

    const copy = await duplicateRun(deps, deps.admin, source.id, {
      variables: { customer: 'Globex' },
      start: true,
    });
    expect(copy.id).not.toBe(source.id);
    expect(copy.name).toBe('Weekly account report — Acme (copy)');
    expect(copy.trigger).toEqual({ kind: 'manual', by: deps.admin.userId, duplicateOf: source.id });
    expect(copy.variables).toEqual([
      { name: 'customer', value: 'Globex', source: 'override' },
      { name: 'period', value: 'Q3', source: 'override' },
    ]);
    expect(copy.modelSettings).toEqual(source.modelSettings);
    expect(copy.stepOverrides).toEqual(source.stepOverrides);
    expect(copy.notification).toEqual(source.notification);
    expect(copy.agentVersion).toBe(source.agentVersion);

    await createWorker(deps).runOnce();
    const done = await getRunOrThrow(deps, deps.admin, copy.id);
    expect(done.status).toBe('completed');
    expect(done.steps[0]?.output).toContain('Globex');
    expect(done.steps[2]?.model).toBe('simulated/delay-1');
    expect((await getRunOrThrow(deps, deps.admin, source.id)).steps[0]?.output).toContain('Acme');
  });

  it('validates the adjusted variables like a new run', async () => {
    const agent = await createAgent(deps, deps.admin, reportAgent);
    const source = await createRun(
      deps,
      deps.admin,
      agent.id,
      { variables: { customer: 'Acme' }, start: false },
      { kind: 'manual', by: deps.admin.userId },
    );
    await expect(
      duplicateRun(deps, deps.admin, source.id, { variables: { region: 'EU' }, start: true }),
    ).rejects.toMatchObject({
      code: 'validation_failed',
      details: [{ path: 'variables.region', message: expect.stringContaining('unknown variable') }],
    });
    const renamed = await duplicateRun(deps, deps.admin, source.id, { name: 'Second try', start: false });
    expect([renamed.name, renamed.status]).toEqual(['Second try', 'new']);
  });
});
