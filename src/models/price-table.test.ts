import { describe, expect, it } from 'vitest';
import { type PriceTable, priceEntryFor, priceUsage, shippedPriceTable } from './price-table.ts';

const table: PriceTable = {
  version: 3,
  note: '',
  createdAt: null,
  createdBy: null,
  entries: [
    { model: 'openai/gpt-5', inputPerMillion: 1.25, cachedInputPerMillion: 0.125, outputPerMillion: 10 },
    { model: 'openai/gpt-5-mini', inputPerMillion: 0.25, outputPerMillion: 2, reasoningPerMillion: 3 },
    {
      model: 'anthropic/claude-sonnet-4-5',
      inputPerMillion: 3,
      cachedInputPerMillion: 0.3,
      outputPerMillion: 15,
      tiers: [
        { aboveInputTokens: 200_000, inputPerMillion: 6, cachedInputPerMillion: 0.6, outputPerMillion: 22.5 },
      ],
    },
    { model: '*', inputPerMillion: 1, outputPerMillion: 4 },
  ],
};

describe('priceUsage', () => {
  it('prices uncached input, cached input, output and reasoning each at its rate, times the credit rate', () => {
    const { credits, pricing } = priceUsage(
      table,
      'openai/gpt-5',
      { inputTokens: 10_000, cachedInputTokens: 4000, outputTokens: 1000, reasoningTokens: 2000 },
      100,
    );
    // (6000 × 1.25 + 4000 × 0.125 + 1000 × 10 + 2000 × 10) / 1e6 = 0.038 USD → 3.8 credits
    expect(pricing).toMatchObject({
      priceTableVersion: 3,
      entry: 'openai/gpt-5',
      costUsd: 0.038,
      tiered: false,
    });
    expect(credits).toBe(3.8);
  });

  it('uses the reasoning rate where the entry has one, and the input rate for cache reads where not', () => {
    const { pricing } = priceUsage(
      table,
      'openai/gpt-5-mini-2025-08-07',
      { inputTokens: 1000, cachedInputTokens: 1000, outputTokens: 100, reasoningTokens: 100 },
      1,
    );
    // 1000 × 0.25 + 100 × 2 + 100 × 3 = 750 per million
    expect(pricing.entry).toBe('openai/gpt-5-mini');
    expect(pricing.costUsd).toBe(0.00075);
  });

  it('switches to the tier above a context size', () => {
    const below = priceUsage(
      table,
      'anthropic/claude-sonnet-4-5',
      { inputTokens: 200_000, outputTokens: 1000 },
      1,
    );
    const above = priceUsage(
      table,
      'anthropic/claude-sonnet-4-5',
      { inputTokens: 200_001, outputTokens: 1000 },
      1,
    );
    expect(below.pricing).toMatchObject({ tiered: false, costUsd: 0.615 });
    expect(above.pricing).toMatchObject({ tiered: true, costUsd: 1.222506 });
  });

  it('falls back to * for a model nobody priced', () => {
    expect(priceEntryFor(table, 'ollama/llama3.2')?.model).toBe('*');
  });
});

describe('shippedPriceTable', () => {
  it('prices current OpenAI and Anthropic models by their own entry, longest prefix first', () => {
    for (const [model, entry] of [
      ['openai/gpt-5-mini', 'openai/gpt-5-mini'],
      ['openai/gpt-5', 'openai/gpt-5'],
      ['openai/gpt-4.1-mini-2025-04-14', 'openai/gpt-4.1-mini'],
      ['anthropic/claude-sonnet-4-5-20250929', 'anthropic/claude-sonnet-4-5'],
      ['anthropic/claude-haiku-4-5', 'anthropic/claude-haiku-4-5'],
      ['simulated/default', 'simulated/'],
    ]) {
      expect(priceEntryFor(shippedPriceTable, model as string)?.model).toBe(entry);
    }
  });
});
