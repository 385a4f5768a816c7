import type { Judge } from './model-judge.ts';
import {
  fleschKincaidGrade,
  fleschReadingEase,
  type TextStatistics,
  textStatistics,
} from './text-statistics.ts';

export const qualityDimensions = [
  'readability',
  'clarity',
  'cohesion',
  'tone',
  'engagement',
  'repetition',
  'vocabulary',
  'complexity',
] as const;
export type QualityDimensionName = (typeof qualityDimensions)[number];

export interface QualityDimension {
  name: QualityDimensionName;
  /** 0–100, higher is better. */
  score: number;
  /** The band the score fell in. */
  range: { label: 'poor' | 'fair' | 'good' | 'excellent'; from: number; to: number };
  /** `computed` by a formula from the text, or `judged` by a model with the fixed rubric. */
  method: 'computed' | 'judged';
  /** The measurement behind the score, in words (e.g. "Flesch reading ease 64.2 (standard)"). */
  detail: string;
  /** What to change, when the score leaves room; null at 80 and above. */
  recommendation: string | null;
}

/** The default writing-quality benchmark's report (B1): a 0–100 score, per-dimension ranges, advice. */
export interface QualityReport {
  score: number;
  dimensions: QualityDimension[];
  recommendations: string[];
  statistics: { words: number; sentences: number; fleschReadingEase: number; gradeLevel: number };
  judgeModel: string | null;
  simulatedJudge: boolean;
}

const bands = [
  { label: 'poor', from: 0, to: 40 },
  { label: 'fair', from: 40, to: 60 },
  { label: 'good', from: 60, to: 80 },
  { label: 'excellent', from: 80, to: 100 },
] as const;

export function bandOf(score: number): QualityDimension['range'] {
  const band = bands.find((b) => score < b.to) ?? bands[3];
  return { ...band };
}

const clamp = (n: number) => Math.round(Math.max(0, Math.min(100, n)) * 10) / 10;

/** The rubric the judged dimensions are scored by: fixed, so scores compare across runs and versions. */
export const QUALITY_RUBRIC = `Score the text from 0 to 100 on each of:
- clarity: is each sentence unambiguous and is the main point easy to find? 100 = every sentence says one thing plainly; 0 = the reader cannot tell what is meant.
- tone: is the tone professional, consistent and suited to a business reader? 100 = consistently courteous and confident; 0 = rude, erratic or inappropriate.
- engagement: does the text hold attention (concrete examples, active voice, a clear call to action where one fits)? 100 = compelling throughout; 0 = lifeless.
For each, give the score and one concrete sentence on what would improve it.`;

const judgedSchema = {
  type: 'object',
  properties: Object.fromEntries(
    (['clarity', 'tone', 'engagement'] as const).map((name) => [
      name,
      {
        type: 'object',
        properties: { score: { type: 'number', minimum: 0, maximum: 100 }, advice: { type: 'string' } },
        required: ['score', 'advice'],
      },
    ]),
  ),
  required: ['clarity', 'tone', 'engagement'],
};

/**
 * Scores `text` on the eight dimensions: readability, complexity, repetition, vocabulary and
 * cohesion by formula (below), clarity, tone and engagement by `judgeModel` with QUALITY_RUBRIC.
 * The overall score is their plain mean. Without a judge model the judged three are left out and
 * the mean is of the five computed ones.
 */
