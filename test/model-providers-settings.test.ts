import { afterEach, describe, expect, it } from 'vitest';
import { createWorker } from '../src/engine/worker.ts';
import { envProviders } from '../src/models/env-providers.ts';
import { loadConfig } from '../src/platform/config.ts';
import type { RunDetails } from '../src/runs/run-view.ts';
import { type ApiHarness, createApiHarness, type ErrorResponse } from './support/api-harness.ts';
import { type FakeProviderServer, startFakeProviderServer } from './support/fake-provider-server.ts';
import { reportAgent, storeKinds } from './support/test-deps.ts';

describe.each(storeKinds)('model provider settings on %s', (kind) => {
  let api: ApiHarness;
  let server: FakeProviderServer;
  afterEach(async () => {
    await api.close();
    await server.close();
  });

  it('keeps a named provider key sealed at rest and shows only its last four characters', async () => {
    server = await startFakeProviderServer('openai-chat');
    api = await createApiHarness(kind);
    const created = await api.call('POST', '/api/settings/providers', {
      name: 'ollama',
      baseUrl: server.baseUrl,
      apiKey: 'sk-local-secret-9876',
      headers: { 'api-key': 'azure-secret' },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: 'ollama', apiKey: '…9876', headerNames: ['api-key'] });
    expect(JSON.stringify(created.body)).not.toContain('sk-local-secret');

    const row = await api.deps.store.db.selectFrom('model_providers').selectAll().executeTakeFirstOrThrow();
    expect(JSON.stringify(row)).not.toContain('sk-local-secret');
    expect(JSON.stringify(row)).not.toContain('azure-secret');
    expect(api.deps.secrets.openOrThrow(row.api_key_sealed ?? '')).toBe('sk-local-secret-9876');

    const listed = await api.call<{ items: unknown[] }>('GET', '/api/settings/providers');
    expect(JSON.stringify(listed.body)).not.toContain('sk-local-secret');
    expect(listed.body.items).toHaveLength(1);

    const patched = await api.call('PATCH', '/api/settings/providers/ollama', { apiKey: null });
    expect(patched.body).toMatchObject({ apiKey: null });
  });

  it('runs an agent on a named provider, sending its key and the step settings', async () => {
    server = await startFakeProviderServer('openai-chat');
    api = await createApiHarness(kind);
    await api.call('POST', '/api/settings/providers', {
      name: 'vllm',
      baseUrl: server.baseUrl,
      apiKey: 'k-vllm-1',
    });
    const agent = await api.call<{ id: string }>('POST', '/api/agents', {
      ...reportAgent,
      modelSettings: { model: 'vllm/llama-3.1-8b', temperature: 0.2 },
    });
    expect(agent.status).toBe(201);
    const run = await api.call<RunDetails>('POST', `/api/agents/${agent.body.id}/runs`, {
      variables: { customer: 'Acme' },
    });
    await createWorker(api.deps).runOnce();
    const done = await api.call<RunDetails>('GET', `/api/runs/${run.body.id}`);
    expect(done.body.status).toBe('completed');
    expect(server.requests).toHaveLength(3);
    expect(server.requests[0]?.headers.authorization).toBe('Bearer k-vllm-1');
    expect(server.requests[0]?.body).toMatchObject({ model: 'llama-3.1-8b', temperature: 0.2 });
    expect(done.body.simulated).toBe(false);
    expect(done.body.steps[0]?.output).toBe('Revenue grew 12% in the period.');
  });

  it('refuses bad names and URLs, naming the field, and a taken name', async () => {
    server = await startFakeProviderServer('openai-chat');
    api = await createApiHarness(kind);
    const reserved = await api.call<ErrorResponse>('POST', '/api/settings/providers', {
      name: 'openai',
      baseUrl: server.baseUrl,
    });
    expect(reserved.status).toBe(400);
    expect(reserved.body.error.details[0]?.path).toBe('name');
    const badUrl = await api.call<ErrorResponse>('POST', '/api/settings/providers', {
      name: 'lmstudio',
      baseUrl: 'ftp://x',
    });
    expect(badUrl.status).toBe(400);
    expect(badUrl.body.error.details[0]?.path).toBe('baseUrl');
    await api.call('POST', '/api/settings/providers', { name: 'lmstudio', baseUrl: server.baseUrl });
    const again = await api.call('POST', '/api/settings/providers', {
      name: 'lmstudio',
      baseUrl: server.baseUrl,
    });
    expect(again.status).toBe(409);
  });

  it('lets only administrators manage providers', async () => {
    server = await startFakeProviderServer('openai-chat');
    api = await createApiHarness(kind);
    const editor = await api.deps.addUser('editor');
    const refused = await api.call('GET', '/api/settings/providers', undefined, { token: editor.token });
    expect(refused.status).toBe(403);
  });

  it('uses OpenAI configured by the environment, and says what to set for Anthropic', async () => {
    server = await startFakeProviderServer('openai-responses');
    const models = {
      ...loadConfig({}).models,
      openaiApiKey: 'sk-env-0001',
      openaiBaseUrl: server.baseUrl,
    };
    api = await createApiHarness(kind, { providers: () => envProviders(models) });
    const agent = await api.call<{ id: string }>('POST', '/api/agents', {
      ...reportAgent,
      modelSettings: { model: 'openai/gpt-4.1' },
      steps: [{ name: 'One', prompt: 'Hello {{ vars.customer }}' }],
    });
    const run = await api.call<RunDetails>('POST', `/api/agents/${agent.body.id}/runs`, {
      variables: { customer: 'Acme' },
      stepOverrides: [{ step: 1, model: 'anthropic/claude-sonnet-4-5' }],
    });
    await createWorker(api.deps).runOnce();
    const failed = await api.call<RunDetails>('GET', `/api/runs/${run.body.id}`);
    expect(failed.body.status).toBe('failed');
    expect(failed.body.error).toContain('ANTHROPIC_API_KEY');

    const ok = await api.call<RunDetails>('POST', `/api/agents/${agent.body.id}/runs`, {
      variables: { customer: 'Acme' },
    });
    await createWorker(api.deps).runOnce();
    expect((await api.call<RunDetails>('GET', `/api/runs/${ok.body.id}`)).body.status).toBe('completed');
    expect(server.requests[0]?.path).toBe('/v1/responses');
    expect(server.requests[0]?.headers.authorization).toBe('Bearer sk-env-0001');
  });
});
