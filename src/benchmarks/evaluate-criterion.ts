import vm from 'node:vm';
import { Ajv } from 'ajv';
import jsonpointer from 'jsonpointer';
import { type Criterion, thresholdOf } from './benchmark-config.ts';
import type { Judge } from './model-judge.ts';
import { textSimilarity } from './text-similarity.ts';

/** What a criterion looks at: one attempt's final output, its credits and duration, and the case. */
export interface CriterionInput {
  output: string;
  credits: number;
  durationMs: number;
  /** The reference case's expected answer, when the attempt ran one. */
  expected: string | null;
  judge: { judge: Judge; defaultModel: string; signal: AbortSignal };
}

/** One criterion's outcome, as a result stores it. */
export interface CriterionResult {
  id: string;
  name: string;
  type: Criterion['type'];
  /** 0–1. */
  score: number;
  threshold: number;
  weight: number;
  passed: boolean;
  /** Why, in a sentence: what was found, or what the judge said. */
  reason: string;
  /** Set on `llm-judge`: the model that judged, and whether it was the simulated one. */
  judgeModel?: string;
  simulated?: boolean;
}

/** The label a criterion shows when it has no name of its own. */
export function describeCriterion(c: Criterion): string {
  switch (c.type) {
    case 'contains':
      return `contains "${c.value}"`;
    case 'icontains':
      return `contains "${c.value}" (any case)`;
    case 'not-contains':
      return `does not contain "${c.value}"`;
    case 'regex':
      return `matches /${c.pattern}/${c.flags}`;
    case 'equals':
      return c.value === undefined ? 'equals the expected answer' : `equals "${c.value}"`;
    case 'is-json':
      return 'is JSON';
    case 'json-schema':
      return 'matches the JSON schema';
    case 'json-range':
      return `${c.path} within ${c.min ?? '−∞'}…${c.max ?? '∞'}`;
    case 'length':
      return `${c.min ?? 0}–${c.max ?? '∞'} ${c.unit}`;
    case 'llm-judge':
      return 'judge rubric';
    case 'similarity':
      return 'similar to the reference';
    case 'credits':
      return `at most ${c.max} credits`;
    case 'duration':
      return `at most ${c.maxMs} ms`;
    default: {
      const unreachable: never = c;
      return unreachable;
    }
  }
}

const ajv = new Ajv({ allErrors: true, strict: false });

/** Throws with ajv's message when `schema` is not a JSON Schema ajv can compile. */
export function assertSchemaCompilesOrThrow(schema: Record<string, unknown>): void {
  ajv.compile(schema);
}

