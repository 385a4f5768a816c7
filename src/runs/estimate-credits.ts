import type { AgentDefinition, ModelSettings } from '../agents/agent-definition.ts';
import type { Templates } from '../agents/templates.ts';
import { creditsFor, roundCredits } from '../models/credits.ts';
import { approximateTokens } from '../models/simulated-provider.ts';
import type { RunVariable } from './resolve-variables.ts';
import { variablesRecord } from './resolve-variables.ts';
import type { StepOverride } from './run-view.ts';
import { stepSettings } from './step-settings.ts';

/** Expected answer length when a step sets no max output tokens. */
const DEFAULT_EXPECTED_OUTPUT_TOKENS = 400;

/**
 * Estimated AI Credits before a run starts (R5): each step's rendered prompt, plus the expected
 * output of the earlier steps it quotes, plus its own expected output, priced per model.
 */
export function estimateCredits(
  definition: AgentDefinition,
  variables: readonly RunVariable[],
  modelSettings: ModelSettings,
  overrides: readonly StepOverride[],
  templates: Templates,
  creditRate: number,
): number {
  const expected = new Map<string, number>();
  let total = 0;
  definition.steps.forEach((step, i) => {
    const settings = stepSettings(modelSettings, overrides, i + 1);
    let prompt: string;
    try {
      prompt = templates.render(step.prompt, {
        vars: variablesRecord(variables),
        steps: {},
        sources: '',
        run: { id: '', name: '' },
      });
    } catch {
      prompt = step.prompt;
    }
    let inputTokens = approximateTokens(`${step.system ?? ''}${prompt}`);
    for (const [key, tokens] of expected) if (step.prompt.includes(`steps.${key}`)) inputTokens += tokens;
    const outputTokens = settings.maxOutputTokens ?? DEFAULT_EXPECTED_OUTPUT_TOKENS;
    expected.set(step.key, outputTokens);
    total += creditsFor(settings.model, { inputTokens, outputTokens }, creditRate);
  });
  return roundCredits(total);
}
