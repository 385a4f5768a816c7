/**
 * A deterministic synthetic corpus: pseudo-words drawn with a Zipf distribution (s = 1.1), which is
 * how word frequencies fall in real text, so common, middling and rare query words all exist.
 */
export interface Corpus {
  vocabulary: string[];
  /** Draws one chunk of about `words` words. */
  chunk(words: number): string;
  random(): number;
}

const syllables = [
  'ka',
  'lo',
  'mi',
  'ren',
  'tas',
  'vu',
  'del',
  'po',
  'shi',
  'nar',
  'gel',
  'fi',
  'zo',
  'tre',
  'bal',
];

/** mulberry32: a tiny seeded PRNG, so every run of the benchmark searches the same corpus. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function createCorpus(vocabularySize = 20_000, seed = 42): Corpus {
  const random = seeded(seed);
  const vocabulary: string[] = [];
  const seen = new Set<string>();
  while (vocabulary.length < vocabularySize) {
    const n = 2 + Math.floor(random() * 3);
    let word = '';
    for (let i = 0; i < n; i++) word += syllables[Math.floor(random() * syllables.length)];
    if (!seen.has(word)) {
      seen.add(word);
      vocabulary.push(word);
    }
  }
  const cumulative: number[] = [];
  let total = 0;
  for (let rank = 1; rank <= vocabularySize; rank++) {
    total += 1 / rank ** 1.1;
    cumulative.push(total);
  }
  const draw = (): string => {
    const target = random() * total;
    let lo = 0;
    let hi = cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((cumulative[mid] ?? 0) < target) lo = mid + 1;
      else hi = mid;
    }
    return vocabulary[lo] ?? '';
  };
  return {
    vocabulary,
    random,
    chunk(words) {
      const out: string[] = [];
      for (let i = 0; i < words; i++) out.push(draw());
      return `${out.join(' ')}.`;
    },
  };
}
