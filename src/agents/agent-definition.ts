import { z } from 'zod';
import { fileKinds } from '../files/file-kind.ts';
import { toolRef } from '../tools/tool-names.ts';

/**
 * What an Agent is, as the API takes it and as a version stores it (SPEC "Concepts" and
 * "The shapes, by example"). Every edit stores a whole new definition as the next version.
 */

export const variableTypes = ['string', 'number', 'boolean', 'date', 'text', 'json', 'file'] as const;
export const reasoningEfforts = ['none', 'minimal', 'low', 'medium', 'high'] as const;
export const notificationTriggers = ['none', 'failure', 'completion', 'always'] as const;

export const variableName = z
  .string()
  .regex(
    /^[A-Za-z_][A-Za-z0-9_]{0,63}$/,
    'must start with a letter or _, then letters, digits or _ (at most 64)',
  );

export const variableDefinitionSchema = z.object({
  name: variableName,
  type: z.enum(variableTypes).default('string'),
  required: z.boolean().default(false),
  default: z.unknown().optional(),
  description: z.string().max(2000).optional(),
});

export const modelId = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]*\/[A-Za-z0-9._:@\-/]+$/, 'must be provider/model, e.g. openai/gpt-5-mini');

/** Every field optional: these overlay the agent's settings for a step or a run. */
export const modelSettingsPatchSchema = z.object({
  model: modelId.optional(),
  reasoningEffort: z.enum(reasoningEfforts).optional(),
  temperature: z.number().min(0).max(2).optional(),
  maxOutputTokens: z.number().int().min(1).max(1_000_000).optional(),
  /** The step's model call, retries included, fails after this long (default AGENTRUNS_MODEL_TIMEOUT_MS). */
  timeoutMs: z.number().int().min(100).max(3_600_000).optional(),
});

export const modelSettingsSchema = modelSettingsPatchSchema.extend({ model: modelId });

export const stepKey = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_]{0,63}$/, 'must be lower-case letters, digits or _ (at most 64)');

/**
 * A step's output: `text` (the default), `json` (optionally with a JSON Schema), or `file`: the
 * model fills the spec schema of `kind` and the server renders the file (SPEC D6, `src/files/`).
 */
export const outputFormatSchema = z.discriminatedUnion(
  'format',
  [
    z.object({
      format: z.enum(['text', 'json']).default('text'),
      /** For `json`: a JSON Schema the answer must satisfy. */
      schema: z.record(z.string(), z.unknown()).optional(),
    }),
    z.object({
      format: z.literal('file'),
      kind: z.enum(fileKinds),
      /** The file's name without extension; defaults to the step's key. */
      fileName: z
        .string()
        .trim()
        .min(1, 'must not be empty')
        .max(120)
        .regex(/^[^/\\\p{Cc}]+$/u, 'must not contain / \\ or control characters')
        .optional(),
    }),
  ],
  { error: 'must be text, json or file' },
);

/**
 * A step: `prompt` (the default) asks the model; `agent` (T4) starts a run of another agent with
 * `variables` rendered from Liquid templates, waits for it without holding a worker, and makes its
 * output this step's output. One object rather than a union, so every step keeps the same fields.
 */
