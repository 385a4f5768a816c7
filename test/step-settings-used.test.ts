import { afterEach, describe, expect, it } from 'vitest';
import { createWorker } from '../src/engine/worker.ts';
import { envProviders } from '../src/models/env-providers.ts';
import { loadConfig } from '../src/platform/config.ts';
import type { RunDetails } from '../src/runs/run-view.ts';
import { type ApiHarness, createApiHarness } from './support/api-harness.ts';
import { type FakeProviderServer, startFakeProviderServer } from './support/fake-provider-server.ts';
import { storeKinds } from './support/test-deps.ts';

describe.each(storeKinds)('model settings and step overrides on %s', (kind) => {
  let api: ApiHarness;
  let openai: FakeProviderServer;
  let anthropic: FakeProviderServer;
  afterEach(async () => {
    await api.close();
    await openai.close();
    await anthropic.close();
  });

  it('sends run settings and step overrides in each request and records what every step used', async () => {
    openai = await startFakeProviderServer('openai-responses');
    anthropic = await startFakeProviderServer('anthropic');
    const models = {
      ...loadConfig({}).models,
      openaiApiKey: 'sk-o',
      openaiBaseUrl: openai.baseUrl,
      anthropicApiKey: 'sk-a',
      anthropicBaseUrl: anthropic.baseUrl,
    };
    api = await createApiHarness(kind, { providers: () => envProviders(models) });
    const agent = await api.call<{ id: string }>('POST', '/api/agents', {
      name: 'Three providers',
      modelSettings: { model: 'openai/gpt-5-mini', reasoningEffort: 'minimal' },
      steps: [
        { name: 'Draft', prompt: 'Draft a note.' },
        {
          name: 'Think',
          prompt: 'Think about {{ steps.draft.output }}',
          modelSettings: { reasoningEffort: 'high' },
        },
        { name: 'Polish', prompt: 'Polish {{ steps.think.output }}' },
      ],
    });
    expect(agent.status).toBe(201);
    const created = await api.call<RunDetails>('POST', `/api/agents/${agent.body.id}/runs`, {
      modelSettings: { reasoningEffort: 'low', maxOutputTokens: 500 },
      stepOverrides: [
        { step: 2, model: 'anthropic/claude-sonnet-4-5', maxOutputTokens: 900 },
        { step: 3, model: 'openai/gpt-4.1', temperature: 0.7, reasoningEffort: 'none', timeoutMs: 20_000 },
      ],
    });
    expect(created.status).toBe(201);
    await createWorker(api.deps).runOnce();
    const run = (await api.call<RunDetails>('GET', `/api/runs/${created.body.id}`)).body;
    expect(run.status).toBe('completed');

    // What reached the wire.
    expect(openai.requests).toHaveLength(2);
    expect(openai.requests[0]?.body).toMatchObject({
      model: 'gpt-5-mini',
      reasoning: { effort: 'low' },
      max_output_tokens: 500,
    });
    expect(anthropic.requests).toHaveLength(1);
    expect(anthropic.requests[0]?.body).toMatchObject({
      model: 'claude-sonnet-4-5',
      thinking: { type: 'enabled', budget_tokens: 24_576 },
    });
    expect(Number(anthropic.requests[0]?.body.max_tokens)).toBeGreaterThanOrEqual(900);
    expect(openai.requests[1]?.body).toMatchObject({
      model: 'gpt-4.1',
      temperature: 0.7,
      max_output_tokens: 500,
    });

    // What the run says each step used.
    expect(run.steps.map((s) => [s.model, s.reasoningEffort])).toEqual([
      ['openai/gpt-5-mini', 'low'],
      ['anthropic/claude-sonnet-4-5', 'high'],
      ['openai/gpt-4.1', 'none'],
    ]);
    expect(run.steps[0]?.settingsUsed).toMatchObject({
      model: 'openai/gpt-5-mini',
      reasoningEffort: 'low',
      maxOutputTokens: 500,
      temperature: null,
      providerOptions: { openai: { reasoningEffort: 'low' } },
    });
    expect(run.steps[1]?.settingsUsed).toMatchObject({
      maxOutputTokens: 900,
      providerOptions: { anthropic: { thinking: { type: 'enabled', budgetTokens: 24_576 } } },
    });
    expect(run.steps[2]?.settingsUsed).toMatchObject({ temperature: 0.7, timeoutMs: 20_000 });
    // gpt-4.1 has no reasoning: the SDK leaves the effort out, and the step says so.
    expect(run.steps[2]?.settingsUsed?.warnings.join(' ')).toContain('reasoningEffort');
    expect(run.steps.every((s) => s.modelCalls === 1)).toBe(true);
    expect(run.stepOverrides).toEqual([
      { step: 2, reasoningEffort: 'high', model: 'anthropic/claude-sonnet-4-5', maxOutputTokens: 900 },
      { step: 3, model: 'openai/gpt-4.1', temperature: 0.7, reasoningEffort: 'none', timeoutMs: 20_000 },
    ]);
  });

  it('refuses an override of a step the agent does not have, naming the field', async () => {
    openai = await startFakeProviderServer('openai-chat');
    anthropic = await startFakeProviderServer('anthropic');
    api = await createApiHarness(kind);
    const agent = await api.call<{ id: string }>('POST', '/api/agents', {
      name: 'One step',
      steps: [{ name: 'Only', prompt: 'Hi' }],
    });
    const refused = await api.call<{ error: { details: Array<{ path: string }> } }>(
      'POST',
      `/api/agents/${agent.body.id}/runs`,
      { stepOverrides: [{ step: 2, reasoningEffort: 'high' }] },
    );
    expect(refused.status).toBe(400);
    expect(refused.body.error.details[0]?.path).toBe('stepOverrides[0].step');
    const badEffort = await api.call<{ error: { details: Array<{ path: string }> } }>(
      'POST',
      `/api/agents/${agent.body.id}/runs`,
      { modelSettings: { reasoningEffort: 'extreme' } },
    );
    expect(badEffort.status).toBe(400);
    expect(badEffort.body.error.details[0]?.path).toBe('modelSettings.reasoningEffort');
  });
});
