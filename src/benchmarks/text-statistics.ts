import { syllable } from 'syllable';

/** Counts a text's sentences, words and syllables, the inputs of the readability formulas. */
export interface TextStatistics {
  sentences: string[];
  /** Lower-cased words, in order (letters, digits, apostrophes and inner hyphens). */
  words: string[];
  syllables: number;
  /** Words of three syllables or more. */
  polysyllables: number;
}

const WORD = /[\p{L}\p{N}]+(?:['’-][\p{L}\p{N}]+)*/gu;
const HAS_WORD = /[\p{L}\p{N}]/u;

export function textStatistics(text: string): TextStatistics {
  const plain = text
    // Markdown that is not prose: code blocks, list markers, headings' hashes, emphasis.
    .replace(/```[\s\S]*?```/g, ' ')
    .replace(/^\s*(?:[-*+]|\d+[.)]|#{1,6})\s+/gm, '')
    .replace(/[*_`]/g, '');
  const sentences = plain
    .split(/(?<=[.!?])\s+|\n{2,}|\n(?=\s*\S)/)
    .map((s) => s.trim())
    .filter((s) => HAS_WORD.test(s));
  const words = (plain.match(WORD) ?? []).map((w) => w.toLowerCase());
  let syllables = 0;
  let polysyllables = 0;
  for (const word of words) {
    const count = /\p{L}/u.test(word) ? Math.max(1, syllable(word)) : 1;
    syllables += count;
    if (count >= 3) polysyllables++;
  }
  return { sentences, words, syllables, polysyllables };
}

/** Flesch reading ease: 206.835 − 1.015·(words/sentence) − 84.6·(syllables/word); higher reads easier. */
export function fleschReadingEase(stats: TextStatistics): number {
  if (stats.words.length === 0) return 0;
  const perSentence = stats.words.length / Math.max(1, stats.sentences.length);
  return 206.835 - 1.015 * perSentence - 84.6 * (stats.syllables / stats.words.length);
}

/** Flesch–Kincaid grade level: 0.39·(words/sentence) + 11.8·(syllables/word) − 15.59 (US school grade). */
export function fleschKincaidGrade(stats: TextStatistics): number {
  if (stats.words.length === 0) return 0;
  const perSentence = stats.words.length / Math.max(1, stats.sentences.length);
  return 0.39 * perSentence + 11.8 * (stats.syllables / stats.words.length) - 15.59;
}
