import v8 from 'node:v8';
import vm from 'node:vm';
import { describe, expect, it } from 'vitest';
import { countPromptTokens } from '../src/models/count-tokens.ts';

v8.setFlagsFromString('--expose-gc');
const collectGarbage = vm.runInNewContext('gc') as () => void;

describe('counting prompt tokens', () => {
  it('keeps a bounded number of merged words, however many different ones it counts', () => {
    expect(countPromptTokens('openai/gpt-4.1', 'Hello world').tokens).toBe(2);
    const first = countPromptTokens('openai/gpt-4.1', 'Summarize ticket 0Q0 now').tokens;
    collectGarbage();
    const before = process.memoryUsage().heapUsed;
    for (let i = 0; i < 100_000; i++)
      countPromptTokens(
        'openai/gpt-4.1',
        `Summarize ticket ${(i * 7919).toString(36)}Q${i.toString(16)} now`,
      );
    collectGarbage();
    // With the tokenizer's own cache of 100,000 words these kept 13 MB.
    expect((process.memoryUsage().heapUsed - before) / 2 ** 20).toBeLessThan(5);
    // A word let go long ago is merged again to the same tokens.
    expect(countPromptTokens('openai/gpt-4.1', 'Summarize ticket 0Q0 now').tokens).toBe(first);
  });
});
