import { afterEach, describe, expect, it } from 'vitest';
import type { ModelCall, ModelProvider } from '../src/models/model-provider.ts';
import { createModelStepRunner, deltaChannel, type OutputDelta } from '../src/models/model-step-runner.ts';
import { loadConfig } from '../src/platform/config.ts';
import { ProviderError } from '../src/platform/errors.ts';
import { createTestDeps, type TestDeps } from './support/test-deps.ts';

describe('output deltas of a model step', () => {
  let deps: TestDeps;
  afterEach(async () => {
    await deps.close();
  });

  /** Runs one step on `generate` and returns what went out on the run's delta channel. */
  const deltasOf = async (generate: (call: ModelCall) => Promise<string>) => {
    const models = loadConfig({}).models;
    deps = await createTestDeps('sqlite', {
      config: { models: { ...models, retryBaseDelayMs: 1, retryMaxDelayMs: 1 } },
    });
    const provider: ModelProvider = {
      id: 'scripted',
      simulated: false,
      async generate(call) {
        const text = await generate(call);
        return { text, usage: { inputTokens: 1, outputTokens: 1 }, warnings: [] };
      },
    };
    const runner = createModelStepRunner({
      ...deps,
      models: { ...deps.models, resolveForOrgOrThrow: async () => provider },
    });
    const published: OutputDelta[] = [];
    deps.bus.subscribe(deltaChannel('run_1'), (payload) => published.push(JSON.parse(payload)));
    const outcome = await runner.run({
      orgId: deps.admin.orgId,
      runId: 'run_1',
      stepNumber: 2,
      settings: { model: 'scripted/model' },
      system: undefined,
      prompt: 'Hello',
      outputFormat: 'text',
      signal: new AbortController().signal,
      creditRate: 1000,
    });
    return { published, text: outcome.text };
  };

  const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

  it('sends the deltas that arrive in one turn as one, and later ones as they come', async () => {
    const { published, text } = await deltasOf(async (call) => {
      // One read of the stream: three chunks parsed at once.
      for (const piece of ['Acme ', 'is ', 'growing']) call.onDelta?.(piece);
      await nextTurn();
      call.onDelta?.('.');
      return 'Acme is growing.';
    });
    expect(published).toEqual([
      { number: 2, text: 'Acme is growing' },
      { number: 2, text: '.' },
    ]);
    expect(text).toBe('Acme is growing.');
  });

  it('sends what a failed try streamed before the restart of the retry', async () => {
    let tries = 0;
    const { published } = await deltasOf(async (call) => {
      tries++;
      if (tries === 1) {
        call.onDelta?.('Half an ');
        throw new ProviderError('scripted broke off', true, { kind: 'failed' });
      }
      call.onDelta?.('A whole answer.');
      return 'A whole answer.';
    });
    expect(published).toEqual([
      { number: 2, text: 'Half an ' },
      { number: 2, text: '', restart: true },
      { number: 2, text: 'A whole answer.' },
    ]);
  });
});
