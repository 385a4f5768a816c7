import type {
  AgentDefinition,
  ModelSettings,
  ReasoningEffort,
  StepDefinition,
} from '../agents/agent-definition.ts';
import type { TemplateContext, Templates } from '../agents/templates.ts';
import type { Deps } from '../deps.ts';
import type { RunVariable } from '../runs/resolve-variables.ts';
import { variablesRecord } from '../runs/resolve-variables.ts';
import type { StepOverride } from '../runs/run-view.ts';
import { stepSettings } from '../runs/step-settings.ts';
import { countPromptTokens, type TokenCounter } from './count-tokens.ts';
import { priceUsage, roundCredits } from './price-table.ts';
import { anthropicThinkingBudget } from './reasoning-options.ts';
import { reasoningTokensByEffort } from './simulated-provider.ts';
import type { UsageSample } from './usage-history.ts';

/** Expected answer length when a step has no history and sets no max output tokens. */
export const DEFAULT_EXPECTED_OUTPUT_TOKENS = 400;

/** Reasoning a model spends per effort when there is no history (hosted models think at length). */
const hostedReasoningByEffort: Record<ReasoningEffort, number> = {
  none: 0,
  minimal: 128,
  low: 512,
  medium: 2048,
  high: 8192,
};

interface Spread {
  low: number;
  expected: number;
  high: number;
}

export interface StepEstimate {
  number: number;
  model: string;
  inputTokens: Spread;
  outputTokens: Spread;
  reasoningTokens: Spread;
  /** `history`: the 10th, 50th and 90th percentile of this agent version's runs on this model. */
  basis: 'history' | 'max-output-tokens' | 'default-output-tokens';
  historySamples: number;
  tokenizer: TokenCounter;
  credits: Spread;
}

/** A run's estimate before it starts (R5): the figure, its range, and each step's working. */
export interface RunEstimate {
  credits: number;
  range: { low: number; high: number };
  priceTableVersion: number;
  creditRate: number;
  steps: StepEstimate[];
}

export interface EstimateInput {
  orgId: string;
  agentId: string;
  version: number;
  definition: AgentDefinition;
  variables: readonly RunVariable[];
  modelSettings: ModelSettings;
  overrides: readonly StepOverride[];
  creditRate: number;
  /**
   * The source context `{{ sources }}` will hold for a step (its retrieval in the run's Sites),
   * found before the run; absent when the run selects no Sites.
   */
  sourcesFor?: (step: StepDefinition, context: TemplateContext) => Promise<string>;
}

/**
 * Estimates a run's credits before it starts: each step's rendered prompt and the source context
 * counted with a real tokenizer (`count-tokens.ts`), plus the output of the earlier steps it
 * quotes; its output and reasoning tokens from this agent version's past runs (median for the
 * figure, 10th to 90th percentile for the range), or its max output tokens when there is no
 * history; priced with the organization's current price table and credit rate.
 */
export async function estimateRun(
  deps: Pick<Deps, 'templates' | 'pricing' | 'usageHistory'>,
  input: EstimateInput,
): Promise<RunEstimate> {
  const [table, history, sources] = await Promise.all([
    deps.pricing.currentFor(input.orgId),
    deps.usageHistory.samplesFor({ orgId: input.orgId, agentId: input.agentId, version: input.version }),
    sourcesOfSteps(input),
  ]);
  const quoted = new Map<string, Spread>();
  const steps: StepEstimate[] = input.definition.steps.map((step, i) => {
    const number = i + 1;
    const settings = stepSettings(input.modelSettings, input.overrides, number);
    const context = contextOf(input, sources[i] ?? '');
    const prompt = renderOrRaw(deps.templates, step.prompt, context);
    const system = step.system === undefined ? '' : renderOrRaw(deps.templates, step.system, context);
    const counted = countPromptTokens(settings.model, `${system}${prompt}`);
    const inputTokens = { low: counted.tokens, expected: counted.tokens, high: counted.tokens };
    for (const [key, spread] of quoted) {
      if (step.prompt.includes(`steps.${key}`) || step.system?.includes(`steps.${key}`)) {
        inputTokens.low += spread.low;
        inputTokens.expected += spread.expected;
        inputTokens.high += spread.high;
      }
    }
    const fromHistory = historySpreadOf(history.get(number), settings.model);
    const expectedOutput = fromHistory ?? expectedOutputOf(settings);
    quoted.set(step.key, expectedOutput.outputTokens);
    const price = (pick: keyof Spread) =>
      priceUsage(
        table,
        settings.model,
        {
          inputTokens: inputTokens[pick],
          outputTokens: expectedOutput.outputTokens[pick],
          reasoningTokens: expectedOutput.reasoningTokens[pick],
        },
        input.creditRate,
      ).credits;
    return {
      number,
      model: settings.model,
      inputTokens,
      outputTokens: expectedOutput.outputTokens,
      reasoningTokens: expectedOutput.reasoningTokens,
      basis: expectedOutput.basis,
      historySamples: fromHistory?.samples ?? 0,
      tokenizer: counted.counter,
      credits: { low: price('low'), expected: price('expected'), high: price('high') },
    };
  });
  const sum = (pick: keyof Spread) => roundCredits(steps.reduce((total, s) => total + s.credits[pick], 0));
  return {
    credits: sum('expected'),
    range: { low: sum('low'), high: sum('high') },
    priceTableVersion: table.version,
    creditRate: input.creditRate,
    steps,
  };
}