/** Scores one criterion. Throws only when the judge's model call fails (a benchmark error, not a fail). */
export async function evaluateCriterion(c: Criterion, input: CriterionInput): Promise<CriterionResult> {
  const threshold = thresholdOf(c);
  const done = (score: number, reason: string, extra: Partial<CriterionResult> = {}): CriterionResult => ({
    id: c.id,
    name: c.name ?? describeCriterion(c),
    type: c.type,
    score: Math.round(Math.max(0, Math.min(1, score)) * 1000) / 1000,
    threshold,
    weight: c.weight,
    passed: score >= threshold,
    reason,
    ...extra,
  });
  const yes = (ok: boolean, pass: string, fail: string) => done(ok ? 1 : 0, ok ? pass : fail);
  const { output } = input;
  switch (c.type) {
    case 'contains':
      return yes(output.includes(c.value), `found "${c.value}"`, `"${c.value}" is not in the output`);
    case 'icontains':
      return yes(
        output.toLowerCase().includes(c.value.toLowerCase()),
        `found "${c.value}" (any case)`,
        `"${c.value}" is not in the output, in any case`,
      );
    case 'not-contains':
      return yes(
        !output.includes(c.value),
        `"${c.value}" does not appear`,
        `the output contains "${c.value}"`,
      );
    case 'regex': {
      const match = boundedMatch(new RegExp(c.pattern, c.flags), output);
      if (match === 'timeout')
        return done(
          0,
          `/${c.pattern}/${c.flags} took longer than ${REGEX_TIME_LIMIT_MS} ms on this output (catastrophic backtracking?)`,
        );
      return yes(
        match !== null,
        `matched "${(match?.[0] ?? '').slice(0, 80)}"`,
        `no match for /${c.pattern}/${c.flags}`,
      );
    }
    case 'equals': {
      const expected = c.value ?? input.expected;
      if (expected === null) return done(0, 'no value to compare with: set one or run a reference case');
      const norm = (s: string) => (c.trim ? s.trim() : s);
      return yes(
        norm(output) === norm(expected),
        'equals the expected answer',
        'differs from the expected answer',
      );
    }
    case 'is-json': {
      const parsed = parseJson(output);
      return yes(parsed.ok, 'the output is JSON', `the output is not JSON: ${parsed.ok ? '' : parsed.error}`);
    }
    case 'json-schema': {
      const parsed = parseJson(output);
      if (!parsed.ok) return done(0, `the output is not JSON: ${parsed.error}`);
      const validate = ajv.compile(c.schema);
      const valid = validate(parsed.value);
      return yes(
        valid,
        'the output matches the schema',
        `the output breaks the schema: ${ajv.errorsText(validate.errors, { dataVar: 'output' })}`,
      );
    }
    case 'json-range': {
      const parsed = parseJson(output);
      if (!parsed.ok) return done(0, `the output is not JSON: ${parsed.error}`);
      const value =
        parsed.value !== null && typeof parsed.value === 'object'
          ? jsonpointer.get(parsed.value, c.path)
          : undefined;
      if (typeof value !== 'number')
        return done(0, `${c.path} is not a number (found ${JSON.stringify(value) ?? 'nothing'})`);
      const ok = (c.min === undefined || value >= c.min) && (c.max === undefined || value <= c.max);
      return yes(
        ok,
        `${c.path} is ${value}, within range`,
        `${c.path} is ${value}, outside ${c.min ?? '−∞'}…${c.max ?? '∞'}`,
      );
    }
    case 'length': {
      const size = c.unit === 'words' ? (output.match(/\S+/g) ?? []).length : [...output].length;
      const ok = (c.min === undefined || size >= c.min) && (c.max === undefined || size <= c.max);
      return yes(
        ok,
        `${size} ${c.unit}, within limits`,
        `${size} ${c.unit}, outside ${c.min ?? 0}–${c.max ?? '∞'}`,
      );
    }
    case 'llm-judge': {
      const model = c.model ?? input.judge.defaultModel;
      const reference = input.expected
        ? `\n\nA reference answer to compare with:\n"""\n${input.expected}\n"""`
        : '';
      const prompt = `Rubric:\n${c.rubric}\n\nGive a score from 0 (fails the rubric) to 1 (meets it fully) and the reason in one or two sentences.${reference}\n\nThe output to judge:\n"""\n${output.slice(0, 60_000)}\n"""`;
      const answer = await input.judge.judge.askOrThrow(model, prompt, judgeSchema, input.judge.signal);
      const value = (answer.value ?? {}) as { score?: unknown; reason?: unknown };
      if (typeof value.score !== 'number' || Number.isNaN(value.score))
        throw new Error(`the judge ${model} gave no numeric score`);
      return done(value.score, typeof value.reason === 'string' ? value.reason : '', {
        judgeModel: model,
        simulated: answer.simulated,
      });
    }
    case 'similarity': {
      const reference = c.reference ?? input.expected;
      if (reference === null) return done(0, 'no reference to compare with: set one or run a reference case');
      const similarity = textSimilarity(output, reference);
      return done(similarity, `cosine similarity of word counts ${similarity.toFixed(3)}`);
    }
    case 'credits':
      return yes(
        input.credits <= c.max,
        `${round(input.credits)} credits, within ${c.max}`,
        `${round(input.credits)} credits, more than ${c.max}`,
      );
    case 'duration':
      return yes(
        input.durationMs <= c.maxMs,
        `${input.durationMs} ms, within ${c.maxMs} ms`,
        `${input.durationMs} ms, longer than ${c.maxMs} ms`,
      );
    default: {
      const unreachable: never = c;
      return unreachable;
    }
  }
}

const judgeSchema = {
  type: 'object',
  properties: { score: { type: 'number', minimum: 0, maximum: 1 }, reason: { type: 'string' } },
  required: ['score', 'reason'],
};

function parseJson(text: string): { ok: true; value: unknown } | { ok: false; error: string } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (error) {
    return { ok: false, error: error instanceof Error ? error.message : String(error) };
  }
}

const round = (n: number) => Math.round(n * 10_000) / 10_000;

/** How long a user's pattern may run on one output before the criterion fails instead. */
export const REGEX_TIME_LIMIT_MS = 250;

/**
 * Runs a user's regular expression with a deadline: a pattern such as `^(a+)+$` backtracks for
 * hours on the wrong input and would hold the benchmark loop's process (and the engine sharing
 * it). V8 interrupts the match when `vm`'s timeout fires, so the criterion fails, saying why.
 */
function boundedMatch(pattern: RegExp, text: string): RegExpExecArray | null | 'timeout' {
  try {
    return vm.runInNewContext(
      'pattern.exec(text)',
      { pattern, text },
      { timeout: REGEX_TIME_LIMIT_MS },
    ) as RegExpExecArray | null;
  } catch (error) {
    if ((error as { code?: unknown }).code === 'ERR_SCRIPT_EXECUTION_TIMEOUT') return 'timeout';
    throw error;
  }
}
