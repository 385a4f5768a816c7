import { describe, expect, it } from 'vitest';
import { createModelRegistry } from '../models/model-registry.ts';
import { createSimulatedProvider } from '../models/simulated-provider.ts';
import { createSystemClock } from '../platform/clock.ts';
import { loadConfig } from '../platform/config.ts';
import { type Criterion, criterionSchema } from './benchmark-config.ts';
import { type CriterionInput, evaluateCriterion } from './evaluate-criterion.ts';
import { createModelJudge } from './model-judge.ts';

const clock = createSystemClock();
const judge = createModelJudge(
  { models: createModelRegistry([createSimulatedProvider(clock)]), clock, config: loadConfig({}) },
  'org_test',
);

const input = (output: string, extra: Partial<CriterionInput> = {}): CriterionInput => ({
  output,
  credits: 0.5,
  durationMs: 1200,
  expected: null,
  judge: { judge, defaultModel: 'simulated/default', signal: new AbortController().signal },
  ...extra,
});

const criterion = (raw: Record<string, unknown>): Criterion => ({ ...criterionSchema.parse(raw), id: 'c1' });

/** Each criterion with an output that passes it and one that fails it. */
const cases: Array<{ raw: Record<string, unknown>; pass: CriterionInput; fail: CriterionInput }> = [
  {
    raw: { type: 'contains', value: 'Acme' },
    pass: input('Report for Acme'),
    fail: input('Report for ACME'),
  },
  {
    raw: { type: 'icontains', value: 'acme' },
    pass: input('Report for ACME'),
    fail: input('Report for Globex'),
  },
  { raw: { type: 'not-contains', value: 'TODO' }, pass: input('All done.'), fail: input('TODO: write it') },
  {
    raw: { type: 'regex', pattern: '^Total: \\d+$', flags: 'm' },
    pass: input('x\nTotal: 42'),
    fail: input('Total: many'),
  },
  { raw: { type: 'equals', value: 'yes' }, pass: input(' yes\n'), fail: input('yes!') },
  {
    raw: { type: 'equals' },
    pass: input('Paris', { expected: 'Paris' }),
    fail: input('Lyon', { expected: 'Paris' }),
  },
  { raw: { type: 'is-json' }, pass: input('{"a":1}'), fail: input('{a:1}') },
  {
    raw: {
      type: 'json-schema',
      schema: { type: 'object', properties: { total: { type: 'number' } }, required: ['total'] },
    },
    pass: input('{"total": 3}'),
    fail: input('{"total": "3"}'),
  },
  {
    raw: { type: 'json-range', path: '/items/0/price', min: 1, max: 10 },
    pass: input('{"items":[{"price":9.5}]}'),
    fail: input('{"items":[{"price":12}]}'),
  },
  {
    raw: { type: 'length', unit: 'words', min: 2, max: 4 },
    pass: input('three short words'),
    fail: input('one'),
  },
  { raw: { type: 'length', max: 5 }, pass: input('12345'), fail: input('123456') },
  {
    raw: { type: 'similarity', reference: 'the quick brown fox jumps', threshold: 0.8 },
    pass: input('The quick brown fox jumps!'),
    fail: input('A slow green turtle sleeps'),
  },
  { raw: { type: 'credits', max: 1 }, pass: input('x', { credits: 1 }), fail: input('x', { credits: 1.01 }) },
  {
    raw: { type: 'duration', maxMs: 1000 },
    pass: input('x', { durationMs: 999 }),
    fail: input('x', { durationMs: 1001 }),
  },
  {
    raw: { type: 'llm-judge', rubric: 'Is it polite?', model: 'simulated/score-0.9', threshold: 0.8 },
    pass: input('Thank you kindly.'),
    fail: input('Thank you kindly.', {
      judge: { judge, defaultModel: 'simulated/default', signal: new AbortController().signal },
    }),
  },
];

describe('evaluateCriterion', () => {
  for (const { raw, pass, fail } of cases) {
    it(`${JSON.stringify(raw)} passes a matching output and fails another`, async () => {
      const c = criterion(raw);
      const ok = await evaluateCriterion(c, pass);
      expect(ok.passed, ok.reason).toBe(true);
      if (c.type === 'llm-judge') {
        // The failing side uses a judge pinned low: the same criterion without `model` and a 0.2 judge.
        const low = await evaluateCriterion({ ...c, model: 'simulated/score-0.2' }, fail);
        expect(low.passed).toBe(false);
        expect(low.score).toBe(0.2);
        expect(low.judgeModel).toBe('simulated/score-0.2');
        expect(low.simulated).toBe(true);
        return;
      }
      const bad = await evaluateCriterion(c, fail);
      expect(bad.passed, bad.reason).toBe(false);
      expect(bad.score).toBeLessThan(bad.threshold);
    });
  }

  it('the simulated judge gives the score its model id pins, and a reason', async () => {
    const c = criterion({ type: 'llm-judge', rubric: 'Is it concise?' });
    const result = await evaluateCriterion(c, {
      ...input('Short.'),
      judge: { judge, defaultModel: 'simulated/score-0.75', signal: new AbortController().signal },
    });
    expect(result.score).toBe(0.75);
    expect(result.threshold).toBe(0.7);
    expect(result.passed).toBe(true);
    expect(result.reason).toMatch(/^Simulated judgement:/);
  });

  it('the default simulated judge answers the same score for the same output', async () => {
    const c = criterion({ type: 'llm-judge', rubric: 'Is it concise?' });
    const [a, b] = await Promise.all([
      evaluateCriterion(c, input('Short.')),
      evaluateCriterion(c, input('Short.')),
    ]);
    expect(a.score).toBe(b.score);
    expect(a.score).toBeGreaterThanOrEqual(0);
    expect(a.score).toBeLessThanOrEqual(1);
  });

  it('equals and similarity without a value of their own fail when there is no reference case', async () => {
    const equals = await evaluateCriterion(criterion({ type: 'equals' }), input('x'));
    expect(equals.passed).toBe(false);
    expect(equals.reason).toContain('reference case');
  });

  it('fails a regex that backtracks catastrophically instead of holding the process', async () => {
    const result = await evaluateCriterion(
      criterion({ type: 'regex', pattern: '^(a+)+$' }),
      input(`${'a'.repeat(40)}b`),
    );
    expect(result.score).toBe(0);
    expect(result.reason).toContain('took longer than 250 ms');
  });

  it('refuses a regex that does not compile and a range with no bound, naming the field', () => {
    const regex = criterionSchema.safeParse({ type: 'regex', pattern: '(' });
    expect(regex.success).toBe(false);
    expect(regex.error?.issues[0]?.path).toEqual(['pattern']);
    const range = criterionSchema.safeParse({ type: 'json-range', path: '/a' });
    expect(range.error?.issues[0]?.message).toBe('needs min, max or both');
  });
});
