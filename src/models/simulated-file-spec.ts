import type { DocumentBlock, DocumentSpec, TableSpec } from '../files/document-spec.ts';
import type { FileKind } from '../files/file-kind.ts';
import type { FileSpecs } from '../files/file-spec.ts';
import type { ImageSpec } from '../files/image-spec.ts';
import type { PresentationSpec } from '../files/presentation-spec.ts';
import type { Cell, SpreadsheetSpec } from '../files/spreadsheet-spec.ts';

/**
 * The simulated model's answer to a file step: a spec of the asked kind read off the prompt, so a
 * test (or a demo) asks for exactly the cells and paragraphs it then finds in the file:
 * - the first plain line is the title; later plain lines are paragraphs;
 * - lines starting with `- ` or `* ` are bullets;
 * - lines with `|` are a table, the first of them its header (`---` rulers are skipped);
 *   cells that are numbers become numbers;
 * - `800x600` anywhere sets an image's size (default 640x400).
 * Every kind carries the same content: a spreadsheet's first sheet is the table plus a `Total` row
 * of SUM formulas under its numeric columns; a document (or PDF) has the title, the paragraphs,
 * the bullets and the table; a presentation has an overview slide, a table slide and a chart slide;
 * an image is a bar chart of the table's first numeric column.
 */
export function simulatedFileSpec(kind: FileKind, prompt: string, digest: string): FileSpecs[FileKind] {
  const read = readPrompt(prompt, digest);
  switch (kind) {
    case 'spreadsheet':
      return spreadsheetOf(read);
    case 'document':
    case 'pdf':
      return documentOf(read);
    case 'presentation':
      return presentationOf(read);
    case 'image':
      return imageOf(read, prompt);
    default: {
      const unreachable: never = kind;
      return unreachable;
    }
  }
}

/**
 * The `simulated/bad-file-spec` model's answer: the right spec with one field broken, so a test
 * sees the step fail with the path of what broke.
 */
export function brokenFileSpec(kind: FileKind, prompt: string, digest: string): unknown {
  const spec = structuredClone(simulatedFileSpec(kind, prompt, digest)) as unknown as Record<string, unknown>;
  switch (kind) {
    case 'spreadsheet':
      return { ...spec, sheets: [{ ...(spec.sheets as object[])[0], name: 'Q1/Q2' }] };
    case 'document':
    case 'pdf':
      return { ...spec, blocks: [{ type: 'heading', text: 'Too deep', level: 7 }] };
    case 'presentation':
      return { ...spec, slides: [] };
    case 'image':
      return { ...spec, width: 'wide' };
    default: {
      const unreachable: never = kind;
      return unreachable;
    }
  }
}

interface ReadPrompt {
  title: string;
  paragraphs: string[];
  bullets: string[];
  table: TableSpec;
  digest: string;
}

function readPrompt(prompt: string, digest: string): ReadPrompt {
  const lines = prompt
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean);
  const plain: string[] = [];
  const bullets: string[] = [];
  const tableLines: string[][] = [];
  for (const line of lines) {
    if (/^[-*]\s+/.test(line)) bullets.push(line.replace(/^[-*]\s+/, ''));
    else if (line.includes('|')) {
      if (/^\|?[\s:|-]+\|?$/.test(line)) continue;
      tableLines.push(
        line
          .replace(/^\||\|$/g, '')
          .split('|')
          .map((cell) => cell.trim()),
      );
    } else plain.push(line);
  }
  const [title = `Simulated file ${digest}`, ...paragraphs] = plain;
  const [header, ...rows] = tableLines;
  const table: TableSpec = header
    ? {
        columns: header.map((h, i) => h || `Column ${i + 1}`),
        rows: rows.map((row) => header.map((_, i) => numberOrText(row[i] ?? ''))),
      }
    : wordTable(prompt);
  return { title: title.slice(0, 200), paragraphs, bullets, table, digest };
}

/** With no table in the prompt: its first distinct words and their lengths. */
function wordTable(prompt: string): TableSpec {
  const words = [...new Set(prompt.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [])].slice(0, 5);
  return { columns: ['Word', 'Letters'], rows: (words.length ? words : ['empty']).map((w) => [w, w.length]) };
}

function numberOrText(cell: string): string | number {
  return /^-?\d+(\.\d+)?$/.test(cell) ? Number(cell) : cell;
}

function numericColumns(table: TableSpec): number[] {
  return table.columns
    .map((_, i) => i)
    .filter((i) => table.rows.length > 0 && table.rows.every((row) => typeof row[i] === 'number'));
}