export async function scoreWritingQuality(
  text: string,
  judge: { judge: Judge; model: string; signal: AbortSignal } | null,
): Promise<QualityReport> {
  const stats = textStatistics(text);
  const ease = fleschReadingEase(stats);
  const grade = fleschKincaidGrade(stats);
  const dimensions: QualityDimension[] = [
    readability(stats, ease),
    complexity(stats, grade),
    repetition(stats),
    vocabulary(stats),
    cohesion(stats),
  ];
  let simulatedJudge = false;
  if (judge && stats.words.length > 0) {
    const prompt = `${QUALITY_RUBRIC}\n\nThe text:\n"""\n${text.slice(0, 60_000)}\n"""`;
    const answer = await judge.judge.askOrThrow(judge.model, prompt, judgedSchema, judge.signal);
    simulatedJudge = answer.simulated;
    const value = (answer.value ?? {}) as Record<string, { score?: unknown; advice?: unknown } | undefined>;
    for (const name of ['clarity', 'tone', 'engagement'] as const) {
      const entry = value[name];
      const raw = typeof entry?.score === 'number' ? entry.score : Number.NaN;
      if (Number.isNaN(raw)) throw new Error(`the judge ${judge.model} gave no score for ${name}`);
      const score = clamp(raw);
      const advice = typeof entry?.advice === 'string' ? entry.advice : '';
      dimensions.push({
        name,
        score,
        range: bandOf(score),
        method: 'judged',
        detail: `judged ${score} of 100 by ${judge.model}`,
        recommendation: score >= 80 ? null : advice || `Improve ${name}.`,
      });
    }
  }
  dimensions.sort((a, b) => qualityDimensions.indexOf(a.name) - qualityDimensions.indexOf(b.name));
  const score =
    stats.words.length === 0 ? 0 : clamp(dimensions.reduce((sum, d) => sum + d.score, 0) / dimensions.length);
  const recommendations =
    stats.words.length === 0
      ? ['The output is empty: there is nothing to read.']
      : dimensions
          .filter((d) => d.recommendation !== null)
          .sort((a, b) => a.score - b.score)
          .map((d) => `${d.name}: ${d.recommendation}`);
  return {
    score,
    dimensions,
    recommendations,
    statistics: {
      words: stats.words.length,
      sentences: stats.sentences.length,
      fleschReadingEase: Math.round(ease * 10) / 10,
      gradeLevel: Math.round(grade * 10) / 10,
    },
    judgeModel: judge && stats.words.length > 0 ? judge.model : null,
    simulatedJudge,
  };
}

function dimension(
  name: QualityDimensionName,
  score: number,
  detail: string,
  advice: () => string,
): QualityDimension {
  const s = clamp(score);
  return {
    name,
    score: s,
    range: bandOf(s),
    method: 'computed',
    detail,
    recommendation: s >= 80 ? null : advice(),
  };
}

const easeLabel = (ease: number) =>
  ease >= 90
    ? 'very easy'
    : ease >= 80
      ? 'easy'
      : ease >= 70
        ? 'fairly easy'
        : ease >= 60
          ? 'standard'
          : ease >= 50
            ? 'fairly difficult'
            : ease >= 30
              ? 'difficult'
              : 'very difficult';

/** Flesch reading ease of 60 ("plain English") or more scores 100; below, in proportion. */
function readability(stats: TextStatistics, ease: number): QualityDimension {
  const perSentence = stats.words.length / Math.max(1, stats.sentences.length);
  const longest = [...stats.sentences].sort((a, b) => b.length - a.length)[0] ?? '';
  return dimension(
    'readability',
    stats.words.length === 0 ? 0 : (ease / 60) * 100,
    `Flesch reading ease ${ease.toFixed(1)} (${easeLabel(ease)}), ${perSentence.toFixed(1)} words a sentence`,
    () =>
      `Sentences average ${perSentence.toFixed(1)} words; aim for 15–20 and split the longest ("${excerpt(longest)}").`,
  );
}

/** Flesch–Kincaid grade 10 or below scores 100; each grade above takes 10 off. */
function complexity(stats: TextStatistics, grade: number): QualityDimension {
  const share = stats.polysyllables / Math.max(1, stats.words.length);
  const examples = [...new Set(stats.words.filter((w) => w.length > 9))].slice(0, 3);
  return dimension(
    'complexity',
    stats.words.length === 0 ? 0 : 100 - Math.max(0, grade - 10) * 10,
    `grade level ${grade.toFixed(1)}, ${(share * 100).toFixed(0)}% of words have three syllables or more`,
    () =>
      `The text needs grade ${grade.toFixed(0)} to read; use shorter words${
        examples.length ? ` than ${examples.map((w) => `"${w}"`).join(', ')}` : ''
      } and fewer clauses per sentence.`,
  );
}

