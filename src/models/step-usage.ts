import type { ReasoningEffort } from '../agents/agent-definition.ts';
import type { Usage } from './model-provider.ts';

/** The settings a step's model call actually ran with, after run settings and step overrides. */
export interface SettingsUsed {
  model: string;
  reasoningEffort: ReasoningEffort | null;
  temperature: number | null;
  maxOutputTokens: number | null;
  timeoutMs: number;
  /** What the provider was sent for them, e.g. `{ anthropic: { thinking: { budgetTokens: 8192 } } }`. */
  providerOptions: Record<string, unknown>;
  /** The model the provider says answered (a dated snapshot), when it said. */
  responseModel: string | null;
  /** Settings the provider ignored or changed, e.g. `temperature: unsupported (… reasoning models)`. */
  warnings: string[];
}

/** How a step's credits were priced: the price-table version and the rates it applied. */
export interface PricingUsed {
  priceTableVersion: number;
  /** The table entry that matched the model id (a prefix). */
  entry: string;
  creditRate: number;
  /** US dollars before the credit rate. */
  costUsd: number;
  /** True when the tier above a context size applied. */
  tiered: boolean;
}

/**
 * What a step result's `usage` column holds: the token counts, plus what the step used (settings,
 * prices, HTTP calls). Stored as one JSON value so the engine's commit path stays as it is.
 */
export interface StepUsage extends Usage {
  settings?: SettingsUsed;
  pricing?: PricingUsed;
  /** HTTP calls the step made: 1, plus one per retry. */
  modelCalls?: number;
}

/** A stored `usage` column, split into the token counts and what the step used. */
export function splitStepUsage(json: string): {
  usage: Usage;
  settingsUsed: SettingsUsed | null;
  pricing: PricingUsed | null;
  modelCalls: number | null;
} {
  const { settings, pricing, modelCalls, ...usage } = JSON.parse(json) as StepUsage;
  return { usage, settingsUsed: settings ?? null, pricing: pricing ?? null, modelCalls: modelCalls ?? null };
}
