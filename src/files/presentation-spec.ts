import { z } from 'zod';
import { tableSchema } from './document-spec.ts';

export const chartSchema = z
  .object({
    type: z.enum(['bar', 'line', 'pie']),
    labels: z.array(z.string().max(200)).min(1).max(100),
    series: z
      .array(z.object({ name: z.string().min(1).max(200), values: z.array(z.number()).max(100) }))
      .min(1)
      .max(10),
  })
  .superRefine((chart, ctx) => {
    chart.series.forEach((series, i) => {
      if (series.values.length !== chart.labels.length)
        ctx.addIssue({
          code: 'custom',
          path: ['series', i, 'values'],
          message: `has ${series.values.length} values for ${chart.labels.length} labels`,
        });
    });
  });

export const slideSchema = z.object({
  title: z.string().min(1).max(500),
  bullets: z.array(z.string().max(2000)).max(20).default([]),
  /** Speaker notes. */
  notes: z.string().max(20_000).optional(),
  table: tableSchema.optional(),
  chart: chartSchema.optional(),
});

/** What the model fills for a presentation (.pptx): a title slide, then slides. */
export const presentationSpecSchema = z.object({
  title: z.string().min(1).max(500),
  subtitle: z.string().max(1000).optional(),
  slides: z.array(slideSchema).min(1).max(200),
});

export type PresentationSpec = z.infer<typeof presentationSpecSchema>;
export type SlideSpec = z.infer<typeof slideSchema>;
export type ChartSpec = z.infer<typeof chartSchema>;
