import { afterEach, describe, expect, it } from 'vitest';
import { createWorker } from '../src/engine/worker.ts';
import { envProviders } from '../src/models/env-providers.ts';
import type { MemberUsage } from '../src/models/usage-report.ts';
import { loadConfig } from '../src/platform/config.ts';
import type { RunDetails } from '../src/runs/run-view.ts';
import { type ApiHarness, createApiHarness, type ErrorResponse } from './support/api-harness.ts';
import { type FakeProviderServer, startFakeProviderServer } from './support/fake-provider-server.ts';
import { storeKinds } from './support/test-deps.ts';

const usage = { inputTokens: 1000, cachedTokens: 200, outputTokens: 300, reasoningTokens: 500 };

describe.each(storeKinds)('credits and usage on %s', (kind) => {
  let api: ApiHarness;
  let server: FakeProviderServer;
  afterEach(async () => {
    await api.close();
    await server.close();
  });

  async function setup() {
    server = await startFakeProviderServer('openai-responses');
    const models = { ...loadConfig({}).models, openaiApiKey: 'sk-o', openaiBaseUrl: server.baseUrl };
    api = await createApiHarness(kind, { providers: () => envProviders(models) });
    const agent = await api.call<{ id: string }>('POST', '/api/agents', {
      name: 'Priced',
      modelSettings: { model: 'openai/gpt-4.1' },
      steps: [
        { name: 'One', prompt: 'One' },
        { name: 'Two', prompt: 'Two {{ steps.one.output }}' },
        { name: 'Three', prompt: 'Three {{ steps.two.output }}' },
      ],
    });
    return agent.body.id;
  }

  const runOnce = async (agentId: string, token?: string) => {
    server.script(...[1, 2, 3].map(() => ({ kind: 'answer' as const, ...usage })));
    const created = await api.call<RunDetails>(
      'POST',
      `/api/agents/${agentId}/runs`,
      {},
      token === undefined ? {} : { token },
    );
    expect(created.status).toBe(201);
    await createWorker(api.deps).runOnce();
    return (await api.call<RunDetails>('GET', `/api/runs/${created.body.id}`)).body;
  };

  it('records every kind of token per step, prices them at the shipped rates and the credit rate, and adds them up', async () => {
    const agentId = await setup();
    expect((await api.call('PUT', '/api/settings/credit-rate', { creditRate: 100 })).status).toBe(200);
    const run = await runOnce(agentId);
    expect(run.status).toBe('completed');
    for (const step of run.steps) {
      expect(step.usage).toEqual({
        inputTokens: 1000,
        cachedInputTokens: 200,
        outputTokens: 300,
        reasoningTokens: 500,
      });
      // gpt-4.1: (800 × $2 + 200 × $0.50 + 300 × $8 + 500 × $8) / 1M = $0.0081; × 100 credits per dollar
      expect(step.credits).toBe(0.81);
      expect(step.pricing).toMatchObject({
        priceTableVersion: 0,
        entry: 'openai/gpt-4.1',
        creditRate: 100,
        costUsd: 0.0081,
      });
    }
    expect(run.actualCredits).toBeCloseTo(2.43, 10);
    const sum = run.steps.reduce((total, s) => total + (s.credits ?? 0), 0);
    expect(run.actualCredits).toBeCloseTo(sum, 10);
  });

  it('prices later steps with an edited price table and records its version', async () => {
    const agentId = await setup();
    const first = await runOnce(agentId);
    const put = await api.call<{ version: number }>('PUT', '/api/settings/prices', {
      note: 'negotiated',
      entries: [
        { model: 'openai/gpt-4.1', inputPerMillion: 1, cachedInputPerMillion: 1, outputPerMillion: 1 },
      ],
    });
    expect(put.status).toBe(200);
    expect(put.body.version).toBe(1);
    const second = await runOnce(agentId);
    expect(first.steps[0]?.pricing?.priceTableVersion).toBe(0);
    expect(second.steps.map((s) => s.pricing?.priceTableVersion)).toEqual([1, 1, 1]);
    // (1000 + 300 + 500) × $1 / 1M × 100 credits per dollar (the default rate)
    expect(second.steps[0]?.credits).toBe(0.18);
    const versions = await api.call<{ items: Array<{ version: number }> }>(
      'GET',
      '/api/settings/prices/versions',
    );
    expect(versions.body.items.map((v) => v.version)).toEqual([1, 0]);
    const shipped = await api.call<{ entries: unknown[] }>('GET', '/api/settings/prices/versions/0');
    expect(shipped.body.entries.length).toBeGreaterThan(10);
  });

  it('refuses a price table with a bad entry, naming the field', async () => {
    await setup();
    const bad = await api.call<ErrorResponse>('PUT', '/api/settings/prices', {
      entries: [{ model: 'openai/gpt-4.1', inputPerMillion: -1, outputPerMillion: 1 }],
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details[0]?.path).toBe('entries[0].inputPerMillion');
    const rate = await api.call<ErrorResponse>('PUT', '/api/settings/credit-rate', { creditRate: 0 });
    expect(rate.status).toBe(400);
    expect(rate.body.error.details[0]?.path).toBe('creditRate');
  });

  it('reports usage per member who started the runs', async () => {
    const agentId = await setup();
    const runner = await api.deps.addUser('runner');
    await runOnce(agentId);
    await runOnce(agentId);
    await runOnce(agentId, runner.token);
    const report = await api.call<{ items: MemberUsage[] }>('GET', '/api/usage/members');
    expect(report.status).toBe(200);
    const byEmail = Object.fromEntries(report.body.items.map((m) => [m.email, m]));
    expect(byEmail[api.deps.adminEmail]).toMatchObject({
      runs: 2,
      steps: 6,
      inputTokens: 6000,
      cachedInputTokens: 1200,
      outputTokens: 1800,
      reasoningTokens: 3000,
    });
    expect(byEmail[runner.email]).toMatchObject({ runs: 1, steps: 3, inputTokens: 3000 });
    expect(byEmail[runner.email]?.credits).toBeCloseTo(3 * 0.81, 10);
    const forbidden = await api.call('GET', '/api/usage/members', undefined, { token: runner.token });
    expect(forbidden.status).toBe(403);
    const badWindow = await api.call<ErrorResponse>('GET', '/api/usage/members?from=yesterday');
    expect(badWindow.status).toBe(400);
    expect(badWindow.body.error.details[0]?.path).toBe('from');
  });
});
