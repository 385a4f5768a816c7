/**
 * Cosine similarity of two texts' word counts (bag of words, lower-cased): 1 for the same words in
 * the same proportions, 0 for no word in common. Chosen over an embedding model because it needs
 * no provider and no network, gives the same number every time, and is what "similar to the
 * reference" means for the short, factual answers reference cases hold; a paraphrase that shares
 * no words is what the `llm-judge` criterion is for.
 */
export function textSimilarity(a: string, b: string): number {
  const left = counts(a);
  const right = counts(b);
  if (left.size === 0 && right.size === 0) return 1;
  let dot = 0;
  for (const [word, n] of left) dot += n * (right.get(word) ?? 0);
  const norm = (m: Map<string, number>) => Math.sqrt([...m.values()].reduce((s, n) => s + n * n, 0));
  const denominator = norm(left) * norm(right);
  return denominator === 0 ? 0 : dot / denominator;
}

function counts(text: string): Map<string, number> {
  const map = new Map<string, number>();
  for (const word of text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [])
    map.set(word, (map.get(word) ?? 0) + 1);
  return map;
}
