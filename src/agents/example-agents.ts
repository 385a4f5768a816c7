import type { AgentInput } from './agent-definition.ts';

/** Two agents a new installation starts with; both run offline on the simulated model. */
export const exampleAgents: AgentInput[] = [
  {
    name: 'Weekly account report',
    description: 'Gathers the facts about a customer, summarizes them and writes a short report.',
    variables: [
      { name: 'customer', type: 'string', required: true, description: 'Customer name' },
      { name: 'period', type: 'string', default: 'last 7 days', description: 'Reporting period' },
    ],
    modelSettings: { model: 'simulated/default', reasoningEffort: 'low' },
    steps: [
      { name: 'Gather', prompt: 'List the facts about {{ vars.customer }} for {{ vars.period }}.' },
      {
        name: 'Summarize',
        prompt: 'Summarize: {{ steps.gather.output }}',
        modelSettings: { reasoningEffort: 'high' },
      },
      { name: 'Report', prompt: 'Write the report from {{ steps.summarize.output }}.' },
    ],
    notification: { on: 'failure' },
  },
  {
    name: 'Meeting notes to action items',
    description: 'Turns raw meeting notes into a JSON list of action items, then drafts a follow-up email.',
    variables: [
      { name: 'notes', type: 'text', required: true, description: 'The meeting notes' },
      { name: 'tone', type: 'string', default: 'friendly', description: 'Tone of the follow-up email' },
    ],
    modelSettings: { model: 'simulated/default', reasoningEffort: 'medium' },
    steps: [
      {
        name: 'Extract action items',
        prompt: 'Extract the action items (owner, task, due date) from these notes:\n{{ vars.notes }}',
        output: { format: 'json' },
      },
      {
        name: 'Draft follow-up',
        prompt:
          'Write a {{ vars.tone }} follow-up email listing these action items: {{ steps.extract_action_items.output }}',
      },
    ],
  },
];
