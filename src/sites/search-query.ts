/**
 * A retrieval query as parts both stores can search: words and "quoted phrases", matched with OR and
 * ranked (bm25 / ts_rank) so a chunk with more and rarer matches comes first. OR, not AND: a step's
 * query is often its whole rendered prompt, and requiring every word of a prompt finds nothing.
 */
export interface SearchQuery {
  /** Each term is one word or a phrase of words, lower-cased, letters and digits only. */
  terms: string[][];
}

const maxTerms = 64;
const word = /[\p{L}\p{N}\p{M}]+/gu;

/** Parses free text (`refund "enterprise plan" 2024`); never throws, whatever the input. */
export function parseSearchQuery(text: string): SearchQuery {
  const terms: string[][] = [];
  const seen = new Set<string>();
  const add = (words: string[]) => {
    if (words.length === 0 || terms.length >= maxTerms) return;
    const key = words.join(' ');
    if (seen.has(key)) return;
    seen.add(key);
    terms.push(words);
  };
  const parts = text.normalize('NFKC').split('"');
  parts.forEach((part, i) => {
    const words = (part.toLowerCase().match(word) ?? []).slice(0, maxTerms);
    // Odd parts sit between quotes: a phrase.
    if (i % 2 === 1 && i < parts.length - 1) add(words);
    else for (const w of words) add([w]);
  });
  return { terms };
}

/** FTS5 MATCH syntax: every term quoted (so no word is read as an operator), joined by OR. */
export function toFts5Match(query: SearchQuery): string {
  return query.terms.map((t) => `"${t.join(' ')}"`).join(' OR ');
}

/** `websearch_to_tsquery` syntax: quoted terms joined by `or`. */
export function toWebsearch(query: SearchQuery): string {
  return query.terms.map((t) => `"${t.join(' ')}"`).join(' or ');
}
