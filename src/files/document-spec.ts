import { z } from 'zod';

const text = z.string().max(20_000);

export const tableSchema = z
  .object({
    columns: z.array(z.string().max(500)).min(1).max(50),
    rows: z.array(z.array(z.union([z.string().max(5000), z.number(), z.null()])).max(50)).max(2000),
  })
  .superRefine((table, ctx) => {
    table.rows.forEach((row, r) => {
      if (row.length > table.columns.length)
        ctx.addIssue({
          code: 'custom',
          path: ['rows', r],
          message: `has ${row.length} cells but the table has ${table.columns.length} columns`,
        });
    });
  });

export const blockSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('heading'),
    text: text.min(1),
    level: z.number().int().min(1).max(3).default(1),
  }),
  z.object({ type: z.literal('paragraph'), text }),
  z.object({
    type: z.literal('bullets'),
    items: z.array(text).min(1).max(500),
    ordered: z.boolean().default(false),
  }),
  z.object({ type: z.literal('table'), table: tableSchema }),
]);

/**
 * What the model fills for a document (.docx) and for a PDF: a title, then blocks in order:
 * headings, paragraphs, bullet lists and tables.
 */
export const documentSpecSchema = z.object({
  title: z.string().min(1).max(500),
  blocks: z.array(blockSchema).max(2000),
});

export type DocumentSpec = z.infer<typeof documentSpecSchema>;
export type DocumentBlock = z.infer<typeof blockSchema>;
export type TableSpec = z.infer<typeof tableSchema>;