/** Share of word trigrams that occur again: 0% scores 100, 50% or more scores 0. */
function repetition(stats: TextStatistics): QualityDimension {
  const counts = new Map<string, number>();
  for (let i = 0; i + 2 < stats.words.length; i++) {
    const gram = stats.words.slice(i, i + 3).join(' ');
    counts.set(gram, (counts.get(gram) ?? 0) + 1);
  }
  const total = Math.max(0, stats.words.length - 2);
  let repeats = 0;
  for (const n of counts.values()) if (n > 1) repeats += n - 1;
  const ratio = total === 0 ? 0 : repeats / total;
  const worst = [...counts.entries()].sort((a, b) => b[1] - a[1])[0];
  return dimension(
    'repetition',
    stats.words.length === 0 ? 0 : 100 - ratio * 200,
    `${(ratio * 100).toFixed(1)}% of three-word phrases repeat`,
    () =>
      `"${worst?.[0] ?? ''}" appears ${worst?.[1] ?? 0} times; say each thing once and vary the phrasing.`,
  );
}

/**
 * Moving-average type–token ratio over 50-word windows (MATTR, Covington & McFall 2010), which,
 * unlike the plain ratio, does not fall as a text grows: 0.75 or more scores 100, 0.40 or less 0.
 */
function vocabulary(stats: TextStatistics): QualityDimension {
  const window = Math.min(50, stats.words.length);
  let sum = 0;
  let windows = 0;
  for (let i = 0; window > 0 && i + window <= stats.words.length; i++) {
    sum += new Set(stats.words.slice(i, i + window)).size / window;
    windows++;
  }
  const mattr = windows === 0 ? 0 : sum / windows;
  const frequent = mostFrequentContentWord(stats.words);
  return dimension(
    'vocabulary',
    ((mattr - 0.4) / 0.35) * 100,
    `type–token ratio ${mattr.toFixed(2)} (50-word moving average)`,
    () =>
      `Word choice is narrow${frequent ? `: "${frequent[0]}" appears ${frequent[1]} times` : ''}; use synonyms and more specific nouns.`,
  );
}

const connectives = new Set(
  'also although and as because besides but consequently finally first firstly for furthermore hence however indeed instead likewise meanwhile moreover nevertheless next nonetheless or otherwise second similarly since so still then therefore thus whereas while yet'.split(
    ' ',
  ),
);
const stopWords = new Set(
  'a an the and or but of to in on at by for with from as is are was were be been being it its this that these those he she they we you i not no do does did has have had will would can could should may might must than then there their our your his her them us me my so if into about over under up down out'.split(
    ' ',
  ),
);

/**
 * Referential and connective cohesion (after Coh-Metrix): the share of neighbouring sentences that
 * share a content word (60 points at 50% or more) plus the share of sentences with a connective
 * (40 points at 30% or more). A single sentence is cohesive by definition.
 */
function cohesion(stats: TextStatistics): QualityDimension {
  const sets = stats.sentences.map(
    (s) =>
      new Set((s.toLowerCase().match(/[\p{L}]+/gu) ?? []).filter((w) => !stopWords.has(w) && w.length > 2)),
  );
  if (sets.length <= 1)
    return dimension('cohesion', stats.words.length === 0 ? 0 : 100, 'a single sentence', () => '');
  let overlapping = 0;
  for (let i = 1; i < sets.length; i++) {
    const [previous, current] = [sets[i - 1] ?? new Set<string>(), sets[i] ?? new Set<string>()];
    if ([...current].some((w) => previous.has(w))) overlapping++;
  }
  const overlap = overlapping / (sets.length - 1);
  const linked =
    stats.sentences.filter((s) => (s.toLowerCase().match(/[\p{L}]+/gu) ?? []).some((w) => connectives.has(w)))
      .length / stats.sentences.length;
  const score = 60 * Math.min(1, overlap / 0.5) + 40 * Math.min(1, linked / 0.3);
  return dimension(
    'cohesion',
    score,
    `${(overlap * 100).toFixed(0)}% of neighbouring sentences share a word, ${(linked * 100).toFixed(0)}% use a connective`,
    () =>
      `Link each sentence to the one before: repeat its key term or open with a connective such as "therefore", "however" or "for example".`,
  );
}

function mostFrequentContentWord(words: string[]): [string, number] | undefined {
  const counts = new Map<string, number>();
  for (const w of words) if (!stopWords.has(w) && w.length > 2) counts.set(w, (counts.get(w) ?? 0) + 1);
  return [...counts.entries()].sort((a, b) => b[1] - a[1])[0];
}

function excerpt(sentence: string): string {
  const words = sentence.split(/\s+/);
  return words.length > 12 ? `${words.slice(0, 12).join(' ')} …` : sentence;
}
