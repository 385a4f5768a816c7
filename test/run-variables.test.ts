import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createAgent } from '../src/agents/agent-service.ts';
import { createRun } from '../src/runs/create-run.ts';
import { resolveVariables } from '../src/runs/resolve-variables.ts';
import { createTestDeps, reportAgent, storeKinds, type TestDeps } from './support/test-deps.ts';

const definitions = [
  { name: 'customer', type: 'string', required: true },
  { name: 'period', type: 'string', required: false, default: 'last 7 days' },
  { name: 'limit', type: 'number', required: false, default: 10 },
  { name: 'draft', type: 'boolean', required: false },
  { name: 'due', type: 'date', required: false },
  { name: 'options', type: 'json', required: false, default: { tone: 'plain' } },
] as const;

describe('resolveVariables', () => {
  it('inherits defaults and marks overrides', () => {
    expect(resolveVariables(definitions, { customer: 'Acme', limit: 3 })).toEqual([
      { name: 'customer', value: 'Acme', source: 'override' },
      { name: 'period', value: 'last 7 days', source: 'default' },
      { name: 'limit', value: 3, source: 'override' },
      { name: 'draft', value: null, source: 'default' },
      { name: 'due', value: null, source: 'default' },
      { name: 'options', value: { tone: 'plain' }, source: 'default' },
    ]);
  });

  it('accepts text for typed variables, as the CLI and webhooks send it', () => {
    const resolved = resolveVariables(definitions, {
      customer: 'Acme',
      limit: '25',
      draft: 'true',
      options: '{"tone":"warm"}',
      due: '2026-12-01',
    });
    expect(Object.fromEntries(resolved.map((v) => [v.name, v.value]))).toMatchObject({
      limit: 25,
      draft: true,
      options: { tone: 'warm' },
      due: '2026-12-01',
    });
  });

  it('names every field at fault', () => {
    try {
      resolveVariables(definitions, { limit: 'ten', draft: 1, due: 'next week', region: 'EU' });
      expect.unreachable();
    } catch (error) {
      expect(error).toMatchObject({ code: 'validation_failed' });
      expect((error as { details: unknown }).details).toEqual([
        {
          path: 'variables.region',
          message: expect.stringContaining('unknown variable; this agent has: customer, period'),
        },
        { path: 'variables.customer', message: 'is required (string)' },
        { path: 'variables.limit', message: 'must be a finite number' },
        { path: 'variables.draft', message: 'must be true or false' },
        { path: 'variables.due', message: 'must be an ISO 8601 date such as 2026-11-25' },
      ]);
    }
  });

  it('refuses a required variable set to an empty string', () => {
    expect(() => resolveVariables(definitions, { customer: '  ' })).toThrow(
      'variables.customer: is required and must not be empty',
    );
  });
});

describe.each(storeKinds)('run variables on %s', (kind) => {
  let deps: TestDeps;
  beforeEach(async () => {
    deps = await createTestDeps(kind);
  });
  afterEach(async () => {
    await deps.close();
  });

  it('stores the values used and where each came from, and loses nothing on a refused run', async () => {
    const agent = await createAgent(deps, deps.admin, reportAgent);
    const manual = { kind: 'manual' as const, by: deps.admin.userId };
    await expect(
      createRun(deps, deps.admin, agent.id, { variables: { period: 'Q4' }, start: true }, manual),
    ).rejects.toMatchObject({
      details: [{ path: 'variables.customer' }],
    });
    const runs = await deps.store.db.selectFrom('runs').select('id').execute();
    expect(runs).toEqual([]);
    const run = await createRun(
      deps,
      deps.admin,
      agent.id,
      { variables: { customer: 'Acme' }, start: false },
      manual,
    );
    expect(run.variables).toEqual([
      { name: 'customer', value: 'Acme', source: 'override' },
      { name: 'period', value: 'last 7 days', source: 'default' },
    ]);
  });
});
