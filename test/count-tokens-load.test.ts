import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { countPromptTokens, loadTokenizer } from '../src/models/count-tokens.ts';

const require = createRequire(import.meta.url);
const o200kFile = require.resolve('gpt-tokenizer/encoding/o200k_base');

describe('loading the tokenizer', () => {
  it('is left to the first count, or done ahead of it by loadTokenizer', () => {
    expect(require.cache[o200kFile]).toBeUndefined();
    // The simulated model counts characters: no tokenizer.
    expect(countPromptTokens('simulated/fast', 'Hello world').tokens).toBe(3);
    expect(require.cache[o200kFile]).toBeUndefined();
    loadTokenizer();
    expect(require.cache[o200kFile]).toBeDefined();
    expect(countPromptTokens('openai/gpt-4.1', 'Hello world').tokens).toBe(2);
    loadTokenizer();
    expect(countPromptTokens('openai/gpt-4.1', 'Hello world').tokens).toBe(2);
  });
});
