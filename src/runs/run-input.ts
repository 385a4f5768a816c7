import { z } from 'zod';
import { modelSettingsPatchSchema, notificationSchema } from '../agents/agent-definition.ts';

/** `POST /api/agents/:id/runs` */
export const createRunInputSchema = z.object({
  name: z.string().trim().min(1, 'must not be empty').max(300).optional(),
  variables: z.record(z.string(), z.unknown()).optional(),
  modelSettings: modelSettingsPatchSchema.optional(),
  stepOverrides: z
    .array(modelSettingsPatchSchema.extend({ step: z.number().int().min(1) }))
    .max(100)
    .optional(),
  siteIds: z.array(z.string()).max(100).optional(),
  notification: notificationSchema.optional(),
  /** false leaves the run `new`. */
  start: z.boolean().default(true),
  /** Pin an older version of the agent; the latest by default. */
  agentVersion: z.number().int().min(1).optional(),
});
export type CreateRunInput = z.infer<typeof createRunInputSchema>;

/** `POST /api/runs/:id/rerun` */
export const rerunInputSchema = z.object({
  fromStep: z.number().int().min(1).optional(),
  /** Run on the agent's latest version instead of the one the run pinned (M1). */
  latestVersion: z.boolean().default(false),
});
export type RerunInput = z.infer<typeof rerunInputSchema>;

/** `POST /api/runs/:id/duplicate` */
export const duplicateInputSchema = z.object({
  name: z.string().trim().min(1, 'must not be empty').max(300).optional(),
  variables: z.record(z.string(), z.unknown()).optional(),
  start: z.boolean().default(true),
});
export type DuplicateInput = z.infer<typeof duplicateInputSchema>;

/** `PATCH /api/runs/:id` */
export const updateRunInputSchema = z
  .object({
    name: z.string().trim().min(1, 'must not be empty').max(300).optional(),
    archived: z.boolean().optional(),
  })
  .refine((v) => v.name !== undefined || v.archived !== undefined, { message: 'give name or archived' });
export type UpdateRunInput = z.infer<typeof updateRunInputSchema>;

export const bulkActions = ['archive', 'unarchive', 'delete', 'cancel', 'rerun'] as const;

/** `POST /api/runs/bulk` */
export const bulkInputSchema = z.object({
  action: z.enum(bulkActions),
  ids: z.array(z.string()).min(1, 'select at least one run').max(1000).optional(),
  /** Instead of ids: every run matching this list filter (L3). */
  filter: z
    .object({
      q: z.string().optional(),
      agentId: z.string().optional(),
      status: z.string().optional(),
      trigger: z.enum(['manual', 'schedule', 'webhook', 'upload', 'agent', 'benchmark']).optional(),
      archived: z.boolean().optional(),
    })
    .optional(),
});
export type BulkInput = z.infer<typeof bulkInputSchema>;