type ExpectedOutput = Pick<StepEstimate, 'outputTokens' | 'reasoningTokens' | 'basis'>;

/** A step's spreads from its history on one model, and how many samples they come from. */
type HistorySpread = ExpectedOutput & { samples: number };

/**
 * Spreads by history list and model. `usageHistory` hands out the same list until the history
 * changes, so each create of a busy agent reuses its steps' spreads instead of sorting their
 * samples again (the estimate's sorts were ~5 % of a create's allocation).
 */
const spreads = new WeakMap<readonly UsageSample[], Map<string, HistorySpread | undefined>>();

/** The 10th, 50th and 90th percentile of the step's samples on `model`; undefined without any. */
function historySpreadOf(
  history: readonly UsageSample[] | undefined,
  model: string,
): HistorySpread | undefined {
  if (!history) return undefined;
  let byModel = spreads.get(history);
  if (!byModel) {
    byModel = new Map();
    spreads.set(history, byModel);
  }
  if (byModel.has(model)) return byModel.get(model);
  const samples = history.filter((s) => s.model === model);
  const spread = (values: number[]): Spread => {
    const sorted = values.sort((a, b) => a - b);
    return Object.freeze({
      low: percentile(sorted, 0.1),
      expected: percentile(sorted, 0.5),
      high: percentile(sorted, 0.9),
    });
  };
  const found: HistorySpread | undefined =
    samples.length === 0
      ? undefined
      : Object.freeze({
          outputTokens: spread(samples.map((s) => s.outputTokens)),
          reasoningTokens: spread(samples.map((s) => s.reasoningTokens)),
          basis: 'history' as const,
          samples: samples.length,
        });
  byModel.set(model, found);
  return found;
}

/** What a step is expected to answer without history: up to its cap, or the default length. */
function expectedOutputOf(settings: ModelSettings): ExpectedOutput {
  const max = settings.maxOutputTokens;
  const effort = settings.reasoningEffort ?? 'none';
  const reasoning = settings.model.startsWith('simulated/')
    ? reasoningTokensByEffort[effort]
    : settings.model.startsWith('anthropic/') && effort !== 'none'
      ? anthropicThinkingBudget[effort]
      : hostedReasoningByEffort[effort];
  const output = max ?? DEFAULT_EXPECTED_OUTPUT_TOKENS;
  // Without history the answer may be anything up to the cap: the range runs from none to all of it.
  return {
    outputTokens: { low: 0, expected: output, high: output },
    reasoningTokens: { low: 0, expected: reasoning, high: reasoning },
    basis: max === undefined ? 'default-output-tokens' : 'max-output-tokens',
  };
}

/** Nearest-rank percentile of an ascending list. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.max(1, Math.ceil(p * sorted.length));
  return sorted[Math.min(sorted.length, rank) - 1] ?? 0;
}

/** What a step's templates know before the run: its variables, and its source context. */
function contextOf(input: EstimateInput, sources: string): TemplateContext {
  return {
    vars: variablesRecord(input.variables),
    // Quoted outputs are not known yet: they are counted from the quoted step's expectation.
    steps: {},
    sources,
    run: { id: '', name: '' },
  };
}

/** Each step's source context, searched before the run: the tokens it adds are counted as input. */
async function sourcesOfSteps(input: EstimateInput): Promise<string[]> {
  const { sourcesFor } = input;
  if (!sourcesFor) return [];
  return Promise.all(
    input.definition.steps.map(async (step) => {
      try {
        return await sourcesFor(step, contextOf(input, ''));
      } catch {
        // A query template that cannot render before the run is counted without its sources.
        return '';
      }
    }),
  );
}

function renderOrRaw(templates: Templates, template: string, context: TemplateContext): string {
  try {
    return templates.render(template, context);
  } catch {
    return template;
  }
}
