import { z } from 'zod';

/** A formula cell: `SUM(B2:B4)` (a leading `=` is accepted and dropped). */
export const formulaCellSchema = z.object({
  formula: z.string().min(1).max(8000),
});

export const cellSchema = z.union([
  z.string().max(32_767),
  z.number(),
  z.boolean(),
  z.null(),
  formulaCellSchema,
]);

export const columnSchema = z.object({
  header: z.string().min(1).max(255),
  /** Width in characters. */
  width: z.number().min(1).max(255).optional(),
  /** An Excel number format for the column's cells, e.g. `#,##0.00` or `0%`. */
  numberFormat: z.string().min(1).max(255).optional(),
});

export const sheetSchema = z
  .object({
    /** Excel's rules: at most 31 characters, none of `[]:*?/\`, no `'` first or last, not `History`. */
    name: z
      .string()
      .min(1)
      .max(31)
      .regex(/^[^[\]:*?/\\]+$/, 'must not contain [ ] : * ? / or \\')
      .refine((name) => !/^'|'$/.test(name), "must not begin or end with '")
      .refine(
        (name) => name.toLowerCase() !== 'history',
        'must not be History (Excel keeps that name for itself)',
      ),
    columns: z.array(columnSchema).min(1).max(200),
    rows: z.array(z.array(cellSchema).max(200)).max(10_000),
  })
  .superRefine((sheet, ctx) => {
    sheet.rows.forEach((row, r) => {
      if (row.length > sheet.columns.length)
        ctx.addIssue({
          code: 'custom',
          path: ['rows', r],
          message: `has ${row.length} cells but the sheet has ${sheet.columns.length} columns`,
        });
    });
  });

/** What the model fills for a spreadsheet (.xlsx): sheets of columns and rows. */
export const spreadsheetSpecSchema = z
  .object({
    sheets: z.array(sheetSchema).min(1).max(20),
  })
  .superRefine((spec, ctx) => {
    const seen = new Set<string>();
    spec.sheets.forEach((sheet, i) => {
      const name = sheet.name.toLowerCase();
      if (seen.has(name))
        ctx.addIssue({
          code: 'custom',
          path: ['sheets', i, 'name'],
          message: `duplicate sheet "${sheet.name}"`,
        });
      seen.add(name);
    });
  });

export type SpreadsheetSpec = z.infer<typeof spreadsheetSpecSchema>;
export type Cell = z.infer<typeof cellSchema>;
