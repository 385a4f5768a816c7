import type { Usage } from './model-provider.ts';
import { priceUsage, shippedPriceTable } from './price-table.ts';

export { roundCredits } from './price-table.ts';

/** Credits for `usage` at the shipped prices and `creditRate` credits per US dollar. */
export function creditsFor(model: string, usage: Usage, creditRate: number): number {
  return priceUsage(shippedPriceTable, model, usage, creditRate).credits;
}