/** `0` → `A`, `27` → `AB`. */
function columnLetter(index: number): string {
  let n = index + 1;
  let out = '';
  while (n > 0) {
    out = String.fromCharCode(65 + ((n - 1) % 26)) + out;
    n = Math.floor((n - 1) / 26);
  }
  return out;
}

function spreadsheetOf(read: ReadPrompt): SpreadsheetSpec {
  const numeric = new Set(numericColumns(read.table));
  const rows: Cell[][] = read.table.rows.map((row) => read.table.columns.map((_, i) => row[i] ?? null));
  if (numeric.size > 0) {
    const last = rows.length + 1;
    rows.push(
      read.table.columns.map((_, i) =>
        numeric.has(i)
          ? { formula: `SUM(${columnLetter(i)}2:${columnLetter(i)}${last})` }
          : i === 0
            ? 'Total'
            : null,
      ),
    );
  }
  return {
    sheets: [
      {
        name: 'Data',
        columns: read.table.columns.map((header, i) => ({
          header,
          ...(numeric.has(i) ? { numberFormat: '#,##0.00' } : {}),
        })),
        rows,
      },
      {
        name: 'Notes',
        columns: [{ header: read.title.slice(0, 255) || 'Notes', width: 60 }],
        rows: [...read.paragraphs, ...read.bullets, `Simulated answer ${read.digest}`].map((line) => [line]),
      },
    ],
  };
}

function documentOf(read: ReadPrompt): DocumentSpec {
  const blocks: DocumentBlock[] = [{ type: 'heading', text: 'Summary', level: 1 }];
  for (const text of read.paragraphs) blocks.push({ type: 'paragraph', text });
  if (read.bullets.length > 0) blocks.push({ type: 'bullets', items: read.bullets, ordered: false });
  blocks.push({ type: 'heading', text: 'Data', level: 2 }, { type: 'table', table: read.table });
  blocks.push({ type: 'paragraph', text: `Simulated answer ${read.digest}` });
  return { title: read.title, blocks };
}

function presentationOf(read: ReadPrompt): PresentationSpec {
  const numeric = numericColumns(read.table);
  const valueColumn = numeric[0];
  const labelColumn = read.table.columns.findIndex((_, i) => !numeric.includes(i));
  const overview = [...read.bullets, ...read.paragraphs].slice(0, 8);
  return {
    title: read.title,
    subtitle: `Simulated answer ${read.digest}`,
    slides: [
      {
        title: 'Overview',
        bullets: overview.length > 0 ? overview : [read.title],
        notes: read.paragraphs.join('\n') || read.title,
      },
      { title: 'Data', bullets: [], table: read.table },
      ...(valueColumn === undefined
        ? []
        : [
            {
              title: read.table.columns[valueColumn] ?? 'Chart',
              bullets: [],
              chart: {
                type: 'bar' as const,
                labels: read.table.rows.map((row, r) => String(row[labelColumn] ?? r + 1)),
                series: [
                  {
                    name: read.table.columns[valueColumn] ?? 'Value',
                    values: read.table.rows.map((row) => Number(row[valueColumn] ?? 0)),
                  },
                ],
              },
            },
          ]),
    ],
  };
}

function imageOf(read: ReadPrompt, prompt: string): ImageSpec {
  const size = /\b(\d{2,4})\s*[x×]\s*(\d{2,4})\b/.exec(prompt);
  const numeric = numericColumns(read.table);
  const valueColumn = numeric[0] ?? 0;
  const labelColumn = Math.max(
    0,
    read.table.columns.findIndex((_, i) => !numeric.includes(i)),
  );
  const label = read.table.columns[labelColumn] ?? 'Label';
  const value = read.table.columns[valueColumn] ?? 'Value';
  // A chart needs a bar: a table with a header and no rows draws one empty bar.
  const rows = read.table.rows.length > 0 ? read.table.rows : [read.table.columns.map(() => '')];
  return {
    width: clamp(Number(size?.[1] ?? 640)),
    height: clamp(Number(size?.[2] ?? 400)),
    background: '#ffffff',
    chart: {
      title: read.title,
      mark: 'bar',
      data: {
        values: rows.map((row) => ({
          [label]: String(row[labelColumn] ?? ''),
          [value]: typeof row[valueColumn] === 'number' ? row[valueColumn] : 0,
        })),
      },
      encoding: {
        x: { field: label, type: 'nominal' },
        y: { field: value, type: 'quantitative' },
      },
    },
  };
}

function clamp(pixels: number): number {
  return Math.min(4096, Math.max(64, pixels));
}
