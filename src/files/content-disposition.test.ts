import { describe, expect, it } from 'vitest';
import { contentDisposition } from './content-disposition.ts';

describe('contentDisposition', () => {
  it('sends an ASCII name as is in both parameters', () => {
    expect(contentDisposition('attachment', 'report.xlsx')).toBe(
      `attachment; filename="report.xlsx"; filename*=UTF-8''report.xlsx`,
    );
  });

  it('percent-encodes UTF-8 in filename* and replaces what a quoted fallback cannot hold', () => {
    expect(contentDisposition('inline', 'Q1 "final" — Zürich (v2)\\.pdf')).toBe(
      `inline; filename="Q1 _final_ _ Z_rich (v2)_.pdf"; filename*=UTF-8''Q1%20%22final%22%20%E2%80%94%20Z%C3%BCrich%20%28v2%29%5C.pdf`,
    );
  });
});
