import { Document, Packer, Paragraph } from 'docx';
import ExcelJS from 'exceljs';
import { PDFDocument, StandardFonts } from 'pdf-lib';
import { writeZip } from './zip-writer.ts';

/** Real documents, made by the libraries people make them with. */
export async function makeDocx(paragraphs: string[]): Promise<Buffer> {
  const doc = new Document({ sections: [{ children: paragraphs.map((p) => new Paragraph(p)) }] });
  return Packer.toBuffer(doc);
}

export async function makeXlsx(sheets: Record<string, Array<Array<string | number>>>): Promise<Buffer> {
  const workbook = new ExcelJS.Workbook();
  for (const [name, rows] of Object.entries(sheets)) workbook.addWorksheet(name).addRows(rows);
  return Buffer.from(await workbook.xlsx.writeBuffer());
}

/** A PDF with a text layer: one page per entry (Helvetica, so Latin text only). */
export async function makePdf(pages: string[]): Promise<Buffer> {
  const pdf = await PDFDocument.create();
  const font = await pdf.embedFont(StandardFonts.Helvetica);
  for (const text of pages) {
    const page = pdf.addPage([595, 842]);
    page.drawText(text, { x: 50, y: 780, size: 12, font });
  }
  return Buffer.from(await pdf.save());
}

/** A PDF of drawings only, like a scan: pages but no text layer. */
export async function makeImageOnlyPdf(): Promise<Buffer> {
  const pdf = await PDFDocument.create();
  const page = pdf.addPage([595, 842]);
  page.drawRectangle({ x: 50, y: 50, width: 400, height: 600 });
  page.drawCircle({ x: 300, y: 400, size: 100 });
  return Buffer.from(await pdf.save());
}

const docxContentTypes = `<?xml version="1.0" encoding="UTF-8"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>`;

/**
 * A DOCX-shaped zip bomb: a tiny file whose `word/document.xml` inflates to `inflatedBytes`.
 * `lie` writes a small uncompressed size in the headers, to get past a check of declared sizes.
 */
export function makeDocxBomb(inflatedBytes: number, lie = false): Buffer {
  const filler = Buffer.alloc(inflatedBytes, 0x20);
  return writeZip([
    { name: '[Content_Types].xml', data: Buffer.from(docxContentTypes) },
    { name: 'word/document.xml', data: filler, ...(lie ? { declaredSize: 1000 } : {}) },
  ]);
}
