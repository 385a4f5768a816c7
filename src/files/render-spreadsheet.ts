import ExcelJS from 'exceljs';
import type { Cell, SpreadsheetSpec } from './spreadsheet-spec.ts';
import { dateZipEntries } from './zip-entry-dates.ts';

/**
 * Renders a spreadsheet spec to .xlsx with exceljs: one worksheet per sheet, a bold frozen header
 * row, column widths and number formats, and formulas (Excel and LibreOffice compute them on open).
 * `createdAt` is the workbook's creation time and every zip entry's date, so the same spec at the
 * same time gives the same bytes.
 */
export async function renderSpreadsheet(spec: SpreadsheetSpec, createdAt: Date): Promise<Buffer> {
  const workbook = new ExcelJS.Workbook();
  workbook.creator = 'Agent Runs';
  workbook.created = createdAt;
  workbook.modified = createdAt;
  for (const sheet of spec.sheets) {
    const worksheet = workbook.addWorksheet(sheet.name, { views: [{ state: 'frozen', ySplit: 1 }] });
    worksheet.columns = sheet.columns.map((column) => ({
      header: column.header,
      width: column.width ?? Math.min(60, Math.max(10, column.header.length + 2)),
      ...(column.numberFormat ? { style: { numFmt: column.numberFormat } } : {}),
    }));
    worksheet.getRow(1).font = { bold: true };
    for (const row of sheet.rows) worksheet.addRow(row.map(cellValue));
  }
  const bytes = await workbook.xlsx.writeBuffer();
  return dateZipEntries(Buffer.from(bytes as ArrayBuffer), createdAt);
}

function cellValue(cell: Cell): ExcelJS.CellValue {
  if (cell !== null && typeof cell === 'object')
    return { formula: cell.formula.replace(/^=/, '') } as ExcelJS.CellFormulaValue;
  return cell;
}
