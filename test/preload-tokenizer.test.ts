import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNamedProvider } from '../src/models/named-providers.ts';
import { preloadTokenizer } from '../src/models/preload-tokenizer.ts';
import { createTestDeps, storeKinds, type TestDeps } from './support/test-deps.ts';

const require = createRequire(import.meta.url);
const o200kFile = require.resolve('gpt-tokenizer/encoding/o200k_base');

describe.each(storeKinds)('loading the tokenizer at start on %s', (kind) => {
  let deps: TestDeps;
  beforeAll(async () => {
    deps = await createTestDeps(kind);
  });
  afterAll(async () => {
    await deps.close();
  });

  it('is skipped on the simulated model alone, done once a provider can be called', async () => {
    const before = require.cache[o200kFile];
    expect(await preloadTokenizer(deps)).toBe(false);
    // Nothing loaded by the check (the first store's suite starts with nothing loaded).
    expect(require.cache[o200kFile]).toBe(before);

    for (const key of ['openaiApiKey', 'openaiBaseUrl', 'anthropicApiKey', 'anthropicBaseUrl'] as const) {
      const models = {
        ...deps.config.models,
        [key]: key.endsWith('Url') ? 'http://127.0.0.1:9/v1' : 'sk-test',
      };
      const config = { ...deps.config, models };
      expect(await preloadTokenizer({ config, store: deps.store }), key).toBe(true);
    }
    expect(require.cache[o200kFile]).toBeDefined();

    // A named provider of any organization: the check runs before any request, as the system.
    await createNamedProvider(deps, deps.admin, { name: 'local', baseUrl: 'http://127.0.0.1:9/v1' });
    expect(await preloadTokenizer(deps)).toBe(true);
  });
});
