import fs from 'node:fs';
import PDFDocument from 'pdfkit';
import type { DocumentBlock, DocumentSpec, TableSpec } from './document-spec.ts';

/**
 * PDF's 14 standard fonts cover Western European text only (WinAnsi); where DejaVu Sans is
 * installed (Debian's fonts-dejavu-core, present wherever LibreOffice is), it is embedded instead so
 * any text the model writes shows.
 */
const unicodeFonts = {
  regular: '/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf',
  bold: '/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf',
};

const headingSizes = [18, 15, 13] as const;

/**
 * Renders a document spec (the one .docx uses) to PDF with pdfkit: A4, the title large, headings
 * in bold by level, paragraphs, bullet and numbered lists, and ruled tables.
 */
export function renderPdf(spec: DocumentSpec, createdAt: Date): Promise<Buffer> {
  const pdf = new PDFDocument({
    size: 'A4',
    margin: 56,
    info: { Title: spec.title, Creator: 'Agent Runs', CreationDate: createdAt, ModDate: createdAt },
  });
  const done = new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    pdf.on('data', (chunk: Buffer) => chunks.push(chunk));
    pdf.on('end', () => resolve(Buffer.concat(chunks)));
    pdf.on('error', reject);
  });
  const unicode = fs.existsSync(unicodeFonts.regular) && fs.existsSync(unicodeFonts.bold);
  pdf.registerFont('body', unicode ? unicodeFonts.regular : 'Helvetica');
  pdf.registerFont('bold', unicode ? unicodeFonts.bold : 'Helvetica-Bold');

  pdf.font('bold').fontSize(22).text(spec.title).moveDown(0.8);
  for (const block of spec.blocks) writeBlock(pdf, block);
  pdf.end();
  return done;
}

function writeBlock(pdf: PDFKit.PDFDocument, block: DocumentBlock): void {
  switch (block.type) {
    case 'heading':
      pdf
        .font('bold')
        .fontSize(headingSizes[block.level - 1] ?? 13)
        .text(block.text)
        .moveDown(0.4);
      return;
    case 'paragraph':
      pdf.font('body').fontSize(11).text(block.text).moveDown(0.6);
      return;
    case 'bullets':
      pdf
        .font('body')
        .fontSize(11)
        .list(block.items, {
          listType: block.ordered ? 'numbered' : 'bullet',
          bulletRadius: 2,
        } as PDFKit.Mixins.TextOptions)
        .moveDown(0.6);
      return;
    case 'table':
      writeTable(pdf, block.table);
      return;
    default: {
      const unreachable: never = block;
      throw new Error(`unknown block ${JSON.stringify(unreachable)}`);
    }
  }
}

function writeTable(pdf: PDFKit.PDFDocument, table: TableSpec): void {
  const data = [
    table.columns.map((text) => ({ text, font: { src: 'bold' } })),
    ...table.rows.map((row) => table.columns.map((_, i) => ({ text: String(row[i] ?? '') }))),
  ];
  pdf.font('body').fontSize(10);
  pdf.table({ data, position: { x: pdf.page.margins.left } });
  pdf.moveDown(0.6);
}
