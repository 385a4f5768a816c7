import { describe, expect, it } from 'vitest';
import { bootstrapMeanDifference, seededRandom } from './bootstrap-difference.ts';
import { fleschKincaidGrade, fleschReadingEase, textStatistics } from './text-statistics.ts';
import { qualityDimensions, scoreWritingQuality } from './writing-quality.ts';

const plain =
  'The team shipped the new report on Monday. It shows sales for each region. Sales rose in the north, so we will hire two more people there. However, the south fell. Therefore we will visit the south next week.';
const dense =
  'Notwithstanding the aforementioned organizational considerations, the implementation of comprehensive interdepartmental communication methodologies necessitates substantial reconsideration of institutional prioritization frameworks, particularly regarding the operationalization of cross-functional collaborative infrastructures and the concomitant reallocation of discretionary expenditure authorizations.';

describe('readability formulas', () => {
  it('scores short plain sentences as easy and a long abstract one as very difficult', () => {
    const easy = textStatistics(plain);
    expect(easy.sentences).toHaveLength(5);
    expect(fleschReadingEase(easy)).toBeGreaterThan(60);
    expect(fleschKincaidGrade(easy)).toBeLessThan(8);
    const hard = textStatistics(dense);
    expect(hard.sentences).toHaveLength(1);
    expect(fleschReadingEase(hard)).toBeLessThan(0);
    expect(fleschKincaidGrade(hard)).toBeGreaterThan(20);
  });
});

describe('scoreWritingQuality', () => {
  it('computes five dimensions and gives the plain text a higher score than the dense one', async () => {
    const good = await scoreWritingQuality(plain, null);
    const bad = await scoreWritingQuality(dense, null);
    expect(good.dimensions.map((d) => d.name)).toEqual([
      'readability',
      'cohesion',
      'repetition',
      'vocabulary',
      'complexity',
    ]);
    expect(good.score).toBeGreaterThan(bad.score);
    const readability = bad.dimensions.find((d) => d.name === 'readability');
    expect(readability?.range.label).toBe('poor');
    expect(readability?.recommendation).toContain('split the longest');
    expect(bad.recommendations.length).toBeGreaterThan(0);
    expect(good.judgeModel).toBeNull();
  });

  it('flags repeated phrases and names the phrase', async () => {
    const text = 'We will grow the business. We will grow the business. We will grow the business now.';
    const report = await scoreWritingQuality(text, null);
    const repetition = report.dimensions.find((d) => d.name === 'repetition');
    expect(repetition?.score).toBeLessThan(40);
    expect(repetition?.recommendation).toContain('"we will grow" appears 3 times');
  });

  it('scores an empty output 0 and says why', async () => {
    const report = await scoreWritingQuality('', null);
    expect(report.score).toBe(0);
    expect(report.recommendations).toEqual(['The output is empty: there is nothing to read.']);
  });

  it('adds clarity, tone and engagement from the judge with the fixed rubric', async () => {
    const prompts: string[] = [];
    const judge = {
      async askOrThrow(model: string, prompt: string) {
        prompts.push(prompt);
        return {
          model,
          simulated: false,
          value: {
            clarity: { score: 90, advice: 'fine' },
            tone: { score: 50, advice: 'Sound less curt.' },
            engagement: { score: 70, advice: 'Add an example.' },
          },
        };
      },
    };
    const report = await scoreWritingQuality(plain, {
      judge,
      model: 'openai/gpt-5-mini',
      signal: AbortSignal.timeout(10_000),
    });
    expect(report.dimensions.map((d) => d.name)).toEqual([...qualityDimensions]);
    const tone = report.dimensions.find((d) => d.name === 'tone');
    expect(tone).toMatchObject({
      score: 50,
      method: 'judged',
      recommendation: 'Sound less curt.',
      range: { label: 'fair' },
    });
    expect(report.dimensions.find((d) => d.name === 'clarity')?.recommendation).toBeNull();
    expect(prompts[0]).toContain('clarity: is each sentence unambiguous');
    expect(report.judgeModel).toBe('openai/gpt-5-mini');
  });
});

describe('bootstrapMeanDifference', () => {
  it('puts a clear drop wholly below zero and a noisy one across zero', () => {
    const before = [80, 82, 79, 81, 83, 80, 78, 82];
    const clear = bootstrapMeanDifference(before, [60, 62, 59, 61, 63, 60, 58, 61], seededRandom(1));
    expect(clear.difference).toBeCloseTo(-20.125, 3);
    expect(clear.high).toBeLessThan(0);
    const noisy = bootstrapMeanDifference([40, 90, 60, 85], [35, 95, 55, 80], seededRandom(1));
    expect(noisy.low).toBeLessThan(0);
    expect(noisy.high).toBeGreaterThan(0);
  });

  it('gives the same interval for the same random source', () => {
    const a = bootstrapMeanDifference([1, 2, 3], [2, 3, 4], seededRandom(7));
    const b = bootstrapMeanDifference([1, 2, 3], [2, 3, 4], seededRandom(7));
    expect(a).toEqual(b);
  });
});
