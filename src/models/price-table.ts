import { z } from 'zod';
import type { Usage } from './model-provider.ts';
import type { PricingUsed } from './step-usage.ts';

const rate = z.number().min(0).max(10_000);

const ratesSchema = z.object({
  /** US dollars per million input tokens that were not read from the provider's cache. */
  inputPerMillion: rate,
  /** Per million input tokens read from the cache; the input rate when unset. */
  cachedInputPerMillion: rate.optional(),
  outputPerMillion: rate,
  /** Per million reasoning tokens; the output rate when unset (how OpenAI and Anthropic bill them). */
  reasoningPerMillion: rate.optional(),
});

/** One model's prices: `model` is a model id or a prefix of ids (`openai/gpt-5`); `*` matches any. */
export const priceEntrySchema = ratesSchema.extend({
  model: z
    .string()
    .regex(/^(\*|[a-z0-9][a-z0-9-]*\/[A-Za-z0-9._:@\-/]*)$/, 'must be provider/model, a prefix, or *'),
  /** Higher rates for calls whose input is above a context size (Anthropic's 200k tier). */
  tiers: z
    .array(ratesSchema.extend({ aboveInputTokens: z.number().int().min(1) }))
    .max(10)
    .optional(),
});

export const priceTableInputSchema = z.object({
  entries: z.array(priceEntrySchema).min(1, 'a price table needs at least one entry').max(1000),
  note: z.string().max(500).default(''),
});

export type PriceEntry = z.infer<typeof priceEntrySchema>;
type Rates = z.infer<typeof ratesSchema>;

export interface PriceTable {
  /** 0 is the shipped defaults; each edit of an organization's table makes the next version. */
  version: number;
  entries: PriceEntry[];
  note: string;
  createdAt: string | null;
  createdBy: string | null;
}

/**
 * List prices in US dollars per million tokens, as OpenAI and Anthropic published them (2025-11).
 * Cached input: OpenAI bills 10% (GPT-5, 4.1: 25%; 4o: 50%), Anthropic cache reads 10%. Anthropic's
 * Sonnet 4 / 4.5 bill a call above 200k input tokens at 2× input and 1.5× output. Reasoning tokens
 * bill as output everywhere. The simulated model is priced like a small hosted one, so credits
 * show realistic magnitudes offline.
 */
