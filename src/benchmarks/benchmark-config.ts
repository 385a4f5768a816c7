import { z } from 'zod';
import { modelId, variableName } from '../agents/agent-definition.ts';

/**
 * An agent's benchmark as the API takes it and `benchmarks.config` stores it (SPEC B1).
 *
 * Glossary
 * - criterion: one check of an attempt's output (or its credits, or its duration) giving a score in
 *   0–1; it passes when the score reaches its `threshold`. `weight` is its share of the overall score.
 * - quality: the default writing-quality benchmark (`writing-quality.ts`), a 0–100 score counted as
 *   one more criterion with its own weight and threshold (a fraction: 0.6 means 60 of 100).
 * - reference case: variables to run the agent with and the answer expected; a dataset run runs the
 *   agent once per case, and `equals` and `similarity` without a value of their own compare to it.
 */

const common = {
  /** Stable within the benchmark; dashboards chart scores by it. Defaults to `c<position>`. */
  id: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,40}$/, 'must be 1–40 letters, digits, _ or -')
    .optional(),
  name: z.string().trim().min(1, 'must not be empty').max(120).optional(),
  weight: z.number().min(0).max(100).default(1),
  /** The score (0–1) it needs to pass. */
  threshold: z.number().min(0).max(1).optional(),
};

const text = z.string().min(1, 'must not be empty').max(10_000);

export const criterionSchema = z.discriminatedUnion(
  'type',
  [
    z.object({ ...common, type: z.literal('contains'), value: text }),
    z.object({ ...common, type: z.literal('icontains'), value: text }),
    z.object({ ...common, type: z.literal('not-contains'), value: text }),
    z.object({
      ...common,
      type: z.literal('regex'),
      pattern: z
        .string()
        .min(1, 'must not be empty')
        .max(2000)
        .refine((p) => compiles(p), 'must be a valid regular expression'),
      flags: z
        .string()
        .regex(/^[imsu]*$/, 'may only use the flags i, m, s and u')
        .default(''),
    }),
    /** Without `value`, the reference case's expected answer. */
    z.object({
      ...common,
      type: z.literal('equals'),
      value: z.string().max(100_000).optional(),
      trim: z.boolean().default(true),
    }),
    z.object({ ...common, type: z.literal('is-json') }),
    z.object({ ...common, type: z.literal('json-schema'), schema: z.record(z.string(), z.unknown()) }),
    z
      .object({
        ...common,
        type: z.literal('json-range'),
        /** A JSON Pointer (RFC 6901) into the output parsed as JSON, e.g. `/total`. */
        path: z.string().regex(/^(\/[^/]*)*$/, 'must be a JSON Pointer such as /total or /items/0/price'),
        min: z.number().optional(),
        max: z.number().optional(),
      })
      .refine((c) => c.min !== undefined || c.max !== undefined, {
        message: 'needs min, max or both',
        path: ['min'],
      }),
    z
      .object({
        ...common,
        type: z.literal('length'),
        unit: z.enum(['characters', 'words']).default('characters'),
        min: z.number().int().min(0).optional(),
        max: z.number().int().min(0).optional(),
      })
      .refine((c) => c.min !== undefined || c.max !== undefined, {
        message: 'needs min, max or both',
        path: ['min'],
      }),
    z.object({
      ...common,
      type: z.literal('llm-judge'),
      rubric: z.string().trim().min(1, 'must not be empty').max(20_000),
      /** The judge; defaults to the benchmark's `judgeModel`. */
      model: modelId.optional(),
    }),
    /** Without `reference`, the reference case's expected answer. */
    z.object({ ...common, type: z.literal('similarity'), reference: z.string().max(100_000).optional() }),
    z.object({ ...common, type: z.literal('credits'), max: z.number().min(0) }),
    z.object({ ...common, type: z.literal('duration'), maxMs: z.number().int().min(0) }),
  ],
  {
    error:
      'must be one of contains, icontains, not-contains, regex, equals, is-json, json-schema, json-range, length, llm-judge, similarity, credits, duration',
  },
);

export const referenceCaseSchema = z.object({
  id: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,40}$/, 'must be 1–40 letters, digits, _ or -')
    .optional(),
  name: z.string().trim().min(1, 'must not be empty').max(200),
  variables: z.record(variableName, z.unknown()).default({}),
  expected: z.string().max(100_000).default(''),
});

export const benchmarkInputSchema = z
  .object({
    /** Benchmark every completed attempt of the agent as it finishes (B2). */
    autoRun: z.boolean().default(false),
    quality: z
      .object({
        enabled: z.boolean().default(true),
        weight: z.number().min(0).max(100).default(1),
        threshold: z.number().min(0).max(1).default(0.6),
      })
      .default({ enabled: true, weight: 1, threshold: 0.6 }),
    /** Judges clarity, tone and engagement and every `llm-judge` without its own model; default: the run's model. */
    judgeModel: modelId.optional(),
    criteria: z.array(criterionSchema).max(50).default([]),
    cases: z.array(referenceCaseSchema).max(200).default([]),
  })
  .superRefine((b, ctx) => {
    const seen = new Set<string>();
    b.criteria.forEach((c, i) => {
      const id = c.id ?? `c${i + 1}`;
      if (seen.has(id))
        ctx.addIssue({ code: 'custom', path: ['criteria', i, 'id'], message: `repeats the id ${id}` });
      seen.add(id);
    });
    const cases = new Set<string>();
    b.cases.forEach((c, i) => {
      if (c.id === undefined) return;
      if (cases.has(c.id))
        ctx.addIssue({ code: 'custom', path: ['cases', i, 'id'], message: `repeats the id ${c.id}` });
      cases.add(c.id);
    });
  });

export type Criterion = z.infer<typeof criterionSchema> & { id: string };
export type ReferenceCase = z.infer<typeof referenceCaseSchema> & { id: string };
export type BenchmarkInput = z.input<typeof benchmarkInputSchema>;

/** A benchmark as stored: every criterion and case has its id. */
export interface BenchmarkConfig extends Omit<z.infer<typeof benchmarkInputSchema>, 'criteria' | 'cases'> {
  criteria: Criterion[];
  cases: ReferenceCase[];
}

/** The benchmark of an agent nobody configured: writing quality alone, by hand (B1 "ready for every agent"). */
export const defaultBenchmark: BenchmarkConfig = {
  autoRun: false,
  quality: { enabled: true, weight: 1, threshold: 0.6 },
  criteria: [],
  cases: [],
};

/** Gives every criterion and case its id; `newCaseId` names a case that has none. */
export function normalizeBenchmark(
  input: z.infer<typeof benchmarkInputSchema>,
  newCaseId: () => string,
): BenchmarkConfig {
  return {
    ...input,
    criteria: input.criteria.map((c, i) => ({ ...c, id: c.id ?? `c${i + 1}` })),
    cases: input.cases.map((c) => ({ ...c, id: c.id ?? newCaseId() })),
  };
}

/** A criterion's pass mark: 1 for the checks that pass or fail outright, 0.7 for graded ones. */
export function thresholdOf(criterion: Criterion): number {
  if (criterion.threshold !== undefined) return criterion.threshold;
  return criterion.type === 'llm-judge' || criterion.type === 'similarity' ? 0.7 : 1;
}

function compiles(pattern: string): boolean {
  try {
    new RegExp(pattern);
    return true;
  } catch {
    return false;
  }
}
