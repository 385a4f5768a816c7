import ExcelJS from 'exceljs';
import JSZip from 'jszip';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { renderSpreadsheet } from './render-spreadsheet.ts';
import type { SpreadsheetSpec } from './spreadsheet-spec.ts';
import { dateZipEntries } from './zip-entry-dates.ts';

const spec: SpreadsheetSpec = {
  sheets: [{ name: 'Data', columns: [{ header: 'Customer' }, { header: 'Total' }], rows: [['Acme', 12]] }],
};
const at = new Date('2026-01-02T03:04:06Z');

describe('renderSpreadsheet', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('gives the same bytes for the same spec and time, whatever the clock says when it renders', async () => {
    vi.useFakeTimers({ toFake: ['Date'], now: new Date('2026-11-28T10:00:00Z') });
    const first = await renderSpreadsheet(spec, at);
    vi.setSystemTime(new Date('2026-11-28T10:00:07Z'));
    const second = await renderSpreadsheet(spec, at);
    expect(second.equals(first)).toBe(true);

    // Every entry is dated `at`, and the workbook still opens with its cells.
    const zip = await JSZip.loadAsync(first);
    const dates = Object.values(zip.files).map((file) => file.date.toISOString());
    expect(dates.length).toBeGreaterThan(5);
    expect(new Set(dates)).toEqual(new Set([at.toISOString()]));
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(first as unknown as ArrayBuffer);
    expect(workbook.getWorksheet('Data')?.getCell('A2').value).toBe('Acme');
  });

  it('refuses to date bytes that are not a ZIP archive, naming why', () => {
    expect(() => dateZipEntries(Buffer.from('not a zip archive, just some text'), at)).toThrow(
      'not a ZIP archive: no end of central directory',
    );
  });
});