export const stepInputSchema = z
  .object({
    key: stepKey.optional(),
    name: z.string().trim().min(1, 'must not be empty').max(200),
    kind: z.enum(['prompt', 'agent']).default('prompt'),
    prompt: z.string().max(200_000).default(''),
    /** Instructions sent as the system message, also a template. */
    system: z.string().max(200_000).optional(),
    output: outputFormatSchema.optional(),
    modelSettings: modelSettingsPatchSchema.optional(),
    /** `agent` steps: the agent to run, and a template per variable of it. */
    agentId: z.string().min(1).max(100).optional(),
    variables: z.record(variableName, z.string().max(200_000)).optional(),
    sources: z
      .object({
        /** A Liquid template: what to search the run's Sites for. Default: the step's prompt, rendered. */
        query: z.string().min(1, 'must not be empty').max(20_000).optional(),
        /** How many chunks `{{ sources }}` cites. */
        limit: z.number().int().min(1).max(50).default(5),
      })
      .optional(),
    /** C1, C2: the tools the model may call in this step (none: a plain model call). */
    tools: z.array(toolRef).min(1, 'list at least one tool, or leave tools out').max(50).optional(),
    /** How many model rounds the tool loop may take; the step fails if the model wants more. */
    maxToolRounds: z.number().int().min(1).max(50).optional(),
  })
  .superRefine((step, ctx) => {
    if (step.kind === 'prompt' && step.prompt === '')
      ctx.addIssue({ code: 'custom', path: ['prompt'], message: 'must not be empty' });
    if (step.kind === 'agent' && step.tools !== undefined)
      ctx.addIssue({ code: 'custom', path: ['tools'], message: 'only prompt steps call tools' });
    if (step.tools !== undefined && new Set(step.tools).size !== step.tools.length)
      ctx.addIssue({ code: 'custom', path: ['tools'], message: 'must not repeat a tool' });
    if (step.kind === 'agent' && step.agentId === undefined)
      ctx.addIssue({ code: 'custom', path: ['agentId'], message: 'an agent step names the agent to run' });
  });

export const notificationSchema = z
  .object({
    on: z.enum(notificationTriggers).default('none'),
    email: z.array(z.email()).max(50).optional(),
    webhook: z.url().optional(),
    /** Signs webhook notifications the Standard Webhooks way (N1). */
    webhookSecret: z
      .string()
      .regex(/^whsec_[A-Za-z0-9+/]{16,}={0,2}$/, 'must be a Standard Webhooks secret: whsec_ then base64')
      .optional(),
  })
  .superRefine((n, ctx) => {
    if (n.webhook !== undefined && n.webhookSecret === undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['webhookSecret'],
        message: 'a notification webhook needs its secret',
      });
  });

/**
 * What the agent's tools may reach. `http_request` goes only to `allowedHosts` (exact names, or
 * `*.example.com` for its subdomains), and never to a loopback, link-local or private address
 * unless `allowPrivateAddresses` says so; `invoke_agent` starts only the agents listed.
 */
export const toolSettingsSchema = z.object({
  allowedHosts: z
    .array(
      z
        .string()
        .regex(
          /^(\*\.)?[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:\d{1,5})?$|^\[[0-9a-f:.]+\](:\d{1,5})?$/,
          'must be a host name, *.domain or [ipv6], lower case, optionally :port',
        ),
    )
    .max(200)
    .default([]),
  allowPrivateAddresses: z.boolean().default(false),
  invokableAgentIds: z.array(z.string().min(1).max(100)).max(100).default([]),
});

export const agentInputSchema = z.object({
  name: z.string().trim().min(1, 'must not be empty').max(200),
  description: z.string().max(5000).default(''),
  variables: z.array(variableDefinitionSchema).max(100).default([]),
  modelSettings: modelSettingsSchema.default({ model: 'simulated/default' }),
  steps: z.array(stepInputSchema).min(1, 'an agent needs at least one step').max(100),
  notification: notificationSchema.default({ on: 'none' }),
  siteIds: z.array(z.string()).max(100).default([]),
  toolSettings: toolSettingsSchema.optional(),
});

export type VariableType = (typeof variableTypes)[number];
export type ReasoningEffort = (typeof reasoningEfforts)[number];
export type VariableDefinition = z.infer<typeof variableDefinitionSchema>;
export type ModelSettings = z.infer<typeof modelSettingsSchema>;
export type ModelSettingsPatch = z.infer<typeof modelSettingsPatchSchema>;
export type Notification = z.infer<typeof notificationSchema>;
export type AgentInput = z.input<typeof agentInputSchema>;
export type OutputFormat = z.infer<typeof outputFormatSchema>;
export type ToolSettings = z.infer<typeof toolSettingsSchema>;

/** A step as stored: its key is always set. */
export type StepDefinition = z.infer<typeof stepInputSchema> & { key: string };

/** The stored, normalized definition of one agent version. */
export interface AgentDefinition extends Omit<z.infer<typeof agentInputSchema>, 'steps'> {
  steps: StepDefinition[];
}

/** "Weekly Summary!" → "weekly_summary": a step's key when none is given. */
export function slugify(name: string): string {
  const slug = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .slice(0, 64);
  return slug || 'step';
}
