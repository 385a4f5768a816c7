import { describe, expect, it } from 'vitest';
import { sanitizeFileName } from './sanitize-file-name.ts';

describe('sanitizeFileName', () => {
  it('keeps the last path segment only', () => {
    expect(sanitizeFileName('../../etc/passwd')).toBe('passwd');
    expect(sanitizeFileName('C:\\Users\\x\\report.pdf')).toBe('report.pdf');
    expect(sanitizeFileName('..')).toBe('document');
    expect(sanitizeFileName('a/..')).toBe('a');
  });

  it('removes controls and bidi overrides that disguise an extension', () => {
    expect(sanitizeFileName('invoice\u202Efdp.exe')).toBe('invoicefdp.exe');
    expect(sanitizeFileName('line\nbreak\u0000.txt')).toBe('linebreak.txt');
  });

  it('keeps Unicode and right-to-left names, normalized', () => {
    expect(sanitizeFileName('דוח שנתי.docx')).toBe('דוח שנתי.docx');
    expect(sanitizeFileName('Cafe\u0301.md')).toBe('Café.md');
  });

  it('drops leading dots and never returns an empty name', () => {
    expect(sanitizeFileName('.htaccess')).toBe('htaccess');
    expect(sanitizeFileName('   ')).toBe('document');
  });
});
