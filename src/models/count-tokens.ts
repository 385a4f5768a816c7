import { createRequire } from 'node:module';
import { approximateTokens } from './simulated-provider.ts';

type O200k = typeof import('gpt-tokenizer/encoding/o200k_base');
let o200k: O200k | undefined;
/**
 * Words the tokenizer keeps merged. Its own default keeps 100,000 (gpt-tokenizer's LRU of the
 * words not in the vocabulary), 27 MB of live heap once full: a server counting prompts with run
 * ids, names and documents in them fills it, and the heap that holds it grows with it. Words met
 * again often stay; one seen once is merged again if it comes back (a few µs).
 */
const MERGE_CACHE_WORDS = 5_000;

/**
 * o200k_base's ranks are a table of 200,000 entries (14 MB of heap) that takes ~330 ms to load,
 * synchronously (the package's CommonJS build): loaded at the first count (not at the start of every
 * command), or ahead of it by `loadTokenizer`.
 */
function o200kBase(): O200k {
  if (!o200k) {
    o200k = createRequire(import.meta.url)('gpt-tokenizer/encoding/o200k_base') as O200k;
    o200k.setMergeCacheSize(MERGE_CACHE_WORDS);
  }
  return o200k;
}

/**
 * Loads the tokenizer now, for a process that will count prompts while it serves
 * (`preload-tokenizer.ts`): left to the first estimate, its load would stall every request and run in
 * flight then.
 */
export function loadTokenizer(): void {
  o200kBase();
}

/** How a prompt's tokens were counted for an estimate. */
export type TokenCounter = 'o200k_base' | 'o200k_base×1.15 (approximation)' | 'characters÷4 (simulated)';

/**
 * Anthropic publishes no tokenizer for its current models; its token counts run about 10–20% above
 * OpenAI's o200k_base on English prose (Anthropic's own docs warn that Claude's tokenizer yields
 * more tokens than others'), so the estimate counts with o200k_base and adds 15%. The simulated
 * model counts a token per four characters, and so does its estimate, exactly.
 */
const ANTHROPIC_FACTOR = 1.15;

/** Tokens of `text` as the provider of `model` counts them, or the documented approximation. */
export function countPromptTokens(model: string, text: string): { tokens: number; counter: TokenCounter } {
  if (text === '') return { tokens: 0, counter: 'o200k_base' };
  if (model.startsWith('simulated/'))
    return { tokens: approximateTokens(text), counter: 'characters÷4 (simulated)' };
  const tokens = o200kBase().countTokens(text);
  if (model.startsWith('anthropic/'))
    return { tokens: Math.ceil(tokens * ANTHROPIC_FACTOR), counter: 'o200k_base×1.15 (approximation)' };
  return { tokens, counter: 'o200k_base' };
}
