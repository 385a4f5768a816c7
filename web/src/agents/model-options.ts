import type { ReasoningEffort, VariableType } from '../shell/api-types.ts';

export const reasoningOptions: ReasoningEffort[] = ['none', 'minimal', 'low', 'medium', 'high'];
export const variableTypeOptions: VariableType[] = [
  'string',
  'text',
  'number',
  'boolean',
  'date',
  'json',
  'file',
];

/**
 * Suggestions for the model field. Issue 03 adds the providers configured on the server; until
 * then the offline simulated models are the ones every server has.
 */
export const suggestedModels = [
  'simulated/default',
  'simulated/slow',
  'simulated/delay-2000',
  'openai/gpt-5-mini',
  'anthropic/claude-sonnet-4-5',
];
