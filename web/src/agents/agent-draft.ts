import type { AgentDefinition, VariableType } from '../shell/api-types.ts';
import { valueToText } from './variable-fields.tsx';

/** An agent as the editor holds it: every field as the text of its input. */
export interface AgentDraft {
  name: string;
  description: string;
  model: string;
  reasoningEffort: string;
  temperature: string;
  maxOutputTokens: string;
  notifyOn: string;
  notifyEmail: string;
  notifyWebhook: string;
  siteIds: string;
  /** Kept as it came (the API is where tool settings are edited for now), sent back unchanged. */
  toolSettings?: AgentDefinition['toolSettings'];
  variables: Array<{
    name: string;
    type: VariableType;
    required: boolean;
    default: string;
    description: string;
  }>;
  steps: Array<{
    key: string;
    name: string;
    prompt: string;
    system: string;
    model: string;
    reasoningEffort: string;
    /** Tool names, comma-separated (`search_sites, mcp:files/read_file`). */
    tools: string;
    maxToolRounds?: number | undefined;
  }>;
}

export const emptyDraft: AgentDraft = {
  name: '',
  description: '',
  model: 'simulated/default',
  reasoningEffort: '',
  temperature: '',
  maxOutputTokens: '',
  notifyOn: 'none',
  notifyEmail: '',
  notifyWebhook: '',
  siteIds: '',
  variables: [],
  steps: [{ key: '', name: 'Draft', prompt: '', system: '', model: '', reasoningEffort: '', tools: '' }],
};

export function draftFrom(definition: AgentDefinition): AgentDraft {
  const ms = definition.modelSettings;
  return {
    name: definition.name,
    description: definition.description,
    model: ms.model,
    reasoningEffort: ms.reasoningEffort ?? '',
    temperature: ms.temperature === undefined ? '' : String(ms.temperature),
    maxOutputTokens: ms.maxOutputTokens === undefined ? '' : String(ms.maxOutputTokens),
    notifyOn: definition.notification.on,
    notifyEmail: (definition.notification.email ?? []).join(', '),
    notifyWebhook: definition.notification.webhook ?? '',
    siteIds: definition.siteIds.join(', '),
    ...(definition.toolSettings ? { toolSettings: definition.toolSettings } : {}),
    variables: definition.variables.map((v) => ({
      name: v.name,
      type: v.type,
      required: v.required,
      default: v.default === undefined ? '' : valueToText(v.default),
      description: v.description ?? '',
    })),
    steps: definition.steps.map((s) => ({
      key: s.key,
      name: s.name,
      prompt: s.prompt,
      system: s.system ?? '',
      model: s.modelSettings?.model ?? '',
      reasoningEffort: s.modelSettings?.reasoningEffort ?? '',
      tools: (s.tools ?? []).join(', '),
      maxToolRounds: s.maxToolRounds,
    })),
  };
}

const list = (text: string) =>
  text
    .split(/[,\s]+/)
    .map((s) => s.trim())
    .filter(Boolean);

/** A number field's text as the API takes it: the number, or the text itself so the server names the rule. */
const numeric = (text: string): number | string => (Number.isFinite(Number(text)) ? Number(text) : text);

/** The body of `POST /api/agents` / `PATCH /api/agents/:id`; the server validates every field. */
export function draftToInput(draft: AgentDraft): Record<string, unknown> {
  return {
    name: draft.name,
    description: draft.description,
    modelSettings: {
      model: draft.model,
      ...(draft.reasoningEffort ? { reasoningEffort: draft.reasoningEffort } : {}),
      ...(draft.temperature ? { temperature: numeric(draft.temperature) } : {}),
      ...(draft.maxOutputTokens ? { maxOutputTokens: numeric(draft.maxOutputTokens) } : {}),
    },
    notification: {
      on: draft.notifyOn,
      ...(draft.notifyEmail.trim() ? { email: list(draft.notifyEmail) } : {}),
      ...(draft.notifyWebhook.trim() ? { webhook: draft.notifyWebhook.trim() } : {}),
    },
    siteIds: list(draft.siteIds),
    ...(draft.toolSettings ? { toolSettings: draft.toolSettings } : {}),
    variables: draft.variables.map((v) => ({
      name: v.name,
      type: v.type,
      required: v.required,
      ...(v.default !== '' ? { default: v.default } : {}),
      ...(v.description ? { description: v.description } : {}),
    })),
    steps: draft.steps.map((s) => ({
      ...(s.key ? { key: s.key } : {}),
      name: s.name,
      prompt: s.prompt,
      ...(s.system ? { system: s.system } : {}),
      ...(s.tools.trim() ? { tools: list(s.tools) } : {}),
      ...(s.maxToolRounds === undefined ? {} : { maxToolRounds: s.maxToolRounds }),
      ...(s.model || s.reasoningEffort
        ? {
            modelSettings: {
              ...(s.model ? { model: s.model } : {}),
              ...(s.reasoningEffort ? { reasoningEffort: s.reasoningEffort } : {}),
            },
          }
        : {}),
    })),
  };
}
