import type { FileKind } from '../../../src/files/file-kind.ts';
import type { AgentDefinition, OutputFormat, VariableType } from '../shell/api-types.ts';
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
  siteIds: string[];
  /** What the agent's tools may reach: hosts one a line, agents by id. */
  toolSettings: ToolSettingsDraft;
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
    output: StepOutputDraft;
    /** Tool names as the API takes them (`search_sites`, `mcp:files/read_file`), in the order chosen. */
    tools: string[];
    maxToolRounds: string;
    /** What the editor does not show (agent steps, source settings), kept as loaded. */
    extra: Record<string, unknown>;
  }>;
}

/** An agent's `toolSettings` as its inputs hold them. */
export interface ToolSettingsDraft {
  allowedHosts: string;
  allowPrivateAddresses: boolean;
  invokableAgentIds: string[];
}

const noToolSettings: ToolSettingsDraft = {
  allowedHosts: '',
  allowPrivateAddresses: false,
  invokableAgentIds: [],
};

/** A step's output format as its inputs hold it: the JSON Schema as text. */
export interface StepOutputDraft {
  format: 'text' | 'json' | 'file';
  schema: string;
  kind: FileKind;
  fileName: string;
}

const textOutput: StepOutputDraft = { format: 'text', schema: '', kind: 'document', fileName: '' };

/** A new step at place `number`. */
export const newStep = (number: number): AgentDraft['steps'][number] => ({
  key: '',
  name: number === 1 ? 'Draft' : `Step ${number}`,
  prompt: '',
  system: '',
  model: '',
  reasoningEffort: '',
  output: textOutput,
  tools: [],
  maxToolRounds: '',
  extra: {},
});

function outputDraft(output: OutputFormat | undefined): StepOutputDraft {
  if (!output) return textOutput;
  if (output.format === 'file')
    return { ...textOutput, format: 'file', kind: output.kind, fileName: output.fileName ?? '' };
  return {
    ...textOutput,
    format: output.format,
    schema: output.schema ? JSON.stringify(output.schema, null, 2) : '',
  };
}

/** The JSON Schema's text as JSON; text that does not parse goes as it is, so the server names the field. */
const schemaValue = (text: string): unknown => {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
};

function outputInput(output: StepOutputDraft): OutputFormat | Record<string, unknown> | undefined {
  switch (output.format) {
    case 'text':
      return undefined;
    case 'json':
      return { format: 'json', ...(output.schema.trim() ? { schema: schemaValue(output.schema) } : {}) };
    case 'file':
      return {
        format: 'file',
        kind: output.kind,
        ...(output.fileName.trim() ? { fileName: output.fileName } : {}),
      };
    default: {
      const unreachable: never = output.format;
      return unreachable;
    }
  }
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
  siteIds: [],
  toolSettings: noToolSettings,
  variables: [],
  steps: [newStep(1)],
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
    siteIds: definition.siteIds,
    toolSettings: definition.toolSettings
      ? {
          allowedHosts: definition.toolSettings.allowedHosts.join('\n'),
          allowPrivateAddresses: definition.toolSettings.allowPrivateAddresses,
          invokableAgentIds: definition.toolSettings.invokableAgentIds,
        }
      : noToolSettings,
    variables: definition.variables.map((v) => ({
      name: v.name,
      type: v.type,
      required: v.required,
      default: v.default === undefined ? '' : valueToText(v.default),
      description: v.description ?? '',
    })),
    steps: definition.steps.map(
      ({ key, name, prompt, system, modelSettings, output, tools, maxToolRounds, ...extra }) => ({
        key,
        name,
        prompt,
        system: system ?? '',
        model: modelSettings?.model ?? '',
        reasoningEffort: modelSettings?.reasoningEffort ?? '',
        output: outputDraft(output),
        tools: tools ?? [],
        maxToolRounds: maxToolRounds === undefined ? '' : String(maxToolRounds),
        extra,
      }),
    ),
  };
}

const list = (text: string) =>
  text
    .split(/[,\s]+/)
    .map((s) => s.trim())
    .filter(Boolean);

/** A number field's text as the API takes it: the number, or the text itself so the server names the rule. */
const numeric = (text: string): number | string => (Number.isFinite(Number(text)) ? Number(text) : text);

/** `toolSettings` when any differs from the defaults (no host, no private address, no agent), which absence means. */
function toolSettingsInput(settings: ToolSettingsDraft): { toolSettings?: Record<string, unknown> } {
  const allowedHosts = list(settings.allowedHosts);
  if (allowedHosts.length === 0 && !settings.allowPrivateAddresses && settings.invokableAgentIds.length === 0)
    return {};
  return {
    toolSettings: {
      allowedHosts,
      allowPrivateAddresses: settings.allowPrivateAddresses,
      invokableAgentIds: settings.invokableAgentIds,
    },
  };
}

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
    siteIds: draft.siteIds,
    ...toolSettingsInput(draft.toolSettings),
    variables: draft.variables.map((v) => ({
      name: v.name,
      type: v.type,
      required: v.required,
      ...(v.default !== '' ? { default: v.default } : {}),
      ...(v.description ? { description: v.description } : {}),
    })),
    steps: draft.steps.map((s) => ({
      ...s.extra,
      ...(s.key ? { key: s.key } : {}),
      name: s.name,
      prompt: s.prompt,
      ...(s.system ? { system: s.system } : {}),
      ...(s.model || s.reasoningEffort
        ? {
            modelSettings: {
              ...(s.model ? { model: s.model } : {}),
              ...(s.reasoningEffort ? { reasoningEffort: s.reasoningEffort } : {}),
            },
          }
        : {}),
      ...(outputInput(s.output) ? { output: outputInput(s.output) } : {}),
      ...(s.tools.length > 0 ? { tools: s.tools } : {}),
      ...(s.maxToolRounds.trim() ? { maxToolRounds: numeric(s.maxToolRounds) } : {}),
    })),
  };
}
