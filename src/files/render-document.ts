import {
  AlignmentType,
  Document,
  HeadingLevel,
  LevelFormat,
  Packer,
  Paragraph,
  Table,
  TableCell,
  TableRow,
  TextRun,
  WidthType,
} from 'docx';
import type { DocumentBlock, DocumentSpec, TableSpec } from './document-spec.ts';

const headingLevels = [HeadingLevel.HEADING_1, HeadingLevel.HEADING_2, HeadingLevel.HEADING_3] as const;

/**
 * Renders a document spec to .docx with `docx`: the title as a Title paragraph, headings as
 * Heading 1–3 (so Word and LibreOffice build an outline from them), bullet and numbered lists,
 * and tables with a bold header row.
 */
export function renderDocument(spec: DocumentSpec): Promise<Buffer> {
  const children: Array<Paragraph | Table> = [
    new Paragraph({ text: spec.title, heading: HeadingLevel.TITLE }),
  ];
  let list = 0;
  for (const block of spec.blocks) children.push(...blockParts(block, () => list++));
  const document = new Document({
    creator: 'Agent Runs',
    title: spec.title,
    numbering: {
      config: Array.from({ length: Math.max(1, list) }, (_, i) => ({
        reference: `numbered-${i}`,
        levels: [{ level: 0, format: LevelFormat.DECIMAL, text: '%1.', alignment: AlignmentType.START }],
      })),
    },
    sections: [{ children }],
  });
  return Packer.toBuffer(document);
}

function blockParts(block: DocumentBlock, nextList: () => number): Array<Paragraph | Table> {
  switch (block.type) {
    case 'heading':
      return [
        new Paragraph({
          text: block.text,
          heading: headingLevels[block.level - 1] ?? HeadingLevel.HEADING_1,
        }),
      ];
    case 'paragraph':
      return [new Paragraph({ text: block.text })];
    case 'bullets': {
      const reference = block.ordered ? `numbered-${nextList()}` : undefined;
      return block.items.map((item) =>
        reference
          ? new Paragraph({ text: item, numbering: { reference, level: 0 } })
          : new Paragraph({ text: item, bullet: { level: 0 } }),
      );
    }
    case 'table':
      return [docxTable(block.table)];
    default: {
      const unreachable: never = block;
      return unreachable;
    }
  }
}

function docxTable(table: TableSpec): Table {
  const row = (cells: ReadonlyArray<string | number | null>, header: boolean) =>
    new TableRow({
      tableHeader: header,
      children: table.columns.map(
        (_, i) =>
          new TableCell({
            children: [
              new Paragraph({ children: [new TextRun({ text: String(cells[i] ?? ''), bold: header })] }),
            ],
          }),
      ),
    });
  return new Table({
    width: { size: 100, type: WidthType.PERCENTAGE },
    rows: [row(table.columns, true), ...table.rows.map((cells) => row(cells, false))],
  });
}