export const shippedPriceTable: PriceTable = {
  version: 0,
  note: 'shipped defaults: OpenAI and Anthropic list prices (2025-11)',
  createdAt: null,
  createdBy: null,
  entries: [
    { model: 'openai/gpt-5', inputPerMillion: 1.25, cachedInputPerMillion: 0.125, outputPerMillion: 10 },
    { model: 'openai/gpt-5.1', inputPerMillion: 1.25, cachedInputPerMillion: 0.125, outputPerMillion: 10 },
    { model: 'openai/gpt-5-mini', inputPerMillion: 0.25, cachedInputPerMillion: 0.025, outputPerMillion: 2 },
    {
      model: 'openai/gpt-5-nano',
      inputPerMillion: 0.05,
      cachedInputPerMillion: 0.005,
      outputPerMillion: 0.4,
    },
    { model: 'openai/gpt-4.1', inputPerMillion: 2, cachedInputPerMillion: 0.5, outputPerMillion: 8 },
    { model: 'openai/gpt-4.1-mini', inputPerMillion: 0.4, cachedInputPerMillion: 0.1, outputPerMillion: 1.6 },
    {
      model: 'openai/gpt-4.1-nano',
      inputPerMillion: 0.1,
      cachedInputPerMillion: 0.025,
      outputPerMillion: 0.4,
    },
    { model: 'openai/gpt-4o', inputPerMillion: 2.5, cachedInputPerMillion: 1.25, outputPerMillion: 10 },
    {
      model: 'openai/gpt-4o-mini',
      inputPerMillion: 0.15,
      cachedInputPerMillion: 0.075,
      outputPerMillion: 0.6,
    },
    { model: 'openai/o3', inputPerMillion: 2, cachedInputPerMillion: 0.5, outputPerMillion: 8 },
    { model: 'openai/o4-mini', inputPerMillion: 1.1, cachedInputPerMillion: 0.275, outputPerMillion: 4.4 },
    {
      model: 'anthropic/claude-opus-4-5',
      inputPerMillion: 5,
      cachedInputPerMillion: 0.5,
      outputPerMillion: 25,
    },
    {
      model: 'anthropic/claude-opus-4',
      inputPerMillion: 15,
      cachedInputPerMillion: 1.5,
      outputPerMillion: 75,
    },
    ...['anthropic/claude-sonnet-4', 'anthropic/claude-sonnet-4-5'].map((model) => ({
      model,
      inputPerMillion: 3,
      cachedInputPerMillion: 0.3,
      outputPerMillion: 15,
      tiers: [
        { aboveInputTokens: 200_000, inputPerMillion: 6, cachedInputPerMillion: 0.6, outputPerMillion: 22.5 },
      ],
    })),
    {
      model: 'anthropic/claude-haiku-4-5',
      inputPerMillion: 1,
      cachedInputPerMillion: 0.1,
      outputPerMillion: 5,
    },
    {
      model: 'anthropic/claude-3-5-haiku',
      inputPerMillion: 0.8,
      cachedInputPerMillion: 0.08,
      outputPerMillion: 4,
    },
    { model: 'simulated/', inputPerMillion: 0.25, cachedInputPerMillion: 0.025, outputPerMillion: 2 },
    // A model nobody priced (a local one, a new one): a modest rate, so credits are never silently 0.
    { model: '*', inputPerMillion: 1, outputPerMillion: 4 },
  ],
};

/** The entry for `model`: an exact id first, else the longest prefix, else `*`; undefined if none. */
export function priceEntryFor(table: PriceTable, model: string): PriceEntry | undefined {
  let best: PriceEntry | undefined;
  for (const entry of table.entries) {
    if (entry.model === model) return entry;
    if (
      entry.model !== '*' &&
      model.startsWith(entry.model) &&
      (!best || entry.model.length > best.model.length)
    )
      best = entry;
  }
  return best ?? table.entries.find((e) => e.model === '*');
}

/**
 * Credits for one call: each kind of token at its rate (the tier above the call's input size
 * where the entry has one), in US dollars, times the organization's credit rate (credits per
 * dollar), rounded to 1/10,000 of a credit.
 */
export function priceUsage(
  table: PriceTable,
  model: string,
  usage: Usage,
  creditRate: number,
): { credits: number; pricing: PricingUsed } {
  const entry = priceEntryFor(table, model);
  if (!entry) {
    return {
      credits: 0,
      pricing: { priceTableVersion: table.version, entry: '(none)', creditRate, costUsd: 0, tiered: false },
    };
  }
  const tier = [...(entry.tiers ?? [])]
    .sort((a, b) => b.aboveInputTokens - a.aboveInputTokens)
    .find((t) => usage.inputTokens > t.aboveInputTokens);
  const rates: Rates = tier ?? entry;
  const cached = Math.min(usage.cachedInputTokens ?? 0, usage.inputTokens);
  const costUsd =
    ((usage.inputTokens - cached) * rates.inputPerMillion +
      cached * (rates.cachedInputPerMillion ?? rates.inputPerMillion) +
      usage.outputTokens * rates.outputPerMillion +
      (usage.reasoningTokens ?? 0) * (rates.reasoningPerMillion ?? rates.outputPerMillion)) /
    1_000_000;
  return {
    credits: roundCredits(costUsd * creditRate),
    pricing: {
      priceTableVersion: table.version,
      entry: entry.model,
      creditRate,
      costUsd: Math.round(costUsd * 1e9) / 1e9,
      tiered: tier !== undefined,
    },
  };
}

export function roundCredits(credits: number): number {
  return Math.round(credits * 10_000) / 10_000;
}
