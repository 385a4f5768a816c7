import type { Usage } from './model-provider.ts';

/** US dollars per million tokens. */
export interface ModelPrice {
  inputPerMillion: number;
  outputPerMillion: number;
}

/**
 * Prices by model id prefix, longest prefix first. The simulated model is priced like a small
 * hosted model so credits show realistic magnitudes offline.
 */
const defaultPrices: Array<[prefix: string, price: ModelPrice]> = [
  ['simulated/', { inputPerMillion: 0.25, outputPerMillion: 2 }],
  ['openai/gpt-5-mini', { inputPerMillion: 0.25, outputPerMillion: 2 }],
  ['openai/gpt-5', { inputPerMillion: 1.25, outputPerMillion: 10 }],
  ['anthropic/claude-sonnet', { inputPerMillion: 3, outputPerMillion: 15 }],
  ['anthropic/claude-haiku', { inputPerMillion: 1, outputPerMillion: 5 }],
  ['', { inputPerMillion: 1, outputPerMillion: 4 }],
];

export function priceOf(model: string): ModelPrice {
  for (const [prefix, price] of defaultPrices) if (model.startsWith(prefix)) return price;
  return { inputPerMillion: 0, outputPerMillion: 0 };
}

/** Credits for `usage` at `creditRate` credits per US dollar; reasoning tokens bill as output. */
export function creditsFor(model: string, usage: Usage, creditRate: number): number {
  const price = priceOf(model);
  const dollars =
    (usage.inputTokens * price.inputPerMillion +
      (usage.outputTokens + (usage.reasoningTokens ?? 0)) * price.outputPerMillion) /
    1_000_000;
  return roundCredits(dollars * creditRate);
}

export function roundCredits(credits: number): number {
  return Math.round(credits * 10_000) / 10_000;
}
