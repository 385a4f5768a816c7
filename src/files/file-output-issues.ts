import type { ModelSettings, StepDefinition } from '../agents/agent-definition.ts';
import { structuredOutputSupport } from '../models/model-capabilities.ts';
import type { FieldIssue } from '../platform/errors.ts';

/** Step kinds that make one model call and so can be asked for a file spec. */
const fileStepKinds: ReadonlySet<string> = new Set(['prompt']);

/**
 * Below this, a spec of even a small file is cut off mid-JSON: a 3-sheet workbook of 20 rows is
 * about 1,500 tokens, so a limit under 1,024 fails more often than not.
 */
export const MIN_FILE_OUTPUT_TOKENS = 1024;

/**
 * Why each file step of an agent cannot generate its file (SPEC D6), as field issues: the step's
 * kind, its model (which must support structured output), or its output token limit.
 */
export function fileOutputIssues(
  steps: readonly StepDefinition[],
  agentSettings: ModelSettings,
): FieldIssue[] {
  const issues: FieldIssue[] = [];
  steps.forEach((step, i) => {
    if (step.output?.format !== 'file') return;
    const kind = step.output.kind;
    if (!fileStepKinds.has(step.kind)) {
      issues.push({
        path: `steps[${i}].output`,
        message: `a step of kind "${step.kind}" cannot generate a ${kind} file; only prompt steps can`,
      });
    }
    const model = step.modelSettings?.model ?? agentSettings.model;
    const support = structuredOutputSupport(model);
    if (!support.supported) {
      issues.push({
        path: step.modelSettings?.model ? `steps[${i}].modelSettings.model` : 'modelSettings.model',
        message: `step ${i + 1} (${step.name}) generates a ${kind} file, which needs structured output: ${support.reason}`,
      });
    }
    const maxOutputTokens = step.modelSettings?.maxOutputTokens ?? agentSettings.maxOutputTokens;
    if (maxOutputTokens !== undefined && maxOutputTokens < MIN_FILE_OUTPUT_TOKENS) {
      issues.push({
        path: step.modelSettings?.maxOutputTokens
          ? `steps[${i}].modelSettings.maxOutputTokens`
          : 'modelSettings.maxOutputTokens',
        message: `step ${i + 1} (${step.name}) generates a ${kind} file; its spec needs at least ${MIN_FILE_OUTPUT_TOKENS} output tokens, not ${maxOutputTokens}`,
      });
    }
  });
  return issues;
}
