import { z } from 'zod';

const fieldName = z.string().min(1).max(100);

export const encodingChannelSchema = z.object({
  field: fieldName,
  type: z.enum(['quantitative', 'nominal', 'ordinal', 'temporal']),
  title: z.string().max(200).optional(),
  aggregate: z.enum(['sum', 'mean', 'count', 'min', 'max']).optional(),
});

/**
 * The supported subset of Vega-Lite: one mark over inline data. Data is inline only (`values`),
 * so rendering never loads a URL; the renderer also gives Vega a loader that refuses every load.
 */
export const chartSpecSchema = z.object({
  title: z.string().max(500).optional(),
  mark: z.enum(['bar', 'line', 'point', 'area', 'arc', 'tick']),
  data: z.object({
    values: z
      .array(z.record(fieldName, z.union([z.string().max(1000), z.number(), z.boolean(), z.null()])))
      .min(1)
      .max(5000),
  }),
  encoding: z.object({
    x: encodingChannelSchema.optional(),
    y: encodingChannelSchema.optional(),
    color: encodingChannelSchema.optional(),
    theta: encodingChannelSchema.optional(),
  }),
});

/** What the model fills for an image (.png): a chart and the picture's size in pixels. */
export const imageSpecSchema = z.object({
  width: z.number().int().min(64).max(4096),
  height: z.number().int().min(64).max(4096),
  background: z
    .string()
    .regex(/^#[0-9a-fA-F]{6}$/, 'must be a #rrggbb colour')
    .default('#ffffff'),
  chart: chartSpecSchema,
});

export type ImageSpec = z.infer<typeof imageSpecSchema>;
